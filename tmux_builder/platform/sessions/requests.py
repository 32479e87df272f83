"""Creating sessions and asking for work: every request is checked first and written in one
transaction (user, token, session, execution and job together, or nothing).

An identity's first session creates the user and mints its first token. A later session for
the same identity needs that user's token (``signed_in_as``): without it nothing is written
and nothing is minted, so knowing someone's email and phone number opens nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tmux_builder.domain import (
    EMAIL_REGEX,
    PHONE_REGEX,
    execution_id_for,
    new_session_id,
    normalize_email,
    normalize_phone,
    user_id_for,
)
from tmux_builder.errors import (
    ConflictError,
    IdentityTakenError,
    InvalidInputError,
    NotFoundError,
    StackBusyError,
)
from tmux_builder.platform.accounts.tokens import lifetime, mint
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.text import check_text
from tmux_builder.platform.core.workspaces import workspace_path
from tmux_builder.platform.db import ChatMessage, Database, Execution, Job, SessionRow, User
from tmux_builder.platform.queue.jobs import enqueue
from tmux_builder.stacks import stack_name_for

PROVIDERS = ("local", "aws", "azure")
SITE_TYPES = ("static", "dynamic")
_EMAIL = re.compile(EMAIL_REGEX)
_PHONE = re.compile(PHONE_REGEX)
MAX_CHAT_CHARS = 4000
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
    """``token`` is the new user's first token, or None when the caller was signed in."""

    user_id: str
    session_id: str
    execution_id: str
    token: str | None
    stack_name: str
    expires_at: datetime
    created_at: datetime


def validate_request(request: SessionRequest, settings: Settings) -> None:
    if not _EMAIL.match(request.email or ""):
        raise InvalidInputError("must be an email address like name@example.com", field="email")
    if not _PHONE.match(request.phone or ""):
        raise InvalidInputError("must be a phone number of 4 to 15 digits", field="phone")
    if request.host_provider not in PROVIDERS:
        raise InvalidInputError(f"must be one of {', '.join(PROVIDERS)}", field="host_provider")
    if request.site_type not in SITE_TYPES:
        raise InvalidInputError(f"must be one of {', '.join(SITE_TYPES)}", field="site_type")
    text = request.requirements or ""
    check_text(text, "requirements", multiline=True)
    if len(text) < 10 or not text.strip():
        raise InvalidInputError("must describe the site in at least 10 characters",
                                field="requirements")
    if len(text) > settings.max_requirements_chars:
        raise InvalidInputError(
            f"must be at most {settings.max_requirements_chars} characters", field="requirements"
        )
    if request.ttl_days is not None and not 0 < request.ttl_days <= 90:
        raise InvalidInputError("must be between 0 and 90 days", field="ttl_days")


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
    stack_name = stack_name_for(user_id, session_id)
    expires_at = now + timedelta(days=request.ttl_days or settings.session_ttl_days)
    token: str | None = None
    with db.transaction() as tx:
        if tx.get(User, user_id) is not None:
            if signed_in_as != user_id:
                raise IdentityTakenError(SIGN_IN_HINT, field="email")
        else:
            token = _first_user(tx, settings, request, user_id, now)
        tx.add(SessionRow(
            id=session_id, user_id=user_id, host_provider=request.host_provider,
            site_type=request.site_type, requirements=request.requirements.strip(),
            workspace=str(workspace_path(settings.users_dir, user_id, session_id)),
            stack_name=stack_name, created_at=now, expires_at=expires_at,
        ))
        tx.flush()
        tx.add(Execution(id=execution_id, session_id=session_id, user_id=user_id,
                         status="queued", created_at=now))
        tx.flush()
        enqueue(tx, execution_id, "pipeline", {"run": 1})
    return CreatedSession(user_id, session_id, execution_id, token, stack_name, expires_at, now)


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


def _execution(tx: object, execution_id: str) -> Execution:
    execution = tx.get(Execution, execution_id)  # type: ignore[attr-defined]
    if execution is None:
        raise NotFoundError(f"execution {execution_id} does not exist", field="execution_id")
    return execution


def _busy(tx: object, execution_id: str) -> bool:
    count = tx.scalar(select(func.count()).select_from(Job).where(  # type: ignore[attr-defined]
        Job.execution_id == execution_id, Job.status.in_(("queued", "running"))))
    return bool(count)


def request_redeploy(db: Database, execution_id: str) -> int:
    """Queue steps 6-9 again; returns the run number. Refused while work is pending."""
    with db.transaction() as tx:
        execution = _execution(tx, execution_id)
        if _busy(tx, execution_id):
            raise StackBusyError("the execution still has work running or queued",
                                 field="execution_id")
        if execution.status == "cancelled" or not execution.builds:
            raise ConflictError("nothing has been deployed yet to redeploy",
                                field="execution_id")
        run = len({s.run for s in execution.steps}) + 1
        execution.status = "queued"
        execution.error_message = None
        execution.debug_id = None
        enqueue(tx, execution_id, "redeploy", {"run": run})
        return run


def send_chat(db: Database, execution_id: str, message: str) -> int:
    """Store the user's message and queue the refinement the agent will make."""
    text = check_text(message or "", "message", multiline=True).strip()
    if not text:
        raise InvalidInputError("must not be blank", field="message")
    if len(text) > MAX_CHAT_CHARS:
        raise InvalidInputError(f"must be at most {MAX_CHAT_CHARS} characters", field="message")
    with db.transaction() as tx:
        _execution(tx, execution_id)
        if _busy(tx, execution_id):
            raise StackBusyError("the agent is still busy with this execution",
                                 field="execution_id")
        chat = ChatMessage(execution_id=execution_id, role="user", content=text)
        tx.add(chat)
        tx.flush()
        enqueue(tx, execution_id, "refine", {"chat_id": chat.id})
        return chat.id


def cancel(db: Database, execution_id: str) -> None:
    """Ask running work to stop; queued work is cancelled at once."""
    with db.transaction() as tx:
        execution = _execution(tx, execution_id)
        execution.cancel_requested = True
        for job in tx.scalars(select(Job).where(Job.execution_id == execution_id,
                                                Job.status == "queued")):
            job.status = "cancelled"
        if execution.status == "queued":
            execution.status = "cancelled"
            execution.finished_at = datetime.now(UTC)


MAX_TTL_DAYS = 90


def extend_session(db: Database, session_id: str, days: float,
                   now: datetime | None = None) -> datetime:
    """Push the expiry back by ``days`` (from now when already past); at most 90 days out."""
    if not 0 < days <= MAX_TTL_DAYS:
        raise InvalidInputError(f"must be between 0 and {MAX_TTL_DAYS} days", field="days")
    now = now or datetime.now(UTC)
    with db.transaction() as tx:
        session = tx.get(SessionRow, session_id)
        if session is None:
            raise NotFoundError("not found", field="session_id")
        if session.status != "active":
            raise ConflictError("the session was torn down", field="session_id")
        expires = max(session.expires_at, now) + timedelta(days=days)
        if expires > now + timedelta(days=MAX_TTL_DAYS):
            raise ConflictError(f"would expire more than {MAX_TTL_DAYS} days from now",
                                field="days")
        session.expires_at = expires
        return expires


def latest_execution_id(db: Database, user_id: str) -> str:
    """The execution of the user's newest session (the seeds' ``/api/session/{guid}``)."""
    with db.transaction() as tx:
        row = tx.scalars(select(SessionRow).where(SessionRow.user_id == user_id)
                         .order_by(SessionRow.created_at.desc()).limit(1)).first()
        if row is None or not row.executions:
            raise NotFoundError("not found", field="guid")
        return row.executions[0].id
