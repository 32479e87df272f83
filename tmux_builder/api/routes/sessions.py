"""Per-user and per-session routes, plus the autonomous-build seed's aliases."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from tmux_builder.api.deps import (
    CurrentUser,
    SessionId,
    State,
    UserId,
    WriteUser,
    own_user_id,
    owned_session,
)
from tmux_builder.api.schemas import (
    ChatAccepted,
    ChatRequest,
    ExtendRequest,
    ExtendResponse,
    SessionOut,
    StackOut,
    StatusResponse,
    TeardownOut,
)
from tmux_builder.platform.ops.teardown import teardown_session
from tmux_builder.platform.sessions.requests import extend_session, latest_execution_id, send_chat
from tmux_builder.platform.sessions.status import execution_status, user_sessions
from tmux_builder.stacks import user_stack_prefix

router = APIRouter(prefix="/api", tags=["sessions"])


@router.get("/user/{user_id}/sessions", response_model=list[SessionOut])
def list_sessions(user_id: UserId, user: CurrentUser, state: State) -> list[dict[str, Any]]:
    return user_sessions(state.db, own_user_id(user_id, user))


@router.get("/users/{user_id}/stacks", response_model=list[StackOut])
def list_stacks(user_id: UserId, user: CurrentUser, state: State) -> list[dict[str, Any]]:
    prefix = user_stack_prefix(own_user_id(user_id, user))
    return [record.__dict__ for record in state.engine.list_stacks(prefix=prefix)]


@router.delete("/sessions/{session_id}", response_model=TeardownOut)
def delete_session(session_id: SessionId, user: WriteUser, state: State) -> TeardownOut:
    """Tear the session down: destroy and remove its stack, stop its tmux session, archive
    its workspace."""
    owned_session(state, user, session_id)
    report = teardown_session(
        state.db,
        state.settings,
        state.engine,
        state.driver,
        session_id,
        reason="deleted by its owner",
    )
    return TeardownOut(session_id=session_id, torn_down=report.torn_down, details=report.to_dict())


@router.post("/sessions/{session_id}/extend", response_model=ExtendResponse)
def extend(
    session_id: SessionId, body: ExtendRequest, user: WriteUser, state: State
) -> ExtendResponse:
    owned_session(state, user, session_id)
    return ExtendResponse(
        session_id=session_id, expires_at=extend_session(state.db, session_id, body.days)
    )


@router.get("/session/{guid}/status", response_model=StatusResponse)
def seed_status(guid: UserId, user: CurrentUser, state: State) -> dict[str, Any]:
    """The status of the user's newest session (seed alias; ``guid`` is the user id)."""
    return execution_status(state.db, latest_execution_id(state.db, own_user_id(guid, user)))


@router.post(
    "/session/{guid}/refine", status_code=status.HTTP_202_ACCEPTED, response_model=ChatAccepted
)
def seed_refine(guid: UserId, body: ChatRequest, user: WriteUser, state: State) -> ChatAccepted:
    execution_id = latest_execution_id(state.db, own_user_id(guid, user))
    return ChatAccepted(chat_id=send_chat(state.db, execution_id, body.message))
