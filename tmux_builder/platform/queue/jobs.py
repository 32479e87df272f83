"""The durable job queue. Workers claim a job atomically under a lease and keep it alive with
a heartbeat; a worker that dies leaves a lease that expires, and another worker claims the
job again (up to ``max_attempts`` claims).

A claim is a compare-and-set ``UPDATE ... WHERE id = ? AND <still claimable>``, which only one
worker can win on any database; on PostgreSQL the candidate rows are also read with
``FOR UPDATE SKIP LOCKED`` so workers on several hosts do not queue behind each other.
A worker that names its host claims only jobs whose session is pinned nowhere, to its host or
to a dead host, and its claim pins the session to it (``queue.hosts``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from tmux_builder.domain import (
    PENDING_JOB_STATUSES,
    TEARDOWN_KINDS,
    ExecutionStatus,
    JobKind,
    JobStatus,
)
from tmux_builder.errors import NotFoundError
from tmux_builder.platform.core.sql import rows_changed
from tmux_builder.platform.db import Database, Execution, Job
from tmux_builder.platform.queue.hosts import affine_to, join_pins, pin_session


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    execution_id: str
    kind: str  # a JobKind's value; an unknown kind is failed by the worker, not here
    payload: dict[str, Any]
    attempts: int
    moved_from: str | None = None  # the host whose session this claim took over


def enqueue(tx: Session, execution_id: str, kind: JobKind, payload: dict[str, Any]) -> Job:
    job = Job(execution_id=execution_id, kind=kind, payload=payload)
    tx.add(job)
    return job


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(Job.status == JobStatus.queued,
               and_(Job.status == JobStatus.running, Job.lease_expires_at < now))


def claim(db: Database, worker_id: str, lease_seconds: float, *,
          now: datetime | None = None, host: str | None = None) -> ClaimedJob | None:
    """Claim the oldest claimable job for ``worker_id``; ``now`` is the worker's clock. With
    ``host``, only jobs affine to that host, and the claim pins the job's session to it."""
    now = now or utc_now()
    with db.transaction() as tx:
        query = select(Job.id).where(_claimable(now))
        if host is not None:
            query = join_pins(query).where(affine_to(host, now))
        query = query.order_by(Job.id).limit(8)
        if db.is_postgres:
            query = query.with_for_update(skip_locked=True, of=Job)
        for job_id in tx.scalars(query).all():
            won = rows_changed(tx, update(Job)
                           .where(Job.id == job_id, _claimable(now))
                           .values(status=JobStatus.running, lease_owner=worker_id,
                                   lease_expires_at=now + timedelta(seconds=lease_seconds),
                                   attempts=Job.attempts + 1, updated_at=now))
            if won == 1:
                job = tx.get_one(Job, job_id)
                pin = pin_session(tx, job.execution_id, host, now) if host else None
                return ClaimedJob(job.id, job.execution_id, job.kind, dict(job.payload),
                                  job.attempts, pin.moved_from if pin else None)
    return None


def heartbeat(db: Database, job_id: int, worker_id: str, lease_seconds: float, *,
              now: datetime | None = None) -> bool:
    """Extend the lease; False when the lease was lost (another worker owns the job)."""
    now = now or utc_now()
    with db.transaction() as tx:
        return rows_changed(tx, update(Job)
                        .where(Job.id == job_id, Job.lease_owner == worker_id,
                               Job.status == JobStatus.running)
                        .values(lease_expires_at=now + timedelta(seconds=lease_seconds),
                                updated_at=now)) == 1


def finish(db: Database, job_id: int, worker_id: str, status: JobStatus,
           error: str | None = None, result: dict[str, Any] | None = None) -> bool:
    """Record the job's end (only while this worker still holds it); ``result`` is kept in
    its payload under ``result`` for whoever asks how it went."""
    values: dict[str, Any] = {"status": status, "last_error": error,
                              "lease_expires_at": None, "updated_at": utc_now()}
    with db.transaction() as tx:
        if result is not None:
            payload = tx.scalar(select(Job.payload).where(Job.id == job_id)) or {}
            values["payload"] = {**payload, "result": result}
        return rows_changed(tx, update(Job).where(Job.id == job_id, Job.lease_owner == worker_id)
                        .values(**values)) == 1


def pending_job(tx: Session, execution_id: str,
                kinds: Iterable[JobKind] | None = None) -> int | None:
    """The id of a queued or running job of the execution (of one of ``kinds``), if any."""
    query = select(Job.id).where(Job.execution_id == execution_id,
                                 Job.status.in_(PENDING_JOB_STATUSES))
    if kinds is not None:
        query = query.where(Job.kind.in_(list(kinds)))
    return tx.scalar(query.order_by(Job.id).limit(1))


def cancel_execution(db: Database, execution_id: str) -> None:
    """Ask the execution's running work to stop; its queued work (a teardown aside) is
    cancelled at once, and a queued execution ends cancelled."""
    with db.transaction() as tx:
        execution = tx.get(Execution, execution_id)
        if execution is None:
            raise NotFoundError(f"execution {execution_id} does not exist",
                                field="execution_id")
        execution.cancel_requested = True
        for job in tx.scalars(select(Job).where(Job.execution_id == execution_id,
                                                Job.status == JobStatus.queued,
                                                Job.kind.not_in(TEARDOWN_KINDS))):
            job.status = JobStatus.cancelled
        if execution.status == ExecutionStatus.queued:
            execution.status = ExecutionStatus.cancelled
            execution.finished_at = utc_now()
