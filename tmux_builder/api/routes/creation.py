"""Creating a user and session: ``POST /api/create-user`` and the seed alias ``/api/register``.

A new identity gets its first token. An identity that already has an account needs that
user's token in the Authorization header (then nothing new is minted); without it: 409 and
nothing written."""

from __future__ import annotations

from fastapi import APIRouter, status

from tmux_builder.api.deps import ClientAddress, OptionalCaller, State, require_write
from tmux_builder.api.schemas import (
    CreateUserRequest,
    CreateUserResponse,
    RegisterRequest,
    RegisterResponse,
)
from tmux_builder.domain import user_id_for
from tmux_builder.platform.sessions.creation import (
    CreatedSession,
    SessionRequest,
    create_session,
    validate_request,
)

router = APIRouter(prefix="/api", tags=["creation"])


def _create(state: State, address: str, caller: OptionalCaller,
            body: SessionRequest) -> CreatedSession:
    validate_request(body, state.settings)
    state.creation.check(address, user_id_for(body.email, body.phone), "email")
    signed_in_as = require_write(caller).user_id if caller is not None else None
    return create_session(state.db, state.settings, body, signed_in_as=signed_in_as)


@router.post("/create-user", status_code=status.HTTP_201_CREATED, response_model=CreateUserResponse)
def create_user(body: CreateUserRequest, address: ClientAddress, caller: OptionalCaller,
                state: State) -> CreateUserResponse:
    """A new session and its execution; the pipeline runs in the background. A new identity
    gets its user and first token (shown once). An existing identity needs its user's token
    (Authorization: Bearer): without it 409, nothing written and nothing minted; with it the
    session is created and ``token`` is null."""
    created = _create(
        state,
        address,
        caller,
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
def register(body: RegisterRequest, address: ClientAddress, caller: OptionalCaller,
             state: State) -> RegisterResponse:
    """The autonomous-build seed's alias: provider and site type from the settings; the same
    identity rules as ``/api/create-user``."""
    settings = state.settings
    created = _create(
        state,
        address,
        caller,
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
