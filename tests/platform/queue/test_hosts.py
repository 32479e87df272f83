"""Worker hosts on a real database (SQLite file, or PostgreSQL under ``make test-postgres``):
heartbeats, sessions pinned to the host that first claims their work, later jobs claimable
only there while it is alive, and a claim that moves the session once its host is gone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tmux_builder.domain import JobKind, JobStatus
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.hosts import HostRow, HostWorkerRow, SessionHostRow
from tmux_builder.platform.queue.hosts import beat, forget_workers
from tmux_builder.platform.queue.jobs import claim, enqueue, finish
from tmux_builder.platform.sessions.creation import SessionRequest, create_session
from tmux_builder.platform.sessions.status import execution_status

pytestmark = pytest.mark.db

LEASE = 10.0


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.db_url)
    yield database
    database.dispose()


def _session(db: Database, settings: Settings, i: int = 0) -> str:
    return create_session(db, settings, SessionRequest(
        f"host{i}@example.com", "+15550100", "local", "static", "A page about bees.")).execution_id


def _later_job(db: Database, execution_id: str) -> None:
    with db.transaction() as tx:
        enqueue(tx, execution_id, JobKind.refine, {"chat_id": 1})


def test_a_heartbeat_records_the_host_and_its_workers(db: Database) -> None:
    first = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    beat(db, "host-a", LEASE, first, sites_url="http://127.0.0.1:9001",
         workers={"host-a:1:aa": None, "host-a:1:bb": 7})
    beat(db, "host-a", LEASE, first + timedelta(seconds=3), workers={"host-a:1:aa": 8})
    with db.transaction() as tx:
        host = tx.get_one(HostRow, "host-a")
        assert host.started_at == first, "a beat keeps the start"
        assert host.heartbeat_at == first + timedelta(seconds=3)
        assert host.expires_at == first + timedelta(seconds=3 + LEASE)
        workers = {w.worker_id: (w.job_id, w.heartbeat_at)
                   for w in tx.scalars(select(HostWorkerRow))}
    assert workers == {"host-a:1:aa": (8, first + timedelta(seconds=3)),
                       "host-a:1:bb": (7, first)}
    forget_workers(db, ["host-a:1:aa", "host-a:1:bb"])
    with db.transaction() as tx:
        assert tx.scalars(select(HostWorkerRow)).all() == []


def test_later_jobs_stay_on_the_live_host_that_holds_the_session(
    db: Database, settings: Settings
) -> None:
    now = datetime.now(UTC)
    beat(db, "host-a", LEASE, now)
    beat(db, "host-b", LEASE, now)
    execution_id = _session(db, settings)
    first = claim(db, "host-a:1:w", 30, now=now, host="host-a")
    assert first is not None and first.moved_from is None
    assert finish(db, first.id, "host-a:1:w", JobStatus.done)
    assert execution_status(db, execution_id).host == "host-a"

    _later_job(db, execution_id)
    assert claim(db, "host-b:1:w", 30, now=now, host="host-b") is None, \
        "another host may not take a live host's session"
    again = claim(db, "host-a:1:w", 30, now=now, host="host-a")
    assert again is not None and again.kind == JobKind.refine and again.moved_from is None


def test_an_unpinned_session_goes_to_whichever_host_claims_first(
    db: Database, settings: Settings
) -> None:
    now = datetime.now(UTC)
    beat(db, "host-a", LEASE, now)
    execution_id = _session(db, settings)
    job = claim(db, "host-b:1:w", 30, now=now, host="host-b")
    assert job is not None and job.moved_from is None
    with db.transaction() as tx:
        pins = [(p.host_name, p.moved_from) for p in tx.scalars(select(SessionHostRow))]
    assert pins == [("host-b", None)]
    assert execution_status(db, execution_id).host_note is None


def test_a_session_moves_once_its_host_is_gone_and_the_status_says_so(
    db: Database, settings: Settings
) -> None:
    start = datetime.now(UTC)
    beat(db, "host-a", LEASE, start)
    execution_id = _session(db, settings)
    job = claim(db, "host-a:1:w", 5, now=start, host="host-a")
    assert job is not None
    # host-a dies: its job lease runs out, but its host lease still holds the session
    during = start + timedelta(seconds=LEASE / 2)
    beat(db, "host-b", LEASE, during)
    assert claim(db, "host-b:1:w", 30, now=during, host="host-b") is None
    after = start + timedelta(seconds=LEASE + 1)
    beat(db, "host-b", LEASE, after)
    moved = claim(db, "host-b:1:w", 30, now=after, host="host-b")
    assert moved is not None and moved.id == job.id and moved.moved_from == "host-a"
    assert moved.attempts == 2
    state = execution_status(db, execution_id)
    assert (state.host, state.host_note) == ("host-b", "moved from host host-a to host host-b")
    # the old host, back again, no longer holds the session
    beat(db, "host-a", LEASE, after)
    assert finish(db, moved.id, "host-b:1:w", JobStatus.done)
    _later_job(db, execution_id)
    assert claim(db, "host-a:1:w", 30, now=after, host="host-a") is None
    assert claim(db, "host-b:1:w", 30, now=after, host="host-b") is not None


def test_a_claim_without_a_host_ignores_pins(db: Database, settings: Settings) -> None:
    now = datetime.now(UTC)
    beat(db, "host-a", LEASE, now)
    execution_id = _session(db, settings)
    first = claim(db, "host-a:1:w", 30, now=now, host="host-a")
    assert first is not None and finish(db, first.id, "host-a:1:w", JobStatus.done)
    _later_job(db, execution_id)
    assert claim(db, "anyone", 30, now=now) is not None
