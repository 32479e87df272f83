"""Starting, checking and stopping a local app process on 127.0.0.1.

The app runs in its own session (process group) so it outlives the provider process that
started it and can be stopped as a whole (``npm start`` forks a shell and node)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

_LOCALHOST = "127.0.0.1"
_CREATE_TIME_TOLERANCE = 0.05
_LOG_TAIL = 2000
# The app gets only these from the platform's environment: never a platform secret.
_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "npm_config_cache")


@dataclass(frozen=True)
class RunningApp:
    pid: int
    port: int
    started_at: float


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_LOCALHOST, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((_LOCALHOST, port))
        except OSError:
            return False
    return True


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection((_LOCALHOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def app_environment(port: int, deps_dir: Path) -> dict[str, str]:
    env = {key: os.environ[key] for key in _PASSED_ENV if key in os.environ}
    env.update(
        PORT=str(port),
        HOST=_LOCALHOST,
        NODE_PATH=str(deps_dir / "node_modules"),
        PYTHONUNBUFFERED="1",
    )
    return env


def start_app(
    command: list[str],
    app_dir: Path,
    deps_dir: Path,
    log_file: Path,
    timeout: float,
    port: int | None = None,
) -> RunningApp:
    """Start the app and wait until its port accepts connections; fail with its log tail."""
    if port is None or not port_is_free(port):
        port = free_port()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=app_dir,
            env=app_environment(port, deps_dir),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    started_at = psutil.Process(process.pid).create_time()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"app exited with code {process.returncode} before answering on port {port}: "
                f"{_tail(log_file)}"
            )
        if port_answers(port):
            return RunningApp(pid=process.pid, port=port, started_at=started_at)
        time.sleep(0.1)
    stop_app(process.pid, started_at)
    raise RuntimeError(
        f"app did not answer on port {port} within {timeout:.0f}s: {_tail(log_file)}"
    )


def app_is_alive(pid: int, started_at: float) -> bool:
    """True when ``pid`` is still the process we started (not a reused pid, not a zombie)."""
    try:
        process = psutil.Process(pid)
        same = abs(process.create_time() - started_at) < _CREATE_TIME_TOLERANCE
        return same and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def stop_app(pid: int, started_at: float, grace: float = 5.0) -> None:
    """Stop the app's whole process group: SIGTERM, then SIGKILL after ``grace`` seconds.

    It returns only when no member of the group is left running: ``npm start`` can exit
    before its node child, which would otherwise still hold the port a restart reuses."""
    if not app_is_alive(pid, started_at):
        return
    _signal_group(pid, signal.SIGTERM)
    if _wait_group_gone(pid, grace):
        return
    _signal_group(pid, signal.SIGKILL)
    _wait_group_gone(pid, grace)


def _wait_group_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _group_members(pgid):
            return True
        time.sleep(0.1)
    return not _group_members(pgid)


def _group_members(pgid: int) -> list[psutil.Process]:
    """Running (not zombie) processes of process group ``pgid``."""
    members = []
    for process in psutil.process_iter(["status"]):
        try:
            if (os.getpgid(process.pid) == pgid
                    and process.info["status"] != psutil.STATUS_ZOMBIE):
                members.append(process)
        except (ProcessLookupError, psutil.Error):
            continue
    return members


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, sig)


def _tail(log_file: Path) -> str:
    try:
        return log_file.read_text(encoding="utf-8", errors="replace")[-_LOG_TAIL:]
    except OSError:
        return "(no log)"
