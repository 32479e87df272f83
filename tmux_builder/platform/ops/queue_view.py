"""The queue in view (why is my deploy stuck?): worker hosts and their workers with their
last heartbeat, jobs by state, the oldest waiting job's age, the leases held (job leases and
stack locks) and by whom, and the sessions pinned to each host. One read of the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tmux_builder.domain import JobStatus
from tmux_builder.platform.db import Database, Job
from tmux_builder.platform.db.hosts import HostRow, HostWorkerRow
from tmux_builder.platform.db.stack_locks import StackLockRow
from tmux_builder.platform.queue.hosts import alive_at, sessions_pinned


@dataclass(frozen=True)
class WorkerView:
    worker_id: str
    pid: int
    job_id: int | None
    last_heartbeat: datetime
    seconds_since_heartbeat: float


@dataclass(frozen=True)
class HostView:
    name: str
    alive: bool
    sites_url: str | None
    started_at: datetime
    last_heartbeat: datetime
    seconds_since_heartbeat: float
    workers: list[WorkerView] = field(default_factory=list)
    pinned_sessions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LeaseView:
    """A job lease or a stack lock: what is held, by whom, until when."""

    kind: str  # "job" or "stack"
    what: str  # "job 12 (pipeline) of <execution>" or the stack name
    holder: str
    expires_at: datetime | None
    seconds_left: float | None


@dataclass(frozen=True)
class QueueView:
    taken_at: datetime
    hosts: list[HostView]
    jobs_by_state: dict[str, int]
    oldest_waiting_job_id: int | None
    oldest_waiting_seconds: float | None
    leases: list[LeaseView]
    pinned_to_unknown_hosts: dict[str, list[str]]


def _since(moment: datetime, now: datetime) -> float:
    return round((now - moment).total_seconds(), 1)


def _hosts(tx: Session, now: datetime, pinned: dict[str, list[str]]) -> list[HostView]:
    workers: dict[str, list[WorkerView]] = {}
    for worker in tx.scalars(select(HostWorkerRow).order_by(HostWorkerRow.worker_id)):
        workers.setdefault(worker.host_name, []).append(WorkerView(
            worker.worker_id, worker.pid, worker.job_id, worker.heartbeat_at,
            _since(worker.heartbeat_at, now)))
    return [HostView(host.name, alive_at(host, now), host.sites_url, host.started_at,
                     host.heartbeat_at, _since(host.heartbeat_at, now),
                     workers.get(host.name, []), pinned.get(host.name, []))
            for host in tx.scalars(select(HostRow).order_by(HostRow.name))]


def _leases(tx: Session, now: datetime) -> list[LeaseView]:
    leases = [LeaseView("job", f"job {job.id} ({job.kind}) of {job.execution_id}",
                        job.lease_owner or "?", job.lease_expires_at,
                        round((job.lease_expires_at - now).total_seconds(), 1)
                        if job.lease_expires_at else None)
              for job in tx.scalars(select(Job).where(Job.status == JobStatus.running)
                                    .order_by(Job.id))]
    leases += [LeaseView("stack", lock.stack_name,
                         f"{lock.operation} by pid {lock.pid} on host {lock.host}",
                         lock.expires_at, round((lock.expires_at - now).total_seconds(), 1))
               for lock in tx.scalars(select(StackLockRow).order_by(StackLockRow.stack_name))]
    return leases


def queue_view(db: Database, now: datetime | None = None) -> QueueView:
    now = now or datetime.now(UTC)
    with db.transaction() as tx:
        counts = dict(tx.execute(select(Job.status, func.count()).group_by(Job.status)).all())
        oldest = tx.execute(select(Job.id, Job.created_at).where(Job.status == JobStatus.queued)
                            .order_by(Job.created_at, Job.id).limit(1)).first()
        pinned = sessions_pinned(tx)
        hosts = _hosts(tx, now, pinned)
        known = {host.name for host in hosts}
        return QueueView(
            taken_at=now, hosts=hosts,
            jobs_by_state={state.value: int(counts.get(state.value, 0)) for state in JobStatus},
            oldest_waiting_job_id=oldest.id if oldest else None,
            oldest_waiting_seconds=_since(oldest.created_at, now) if oldest else None,
            leases=_leases(tx, now),
            pinned_to_unknown_hosts={name: ids for name, ids in pinned.items()
                                     if name not in known})
