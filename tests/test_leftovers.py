"""The session-end check fails a run that leaves a process (and its port) behind, names it,
and stops it; a clean run passes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LEAKY = '''
import socket
import subprocess
import sys


def test_leaves_a_server_running():
    subprocess.Popen([sys.executable, "-c",
                      "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
                      "s.listen(); time.sleep(120)"], start_new_session=True)
'''
CLEAN = '''
import subprocess


def test_waits_for_what_it_starts():
    subprocess.run(["true"], check=True)
'''


def _run(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_inner.py"
    test.write_text(body, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-c", str(tmp_path / "pytest.ini"),
         "--basetemp", str(tmp_path / "inner"), str(test)],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
def test_a_leftover_process_fails_the_run(tmp_path: Path) -> None:
    leaky = _run(tmp_path, LEAKY)
    assert leaky.returncode == 1, leaky.stdout + leaky.stderr
    assert "1 passed" in leaky.stdout and "left 1 process(es) running" in leaky.stdout
    assert "listening on" in leaky.stdout and "time.sleep(120)" in leaky.stdout


@pytest.mark.slow
def test_a_clean_run_passes(tmp_path: Path) -> None:
    clean = _run(tmp_path, CLEAN)
    assert clean.returncode == 0, clean.stdout + clean.stderr
