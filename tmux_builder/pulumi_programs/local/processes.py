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
_CREATE_TIME_TOLERANCE = 1.0
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
    stop_app(process.pid, started_at, port)
    process.wait()
    raise RuntimeError(
        f"app did not answer on port {port} within {timeout:.0f}s: {_tail(log_file)}"
    )


def app_is_alive(pid: int, started_at: float) -> bool:
    """True when ``pid`` is still the process we started (not a reused pid, not a zombie)."""
    try:
        return _is_ours(psutil.Process(pid), started_at)
    except psutil.Error:
        return False


def _is_ours(process: psutil.Process, started_at: float) -> bool:
    """The creation time identifies the process: a reused pid starts later. The tolerance
    absorbs psutil's boot-time jitter (``/proc/stat`` btime can move by a second)."""
    same = abs(process.create_time() - started_at) < _CREATE_TIME_TOLERANCE
    return bool(same and process.status() != psutil.STATUS_ZOMBIE)


_STOP_ROUNDS = 3


def stop_app(pid: int, started_at: float, port: int | None = None, grace: float = 5.0) -> None:
    """Stop the app's whole process tree and return only when it is gone and ``port`` free.

    The tree is listed before any signal: every descendant of the started process (the
    sandbox, ``npm start``, its ``sh``, ``node``), so a child whose parent dies first is not
    missed, plus every member of the process group, which also finds a member whose leader
    is already gone. SIGTERM to all, SIGKILL after ``grace`` seconds to what is left, then
    each is reaped (when it is this process's child) or waited for until it has exited. A
    shell of the tree may start one more child between the listing and its own death (its
    next command once the one before was killed), so the tree is listed again until it is
    empty (at most ``_STOP_ROUNDS`` times)."""
    for _ in range(_STOP_ROUNDS):
        tree = app_tree(pid, started_at)
        if not tree:
            break
        _signal_all(tree, signal.SIGTERM)
        alive = _wait_gone(tree, grace)
        if alive:
            _signal_all(alive, signal.SIGKILL)
            _wait_gone(alive, grace)
    if port is not None:
        wait_port_free(port, grace)


def app_tree(pid: int, started_at: float) -> list[psutil.Process]:
    """The started process and its descendants, plus the rest of its process group. The group
    is searched only when ``pid`` is ours or gone: a reused pid's group is someone else's."""
    found: dict[int, psutil.Process] = {}
    try:
        leader = psutil.Process(pid)
        ours = _is_ours(leader, started_at)
        if ours:
            found[pid] = leader
            found.update((child.pid, child) for child in leader.children(recursive=True))
    except psutil.NoSuchProcess:
        ours = True
    except psutil.Error:
        ours = False
    if ours:
        found.update((member.pid, member) for member in _group_members(pid))
    return list(found.values())


def _signal_all(processes: list[psutil.Process], sig: signal.Signals) -> None:
    for process in processes:
        try:
            process.send_signal(sig)
        except psutil.Error:
            continue


def _running(process: psutil.Process) -> bool:
    """Not yet exited: a zombie has exited (it holds no port and runs no code)."""
    _reap(process)
    try:
        return bool(process.is_running() and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _reap(process: psutil.Process) -> None:
    """Collect the exit status of our own child so it does not stay a zombie."""
    try:
        os.waitpid(process.pid, os.WNOHANG)
    except ChildProcessError:
        return


def _wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until every process has exited; return those still running after ``timeout``."""
    deadline = time.monotonic() + timeout
    alive = [p for p in processes if _running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if _running(p)]
    return alive


def wait_port_free(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not port_is_free(port):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


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


def _tail(log_file: Path) -> str:
    try:
        return log_file.read_text(encoding="utf-8", errors="replace")[-_LOG_TAIL:]
    except OSError:
        return "(no log)"
