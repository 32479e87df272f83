"""Request limits kept in memory per API process: sliding-window rate limits (creation,
recovery) and the number of open progress streams per user."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable

from tmux_builder.api.errors import RateLimited

STREAM_RETRY_SECONDS = 5


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float, what: str = "creations") -> None:
        self.limit = limit
        self.window = window_seconds
        self.what = what
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str, field: str) -> None:
        """Count one hit for ``key``; raise ``RateLimited`` (with Retry-After) past the limit."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and now - hits[0] > self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = int(self.window - (now - hits[0])) + 1
                raise RateLimited(f"too many {self.what}; retry in {retry}s", retry, field=field)
            hits.append(now)


class KeyedLimit:
    """One limit per client address and one per identity (a user, an email address)."""

    def __init__(self, per_identity: int, per_address: int, window_seconds: float,
                 what: str) -> None:
        self.per_identity = RateLimiter(per_identity, window_seconds, what)
        self.per_address = RateLimiter(per_address, window_seconds, what)

    def check(self, address: str, identity: str, identity_field: str) -> None:
        self.per_address.check(address, field="client_address")
        self.per_identity.check(identity, field=identity_field)


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
