"""Progress streams follow PostgreSQL notifications: a log event, a step, a status or a job
written by any host (another connection here) reaches the execution's open stream at once,
although the stream would otherwise look again only after minutes. On SQLite streams poll
(the other stream tests)."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import auth
from tests.api.live_server import serving
from tests.conftest import POSTGRES_ADMIN_URL, free_port
from tests.support.waiting import wait_until
from tmux_builder.api.app import create_app
from tmux_builder.domain import ExecutionStatus
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.progress_notify import ProgressListener
from tmux_builder.platform.pipeline.event_log import log_event
from tmux_builder.platform.pipeline.records import set_status
from tmux_builder.platform.queue.jobs import cancel_execution
from tmux_builder.platform.sessions.creation import SessionRequest, create_session

pytestmark = [
    pytest.mark.db,
    pytest.mark.slow,
    pytest.mark.skipif(not POSTGRES_ADMIN_URL, reason="LISTEN/NOTIFY needs PostgreSQL: "
                       "set TMUX_BUILDER_TEST_POSTGRES_URL (make test-postgres does)"),
]
REQUEST = SessionRequest("notify@example.com", "+15550100", "local", "static",
                         "A page about tea.")


@pytest.fixture
def other_host(api_settings: Settings) -> Iterator[Database]:
    """A second connection pool on the same database, as a worker on another host has."""
    db = Database(api_settings.db_url)
    yield db
    db.dispose()


def test_the_listener_hears_every_kind_of_progress(api_settings: Settings,
                                                   other_host: Database) -> None:
    created = create_session(other_host, api_settings, REQUEST)
    heard: queue.Queue[str | None] = queue.Queue()
    listener = ProgressListener(api_settings.db_url, heard.put)
    listener.start()
    try:
        assert heard.get(timeout=30) is None  # connected: "look again, you may have missed"
        log_event(other_host, created.execution_id, "worker", "hello")
        assert heard.get(timeout=10) == created.execution_id
        set_status(other_host, created.execution_id, ExecutionStatus.running)
        assert heard.get(timeout=10) == created.execution_id
        assert listener.listening.is_set()
    finally:
        listener.stop()
    assert not listener.listening.is_set()


def test_a_stream_wakes_on_a_notification_not_on_its_slow_poll(api_settings: Settings,
                                                                other_host: Database) -> None:
    configured = api_settings.model_copy(update={"api_port": free_port(),
                                                 "progress_fallback_poll_seconds": 300})
    app = create_app(configured)  # no workers: only "the other host" writes progress
    created = create_session(other_host, configured, REQUEST)
    lines: queue.Queue[str] = queue.Queue()
    with serving(app, configured) as base, httpx.Client(timeout=30) as http:
        wait_until(lambda: app.state.tb.progress.listening, timeout=30,
                   what="the API to listen for notifications")
        with http.stream("GET", f"{base}/api/events/{created.execution_id}",
                         headers=auth(created.token or "")) as stream:
            reader = threading.Thread(target=lambda: [lines.put(line)
                                                      for line in stream.iter_lines()],
                                      daemon=True)
            reader.start()
            assert "event: status" in _until(lines, "event: status", 30)
            log_event(other_host, created.execution_id, "worker", "written elsewhere")
            data = _until(lines, "written elsewhere", 20)
            assert json.loads(data.removeprefix("data: "))["source"] == "worker"
            cancel_execution(other_host, created.execution_id)  # the job and the execution
            assert _until(lines, "event: end", 20) == "event: end"
            reader.join(timeout=10)  # the server ends the stream after "end"
            assert not reader.is_alive()


def _until(lines: queue.Queue[str], text: str, timeout: float) -> str:
    """The first line containing ``text``; fails when it does not come within ``timeout``
    (far below the stream's 300 s fallback poll)."""
    seen = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"no {text!r} on the stream within {timeout}s; saw {seen}") from None
        if text in line:
            return line
        seen.append(line)
