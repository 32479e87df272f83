"""Per-user and per-session routes, plus the autonomous-build seed's aliases. A teardown is
a job: ``DELETE /api/sessions/{id}`` answers 202 with the URL that tells how it went."""

from __future__ import annotations

from fastapi import APIRouter, status

from tmux_builder.api.deps import CurrentUser, SessionId, State, UserId, WriteUser
from tmux_builder.api.schemas import (
    ChatAccepted,
    ChatRequest,
    ExtendRequest,
    ExtendResponse,
    RollbackAccepted,
    RollbackRequest,
    StackOut,
    TeardownAccepted,
)
from tmux_builder.platform.ops.teardown import request_teardown
from tmux_builder.platform.sessions.ownership import own_user_id, owned_session
from tmux_builder.platform.sessions.requests import extend_session, latest_execution_id, send_chat
from tmux_builder.platform.sessions.rollbacks import request_rollback
from tmux_builder.platform.sessions.status import (
    ExecutionState,
    SessionSummary,
    TeardownState,
    execution_status,
    teardown_state,
    user_sessions,
)
from tmux_builder.stacks import StackRecord, user_stack_prefix

router = APIRouter(prefix="/api", tags=["sessions"])
OWNER_TEARDOWN = "deleted by its owner"


@router.get("/user/{user_id}/sessions", response_model=list[SessionSummary])
def list_sessions(user_id: UserId, user: CurrentUser, state: State) -> list[SessionSummary]:
    return user_sessions(state.db, own_user_id(user_id, user))


@router.get("/users/{user_id}/stacks", response_model=list[StackOut])
def list_stacks(user_id: UserId, user: CurrentUser, state: State) -> list[StackRecord]:
    """The user's stacks as the Pulumi backend lists them."""
    return state.engine.list_stacks(prefix=user_stack_prefix(own_user_id(user_id, user)))


def _teardown_url(session_id: str) -> str:
    return f"/api/sessions/{session_id}/teardown"


@router.delete("/sessions/{session_id}", status_code=status.HTTP_202_ACCEPTED,
               response_model=TeardownAccepted)
def delete_session(session_id: SessionId, user: WriteUser, state: State) -> TeardownAccepted:
    """Queue the session's teardown: destroy and remove its stack, stop its tmux session,
    archive its workspace. The status URL says how it went."""
    job_id = request_teardown(state.db, owned_session(state.db, user, session_id),
                              reason=OWNER_TEARDOWN)
    return TeardownAccepted(session_id=session_id, job_id=job_id,
                            status_url=_teardown_url(session_id))


@router.get("/sessions/{session_id}/teardown", response_model=TeardownState)
def get_teardown(session_id: SessionId, user: CurrentUser, state: State) -> TeardownState:
    """The newest teardown of the session: queued, running, done or failed, and its report."""
    return teardown_state(state.db, owned_session(state.db, user, session_id))


@router.post("/sessions/{session_id}/extend", response_model=ExtendResponse)
def extend(
    session_id: SessionId, body: ExtendRequest, user: WriteUser, state: State
) -> ExtendResponse:
    owned_session(state.db, user, session_id)
    return ExtendResponse(
        session_id=session_id, expires_at=extend_session(state.db, session_id, body.days)
    )


@router.post("/sessions/{session_id}/rollback", status_code=status.HTTP_202_ACCEPTED,
             response_model=RollbackAccepted)
def rollback(
    session_id: SessionId, body: RollbackRequest, user: WriteUser, state: State
) -> RollbackAccepted:
    """Queue the deploy of an earlier good build: the URL then serves it again. 422 naming
    ``build`` for a build that is unknown, failed its checks or is no longer kept."""
    queued = request_rollback(state.db, owned_session(state.db, user, session_id), body.build)
    return RollbackAccepted(session_id=session_id, execution_id=queued.execution_id,
                            build=queued.build, job_id=queued.job_id,
                            status_url=f"/api/status/{queued.execution_id}")


@router.get("/session/{guid}/status", response_model=ExecutionState)
def seed_status(guid: UserId, user: CurrentUser, state: State) -> ExecutionState:
    """The status of the user's newest session (seed alias; ``guid`` is the user id)."""
    return execution_status(state.db, latest_execution_id(state.db, own_user_id(guid, user)))


@router.post(
    "/session/{guid}/refine", status_code=status.HTTP_202_ACCEPTED, response_model=ChatAccepted
)
def seed_refine(guid: UserId, body: ChatRequest, user: WriteUser, state: State) -> ChatAccepted:
    execution_id = latest_execution_id(state.db, own_user_id(guid, user))
    return ChatAccepted(chat_id=send_chat(state.db, execution_id, body.message))
