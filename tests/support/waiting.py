"""The one way tests wait for something to happen: poll a predicate until it is truthy, and
fail with a message naming what never happened."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], *, timeout: float, what: str,
               interval: float = 0.05) -> T:
    """The predicate's first truthy value; ``AssertionError`` naming ``what`` after
    ``timeout`` seconds. An exception raised by the predicate propagates at once."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)
