"""The durable job queue. Workers claim a job atomically under a lease and keep it alive with
a heartbeat; a worker that dies leaves a lease that expires, and another worker claims the
job again (up to ``max_attempts`` claims).

A claim is a compare-and-set ``UPDATE ... WHERE id = ? AND <still claimable>``, which only one
worker can win on any database; on PostgreSQL the candidate rows are also read with
``FOR UPDATE SKIP LOCKED`` so workers on several hosts do not queue behind each other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from tmux_builder.platform.db import Database, Job


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    execution_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int


def enqueue(tx: Any, execution_id: str, kind: str, payload: dict[str, Any]) -> Job:
    job = Job(execution_id=execution_id, kind=kind, payload=payload)
    tx.add(job)
    return job


def _claimable(now: datetime) -> Any:
    return or_(Job.status == "queued",
               and_(Job.status == "running", Job.lease_expires_at < now))


def claim(db: Database, worker_id: str, lease_seconds: float) -> ClaimedJob | None:
    now = _now()
    with db.transaction() as tx:
        query = select(Job.id).where(_claimable(now)).order_by(Job.id).limit(8)
        if db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        for job_id in tx.scalars(query).all():
            won = tx.execute(
                update(Job)
                .where(Job.id == job_id, _claimable(now))
                .values(status="running", lease_owner=worker_id,
                        lease_expires_at=now + timedelta(seconds=lease_seconds),
                        attempts=Job.attempts + 1, updated_at=now)
            )
            if won.rowcount == 1:
                job = tx.get(Job, job_id)
                assert job is not None
                return ClaimedJob(job.id, job.execution_id, job.kind, dict(job.payload),
                                  job.attempts)
    return None


def heartbeat(db: Database, job_id: int, worker_id: str, lease_seconds: float) -> bool:
    """Extend the lease; False when the lease was lost (another worker owns the job)."""
    now = _now()
    with db.transaction() as tx:
        result = tx.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == worker_id, Job.status == "running")
            .values(lease_expires_at=now + timedelta(seconds=lease_seconds), updated_at=now)
        )
        return result.rowcount == 1


def finish(db: Database, job_id: int, worker_id: str, status: str,
           error: str | None = None) -> bool:
    with db.transaction() as tx:
        result = tx.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == worker_id)
            .values(status=status, last_error=error, lease_expires_at=None, updated_at=_now())
        )
        return result.rowcount == 1
