"""What a client reads of a session: an execution's status (current step, progress, URL,
error, builds, step records), its progress events, its screenshot and conversation, and a
user's sessions. Each answer is a typed value; the API serialises it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tmux_builder.domain import (
    PENDING_JOB_STATUSES,
    STEPS,
    TEARDOWN_KINDS,
    TOTAL_STEPS,
    ExecutionStatus,
    SessionStatus,
    StepName,
    StepStatus,
)
from tmux_builder.errors import NotFoundError
from tmux_builder.platform.db import (
    ChatMessage,
    Database,
    Execution,
    Job,
    LogEvent,
    SessionRow,
    StackIndexRow,
)
from tmux_builder.platform.db.hosts import SessionHostRow
from tmux_builder.platform.pipeline.records import progress
from tmux_builder.platform.store import ArtifactStore

LOG_MESSAGE_MAX = 2000


@dataclass(frozen=True)
class BuildState:
    label: str
    url: str | None
    pulumi_update: int | None
    created_at: str
    # deploying, deployed (checks pending), good or failed
    outcome: str = "deployed"
    # what the preview before this redeploy planned (None: a first deploy)
    plan: dict[str, Any] | None = None
    failure: str | None = None
    # the kept deployed folder, relative to the workspace
    artifact: str | None = None
    # the deployment summary of a good build (DEPLOYMENT_SUMMARY.md has the same facts)
    summary: dict[str, Any] | None = None


@dataclass(frozen=True)
class StepState:
    run: int
    number: int
    name: str
    status: str
    started_at: str
    ended_at: str | None
    duration_seconds: float | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """Where an execution stands: what the progress stream's ``status`` and ``end`` carry."""

    status: str
    completed_steps: int
    total_steps: int
    percent: int
    deployed_url: str | None
    error: str | None
    debug_id: str | None


@dataclass(frozen=True)
class ExecutionState(Outcome):
    execution_id: str
    user_id: str
    session_id: str
    current_step: int
    current_step_name: str | None
    builds: list[BuildState]
    steps: list[StepState]
    step_names: list[str]
    # the build the URL serves, and the newest rollback (to, from, step, reason, automatic,
    # at, message), None when the newest build is live
    live_build: str | None = None
    rollback: dict[str, Any] | None = None
    # what the newest drift check found changed outside Pulumi (a redeploy repairs it)
    drift: dict[str, Any] | None = None
    host: str | None = None  # the worker host the session is pinned to
    host_note: str | None = None  # "moved from host A to host B" after a takeover

    @property
    def finished(self) -> bool:
        return ExecutionStatus(self.status).final

    def details_of(self, step: StepName) -> dict[str, Any]:
        """The newest completed record's details of ``step`` (empty when it never ran)."""
        done = [s for s in self.steps if s.name == step and s.status == StepStatus.completed]
        return done[-1].details if done else {}


def _execution(tx: Session, execution_id: str) -> Execution:
    execution = tx.get(Execution, execution_id)
    if execution is None:
        raise NotFoundError(f"execution {execution_id} does not exist", field="execution_id")
    return execution


def _outcome(execution: Execution) -> dict[str, Any]:
    done = progress(execution)
    return {"status": execution.status, "completed_steps": done.completed_steps,
            "total_steps": TOTAL_STEPS, "percent": done.percent,
            "deployed_url": execution.deployed_url, "error": execution.error_message,
            "debug_id": execution.debug_id}


def _drift(tx: Session, stack_name: str) -> dict[str, Any] | None:
    row = tx.get(StackIndexRow, stack_name)
    return dict(row.drift) if row is not None and row.drift else None


def execution_status(db: Database, execution_id: str) -> ExecutionState:
    with db.transaction() as tx:
        execution = _execution(tx, execution_id)
        pin = tx.get(SessionHostRow, execution.session_id)
        return ExecutionState(
            **_outcome(execution),
            execution_id=execution.id,
            user_id=execution.user_id,
            session_id=execution.session_id,
            current_step=execution.current_step,
            current_step_name=execution.current_step_name,
            builds=[BuildState(b.label, b.url, b.pulumi_update, b.created_at.isoformat(),
                               b.outcome, b.plan, b.failure, b.artifact, b.summary)
                    for b in execution.builds],
            steps=[StepState(s.run, s.number, s.name, s.status, s.started_at.isoformat(),
                             s.ended_at.isoformat() if s.ended_at else None,
                             s.duration_seconds, s.details) for s in execution.steps],
            step_names=[step.value for step in STEPS],
            live_build=f"build_v{execution.live_build}" if execution.live_build else None,
            rollback=execution.rollback,
            drift=_drift(tx, execution.session.stack_name),
            host=pin.host_name if pin else None,
            host_note=(f"moved from host {pin.moved_from} to host {pin.host_name}"
                       if pin and pin.moved_from else None),
        )



def execution_outcome(db: Database, execution_id: str) -> Outcome:
    with db.transaction() as tx:
        return Outcome(**_outcome(_execution(tx, execution_id)))


@dataclass(frozen=True)
class ProgressEvent:
    """One server-sent event: ``event`` is step, log or status."""

    event: str
    data: dict[str, Any]


@dataclass
class EventCursor:
    """Where a progress stream is: the last log event sent and the step states seen."""

    last_log_id: int = 0
    steps: dict[int, str] = field(default_factory=dict)
    status: str | None = None
    percent: int | None = None


def events_since(db: Database, execution_id: str,
                 cursor: EventCursor) -> tuple[list[ProgressEvent], bool]:
    """New progress events (steps, logs, status) after ``cursor``, which is advanced; the
    flag is True once the execution has reached a final state (the stream then ends)."""
    events: list[ProgressEvent] = []
    with db.transaction() as tx:
        execution = _execution(tx, execution_id)
        for step in execution.steps:
            if cursor.steps.get(step.id) != step.status:
                cursor.steps[step.id] = step.status
                events.append(ProgressEvent("step", {
                    "run": step.run, "number": step.number, "name": step.name,
                    "status": step.status, "duration_seconds": step.duration_seconds}))
        logs = tx.scalars(select(LogEvent).where(LogEvent.execution_id == execution_id,
                                                 LogEvent.id > cursor.last_log_id)
                          .order_by(LogEvent.id)).all()
        for log in logs:
            cursor.last_log_id = log.id
            events.append(ProgressEvent("log", {
                "at": log.at.isoformat(), "level": log.level, "source": log.source,
                "message": log.message[:LOG_MESSAGE_MAX], "debug_id": log.debug_id}))
        outcome = _outcome(execution)
        if (execution.status, outcome["percent"]) != (cursor.status, cursor.percent):
            cursor.status, cursor.percent = execution.status, outcome["percent"]
            events.append(ProgressEvent("status", {
                **outcome, "current_step": execution.current_step,
                "current_step_name": execution.current_step_name}))
        pending = tx.scalar(select(Job.id).where(
            Job.execution_id == execution_id, Job.status.in_(PENDING_JOB_STATUSES)).limit(1))
        final = ExecutionStatus(execution.status).final and pending is None
    return events, final


@dataclass(frozen=True)
class SessionSummary:
    session_id: str
    execution_id: str
    host_provider: str
    site_type: str
    status: str
    execution_status: str
    deployed_url: str | None
    created_at: datetime
    expires_at: datetime


def user_sessions(db: Database, user_id: str) -> list[SessionSummary]:
    with db.transaction() as tx:
        rows = tx.scalars(select(SessionRow).where(SessionRow.user_id == user_id)
                          .order_by(SessionRow.created_at.desc())).all()
        result = []
        for row in rows:
            execution = row.executions[0] if row.executions else None
            result.append(SessionSummary(
                session_id=row.id, execution_id=execution.id if execution else "",
                host_provider=row.host_provider, site_type=row.site_type, status=row.status,
                execution_status=execution.status if execution else "none",
                deployed_url=execution.deployed_url if execution else None,
                created_at=row.created_at, expires_at=row.expires_at))
        return result


def screenshot_png(db: Database, store: ArtifactStore, execution_id: str, *,
                   thumbnail: bool = False) -> bytes:
    """The newest build's screenshot (or thumbnail), from the shared store: whichever host
    took it, any API host serves it."""
    with db.transaction() as tx:
        execution = _execution(tx, execution_id)
        steps = [s for s in execution.steps
                 if s.name == StepName.screenshot and s.status == StepStatus.completed]
        if not steps:
            raise NotFoundError("no screenshot yet", field="execution_id")
        details = steps[-1].details
        build = details.get("build") or Path(str(details["path"])).parent.name
        user_id, session_id = execution.user_id, execution.session_id
    try:
        return store.get_artifact(user_id, session_id,
                                  "thumbnails" if thumbnail else "screenshots", f"{build}.png")
    except NotFoundError:
        raise NotFoundError("no screenshot yet", field="execution_id") from None


@dataclass(frozen=True)
class ChatEntry:
    role: str
    content: str
    created_at: datetime


def chat_messages(db: Database, execution_id: str) -> list[ChatEntry]:
    with db.transaction() as tx:
        return [ChatEntry(m.role, m.content, m.created_at) for m in tx.scalars(
            select(ChatMessage).where(ChatMessage.execution_id == execution_id)
            .order_by(ChatMessage.id))]


@dataclass(frozen=True)
class TeardownState:
    """How the session's newest teardown went (``job_status`` None: none was asked)."""

    session_id: str
    session_status: str
    job_id: int | None
    job_status: str | None
    torn_down: bool
    error: str | None
    details: dict[str, Any]


def teardown_state(db: Database, session_id: str) -> TeardownState:
    with db.transaction() as tx:
        session = tx.get(SessionRow, session_id)
        if session is None:
            raise NotFoundError("not found", field="session_id")
        job = tx.scalars(select(Job).where(
            Job.execution_id.in_([e.id for e in session.executions]),
            Job.kind.in_(TEARDOWN_KINDS)).order_by(Job.id.desc()).limit(1)).first()
        torn_down = session.status == SessionStatus.torn_down
        if job is None:
            return TeardownState(session_id, session.status, None, None, torn_down, None, {})
        return TeardownState(session_id, session.status, job.id, job.status, torn_down,
                             job.last_error, dict(job.payload.get("result") or {}))
