"""One operation per stack at a time: the platform's per-stack lock, taken around every Pulumi
operation that changes a stack (Pulumi's own backend lock is the second wall).

The lock is pluggable (``StackLock``). ``FileStackLocks`` is the default of the stack layer:
each hold opens its own file lock (``flock`` on a fresh descriptor), which excludes other
threads of this process and other processes of this host; the OS drops it when a holder dies,
so a killed worker never leaves it behind. It cannot see other hosts. The platform plugs in a
lock that lives in its database (``tmux_builder.platform.db.stack_locks``), which every host
sees: a lease that its holder renews and that expires when the holder dies."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock, Timeout

from tmux_builder.errors import StackBusyError

LeaseLost = Callable[[str], object]


@dataclass(frozen=True)
class LockHold:
    """Who holds a stack and since when (``since`` and ``expires_at`` are epoch seconds)."""

    stack_name: str
    operation: str
    host: str
    pid: int
    since: float
    expires_at: float | None = None

    def describe(self) -> str:
        moment = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
        return f"{self.operation} by pid {self.pid} on host {self.host} since {moment}"


class StackLock(Protocol):
    """What the stack engine needs of a per-stack lock."""

    timeout_seconds: float

    @property
    def spans_hosts(self) -> bool:
        """True when every host takes this lock, so holding it proves that no other platform
        process anywhere is inside an operation on the stack."""
        ...

    @property
    def lease_seconds(self) -> float | None:
        """Seconds after which a dead holder's hold lapses (None: when the holder dies)."""
        ...

    def hold(self, stack_name: str, operation: str,
             timeout_seconds: float | None = None) -> AbstractContextManager[LockHold]:
        """Hold the stack for ``operation``; ``StackBusyError`` naming the holder after the
        timeout (the lock's own when None)."""
        ...

    def holder(self, stack_name: str) -> LockHold | None:
        """The current holder, if any (from any process or host the lock covers)."""
        ...

    def held_here(self, stack_name: str) -> LockHold | None:
        """This process's own hold of the stack, if it holds it now."""
        ...

    def when_lost(self, callback: LeaseLost) -> None:
        """Call ``callback(stack_name)`` when a hold is lost before its release (a lease
        that could not be renewed): the operation must stop."""
        ...


def busy_error(stack_name: str, holder: LockHold | None) -> StackBusyError:
    if holder is None:
        return StackBusyError(f"stack {stack_name} is busy with another operation",
                              field="stack_name")
    return StackBusyError(f"stack {stack_name} is busy: {holder.describe()}", field="stack_name")


class FileStackLocks:
    """The default lock: a file per stack under ``locks_dir``, for the processes of one host."""

    spans_hosts: bool = False
    lease_seconds: float | None = None

    def __init__(self, locks_dir: Path, timeout_seconds: float = 0.0) -> None:
        self.locks_dir = locks_dir
        self.timeout_seconds = timeout_seconds
        self._mine: dict[str, LockHold] = {}
        locks_dir.mkdir(parents=True, exist_ok=True)

    def _holder_file(self, stack_name: str) -> Path:
        return self.locks_dir / f"{stack_name}.holder.json"

    def holder(self, stack_name: str) -> LockHold | None:
        try:
            data: dict[str, Any] = json.loads(
                self._holder_file(stack_name).read_text(encoding="utf-8"))
            return LockHold(**data)
        except (OSError, ValueError, TypeError):
            return None

    def held_here(self, stack_name: str) -> LockHold | None:
        return self._mine.get(stack_name)

    def when_lost(self, callback: LeaseLost) -> None:
        """A file lock is never lost while its holder lives."""

    @contextmanager
    def hold(self, stack_name: str, operation: str,
             timeout_seconds: float | None = None) -> Iterator[LockHold]:
        wait = self.timeout_seconds if timeout_seconds is None else timeout_seconds
        lock = FileLock(self.locks_dir / f"{stack_name}.lock", thread_local=False)
        try:
            lock.acquire(timeout=wait, poll_interval=0.05)
        except Timeout:
            raise busy_error(stack_name, self.holder(stack_name)) from None
        hold = LockHold(stack_name, operation, socket.gethostname(), os.getpid(), time.time())
        try:
            self._holder_file(stack_name).write_text(json.dumps(asdict(hold)), encoding="utf-8")
            self._mine[stack_name] = hold
            yield hold
        finally:
            self._mine.pop(stack_name, None)
            self._holder_file(stack_name).unlink(missing_ok=True)
            lock.release()
