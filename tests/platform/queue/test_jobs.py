"""The durable job queue on a real SQLite file: atomic claims, leases, heartbeats."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, Execution, Job
from tmux_builder.platform.queue.jobs import claim, finish, heartbeat
from tmux_builder.platform.sessions.creation import SessionRequest, create_session

pytestmark = pytest.mark.db


def _request(i: int) -> SessionRequest:
    return SessionRequest(f"user{i}@example.com", "+15550100", "local", "static",
                          "A small site about gardening with a contact form.")


def test_each_job_is_claimed_by_exactly_one_worker(settings: Settings, tmp_path: Path) -> None:
    db = Database(settings.db_url)
    for i in range(20):
        create_session(db, settings, _request(i))
    claimed: list[tuple[str, int]] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        while (job := claim(db, name, 30)) is not None:
            with lock:
                claimed.append((name, job.id))
            finish(db, job.id, name, "done")

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [job_id for _, job_id in claimed]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 20
    with db.transaction() as tx:
        assert {j.status for j in tx.scalars(select(Job))} == {"done"}


def test_expired_lease_is_reclaimed_and_old_owner_loses_it(
    settings: Settings, tmp_path: Path
) -> None:
    db = Database(settings.db_url)
    create_session(db, settings, _request(1))
    first = claim(db, "dead-worker", lease_seconds=0.5)
    assert first is not None and first.attempts == 1
    assert claim(db, "other", 30) is None, "a live lease is not claimable"
    assert heartbeat(db, first.id, "dead-worker", 0.5)
    later = datetime.now(UTC) + timedelta(seconds=0.8)  # the lease ran out by then
    second = claim(db, "other", 30, now=later)
    assert second is not None and second.id == first.id and second.attempts == 2
    assert not heartbeat(db, first.id, "dead-worker", 30), "the old owner lost the lease"
    assert not finish(db, first.id, "dead-worker", "done")
    assert finish(db, first.id, "other", "done")


def test_creation_is_one_transaction(settings: Settings, tmp_path: Path) -> None:
    db = Database(settings.db_url)
    created = create_session(db, settings, _request(2))
    with db.transaction() as tx:
        execution = tx.get(Execution, created.execution_id)
        assert execution is not None and execution.status == "queued"
        assert execution.session.stack_name == created.stack_name
        jobs = tx.scalars(select(Job)).all()
        assert [(j.kind, j.payload) for j in jobs] == [("pipeline", {"run": 1})]
