"""A worker survives what a job throws at it: an unknown kind, a refinement that raises, a
queue it cannot read for a moment. Each bad job fails with its reason (and its execution,
with a debug id that finds the log line), and the worker goes on to the next job."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.waiting import wait_until
from tmux_builder.domain import ExecutionStatus, JobKind, JobStatus, SessionStatus
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, Execution, Job, LogEvent, SessionRow
from tmux_builder.platform.ops.teardown import request_teardown
from tmux_builder.platform.queue.jobs import enqueue
from tmux_builder.platform.sessions.creation import SessionRequest, create_session
from tmux_builder.platform.workers import worker as worker_module
from tmux_builder.platform.workers.worker import Worker

pytestmark = [pytest.mark.slow, pytest.mark.db]


def _session(db: Database, settings: Settings, name: str) -> Any:
    created = create_session(db, settings, SessionRequest(
        f"{name}@example.com", "+15550100", "local", "static", "A page about poisoned jobs."))
    with db.transaction() as tx:  # only the jobs this test queues
        for job in tx.scalars(select(Job).where(Job.execution_id == created.execution_id)):
            job.status = JobStatus.cancelled
    return created


def _job(db: Database, execution_id: str, kind: str, payload: dict[str, Any]) -> int:
    with db.transaction() as tx:
        job = enqueue(tx, execution_id, kind, payload)  # type: ignore[arg-type]
        tx.flush()
        return job.id


def _run_worker_until_done(db: Database, settings: Settings, job_id: int, what: str) -> None:
    """One worker thread runs the queue until ``job_id`` is done; it must still be alive."""
    worker = Worker.create(db, settings)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop, 0.05), daemon=True)
    thread.start()

    def done() -> bool:
        with db.transaction() as tx:
            return tx.get_one(Job, job_id).status == JobStatus.done

    try:
        wait_until(done, timeout=120, what=what)
        assert thread.is_alive(), "the worker is still running"
    finally:
        stop.set()
        thread.join(timeout=30)


def test_poisoned_jobs_fail_with_their_reason_and_the_worker_goes_on(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    db = Database(settings.db_url)
    bogus, bad_chat, gone = (_session(db, settings, n) for n in ("bogus", "chat", "gone"))
    unknown = _job(db, bogus.execution_id, "no-such-kind", {})
    refine = _job(db, bad_chat.execution_id, JobKind.refine, {"chat_id": 999_999})
    teardown = request_teardown(db, gone.session_id, reason="test")
    with caplog.at_level(logging.ERROR, logger=worker_module.__name__):
        _run_worker_until_done(db, settings, teardown, "the teardown queued after the bad jobs")
    with db.transaction() as tx:
        for job_id, execution_id, reason in (
                (unknown, bogus.execution_id, "unknown job kind 'no-such-kind'"),
                (refine, bad_chat.execution_id, "internal error in the refine job")):
            job = tx.get_one(Job, job_id)
            assert job.status == JobStatus.failed and reason in (job.last_error or "")
            execution = tx.get_one(Execution, execution_id)
            assert execution.status == ExecutionStatus.failed
            assert reason in (execution.error_message or "") and execution.debug_id
            logged = tx.scalars(select(LogEvent).where(
                LogEvent.debug_id == execution.debug_id)).all()
            assert [e.level for e in logged] == ["error"]
            assert any(execution.debug_id in r.getMessage() and r.exc_info
                       for r in caplog.records), "logged with its traceback"
        assert tx.get_one(SessionRow, gone.session_id).status == SessionStatus.torn_down
        report = tx.get_one(Job, teardown).payload["result"]
        assert report["torn_down"] and report["stack"] == "absent"


def test_a_queue_that_cannot_be_read_is_retried(
        settings: Settings, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    db = Database(settings.db_url)
    gone = _session(db, settings, "later")
    real_claim = worker_module.claim
    failures = iter([RuntimeError("database is away")])

    def flaky_claim(*args: Any, **kwargs: Any) -> Any:
        error = next(failures, None)
        if error is not None:
            raise error
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(worker_module, "claim", flaky_claim)
    teardown = request_teardown(db, gone.session_id, reason="test")
    with caplog.at_level(logging.ERROR, logger=worker_module.__name__):
        _run_worker_until_done(db, settings, teardown, "the job after the failed claim")
    assert any("could not be read" in r.getMessage() and r.exc_info for r in caplog.records)
