"""Dependencies: the app state, the caller's identity (bearer token) and what its scope
allows, admin, the client's address, and ids taken from the URL, validated and checked to
belong to the caller (else 404, exactly like an id that does not exist)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Path, Request

from tmux_builder.api.state import AppState
from tmux_builder.domain import (
    EXECUTION_ID_REGEX,
    SESSION_ID_PATTERN,
    SESSION_ID_REGEX,
    USER_ID_PATTERN,
    USER_ID_REGEX,
    validate_session_id,
    validate_user_id,
)
from tmux_builder.errors import (
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from tmux_builder.platform.accounts.tokens import TOKEN_ID_MAX, Caller, authenticate
from tmux_builder.platform.db import Execution, SessionRow

ExecutionId = Annotated[str, Path(pattern=EXECUTION_ID_REGEX, max_length=80,
                                  description="<user_id>_<session_id>")]
SessionId = Annotated[str, Path(pattern=SESSION_ID_REGEX, max_length=32)]
UserId = Annotated[str, Path(pattern=USER_ID_REGEX, max_length=36)]
TokenId = Annotated[int, Path(ge=1, le=TOKEN_ID_MAX)]
READ_ONLY = "this token is read-only (scope read); use a write token to change anything"


def app_state(request: Request) -> AppState:
    return request.app.state.tb  # type: ignore[no-any-return]


State = Annotated[AppState, Depends(app_state)]


def client_address(request: Request) -> str:
    """The peer's address; a trusted proxy's X-Forwarded-For was applied before (only when
    the peer is one of ``TMUX_BUILDER_TRUSTED_PROXIES``)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("a bearer token is required")
    return token.strip()


def current_caller(state: State,
                   authorization: Annotated[str | None, Header()] = None) -> Caller:
    return authenticate(state.db, _bearer(authorization))


def optional_caller(state: State,
                    authorization: Annotated[str | None, Header()] = None) -> Caller | None:
    """None without an Authorization header; a header that is there must be valid."""
    return None if authorization is None else current_caller(state, authorization)


def current_user(caller: Annotated[Caller, Depends(current_caller)]) -> str:
    return caller.user_id


def require_write(caller: Caller) -> Caller:
    """The caller, when its token may change things (scope ``write``); else 403."""
    if not caller.can_write:
        raise PermissionDeniedError(READ_ONLY, field="authorization")
    return caller


def writing_caller(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    return require_write(caller)


def writing_user(caller: Annotated[Caller, Depends(writing_caller)]) -> str:
    return caller.user_id


CurrentCaller = Annotated[Caller, Depends(current_caller)]
WriteCaller = Annotated[Caller, Depends(writing_caller)]
OptionalCaller = Annotated[Caller | None, Depends(optional_caller)]
CurrentUser = Annotated[str, Depends(current_user)]
WriteUser = Annotated[str, Depends(writing_user)]


def require_admin(state: State, authorization: Annotated[str | None, Header()] = None) -> None:
    """Compared as bytes in constant time, so any header value (even non-ASCII) is a 401."""
    expected = state.settings.admin_token
    given = _bearer(authorization).encode()
    if expected is None or not hmac.compare_digest(given, expected.get_secret_value().encode()):
        raise AuthenticationError("the admin token is required")


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
