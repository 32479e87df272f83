"""Finding accounts by their email (and phone) and issuing a token to one of them: the
operator's way back in for a user who lost every token (``tmux-builder users token``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tmux_builder.domain import normalize_email, normalize_phone
from tmux_builder.errors import ConflictError, NotFoundError
from tmux_builder.platform.accounts.tokens import IssuedToken, lifetime, mint
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, User

OPERATOR_TOKEN_NAME = "issued by the operator"


def users_with_email(tx: Session, email: str, phone: str | None = None) -> list[User]:
    """The accounts of ``email`` (one identity is email + phone, so there may be several);
    only the one with ``phone`` when it is given."""
    query = select(User).where(User.email == normalize_email(email)).order_by(User.created_at)
    if phone:
        query = query.where(User.phone == normalize_phone(phone))
    return list(tx.scalars(query))


def issue_token(db: Database, settings: Settings, email: str, phone: str | None = None, *,
                name: str = OPERATOR_TOKEN_NAME, scope: str = "write",
                expires_in_days: float | None = None) -> IssuedToken:
    """Mint a token for the account of ``email`` (and ``phone`` when several share it)."""
    valid_for = lifetime(settings, expires_in_days)
    with db.transaction() as tx:
        users = users_with_email(tx, email, phone)
        if not users:
            raise NotFoundError("no account has this email address" +
                                (" and phone number" if phone else ""), field="email")
        if len(users) > 1:
            raise ConflictError(f"{len(users)} accounts use this email address; give the "
                                "phone number too", field="phone")
        return mint(tx, settings, users[0].id, name=name, scope=scope, valid_for=valid_for)
