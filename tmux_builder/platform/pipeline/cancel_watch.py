"""Watching for a cancel while a long call (a stack update) runs in this thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def cancel_watch(cancelled: Callable[[], bool], on_cancel: Callable[[], object], *,
                 interval: float = 1.0) -> Iterator[None]:
    """Poll ``cancelled`` every ``interval`` seconds in a daemon thread while the block runs;
    call ``on_cancel`` once when it turns true."""
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(interval):
            if cancelled():
                on_cancel()
                return

    watcher = threading.Thread(target=watch, name="cancel-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join(timeout=interval + 5)
