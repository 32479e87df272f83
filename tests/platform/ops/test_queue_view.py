"""The queue in view on a real database: hosts (alive or not) with their workers' last beats
and pinned sessions, jobs by state, the oldest waiting job's age, job leases and stack locks
with their holders; the same through ``tmux-builder queue`` and ``GET /api/admin/queue``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import update
from typer.testing import CliRunner

from tmux_builder.api.app import create_app
from tmux_builder.cli.app import app
from tmux_builder.domain import JobStatus
from tmux_builder.platform.core.settings import Settings, get_settings
from tmux_builder.platform.db import Database, Job
from tmux_builder.platform.db.stack_locks import DatabaseStackLocks
from tmux_builder.platform.ops.queue_view import queue_view
from tmux_builder.platform.queue.hosts import beat
from tmux_builder.platform.queue.jobs import claim
from tmux_builder.platform.sessions.creation import SessionRequest, create_session

pytestmark = pytest.mark.db

ADMIN = "admin-queue-token-123456"


@pytest.fixture
def busy_queue(settings: Settings) -> Iterator[tuple[Database, list[str], datetime]]:
    """host-a alive with two workers, host-b silent for a minute; three jobs: one running
    on host-a, two waiting (the oldest queued 90 s ago); a stack lock held by host-a."""
    db = Database(settings.db_url)
    now = datetime.now(UTC)
    sessions = [create_session(db, settings, SessionRequest(
        f"view{i}@example.com", "+15550100", "local", "static", "A page about moths."))
        for i in range(3)]
    beat(db, "host-b", 10, now - timedelta(seconds=60), workers={"host-b:9:cc": None})
    running = claim(db, "host-a:7:aa", 30, now=now, host="host-a")
    assert running is not None
    beat(db, "host-a", 10, now, sites_url="http://127.0.0.1:9101",
         workers={"host-a:7:aa": running.id, "host-a:7:bb": None})
    with db.transaction() as tx:
        tx.execute(update(Job).where(Job.status == JobStatus.queued)
                   .values(created_at=now - timedelta(seconds=90)))
    locks = DatabaseStackLocks(db, "host-a")
    with locks.hold(sessions[0].stack_name, "up"):
        yield db, [s.session_id for s in sessions], now
    db.dispose()


def test_the_view_shows_hosts_jobs_leases_and_pins(
    busy_queue: tuple[Database, list[str], datetime]
) -> None:
    db, session_ids, now = busy_queue
    view = queue_view(db, now=now + timedelta(seconds=1))
    host_a, host_b = view.hosts
    assert (host_a.name, host_a.alive, host_a.sites_url) == ("host-a", True,
                                                             "http://127.0.0.1:9101")
    assert [(w.worker_id, w.job_id is not None) for w in host_a.workers] == [
        ("host-a:7:aa", True), ("host-a:7:bb", False)]
    assert host_a.pinned_sessions == [session_ids[0]]
    assert (host_b.alive, host_b.seconds_since_heartbeat) == (False, 61.0)
    assert view.jobs_by_state == {"queued": 2, "running": 1, "done": 0, "failed": 0,
                                  "cancelled": 0}
    assert view.oldest_waiting_seconds == 91.0
    job_lease, stack_lock = view.leases
    assert job_lease.kind == "job" and job_lease.holder == "host-a:7:aa"
    assert job_lease.seconds_left == 29.0
    assert stack_lock.kind == "stack" and "on host host-a" in stack_lock.holder


def test_the_command_and_the_admin_route_show_the_same(
    busy_queue: tuple[Database, list[str], datetime], settings: Settings,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    _, session_ids, _ = busy_queue
    monkeypatch.setenv("TMUX_BUILDER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TMUX_BUILDER_DATABASE_URL", settings.db_url)
    get_settings.cache_clear()
    try:
        table = CliRunner().invoke(app, ["queue"], env={"COLUMNS": "200"})
        as_json = CliRunner().invoke(app, ["queue", "--json"])
    finally:
        get_settings.cache_clear()
    assert table.exit_code == 0, table.output
    assert "host-a" in table.output and "NO" in table.output
    assert f"sessions pinned to host-a: {session_ids[0]}" in table.output
    assert "queued 2" in table.output and "oldest waiting job" in table.output
    assert [h["name"] for h in json.loads(as_json.output)["hosts"]] == ["host-a", "host-b"]

    admin = settings.model_copy(update={"admin_token": SecretStr(ADMIN)})
    with TestClient(create_app(admin)) as client:
        assert client.get("/api/admin/queue").status_code == 401
        answer = client.get("/api/admin/queue", headers={"Authorization": f"Bearer {ADMIN}"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["jobs_by_state"]["queued"] == 2
    assert [lease["kind"] for lease in body["leases"]] == ["job", "stack"]
