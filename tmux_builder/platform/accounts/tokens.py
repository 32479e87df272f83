"""Per-user bearer tokens: minted once (the secret is shown once and stored only as its
SHA-256 hash), named, scoped ``read`` or ``write``, optionally expiring, revocable and
rotatable. A revoked or expired token authenticates nothing."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tmux_builder.domain import TokenScope
from tmux_builder.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.text import check_text
from tmux_builder.platform.db import Database, Token

SCOPES = tuple(TokenScope)
NAME_MAX = 64
TOKEN_MAX = 200  # far longer than any token we mint; anything longer is not ours
TOKEN_ID_MAX = 2**31 - 1
LAST_USE_PRECISION = timedelta(minutes=1)  # how stale a token's recorded last use may be


def new_token() -> str:
    return f"tb_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who a valid token speaks for, and what it may do."""

    user_id: str
    token_id: int
    scope: str

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.write


@dataclass(frozen=True)
class IssuedToken:
    """A freshly minted token: ``secret`` exists only here, never in the database."""

    id: int
    user_id: str
    name: str
    scope: str
    created_at: datetime
    expires_at: datetime | None
    secret: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "name": self.name,
                "scope": self.scope, "created_at": self.created_at,
                "expires_at": self.expires_at, "token": self.secret}


def token_state(token: Token, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def describe(token: Token, now: datetime) -> dict[str, Any]:
    return {"id": token.id, "name": token.name, "scope": token.scope,
            "created_at": token.created_at, "last_used_at": token.last_used_at,
            "expires_at": token.expires_at, "revoked_at": token.revoked_at,
            "state": token_state(token, now)}


def valid_name(name: str) -> str:
    cleaned = check_text(name if isinstance(name, str) else "", "name").strip()
    if not cleaned or len(cleaned) > NAME_MAX:
        raise InvalidInputError(f"must be 1 to {NAME_MAX} characters", field="name")
    return cleaned


def valid_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise InvalidInputError(f"must be one of {', '.join(SCOPES)}", field="scope")
    return scope


def lifetime(settings: Settings, days: float | None) -> timedelta | None:
    """How long a new token lives: ``days`` when given (never past the setting), else the
    setting (``TMUX_BUILDER_TOKEN_TTL_DAYS``; unset means no expiry)."""
    cap = settings.token_ttl_days
    if days is None:
        return timedelta(days=cap) if cap else None
    if isinstance(days, bool) or not 0 < days <= (cap or 3650):
        limit = f"{cap:g} days (TMUX_BUILDER_TOKEN_TTL_DAYS)" if cap else "3650 days"
        raise InvalidInputError(f"must be more than 0 and at most {limit}",
                                field="expires_in_days")
    return timedelta(days=days)


def mint(tx: Session, settings: Settings, user_id: str, *, name: str, scope: str = TokenScope.write,
         valid_for: timedelta | None = None, now: datetime | None = None) -> IssuedToken:
    """Add one token for ``user_id`` inside the caller's transaction."""
    now = now or datetime.now(UTC)
    name, scope = valid_name(name), valid_scope(scope)
    live = tx.scalar(select(func.count()).select_from(Token).where(
        Token.user_id == user_id, Token.revoked_at.is_(None),
        or_(Token.expires_at.is_(None), Token.expires_at > now))) or 0
    if live >= settings.max_tokens_per_user:
        raise ConflictError(f"a user may hold at most {settings.max_tokens_per_user} live "
                            "tokens; revoke one first", field="tokens")
    secret = new_token()
    row = Token(user_id=user_id, token_hash=hash_token(secret), name=name, scope=scope,
                created_at=now, expires_at=now + valid_for if valid_for else None)
    tx.add(row)
    tx.flush()
    return IssuedToken(row.id, user_id, name, scope, now, row.expires_at, secret)


def authenticate(db: Database, secret: str, now: datetime | None = None) -> Caller:
    """The caller behind ``secret``; unknown, malformed, revoked and expired tokens are all
    refused alike."""
    if not secret or len(secret) > TOKEN_MAX or not secret.isascii() or not secret.isprintable():
        raise AuthenticationError("the token is not valid")
    now = now or datetime.now(UTC)
    with db.transaction() as tx:
        token = tx.scalar(select(Token).where(Token.token_hash == hash_token(secret)))
        if token is None or token_state(token, now) != "active":
            raise AuthenticationError("the token is not valid")
        if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
            token.last_used_at = now  # not on every request: a status poll writes nothing
        return Caller(token.user_id, token.id, token.scope)


def _owned(tx: Session, user_id: str, token_id: int) -> Token:
    token = tx.get(Token, token_id) if 0 < token_id <= TOKEN_ID_MAX else None
    if token is None or token.user_id != user_id:
        raise NotFoundError("not found", field="token_id")
    return token


def list_tokens(db: Database, user_id: str, now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or datetime.now(UTC)
    with db.transaction() as tx:
        rows = tx.scalars(select(Token).where(Token.user_id == user_id).order_by(Token.id))
        return [describe(token, now) for token in rows]


def create_token(db: Database, settings: Settings, user_id: str, *, name: str,
                 scope: str = TokenScope.write,
                 expires_in_days: float | None = None) -> IssuedToken:
    valid_for = lifetime(settings, expires_in_days)
    with db.transaction() as tx:
        return mint(tx, settings, user_id, name=name, scope=scope, valid_for=valid_for)


def rename_token(db: Database, user_id: str, token_id: int, name: str) -> dict[str, Any]:
    name = valid_name(name)
    with db.transaction() as tx:
        token = _owned(tx, user_id, token_id)
        token.name = name
        return describe(token, datetime.now(UTC))


def revoke_token(db: Database, user_id: str, token_id: int) -> dict[str, Any]:
    """Revoke the token (kept, marked revoked, for the list); revoking twice is harmless."""
    now = datetime.now(UTC)
    with db.transaction() as tx:
        token = _owned(tx, user_id, token_id)
        if token.revoked_at is None:
            token.revoked_at = now
        return describe(token, now)


def rotate_token(db: Database, settings: Settings, user_id: str,
                 token_id: int) -> IssuedToken:
    """Revoke a live token and mint its successor: same name and scope, same lifetime."""
    now = datetime.now(UTC)
    with db.transaction() as tx:
        old = _owned(tx, user_id, token_id)
        if token_state(old, now) != "active":
            raise ConflictError(f"the token is {token_state(old, now)}; create a new one",
                                field="token_id")
        old.revoked_at = now
        tx.flush()
        cap = lifetime(settings, None)
        valid_for = old.expires_at - old.created_at if old.expires_at else cap
        if cap is not None and valid_for is not None:
            valid_for = min(valid_for, cap)
        return mint(tx, settings, user_id, name=old.name, scope=old.scope,
                    valid_for=valid_for, now=now)
