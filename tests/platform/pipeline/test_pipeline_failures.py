"""Failures end as recorded, friendly errors with a debug id that finds the full log."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import libtmux
import pytest
from sqlalchemy import select

from tests.platform import scripted_agents
from tests.support.waiting import wait_until
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, LogEvent
from tmux_builder.platform.sessions.creation import SessionRequest, create_session
from tmux_builder.platform.sessions.status import execution_status
from tmux_builder.platform.workers.worker import Worker

pytestmark = [pytest.mark.slow, pytest.mark.db]


@pytest.fixture
def make_platform(settings: Settings, tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    sockets: list[str] = []

    def build(script: str, **updates: object) -> tuple[Database, Settings]:
        path = tmp_path / f"agent_{len(sockets)}.py"
        path.write_text(script, encoding="utf-8")
        socket = f"tb-fail-{tmp_path.name[-12:]}-{len(sockets)}"
        sockets.append(socket)
        configured = settings.model_copy(update={
            "tmux_socket": socket, "agent_command": f"{sys.executable} -u {path}", **updates})
        return Database(configured.db_url), configured

    yield build
    for socket in sockets:
        server = libtmux.Server(socket_name=socket)
        if server.is_alive():
            server.kill()


def test_silent_agent_times_out_with_the_pane_in_the_log(make_platform) -> None:  # type: ignore[no-untyped-def]
    db, settings = make_platform(scripted_agents.SILENT, agent_phase_timeout_seconds=3)
    created = create_session(db, settings, SessionRequest(
        "slow@example.com", "+15550100", "local", "static", "A page about tea and teapots."))
    Worker.create(db, settings).run_once()
    status = execution_status(db, created.execution_id)
    assert status.status == "failed" and status.current_step_name == "create_plan"
    assert "did not finish create_plan within 3s" in status.error
    assert status.debug_id.startswith("dbg_")
    with db.transaction() as tx:
        logged = [e.message for e in tx.scalars(
            select(LogEvent).where(LogEvent.debug_id == status.debug_id))]
    assert any("silent-agent> waiting" in m and "received:" in m for m in logged)
    assert [s.status for s in status.steps][-1] == "failed"


def test_site_answering_500_fails_health_check_with_the_reason(make_platform) -> None:  # type: ignore[no-untyped-def]
    db, settings = make_platform(scripted_agents.SERVER_ERROR_SITE)
    created = create_session(db, settings, SessionRequest(
        "err@example.com", "+15550100", "local", "dynamic", "A python app that lists teas."))
    worker = Worker.create(db, settings)
    worker.run_once()
    status = execution_status(db, created.execution_id)
    assert status.status == "failed" and status.current_step_name == "health_check"
    assert "HTTP 500" in status.error
    assert status.completed_steps == 6
    worker.pipeline.engine.destroy(created.stack_name)


def test_cancel_stops_the_agent_and_marks_the_execution(make_platform) -> None:  # type: ignore[no-untyped-def]
    import threading
    import time

    from tmux_builder.platform.queue.jobs import cancel_execution as cancel

    db, settings = make_platform(scripted_agents.SILENT, agent_phase_timeout_seconds=120)
    created = create_session(db, settings, SessionRequest(
        "stop@example.com", "+15550100", "local", "static", "A page about tea and teapots."))
    worker = Worker.create(db, settings)
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    wait_until(lambda: execution_status(db, created.execution_id).current_step_name
               == "create_plan", timeout=60, interval=0.1, what="step create_plan")
    started = time.monotonic()
    cancel(db, created.execution_id)
    thread.join(timeout=30)
    assert not thread.is_alive() and time.monotonic() - started < 15
    status = execution_status(db, created.execution_id)
    assert status.status == "cancelled"
    assert [s.status for s in status.steps][-1] == "cancelled"
    assert "deploy" not in [s.name for s in status.steps]
