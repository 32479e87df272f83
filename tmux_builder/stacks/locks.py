"""One operation per stack at a time, across threads and processes.

Each hold opens its own file lock (``flock`` on a fresh descriptor), which excludes other
threads of this process as well as other processes; the OS drops it when a holder dies, so a
killed worker never leaves this lock behind."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from tmux_builder.errors import StackBusyError


class StackLocks:
    def __init__(self, locks_dir: Path, timeout_seconds: float = 0.0) -> None:
        self.locks_dir = locks_dir
        self.timeout_seconds = timeout_seconds
        locks_dir.mkdir(parents=True, exist_ok=True)

    def _holder_file(self, stack_name: str) -> Path:
        return self.locks_dir / f"{stack_name}.holder.json"

    def holder(self, stack_name: str) -> dict[str, object] | None:
        try:
            found = json.loads(self._holder_file(stack_name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    @contextmanager
    def hold(
        self, stack_name: str, operation: str, timeout_seconds: float | None = None
    ) -> Iterator[None]:
        """Hold the stack for ``operation``; raise ``StackBusyError`` after the timeout."""
        wait = self.timeout_seconds if timeout_seconds is None else timeout_seconds
        lock = FileLock(self.locks_dir / f"{stack_name}.lock", thread_local=False)
        try:
            lock.acquire(timeout=wait, poll_interval=0.05)
        except Timeout:
            raise StackBusyError(self._busy_message(stack_name), field="stack_name") from None
        try:
            self._holder_file(stack_name).write_text(
                json.dumps({"pid": os.getpid(), "operation": operation, "since": time.time()}),
                encoding="utf-8",
            )
            yield
        finally:
            self._holder_file(stack_name).unlink(missing_ok=True)
            lock.release()

    def _busy_message(self, stack_name: str) -> str:
        holder = self.holder(stack_name)
        if not holder:
            return f"stack {stack_name} is busy with another operation"
        started = holder.get("since")
        since = time.strftime("%H:%M:%S", time.localtime(
            float(started) if isinstance(started, (int, float)) else 0.0))
        return (
            f"stack {stack_name} is busy: {holder.get('operation')} by pid {holder.get('pid')} "
            f"since {since}"
        )
