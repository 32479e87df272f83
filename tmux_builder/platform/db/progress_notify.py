"""Progress notifications on PostgreSQL: triggers (migration 0006) send
``NOTIFY tb_progress, '<execution id>'`` when a log event is inserted or a step, an execution
or a job changes, from whichever host wrote it; a ``ProgressListener`` holds one ``LISTEN``
connection and hands each execution id to a callback, so progress streams wake at once
instead of polling. SQLite has no notifications: its streams poll."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
CHANNEL = "tb_progress"
READ_TIMEOUT_SECONDS = 1.0
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)


def libpq_url(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://...`` as the plain URL psycopg connects with."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(
        hide_password=False)


class ProgressListener:
    """``LISTEN tb_progress`` in a thread of its own. ``on_notify(execution_id)`` is called
    for every notification, ``on_notify(None)`` after a (re)connection, when notifications
    may have been missed; ``listening`` is set while the connection is up."""

    def __init__(self, sqlalchemy_url: str, on_notify: Callable[[str | None], None]) -> None:
        self.url = libpq_url(sqlalchemy_url)
        self.on_notify = on_notify
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="progress-listener",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=READ_TIMEOUT_SECONDS * 5)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._listen()
                failures = 0
            except psycopg.Error:
                pause = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                log.warning("progress notifications lost; reconnecting in %.1f s", pause,
                            exc_info=True)
                failures += 1
                self._stop.wait(pause)
            finally:
                self.listening.clear()

    def _listen(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            self.on_notify(None)
            while not self._stop.is_set():
                for notice in connection.notifies(timeout=READ_TIMEOUT_SECONDS):
                    self.on_notify(notice.payload)
