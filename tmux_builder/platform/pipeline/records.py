"""The pipeline's bookkeeping: step records (start, end, duration, outcome, details), the
execution's status as the steps move, and progress (completed steps of the newest run)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tmux_builder.domain import (
    REDEPLOY_FIRST_STEP,
    TOTAL_STEPS,
    ExecutionStatus,
    StepName,
    StepStatus,
)
from tmux_builder.platform.db import Database, Execution, StepRecord


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Progress:
    run: int
    completed_steps: int
    total_steps: int
    percent: int


def progress(execution: Execution) -> Progress:
    """completed / 9 for the newest run (a redeploy run counts steps 1-5 as done)."""
    runs = [s.run for s in execution.steps]
    run = max(runs) if runs else 1
    completed = {s.number for s in execution.steps
                 if s.run == run and s.status == StepStatus.completed}
    if run > 1:
        completed |= set(range(1, REDEPLOY_FIRST_STEP))
    return Progress(run, len(completed), TOTAL_STEPS, round(100 * len(completed) / TOTAL_STEPS))


def completed_steps(db: Database, execution_id: str, run: int) -> set[int]:
    """Numbers of the run's completed steps; a step left running by a dead worker is marked
    interrupted."""
    with db.transaction() as tx:
        rows = tx.scalars(select(StepRecord).where(StepRecord.execution_id == execution_id,
                                                   StepRecord.run == run)).all()
        for row in rows:
            if row.status == StepStatus.running:
                row.status = StepStatus.interrupted
                row.ended_at = now()
        return {r.number for r in rows if r.status == StepStatus.completed}


def set_status(db: Database, execution_id: str, status: ExecutionStatus) -> None:
    """Move the execution to ``status``: running clears the end, a final status sets it."""
    with db.transaction() as tx:
        execution = tx.get_one(Execution, execution_id)
        execution.status = status
        if status == ExecutionStatus.running:
            execution.started_at = execution.started_at or now()
            execution.finished_at = None
        elif status.final:
            execution.finished_at = now()


def fail_execution(db: Database, execution_id: str, message: str,
                   debug_id: str | None = None) -> None:
    """Record the execution as failed with the reason the user sees."""
    with db.transaction() as tx:
        execution = tx.get(Execution, execution_id)
        if execution is None:
            return
        execution.status, execution.finished_at = ExecutionStatus.failed, now()
        execution.error_message = message
        execution.debug_id = debug_id


def start_step(db: Database, execution_id: str, run: int, step: StepName,
               started: datetime) -> int:
    """Write the step's record (running) and make it the execution's current step."""
    with db.transaction() as tx:
        record = StepRecord(execution_id=execution_id, run=run, number=step.number,
                            name=step.value, status=StepStatus.running, started_at=started)
        tx.add(record)
        execution = tx.get_one(Execution, execution_id)
        execution.current_step, execution.current_step_name = step.number, step.value
        tx.flush()
        return record.id


def finish_step(db: Database, record_id: int, outcome: StepStatus, started: datetime,
                ended: datetime, details: dict[str, Any]) -> None:
    with db.transaction() as tx:
        record = tx.get_one(StepRecord, record_id)
        record.status, record.ended_at = outcome, ended
        record.duration_seconds = (ended - started).total_seconds()
        record.details = details
