"""Stopping a local app stops its whole process tree (not only the group leader), reaps what
it can, and returns only when the app's port is free, so a restart keeps its port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.conftest import free_port
from tests.support.waiting import wait_until
from tmux_builder.pulumi_programs.local.processes import (
    app_is_alive,
    app_tree,
    port_answers,
    port_is_free,
    stop_app,
)

pytestmark = pytest.mark.slow

# A grandchild that holds the port and ignores SIGTERM, below a parent that ignores it too:
# the shape of `npm start` -> sh -> node at its most stubborn.
SERVER = (
    "import signal, socket, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', {port})); s.listen()\n"
    "time.sleep(600)\n"
)


def _start(command: str) -> tuple[subprocess.Popen[bytes], float]:
    process = subprocess.Popen(["sh", "-c", command], start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, psutil.Process(process.pid).create_time()


def _wait(condition: Callable[[], object], timeout: float = 15) -> None:
    wait_until(condition, timeout=timeout, interval=0.05, what="the app's processes")


def _server(tmp_path: Path) -> tuple[Path, int]:
    port = free_port()
    script = tmp_path / "server.py"
    script.write_text(SERVER.format(port=port), encoding="utf-8")
    return script, port


def test_whole_tree_stopped_and_port_freed(tmp_path: Path) -> None:
    script, port = _server(tmp_path)
    leader, started = _start(f"trap '' TERM; {sys.executable} {script}; sleep 600")
    _wait(lambda: port_answers(port))
    tree = app_tree(leader.pid, started)
    assert len(tree) == 2, [p.cmdline() for p in tree]

    began = time.monotonic()
    stop_app(leader.pid, started, port, grace=1.0)
    assert time.monotonic() - began >= 1.0, "SIGTERM was ignored: SIGKILL after the grace"
    assert port_is_free(port)
    assert leader.poll() is not None, "our own child is reaped, not left a zombie"
    for process in tree:
        assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE


def test_member_of_a_dead_leader_is_still_found(tmp_path: Path) -> None:
    """The leader exits first (as `npm start` may): its orphaned child stays in the group."""
    script, port = _server(tmp_path)
    leader, started = _start(f"{sys.executable} {script} & sleep 0.5")
    _wait(lambda: port_answers(port))
    leader.wait(timeout=15)
    assert not app_is_alive(leader.pid, started)
    orphans = app_tree(leader.pid, started)
    assert len(orphans) == 1 and "server.py" in " ".join(orphans[0].cmdline())

    stop_app(leader.pid, started, port, grace=0.5)
    assert port_is_free(port)
    assert not orphans[0].is_running() or orphans[0].status() == psutil.STATUS_ZOMBIE


def test_a_reused_pid_is_left_alone() -> None:
    """A pid whose creation time is not the recorded one belongs to someone else."""
    other, started = _start("sleep 600")
    try:
        assert app_tree(other.pid, started - 3600) == []
        stop_app(other.pid, started - 3600, grace=0.2)
        assert other.poll() is None, "someone else's process must not be signalled"
    finally:
        # The whole group: `sh -c` may keep `sleep` as its child instead of exec'ing it.
        os.killpg(other.pid, signal.SIGKILL)
        other.wait()
