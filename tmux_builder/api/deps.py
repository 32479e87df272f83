"""Dependencies: the app state, the caller's identity (bearer token), admin, and ids taken
from the URL, validated and checked to belong to the caller (else 404, exactly like an id
that does not exist)."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from sqlalchemy import select

from tmux_builder.api.errors import Unauthorized
from tmux_builder.api.state import AppState
from tmux_builder.errors import InvalidInputError, NotFoundError
from tmux_builder.platform.db import Execution, SessionRow, Token
from tmux_builder.platform.ids import (
    EXECUTION_ID_REGEX,
    SESSION_ID_PATTERN,
    SESSION_ID_REGEX,
    USER_ID_PATTERN,
    USER_ID_REGEX,
    validate_session_id,
    validate_user_id,
)
from tmux_builder.platform.tokens import hash_token

ExecutionId = Annotated[str, Path(pattern=EXECUTION_ID_REGEX, max_length=80,
                                  description="<user_id>_<session_id>")]
SessionId = Annotated[str, Path(pattern=SESSION_ID_REGEX, max_length=32)]
UserId = Annotated[str, Path(pattern=USER_ID_REGEX, max_length=36)]


def app_state(request: Request) -> AppState:
    return request.app.state.tb  # type: ignore[no-any-return]


State = Annotated[AppState, Depends(app_state)]


def _bearer(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("a bearer token is required")
    return authorization.split(" ", 1)[1].strip()


def current_user(state: State,
                 authorization: Annotated[str | None, Header()] = None) -> str:
    token_hash = hash_token(_bearer(authorization))
    with state.db.transaction() as tx:
        token = tx.scalar(select(Token).where(Token.token_hash == token_hash))
        if token is None:
            raise Unauthorized("the token is not valid")
        token.last_used_at = datetime.now(UTC)
        return token.user_id


CurrentUser = Annotated[str, Depends(current_user)]


def require_admin(state: State, authorization: Annotated[str | None, Header()] = None) -> None:
    expected = state.settings.admin_token
    given = _bearer(authorization)
    if expected is None or not hmac.compare_digest(given, expected.get_secret_value()):
        raise Unauthorized("the admin token is required")


def validate_execution_id(value: str) -> str:
    user, _, session = value.partition("_")
    if not USER_ID_PATTERN.fullmatch(user) or not SESSION_ID_PATTERN.fullmatch(session):
        raise InvalidInputError("must be <user_id>_<session_id>", field="execution_id")
    return value


def owned_execution(state: AppState, user_id: str, execution_id: str) -> str:
    validate_execution_id(execution_id)
    with state.db.transaction() as tx:
        execution = tx.get(Execution, execution_id)
        if execution is None or execution.user_id != user_id:
            raise NotFoundError("not found", field="execution_id")
    return execution_id


def owned_session(state: AppState, user_id: str, session_id: str) -> SessionRow:
    validate_session_id(session_id)
    with state.db.transaction() as tx:
        session = tx.get(SessionRow, session_id)
        if session is None or session.user_id != user_id:
            raise NotFoundError("not found", field="session_id")
        return session


def own_user_id(user_id: str, caller: str) -> str:
    validate_user_id(user_id)
    if user_id != caller:
        raise NotFoundError("not found", field="user_id")
    return user_id
