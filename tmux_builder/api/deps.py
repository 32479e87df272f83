"""Dependencies: the app state, the caller's identity (bearer token) and what its scope
allows, admin, the client's address, and the ids taken from the URL (validated by the rules
of ``tmux_builder.domain``; whether they are the caller's is ``platform.sessions.ownership``).
Those that touch nothing blocking are ``async``: FastAPI runs a plain ``def`` dependency in
its thread pool, one thread hop (and GIL hand-over) per dependency per request."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Path, Request

from tmux_builder.api.state import AppState
from tmux_builder.domain import (
    EXECUTION_ID_MAX,
    EXECUTION_ID_REGEX,
    SESSION_ID_MAX,
    SESSION_ID_REGEX,
    USER_ID_MAX,
    USER_ID_REGEX,
)
from tmux_builder.errors import AuthenticationError, PermissionDeniedError
from tmux_builder.platform.accounts.tokens import TOKEN_ID_MAX, Caller, authenticate

ExecutionId = Annotated[str, Path(pattern=EXECUTION_ID_REGEX, max_length=EXECUTION_ID_MAX,
                                  description="<user_id>_<session_id>")]
SessionId = Annotated[str, Path(pattern=SESSION_ID_REGEX, max_length=SESSION_ID_MAX)]
UserId = Annotated[str, Path(pattern=USER_ID_REGEX, max_length=USER_ID_MAX)]
TokenId = Annotated[int, Path(ge=1, le=TOKEN_ID_MAX)]
READ_ONLY = "this token is read-only (scope read); use a write token to change anything"


async def app_state(request: Request) -> AppState:
    return request.app.state.tb  # type: ignore[no-any-return]


State = Annotated[AppState, Depends(app_state)]


async def client_address(request: Request) -> str:
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


async def current_user(caller: Annotated[Caller, Depends(current_caller)]) -> str:
    return caller.user_id


def require_write(caller: Caller) -> Caller:
    """The caller, when its token may change things (scope ``write``); else 403."""
    if not caller.can_write:
        raise PermissionDeniedError(READ_ONLY, field="authorization")
    return caller


async def writing_caller(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    return require_write(caller)


async def writing_user(caller: Annotated[Caller, Depends(writing_caller)]) -> str:
    return caller.user_id


CurrentCaller = Annotated[Caller, Depends(current_caller)]
WriteCaller = Annotated[Caller, Depends(writing_caller)]
OptionalCaller = Annotated[Caller | None, Depends(optional_caller)]
CurrentUser = Annotated[str, Depends(current_user)]
WriteUser = Annotated[str, Depends(writing_user)]


async def require_admin(state: State,
                        authorization: Annotated[str | None, Header()] = None) -> None:
    """Compared as bytes in constant time, so any header value (even non-ASCII) is a 401."""
    expected = state.settings.admin_token
    given = _bearer(authorization).encode()
    if expected is None or not hmac.compare_digest(given, expected.get_secret_value().encode()):
        raise AuthenticationError("the admin token is required")
