"""Drift: what changed in a deployed stack outside Pulumi (a local site's folder edited or
deleted, a cloud resource changed in the console). A periodic pass (``run_drift_checks``,
every ``TMUX_BUILDER_DRIFT_CHECK_INTERVAL_SECONDS``; 0 turns it off) queues a ``drift`` job
per active session stack; the job previews a refresh of the stack (nothing is changed) and
stores what drifted on the stack's index row. The next deploy of that stack refreshes first,
so a redeploy repairs it, and clears the mark."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tmux_builder.domain import JobKind, SessionStatus, is_platform_stack
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, Execution, SessionRow, StackIndexRow
from tmux_builder.platform.queue.jobs import enqueue, pending_job
from tmux_builder.stacks import ChangePlan, StackEngine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DriftedStack:
    name: str
    user_id: str
    session_id: str
    host_provider: str
    site_type: str
    drift: dict[str, Any]
    checked_at: datetime | None


def drift_document(plan: ChangePlan) -> dict[str, Any] | None:
    """What a refresh preview found changed (None: nothing drifted)."""
    if not plan.has_changes:
        return None
    return {"changes": [{"op": c.op, "name": c.name, "type": c.type, "diffs": list(c.diffs)}
                        for c in plan.changes],
            "counts": dict(plan.counts)}


def drift_sentence(drift: dict[str, Any]) -> str:
    """``site: update (digest)`` for each drifted resource."""
    return "; ".join(f"{c['name']}: {c['op']}" + (f" ({', '.join(c['diffs'])})"
                                                  if c.get("diffs") else "")
                     for c in drift.get("changes") or [])


def check_stack_drift(db: Database, engine: StackEngine, stack_name: str,
                      ) -> dict[str, Any] | None:
    """Preview a refresh of the stack and store what drifted on its index row."""
    found = drift_document(engine.preview_refresh(stack_name).plan)
    with db.transaction() as tx:
        row = tx.get(StackIndexRow, stack_name)
        if row is not None:
            row.drift, row.drift_checked_at = found, datetime.now(UTC)
    return found


def stack_drift(db: Database, stack_name: str) -> dict[str, Any] | None:
    with db.transaction() as tx:
        row = tx.get(StackIndexRow, stack_name)
        return dict(row.drift) if row is not None and row.drift else None


def clear_drift(db: Database, stack_name: str) -> None:
    """The stack was just deployed (after a refresh): what drifted is repaired."""
    with db.transaction() as tx:
        row = tx.get(StackIndexRow, stack_name)
        if row is not None and row.drift is not None:
            row.drift = None


def stacks_to_check(db: Database) -> list[str]:
    """Every deployed stack of an active session (by name, which is its execution id)."""
    with db.transaction() as tx:
        names = tx.scalars(select(StackIndexRow.name)
                           .join(SessionRow, SessionRow.stack_name == StackIndexRow.name)
                           .where(SessionRow.status == SessionStatus.active)
                           .order_by(StackIndexRow.name)).all()
    return [name for name in names if not is_platform_stack(name)]


def enqueue_drift_checks(db: Database) -> list[int]:
    """Queue a drift job per active session stack; one with work pending (a deploy, a
    refinement, an earlier drift job) is left for the next pass. The ids of the jobs."""
    queued = []
    for name in stacks_to_check(db):
        with db.transaction() as tx:
            if tx.get(Execution, name) is None or pending_job(tx, name) is not None:
                continue
            job = enqueue(tx, name, JobKind.drift, {})
            tx.flush()
            queued.append(job.id)
    return queued


def run_drift_checks(db: Database, settings: Settings, stop: threading.Event) -> None:
    """Every ``settings.drift_check_interval_seconds`` until ``stop`` is set, queue the drift
    checks; returns at once when the interval is 0 (off)."""
    interval = settings.drift_check_interval_seconds
    if interval <= 0:
        return
    while not stop.wait(interval):
        try:
            jobs = enqueue_drift_checks(db)
            if jobs:
                log.info("queued %d drift checks", len(jobs))
        except Exception:  # the pass outlives any one failure
            log.exception("drift pass failed")


def drifted_stacks(db: Database) -> list[DriftedStack]:
    """Every stack marked drifted by its newest check, by user and name."""
    with db.transaction() as tx:
        rows = tx.scalars(select(StackIndexRow).where(StackIndexRow.drift.is_not(None))
                          .order_by(StackIndexRow.user_id, StackIndexRow.name)).all()
        return [DriftedStack(r.name, r.user_id, r.session_id, r.host_provider, r.site_type,
                             dict(r.drift or {}), r.drift_checked_at)
                for r in rows if r.drift]
