"""What a client sees of an execution: status, current step, progress, URL, error, builds,
step records (the shape of ``GET /api/status/{execution_id}``)."""

from __future__ import annotations

from typing import Any

from tmux_builder.errors import NotFoundError
from tmux_builder.platform.db import Database, Execution
from tmux_builder.platform.pipeline import STEPS, TOTAL_STEPS, progress

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
