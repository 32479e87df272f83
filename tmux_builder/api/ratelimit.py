"""Creation rate limits per user and per client address (sliding window, in memory)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from tmux_builder.api.errors import RateLimited


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
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
                raise RateLimited(f"too many creations; retry in {retry}s", retry, field=field)
            hits.append(now)
