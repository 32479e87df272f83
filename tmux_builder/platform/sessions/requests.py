"""What a user asks of a session after it exists: a chat message (a refinement), a redeploy,
a longer life. Each is checked and written in one transaction; the work itself is a job that
a worker runs. (A cancel is ``queue.jobs.cancel_execution``; a teardown is
``ops.teardown.request_teardown``.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tmux_builder.domain import ExecutionStatus, JobKind, SessionStatus
from tmux_builder.errors import ConflictError, InvalidInputError, NotFoundError, StackBusyError
from tmux_builder.platform.core.text import check_text
from tmux_builder.platform.db import ChatMessage, Database, Execution, SessionRow
from tmux_builder.platform.queue.jobs import enqueue, pending_job
from tmux_builder.platform.sessions.creation import MAX_TTL_DAYS

MAX_CHAT_CHARS = 4000


def _execution(tx: Session, execution_id: str) -> Execution:
    execution = tx.get(Execution, execution_id)
    if execution is None:
        raise NotFoundError(f"execution {execution_id} does not exist", field="execution_id")
    return execution


def _busy(tx: Session, execution_id: str) -> bool:
    return pending_job(tx, execution_id) is not None


def request_redeploy(db: Database, execution_id: str) -> int:
    """Queue steps 6-9 again; returns the run number. Refused while work is pending."""
    with db.transaction() as tx:
        execution = _execution(tx, execution_id)
        if _busy(tx, execution_id):
            raise StackBusyError("the execution still has work running or queued",
                                 field="execution_id")
        if execution.status == ExecutionStatus.cancelled or not execution.builds:
            raise ConflictError("nothing has been deployed yet to redeploy",
                                field="execution_id")
        run = len({s.run for s in execution.steps}) + 1
        execution.status = ExecutionStatus.queued
        execution.error_message = None
        execution.debug_id = None
        enqueue(tx, execution_id, JobKind.redeploy, {"run": run})
        return run


def send_chat(db: Database, execution_id: str, message: str) -> int:
    """Store the user's message and queue the refinement the agent will make."""
    text = check_text(message or "", "message", multiline=True).strip()
    if not text:
        raise InvalidInputError("must not be blank", field="message")
    if len(text) > MAX_CHAT_CHARS:
        raise InvalidInputError(f"must be at most {MAX_CHAT_CHARS} characters", field="message")
    with db.transaction() as tx:
        _execution(tx, execution_id)
        if _busy(tx, execution_id):
            raise StackBusyError("the agent is still busy with this execution",
                                 field="execution_id")
        chat = ChatMessage(execution_id=execution_id, role="user", content=text)
        tx.add(chat)
        tx.flush()
        enqueue(tx, execution_id, JobKind.refine, {"chat_id": chat.id})
        return chat.id


def extend_session(db: Database, session_id: str, days: float,
                   now: datetime | None = None) -> datetime:
    """Push the expiry back by ``days`` (from now when already past); at most 90 days out."""
    if not 0 < days <= MAX_TTL_DAYS:
        raise InvalidInputError(f"must be between 0 and {MAX_TTL_DAYS} days", field="days")
    now = now or datetime.now(UTC)
    with db.transaction() as tx:
        session = tx.get(SessionRow, session_id)
        if session is None:
            raise NotFoundError("not found", field="session_id")
        if session.status != SessionStatus.active:
            raise ConflictError("the session was torn down", field="session_id")
        expires = max(session.expires_at, now) + timedelta(days=days)
        if expires > now + timedelta(days=MAX_TTL_DAYS):
            raise ConflictError(f"would expire more than {MAX_TTL_DAYS} days from now",
                                field="days")
        session.expires_at = expires
        return expires


def latest_execution_id(db: Database, user_id: str) -> str:
    """The execution of the user's newest session (the seeds' ``/api/session/{guid}``)."""
    with db.transaction() as tx:
        row = tx.scalars(select(SessionRow).where(SessionRow.user_id == user_id)
                         .order_by(SessionRow.created_at.desc()).limit(1)).first()
        if row is None or not row.executions:
            raise NotFoundError("not found", field="guid")
        return row.executions[0].id
