"""Worker processes apart from the API (SPEC section 15): ``tmux-builder serve`` starts
``supervised_workers`` processes of ``tmux-builder worker --count 1``, restarts one that dies
(after a backoff that doubles while it keeps dying, logged) and stops them with it: SIGTERM to
each process group, SIGKILL after ``worker_stop_grace_seconds``. A worker started this way
gets the supervisor's settings through its environment and watches its parent: when the
supervisor is gone (killed with SIGKILL, which leaves nothing a chance to clean up) it stops
by itself, so no orphan keeps claiming jobs. Workers run at ``worker_nice`` (what they start
inherits it) and, where the host allows it, in a cgroup of their own weighing what a task at
that niceness weighs (``cpu_group``), so on a busy host the API is served first.

Every Pulumi engine, agent wait and browser then runs in a worker's interpreter, never in the
API's: the API answers while pipelines run."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.settings_env import child_environment
from tmux_builder.platform.workers.cpu_group import CpuGroup

log = logging.getLogger(__name__)
LONGEST_BACKOFF_SECONDS = 60.0
STABLE_AFTER_SECONDS = 60.0  # a process that lived this long starts its backoff afresh
MONITOR_INTERVAL_SECONDS = 0.2
PARENT_CHECK_SECONDS = 1.0


def worker_command(supervisor_pid: int) -> list[str]:
    """The command of one supervised worker process (one worker thread, parent watched)."""
    return [sys.executable, "-m", "tmux_builder.cli", "worker", "--count", "1",
            "--supervised-by", str(supervisor_pid)]


def restart_delay(base_seconds: float, quick_deaths: int) -> float:
    """Backoff before a restart: base, 2x base, 4x base ... at most a minute."""
    return min(base_seconds * 2.0 ** max(quick_deaths - 1, 0), LONGEST_BACKOFF_SECONDS)


@dataclass
class _Slot:
    """One supervised worker: its current process and how often it died young."""

    index: int
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None
    restarts: int = field(default=0)


class WorkerSupervisor:
    """Starts, restarts and stops the worker processes of one ``serve``."""

    def __init__(self, settings: Settings, count: int | None = None,
                 command: Callable[[int], Sequence[str]] = worker_command) -> None:
        self.settings = settings
        self.count = settings.supervised_workers if count is None else count
        self.command = command
        self._environment = child_environment(settings)
        self._slots = [_Slot(index) for index in range(self.count)]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor",
                                        daemon=True)
        self._cpu_group: CpuGroup | None = None

    def start(self) -> None:
        if self.count:
            self._cpu_group = CpuGroup.for_workers(self.settings.worker_nice)
        with self._lock:
            for slot in self._slots:
                self._spawn(slot)
        self._thread.start()
        log.info("supervising %d worker process(es): %s", self.count, self.pids())

    def pids(self) -> list[int]:
        with self._lock:
            return [s.process.pid for s in self._slots
                    if s.process is not None and s.process.poll() is None]

    def restarts(self) -> int:
        with self._lock:
            return sum(slot.restarts for slot in self._slots)

    def _spawn(self, slot: _Slot) -> None:
        slot.process = subprocess.Popen(  # own process group: stopped with what it started
            list(self.command(os.getpid())), stdin=subprocess.DEVNULL, env=self._environment,
            start_new_session=True)
        if self.settings.worker_nice:  # before it starts anything: its children inherit it
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, slot.process.pid, self.settings.worker_nice)
        if self._cpu_group is not None:
            try:
                self._cpu_group.add(slot.process.pid)
            except OSError as error:
                log.warning("worker pid %d stays out of %s: %s", slot.process.pid,
                            self._cpu_group.directory, error)
        slot.started_at, slot.restart_at = time.monotonic(), None

    def _watch(self) -> None:
        while not self._stop.wait(MONITOR_INTERVAL_SECONDS):
            with self._lock:
                if self._stop.is_set():
                    return
                for slot in self._slots:
                    self._look_after(slot)

    def _look_after(self, slot: _Slot) -> None:
        now = time.monotonic()
        if slot.restart_at is not None:
            if now >= slot.restart_at:
                self._spawn(slot)
                slot.restarts += 1
                log.info("worker process %d restarted (pid %d)", slot.index,
                         slot.process.pid if slot.process else -1)
            return
        if slot.process is None or (code := slot.process.poll()) is None:
            return
        lived = now - slot.started_at
        slot.quick_deaths = 1 if lived >= STABLE_AFTER_SECONDS else slot.quick_deaths + 1
        delay = restart_delay(self.settings.worker_restart_backoff_seconds, slot.quick_deaths)
        slot.restart_at = now + delay
        log.warning("worker process %d (pid %d) exited with %s after %.0f s; restarting in "
                    "%.1f s", slot.index, slot.process.pid, _exit_text(code), lived, delay)

    def stop(self) -> None:
        """SIGTERM every worker's process group, SIGKILL what is left after the grace."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        with self._lock:
            running = [s.process for s in self._slots
                       if s.process is not None and s.process.poll() is None]
        for process in running:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + self.settings.worker_stop_grace_seconds
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.0))
            except subprocess.TimeoutExpired:
                log.warning("worker pid %d did not stop within %.0f s; killing it",
                            process.pid, self.settings.worker_stop_grace_seconds)
        for process in running:  # the group too: what a worker started dies with it
            _signal_group(process, signal.SIGKILL)
            process.wait()
        if self._cpu_group is not None:
            self._cpu_group.release()
            self._cpu_group = None
        log.info("worker processes stopped")


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _exit_text(code: int) -> str:
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"code {code}"


def stop_when_parent_dies(parent_pid: int, stop: threading.Event) -> threading.Thread:
    """Set ``stop`` as soon as ``parent_pid`` is no longer this process's parent."""

    def watch() -> None:
        while not stop.wait(PARENT_CHECK_SECONDS):
            if os.getppid() != parent_pid:
                log.error("supervisor pid %d is gone; this worker stops", parent_pid)
                stop.set()
                return

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set ``stop`` (a worker finishes its bookkeeping and exits)."""

    def handler(signum: int, _frame: object) -> None:
        log.info("worker pid %d got %s; stopping", os.getpid(), signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
