"""Request limits: rate limits (creation, recovery, code checks) counted in the database so
that every API host counts alike, and the number of open progress streams per user (in
memory: a stream lives in one API process)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from tmux_builder.api.errors import RateLimited
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.rate_limits import Limit, count_hit

STREAM_RETRY_SECONDS = 5


class KeyedLimit:
    """One limit per client address and one per identity (a user, an email address), both
    counted in the database that every API host shares."""

    def __init__(self, db: Database, per_identity: int, per_address: int,
                 window_seconds: float, what: str) -> None:
        self.db = db
        self.per_identity = per_identity
        self.per_address = per_address
        self.window = window_seconds
        self.what = what

    def check(self, address: str, identity: str, identity_field: str) -> None:
        """Count one hit; raise ``RateLimited`` (with Retry-After) when the address or the
        identity has had its share of the window (then neither is counted)."""
        scope = self.what.replace(" ", "_")
        refusal = count_hit(self.db, [
            Limit(f"{scope}:address", address, self.per_address, self.window,
                  "client_address"),
            Limit(f"{scope}:identity", identity, self.per_identity, self.window,
                  identity_field),
        ])
        if refusal is not None:
            raise RateLimited(f"too many {self.what}; retry in {refusal.retry_after}s",
                              refusal.retry_after, field=refusal.limit.field)


class StreamSlots:
    """At most ``limit`` open streams per user; ``acquire`` returns the release callback."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    def acquire(self, user_id: str) -> Callable[[], None]:
        with self._lock:
            if self._open[user_id] >= self.limit:
                raise RateLimited(f"at most {self.limit} progress streams may be open at once; "
                                  "close one first", STREAM_RETRY_SECONDS, field="streams")
            self._open[user_id] += 1
        released = threading.Event()

        def release() -> None:
            with self._lock:
                if not released.is_set():
                    released.set()
                    self._open[user_id] -= 1
                    if self._open[user_id] <= 0:
                        del self._open[user_id]

        return release

    def open_streams(self, user_id: str) -> int:
        with self._lock:
            return self._open[user_id]
