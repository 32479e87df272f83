"""Creating sessions: every request is checked first and written in one transaction (user,
token, session, execution and job together, or nothing).

An identity's first session creates the user and mints its first token. A later session for
the same identity needs that user's token (``signed_in_as``): without it nothing is written
and nothing is minted, so knowing someone's email and phone number opens nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tmux_builder.domain import (
    EMAIL_REGEX,
    PHONE_REGEX,
    ExecutionStatus,
    JobKind,
    Provider,
    SiteType,
    execution_id_for,
    new_session_id,
    normalize_email,
    normalize_phone,
    user_id_for,
)
from tmux_builder.errors import IdentityTakenError, InvalidInputError
from tmux_builder.platform.accounts.tokens import lifetime, mint
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.text import check_text
from tmux_builder.platform.core.workspaces import workspace_path
from tmux_builder.platform.db import Database, Execution, SessionRow, User
from tmux_builder.platform.queue.jobs import enqueue

_EMAIL = re.compile(EMAIL_REGEX)
_PHONE = re.compile(PHONE_REGEX)
MAX_TTL_DAYS = 90
FIRST_TOKEN_NAME = "first session"
SIGN_IN_HINT = (
    "an account already exists for this email and phone number: send its bearer token "
    "(Authorization: Bearer <token>) to start another session, or sign in on the dashboard. "
    "Lost the token? POST /api/auth/recover sends a one-time code to the account's email "
    "address, or the operator can issue one (tmux-builder users token <email>)."
)


@dataclass(frozen=True)
class SessionRequest:
    email: str
    phone: str
    host_provider: str
    site_type: str
    requirements: str
    ttl_days: float | None = None


@dataclass(frozen=True)
class CreatedSession:
    """``token`` is the new user's first token, or None when the caller was signed in.
    ``execution_id`` is also the name of the session's stack."""

    user_id: str
    session_id: str
    execution_id: str
    token: str | None
    expires_at: datetime
    created_at: datetime

    @property
    def stack_name(self) -> str:
        return self.execution_id


def _one_of(value: str, choices: type[Provider] | type[SiteType], field: str) -> None:
    if value not in tuple(choices):
        raise InvalidInputError(f"must be one of {', '.join(choices)}", field=field)


def validate_request(request: SessionRequest, settings: Settings) -> None:
    if not _EMAIL.match(request.email or ""):
        raise InvalidInputError("must be an email address like name@example.com", field="email")
    if not _PHONE.match(request.phone or ""):
        raise InvalidInputError("must be a phone number of 4 to 15 digits", field="phone")
    _one_of(request.host_provider, Provider, "host_provider")
    _one_of(request.site_type, SiteType, "site_type")
    text = request.requirements or ""
    check_text(text, "requirements", multiline=True)
    if len(text) < 10 or not text.strip():
        raise InvalidInputError("must describe the site in at least 10 characters",
                                field="requirements")
    if len(text) > settings.max_requirements_chars:
        raise InvalidInputError(
            f"must be at most {settings.max_requirements_chars} characters", field="requirements"
        )
    if request.ttl_days is not None and not 0 < request.ttl_days <= MAX_TTL_DAYS:
        raise InvalidInputError(f"must be between 0 and {MAX_TTL_DAYS} days", field="ttl_days")


def create_session(db: Database, settings: Settings, request: SessionRequest,
                   now: datetime | None = None, *,
                   signed_in_as: str | None = None) -> CreatedSession:
    """A new session for the request's identity. A new identity gets its user and first
    token; an existing one only when ``signed_in_as`` is that user (then nothing is minted),
    otherwise ``IdentityTakenError`` and nothing is written."""
    validate_request(request, settings)
    now = now or datetime.now(UTC)
    user_id = user_id_for(request.email, request.phone)
    session_id = new_session_id(now)
    execution_id = execution_id_for(user_id, session_id)
    expires_at = now + timedelta(days=request.ttl_days or settings.session_ttl_days)
    token: str | None = None
    with db.transaction() as tx:
        if tx.get(User, user_id) is not None:
            if signed_in_as != user_id:
                raise IdentityTakenError(SIGN_IN_HINT, field="email")
        else:
            token = _first_user(tx, settings, request, user_id, now)
        tx.add(SessionRow(
            id=session_id, user_id=user_id, host_provider=Provider(request.host_provider),
            site_type=SiteType(request.site_type), requirements=request.requirements.strip(),
            workspace=str(workspace_path(settings.users_dir, user_id, session_id)),
            stack_name=execution_id, created_at=now, expires_at=expires_at,
        ))
        tx.flush()
        tx.add(Execution(id=execution_id, session_id=session_id, user_id=user_id,
                         status=ExecutionStatus.queued, created_at=now))
        tx.flush()
        enqueue(tx, execution_id, JobKind.pipeline, {"run": 1})
    return CreatedSession(user_id, session_id, execution_id, token, expires_at, now)


def _first_user(tx: Session, settings: Settings, request: SessionRequest, user_id: str,
                now: datetime) -> str:
    """Insert the user and mint its first token; a concurrent first registration of the
    same identity loses on the primary key and gets the same 409 as a later one (raising
    out of the transaction rolls it back)."""
    try:
        tx.add(User(id=user_id, email=normalize_email(request.email),
                    phone=normalize_phone(request.phone), created_at=now))
        tx.flush()
    except IntegrityError as error:
        raise IdentityTakenError(SIGN_IN_HINT, field="email") from error
    return mint(tx, settings, user_id, name=FIRST_TOKEN_NAME,
                valid_for=lifetime(settings, None), now=now).secret
