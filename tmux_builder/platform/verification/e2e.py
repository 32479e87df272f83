"""E2E: run the agent's pytest file against the live site in a subprocess with a timeout.

The child gets a minimal environment (no platform secrets), its own process group so a timeout
kills it together with any browser it started, and writes a JUnit XML report that we turn
into ``results.json``. With a sandbox it runs under bubblewrap as the sandbox user, seeing its
test folder read-only and its results folder read-write (the agent wrote those tests from the
user's words). Problems with the run itself are results, never exceptions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from tmux_builder.platform.agent.sandbox import Sandbox
from tmux_builder.platform.verification.browser import CHROMIUM_PATH
from tmux_builder.platform.verification.junit import Counts, TestOutcome, count, read_report
from tmux_builder.platform.verification.urls import require_http_url, require_positive

RESULTS_NAME = "results.json"
REPORT_NAME = "report.xml"
LOG_NAME = "pytest.log"
_PASSED_ENV = ("PATH", "HOME", "LANG", "PYTHONPATH")
_KILL_GRACE = 3.0


@dataclass(frozen=True)
class E2EResult:
    passed: bool
    total: int
    failed: int
    skipped: int
    duration: float
    results_path: Path
    report_path: Path | None
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "total": self.total,
            "failed": self.failed,
            "skipped": self.skipped,
            "duration": self.duration,
            "results_path": str(self.results_path),
            "report_path": str(self.report_path) if self.report_path else None,
            "reason": self.reason,
        }


def run_e2e_tests(test_file: Path, url: str, out_dir: Path, *, timeout: float = 300,
                  sandbox: Sandbox | None = None) -> E2EResult:
    require_http_url(url)
    require_positive(timeout, "timeout")
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / REPORT_NAME
    report.unlink(missing_ok=True)
    if not test_file.is_file():
        return _finish(out_dir, [], 0.0, None, f"the test file {test_file} does not exist", url)

    started = time.monotonic()
    returncode = _run_pytest(test_file.resolve(), url, report, out_dir / LOG_NAME, timeout,
                             sandbox or Sandbox(enabled=False))
    duration = round(time.monotonic() - started, 3)
    outcomes = read_report(report)
    reason = _reason(returncode, count(outcomes), outcomes, timeout)
    return _finish(out_dir, outcomes, duration, report if report.is_file() else None, reason, url)


def child_env(url: str) -> dict[str, str]:
    """The only variables the test process sees."""
    env = {name: os.environ[name] for name in _PASSED_ENV if name in os.environ}
    env.setdefault("PATH", os.defpath)
    # pytest loads no plugin it finds installed: those beside it are the platform's own test
    # tools (hypothesis, schemathesis, libtmux ...), not the site's, and cost a CPU-second.
    env.update(SITE_URL=url, CHROMIUM_PATH=CHROMIUM_PATH, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    return env


def _run_pytest(test_file: Path, url: str, report: Path, log: Path, timeout: float,
                sandbox: Sandbox) -> int | None:
    """Run pytest and return its exit code, or ``None`` when it ran out of time."""
    command = [
        sys.executable, "-B", "-m", "pytest", str(test_file),
        f"--junitxml={report}", "-o", "junit_family=xunit2",
        "-c", os.devnull, f"--rootdir={test_file.parent}", f"--confcutdir={test_file.parent}",
        "-p", "no:cacheprovider", "-q", "-rA",
    ]
    sandbox.hand_over(report.parent)
    command = sandbox.wrap(command, cwd=test_file.parent, writable=[report.parent],
                           readable=[test_file.parent])
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=test_file.parent, env=child_env(url), stdin=subprocess.DEVNULL,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(process)
            return None


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """Stop the process group, then anything that left it (a browser may start its own)."""
    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=_KILL_GRACE)
            break
        except subprocess.TimeoutExpired:
            continue
    survivors = _running(descendants)
    for child in survivors:
        with suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(_running(survivors), timeout=_KILL_GRACE)
    process.wait()


def _running(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still alive; a killed orphan stays a zombie until init reaps it, so skip those."""
    alive = []
    for item in processes:
        with suppress(psutil.NoSuchProcess):
            if item.status() != psutil.STATUS_ZOMBIE:
                alive.append(item)
    return alive


def _reason(
    returncode: int | None, counts: Counts, outcomes: list[TestOutcome], timeout: float
) -> str | None:
    if returncode is None:
        return f"timed out after {timeout:g} s"
    if counts.failed:
        names = ", ".join(item.name for item in outcomes if item.outcome in ("failed", "error"))
        return f"{counts.failed} of {counts.total} tests failed: {names}"
    if returncode == 5 or counts.total == 0:
        return "no tests were collected"
    if returncode != 0:
        return f"pytest stopped with exit code {returncode}; see {LOG_NAME}"
    if counts.passed == 0:
        return "every test was skipped"
    return None


def _finish(
    out_dir: Path,
    outcomes: list[TestOutcome],
    duration: float,
    report: Path | None,
    reason: str | None,
    url: str,
) -> E2EResult:
    counts = count(outcomes)
    results_path = out_dir / RESULTS_NAME
    result = E2EResult(
        passed=reason is None,
        total=counts.total,
        failed=counts.failed,
        skipped=counts.skipped,
        duration=duration,
        results_path=results_path,
        report_path=report,
        reason=reason,
    )
    document = {
        **result.to_dict(),
        "url": url,
        "counts": asdict(counts),
        "tests": [item.to_dict() for item in outcomes],
    }
    results_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return result
