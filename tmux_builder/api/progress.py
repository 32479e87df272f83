"""What a progress stream waits on between two reads of the database. On PostgreSQL a
listener (``platform/db/progress_notify``) wakes the streams of an execution as soon as its
progress changes on any host, with a slow look now and then as a safety net; on SQLite (or
while the listener is down) a stream looks every ``POLL_SECONDS``."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import anyio

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.progress_notify import ProgressListener

POLL_SECONDS = 0.5


class Wakeup:
    """One stream's doorbell: ``clear`` before reading, ``wait`` after."""

    def __init__(self, waiters: ProgressWaiters) -> None:
        self.waiters = waiters
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()

    def ring(self) -> None:
        with suppress(RuntimeError):  # the stream's loop has closed: nobody to wake
            self.loop.call_soon_threadsafe(self.event.set)

    def clear(self) -> None:
        self.event.clear()

    async def wait(self) -> None:
        if not self.waiters.listening:
            await anyio.sleep(POLL_SECONDS)
            return
        with anyio.move_on_after(self.waiters.fallback_seconds):
            await self.event.wait()


class ProgressWaiters:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.fallback_seconds = settings.progress_fallback_poll_seconds
        self.listener = ProgressListener(db.url, self._notified) if db.is_postgres else None
        self._wakeups: dict[str, set[Wakeup]] = defaultdict(set)
        self._lock = threading.Lock()

    @property
    def listening(self) -> bool:
        return self.listener is not None and self.listener.listening.is_set()

    def start(self) -> None:
        if self.listener is not None:
            self.listener.start()

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.stop()

    @contextmanager
    def subscribe(self, execution_id: str) -> Iterator[Wakeup]:
        wakeup = Wakeup(self)
        with self._lock:
            self._wakeups[execution_id].add(wakeup)
        try:
            yield wakeup
        finally:
            with self._lock:
                self._wakeups[execution_id].discard(wakeup)
                if not self._wakeups[execution_id]:
                    del self._wakeups[execution_id]

    def _notified(self, execution_id: str | None) -> None:
        """From the listener's thread: ring the execution's streams (every stream after a
        reconnection, which may have missed some)."""
        with self._lock:
            if execution_id is None:
                rung = [w for wakeups in self._wakeups.values() for w in wakeups]
            else:
                rung = list(self._wakeups.get(execution_id, ()))
        for wakeup in rung:
            wakeup.ring()
