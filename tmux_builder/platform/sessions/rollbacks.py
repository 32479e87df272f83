"""A user's request to bring back an earlier good build of a session: checked and queued in
one transaction; a worker runs the ``rollback`` job (never the HTTP request)."""

from __future__ import annotations

from dataclasses import dataclass

from tmux_builder.domain import ExecutionStatus, JobKind, SessionStatus
from tmux_builder.errors import ConflictError, InvalidInputError, NotFoundError, StackBusyError
from tmux_builder.platform.db import Database, SessionRow
from tmux_builder.platform.pipeline import builds
from tmux_builder.platform.queue.jobs import enqueue, pending_job


@dataclass(frozen=True)
class RollbackQueued:
    session_id: str
    execution_id: str
    build: str
    job_id: int


def request_rollback(db: Database, session_id: str, number: object) -> RollbackQueued:
    """Queue the deploy of good build ``number`` of the session. Refused (naming ``build``)
    for a number that is not a build of the session, a build that failed or was never
    checked, or one whose folder is gone; (naming ``execution_id``) while work is pending."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise InvalidInputError("must be a build number (1 for build_v1)", field="build")
    with db.transaction() as tx:
        session = tx.get(SessionRow, session_id)
        if session is None or not session.executions:
            raise NotFoundError("not found", field="session_id")
        if session.status != SessionStatus.active:
            raise ConflictError("the session was torn down", field="session_id")
        execution = session.executions[0]
        found = next((b for b in execution.builds if b.number == number), None)
        if found is None:
            raise InvalidInputError(f"the session has no build_v{number}", field="build")
        if found.outcome != builds.GOOD:
            raise InvalidInputError(
                f"{found.label} did not pass its checks ({found.outcome}"
                + (f": {found.failure}" if found.failure else "") + ")", field="build")
        if pending_job(tx, execution.id) is not None:
            raise StackBusyError("the execution still has work running or queued",
                                 field="execution_id")
        execution_id = execution.id
    if builds.good_build(db, execution_id, number=number) is None:
        raise InvalidInputError(f"build_v{number}'s deployed folder is no longer kept",
                                field="build")
    with db.transaction() as tx:
        if pending_job(tx, execution_id) is not None:
            raise StackBusyError("the execution still has work running or queued",
                                 field="execution_id")
        execution = tx.get_one(SessionRow, session_id).executions[0]
        execution.status = ExecutionStatus.queued
        execution.error_message = None
        execution.debug_id = None
        job = enqueue(tx, execution_id, JobKind.rollback, {"build": number})
        tx.flush()
        return RollbackQueued(session_id, execution_id, builds.build_label(number), job.id)
