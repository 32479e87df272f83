"""Whether an id from a URL names something of the caller's: an id of another user answers
exactly like one that does not exist (``NotFoundError``), so ids cannot be probed."""

from __future__ import annotations

from tmux_builder.domain import validate_execution_id, validate_session_id, validate_user_id
from tmux_builder.errors import NotFoundError
from tmux_builder.platform.db import Database, Execution, SessionRow


def owned_execution(db: Database, user_id: str, execution_id: str) -> str:
    validate_execution_id(execution_id)
    with db.transaction() as tx:
        execution = tx.get(Execution, execution_id)
        if execution is None or execution.user_id != user_id:
            raise NotFoundError("not found", field="execution_id")
    return execution_id


def owned_session(db: Database, user_id: str, session_id: str) -> str:
    validate_session_id(session_id)
    with db.transaction() as tx:
        session = tx.get(SessionRow, session_id)
        if session is None or session.user_id != user_id:
            raise NotFoundError("not found", field="session_id")
    return session_id


def own_user_id(user_id: str, caller: str) -> str:
    validate_user_id(user_id)
    if user_id != caller:
        raise NotFoundError("not found", field="user_id")
    return user_id
