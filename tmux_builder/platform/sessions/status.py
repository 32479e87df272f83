"""What a client sees of an execution: status, current step, progress, URL, error, builds,
step records (the shape of ``GET /api/status/{execution_id}``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from tmux_builder.errors import NotFoundError
from tmux_builder.platform.db import Database, Execution, Job, LogEvent, SessionRow
from tmux_builder.platform.pipeline.runner import STEPS, TOTAL_STEPS, progress

FINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})


def execution_status(db: Database, execution_id: str) -> dict[str, Any]:
    with db.transaction() as tx:
        execution = tx.get(Execution, execution_id)
        if execution is None:
            raise NotFoundError(f"execution {execution_id} does not exist",
                                field="execution_id")
        done = progress(execution)
        return {
            "execution_id": execution.id,
            "user_id": execution.user_id,
            "session_id": execution.session_id,
            "status": execution.status,
            "current_step": execution.current_step,
            "current_step_name": execution.current_step_name,
            "total_steps": TOTAL_STEPS,
            "completed_steps": done["completed_steps"],
            "percent": done["percent"],
            "deployed_url": execution.deployed_url,
            "error": execution.error_message,
            "debug_id": execution.debug_id,
            "builds": [{"label": b.label, "url": b.url, "pulumi_update": b.pulumi_update,
                        "created_at": b.created_at.isoformat()} for b in execution.builds],
            "steps": [{"run": s.run, "number": s.number, "name": s.name, "status": s.status,
                       "started_at": s.started_at.isoformat(),
                       "ended_at": s.ended_at.isoformat() if s.ended_at else None,
                       "duration_seconds": s.duration_seconds, "details": s.details}
                      for s in execution.steps],
            "step_names": list(STEPS),
        }


@dataclass
class EventCursor:
    """Where a progress stream is: the last log event sent and the step states seen."""

    last_log_id: int = 0
    steps: dict[int, str] = field(default_factory=dict)
    status: str | None = None
    percent: int | None = None


def events_since(db: Database, execution_id: str,
                 cursor: EventCursor) -> tuple[list[dict[str, Any]], bool]:
    """New progress events (steps, logs, status) after ``cursor``, which is advanced; the
    flag is True once the execution has reached a final state (the stream then ends)."""
    events: list[dict[str, Any]] = []
    with db.transaction() as tx:
        execution = tx.get(Execution, execution_id)
        if execution is None:
            raise NotFoundError(f"execution {execution_id} does not exist",
                                field="execution_id")
        for step in execution.steps:
            if cursor.steps.get(step.id) != step.status:
                cursor.steps[step.id] = step.status
                events.append({"event": "step", "data": {
                    "run": step.run, "number": step.number, "name": step.name,
                    "status": step.status, "duration_seconds": step.duration_seconds}})
        logs = tx.scalars(select(LogEvent).where(LogEvent.execution_id == execution_id,
                                                 LogEvent.id > cursor.last_log_id)
                          .order_by(LogEvent.id)).all()
        for log in logs:
            cursor.last_log_id = log.id
            events.append({"event": "log", "data": {
                "at": log.at.isoformat(), "level": log.level, "source": log.source,
                "message": log.message[:2000], "debug_id": log.debug_id}})
        done = progress(execution)
        if (execution.status, done["percent"]) != (cursor.status, cursor.percent):
            cursor.status, cursor.percent = execution.status, done["percent"]
            events.append({"event": "status", "data": {
                "status": execution.status, "completed_steps": done["completed_steps"],
                "total_steps": TOTAL_STEPS, "percent": done["percent"],
                "current_step": execution.current_step,
                "current_step_name": execution.current_step_name,
                "deployed_url": execution.deployed_url, "error": execution.error_message,
                "debug_id": execution.debug_id}})
        pending = any(j.status in ("queued", "running") for j in tx.scalars(
            select(Job).where(Job.execution_id == execution_id)))
        final = execution.status in FINAL_STATUSES and not pending
    return events, final


def user_sessions(db: Database, user_id: str) -> list[dict[str, Any]]:
    with db.transaction() as tx:
        rows = tx.scalars(select(SessionRow).where(SessionRow.user_id == user_id)
                          .order_by(SessionRow.created_at.desc())).all()
        result = []
        for row in rows:
            execution = row.executions[0] if row.executions else None
            result.append({
                "session_id": row.id, "execution_id": execution.id if execution else "",
                "host_provider": row.host_provider, "site_type": row.site_type,
                "status": row.status,
                "execution_status": execution.status if execution else "none",
                "deployed_url": execution.deployed_url if execution else None,
                "created_at": row.created_at, "expires_at": row.expires_at})
        return result
