"""Worker hosts in the database (SPEC section 15): heartbeats, liveness and session affinity.

Each worker process beats for its host (``hosts``: last heartbeat and ``expires_at`` = beat +
the host lease) and for each of its workers (``host_workers``: last beat, job in hand). A
session is pinned (``session_hosts``) to the host that first claims work for it, since that
host holds its workspace and tmux session; its later jobs are claimable only there while the
host is alive. Once the host's lease has passed, any host may claim them: the claim moves the
pin and names the host it came from, and the new host resumes from the session's last
snapshot in the store (``workers.takeover``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tmux_builder.platform.db import Database, Execution, Job
from tmux_builder.platform.db.hosts import HostRow, HostWorkerRow, SessionHostRow


def _insert(tx: Session, table: Any) -> Any:
    dialect = tx.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _upsert(tx: Session, table: Any, key: str, values: dict[str, Any],
            keep: frozenset[str] = frozenset()) -> None:
    """Insert the row, or update every column but the key and ``keep``."""
    insert = _insert(tx, table).values(**values)
    tx.execute(insert.on_conflict_do_update(
        index_elements=[key],
        set_={name: insert.excluded[name] for name in values if name != key and name not in keep}))


def beat(db: Database, host: str, lease_seconds: float, now: datetime, *,
         sites_url: str | None = None, workers: Mapping[str, int | None] | None = None) -> None:
    """One heartbeat of ``host`` and of its ``workers`` (worker id -> job id or None)."""
    with db.transaction() as tx:
        _upsert(tx, HostRow, "name",
                {"name": host, "sites_url": sites_url, "started_at": now, "heartbeat_at": now,
                 "expires_at": now + timedelta(seconds=lease_seconds)},
                keep=frozenset({"started_at"}))
        for worker_id, job_id in (workers or {}).items():
            _upsert(tx, HostWorkerRow, "worker_id",
                    {"worker_id": worker_id, "host_name": host, "pid": os.getpid(),
                     "job_id": job_id, "started_at": now, "heartbeat_at": now},
                    keep=frozenset({"started_at"}))


def forget_workers(db: Database, worker_ids: list[str]) -> None:
    """Drop the rows of workers that stopped cleanly."""
    with db.transaction() as tx:
        tx.execute(delete(HostWorkerRow).where(HostWorkerRow.worker_id.in_(worker_ids)))


def host_alive(name: Any, now: datetime) -> ColumnElement[bool]:
    return exists().where(HostRow.name == name, HostRow.expires_at >= now)


def affine_to(host: str, now: datetime) -> ColumnElement[bool]:
    """A job this host may claim: its session is pinned nowhere, here, or to a dead host.
    (The query must outer-join ``Execution`` and ``SessionHostRow``; see ``claim``.)"""
    return or_(SessionHostRow.host_name.is_(None), SessionHostRow.host_name == host,
               ~host_alive(SessionHostRow.host_name, now))


def join_pins(query: Any) -> Any:
    return (query.join(Execution, Execution.id == Job.execution_id)
            .outerjoin(SessionHostRow, SessionHostRow.session_id == Execution.session_id))


@dataclass(frozen=True)
class Pin:
    host: str
    moved_from: str | None  # set when this claim took the session from another host


def pin_session(tx: Session, execution_id: str, host: str, now: datetime) -> Pin:
    """Pin the execution's session to ``host`` (called in the winning claim's transaction)."""
    session_id = tx.get_one(Execution, execution_id).session_id
    row = tx.get(SessionHostRow, session_id)
    if row is None:
        tx.add(SessionHostRow(session_id=session_id, host_name=host, pinned_at=now))
        tx.flush()
        return Pin(host, None)
    if row.host_name == host:
        return Pin(host, None)
    moved_from = row.host_name
    row.host_name, row.pinned_at, row.moved_from = host, now, moved_from
    return Pin(host, moved_from)


def sessions_pinned(tx: Session) -> dict[str, list[str]]:
    """Host name -> the ids of the sessions pinned to it."""
    found: dict[str, list[str]] = {}
    for row in tx.scalars(select(SessionHostRow).order_by(SessionHostRow.session_id)):
        found.setdefault(row.host_name, []).append(row.session_id)
    return found


def alive_at(row: HostRow, now: datetime) -> bool:
    return row.expires_at >= now

