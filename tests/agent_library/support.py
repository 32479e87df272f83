"""Helpers to drive the offline agent over stdin and serve what it builds."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.waiting import wait_until
from tmux_builder.agent_library import render_prompt

INSTRUCTION = "Read and execute the prompt in prompts/current.txt"
WORKSPACE_DIRS = (".claude", "source", "deployment/tests", "logs", "prompts", "output", "state")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_workspace(base: Path, *, site_type: str, requirements: str,
                   provider: str = "local") -> Path:
    workspace = base / "users" / "u1" / "sessions" / "sess_20260101_000000_abcd"
    for folder in WORKSPACE_DIRS:
        (workspace / folder).mkdir(parents=True, exist_ok=True)
    config = {
        "user_id": "u1",
        "session_id": "sess_20260101_000000_abcd",
        "execution_id": "u1_sess_20260101_000000_abcd",
        "host_provider": provider,
        "site_type": site_type,
        "requirements": requirements,
        "stack_name": "u1_sess_20260101_000000_abcd",
    }
    (workspace / "deployment" / "config.json").write_text(json.dumps(config))
    return workspace


def autonomous_prompt(workspace: Path, phase: str) -> str:
    config = json.loads((workspace / "deployment" / "config.json").read_text())
    return render_prompt(
        "autonomous_agent",
        phase=phase,
        requirements=config["requirements"],
        site_type=config["site_type"],
        host_provider=config["host_provider"],
        session_id=config["session_id"],
        workspace=str(workspace),
    )


def refinement_prompt(workspace: Path, message: str, build: str = "1") -> str:
    config = json.loads((workspace / "deployment" / "config.json").read_text())
    return render_prompt(
        "refinement_mode",
        message=message,
        site_type=config["site_type"],
        host_provider=config["host_provider"],
        build_number=build,
        workspace=str(workspace),
    )


class AgentProcess:
    """The offline agent as a child process; one instruction at a time over stdin."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.status = workspace / "output" / "status.txt"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tmux_builder.agent_library.offline_agent"],
            cwd=workspace,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def _status_lines(self) -> list[str]:
        return self.status.read_text().splitlines() if self.status.exists() else []

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def run(self, prompt: str, timeout: float = 30) -> str:
        """Write the prompt file, send the fixed instruction, return the new status line."""
        before = len(self._status_lines())
        (self.workspace / "prompts" / "current.txt").write_text(prompt)
        self.send(INSTRUCTION)

        def new_line() -> str | None:
            lines = self._status_lines()
            if len(lines) > before:
                return lines[before]
            if self.process.poll() is not None:
                raise AssertionError(f"agent exited with {self.process.returncode}")
            return None

        return wait_until(new_line, timeout=timeout, what="the agent's status line")

    def close(self, timeout: float = 10) -> tuple[int, str]:
        """Send EOF; return the exit code and everything the agent printed."""
        output, _ = self.process.communicate(timeout=timeout)
        return self.process.returncode, output


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    wait_until(answers, timeout=timeout, interval=0.1, what=f"{url} to answer")


@contextmanager
def serve_site(workspace: Path, runtime: str) -> Iterator[str]:
    """Serve `source/` like the platform would: static files, `node server.js` or `app.py`."""
    port = free_port()
    source = workspace / "source"
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1"}
    commands = {
        "static": [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        "node": ["node", "server.js"],
        "python": [sys.executable, "app.py"],
    }
    process = subprocess.Popen(commands[runtime], cwd=source, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_http(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_e2e(workspace: Path, url: str) -> subprocess.CompletedProcess[str]:
    """Run the agent's `deployment/tests/e2e_test.py` with pytest against `url`."""
    tests = workspace / "deployment" / "tests"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tests),
         str(tests / "e2e_test.py")],
        cwd=workspace,
        env={**os.environ, "SITE_URL": url},
        capture_output=True,
        text=True,
        timeout=90,
    )
