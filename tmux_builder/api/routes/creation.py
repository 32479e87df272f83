"""Creating a user and session: ``POST /api/create-user`` and the seed alias ``/api/register``."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from tmux_builder.api.deps import State
from tmux_builder.api.schemas import (
    CreateUserRequest,
    CreateUserResponse,
    RegisterRequest,
    RegisterResponse,
)
from tmux_builder.platform.ids import user_id_for
from tmux_builder.platform.sessions import (
    CreatedSession,
    SessionRequest,
    create_session,
    validate_request,
)

router = APIRouter(prefix="/api", tags=["creation"])


def _create(state: State, request: Request, body: SessionRequest) -> CreatedSession:
    address = request.client.host if request.client else "unknown"
    validate_request(body, state.settings)
    state.per_address.check(address, field="client_address")
    state.per_user.check(user_id_for(body.email, body.phone), field="email")
    return create_session(state.db, state.settings, body)


@router.post("/create-user", status_code=status.HTTP_201_CREATED, response_model=CreateUserResponse)
def create_user(body: CreateUserRequest, request: Request, state: State) -> CreateUserResponse:
    """Create (or find) the user, a new session and its execution; the pipeline runs in the
    background. Answers at once with the ids and a per-user token."""
    created = _create(
        state,
        request,
        SessionRequest(
            body.email,
            body.phone,
            body.host_provider,
            body.site_type,
            body.requirements,
            body.ttl_days,
        ),
    )
    return CreateUserResponse(
        user_id=created.user_id,
        session_id=created.session_id,
        execution_id=created.execution_id,
        token=created.token,
        status_url=f"/api/status/{created.execution_id}",
        events_url=f"/api/events/{created.execution_id}",
        expires_at=created.expires_at,
        created_at=created.created_at,
    )


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=RegisterResponse)
def register(body: RegisterRequest, request: Request, state: State) -> RegisterResponse:
    """The autonomous-build seed's alias: provider and site type from the settings."""
    settings = state.settings
    created = _create(
        state,
        request,
        SessionRequest(
            body.email,
            body.phone,
            settings.default_provider,
            settings.default_site_type,
            body.initial_request,
        ),
    )
    return RegisterResponse(
        guid=created.user_id,
        url=None,
        status_check_url=f"/api/session/{created.user_id}/status",
        expires_at=created.expires_at,
        created_at=created.created_at,
        token=created.token,
    )
