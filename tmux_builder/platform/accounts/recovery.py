"""Recovery by email: a one-time sign-in code sent to the account's address, exchanged once
for a new token. Codes are stored only as salted scrypt hashes, expire after
``TMUX_BUILDER_RECOVERY_CODE_TTL_MINUTES``, die after ``MAX_FAILED_ATTEMPTS`` wrong guesses,
and a new code replaces the previous one. Whether an address has an account is never told:
asking for a code answers the same either way, and checking one fails the same way."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from tmux_builder.domain import normalize_email
from tmux_builder.errors import AuthenticationError
from tmux_builder.platform.accounts.mail import send_mail
from tmux_builder.platform.accounts.operator import users_with_email
from tmux_builder.platform.accounts.tokens import IssuedToken, lifetime, mint
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.sql import rows_changed
from tmux_builder.platform.db import Database, RecoveryCode, User

log = logging.getLogger(__name__)
CODE_DIGITS = 8
MAX_FAILED_ATTEMPTS = 5
RECOVERED_TOKEN_NAME = "recovered by email"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
INVALID_CODE = "the code is not valid, was already used, or has expired"


@dataclass(frozen=True)
class CodeMail:
    to: str
    user_id: str
    code: str


def _hash_code(code: str, salt: bytes) -> bytes:
    return hashlib.scrypt(code.encode(), salt=salt, **_SCRYPT)


def hash_code(code: str) -> str:
    salt = secrets.token_bytes(16)
    return f"scrypt${salt.hex()}${_hash_code(code, salt).hex()}"


def code_matches(code: str, stored: str) -> bool:
    _, salt, digest = stored.split("$")
    return hmac.compare_digest(_hash_code(code, bytes.fromhex(salt)), bytes.fromhex(digest))


def issue_codes(db: Database, settings: Settings, email: str, phone: str | None = None,
                now: datetime | None = None) -> list[CodeMail]:
    """A fresh code for every account of ``email`` (only the one with ``phone`` if given);
    each replaces that account's earlier unused codes. Empty when no account matches."""
    now = now or datetime.now(UTC)
    expires = now + timedelta(minutes=settings.recovery_code_ttl_minutes)
    mails = []
    with db.transaction() as tx:
        for user in users_with_email(tx, email, phone):
            tx.execute(update(RecoveryCode)
                       .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
                       .values(used_at=now))
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            tx.add(RecoveryCode(user_id=user.id, code_hash=hash_code(code), created_at=now,
                                expires_at=expires))
            mails.append(CodeMail(user.email, user.id, code))
    return mails


def code_mail_body(mail: CodeMail, settings: Settings) -> str:
    minutes = f"{settings.recovery_code_ttl_minutes:g}"
    return (
        f"Your tmux-builder sign-in code is {mail.code}\n\n"
        f"It works once, within {minutes} minutes, for the account {mail.user_id}.\n"
        "Enter it on the dashboard's sign-in page (Lost your token?) or send it to "
        "POST /api/auth/verify.\n\n"
        "If you did not ask for it, ignore this mail: nothing changes until the code is used."
    )


def send_recovery_codes(db: Database, settings: Settings, email: str,
                        phone: str | None = None) -> int:
    """Issue and mail the codes (run after the answer is sent, so its timing says nothing);
    returns how many mails went out. A failed mail is logged without the code."""
    sent = 0
    for mail in issue_codes(db, settings, email, phone):
        try:
            send_mail(settings, mail.to, "Your tmux-builder sign-in code",
                      code_mail_body(mail, settings))
            sent += 1
        except OSError as error:
            log.warning("recovery mail for user %s failed: %s", mail.user_id,
                        type(error).__name__)
    return sent


def redeem_code(db: Database, settings: Settings, email: str, code: str,
                now: datetime | None = None) -> IssuedToken:
    """Exchange a live code of an account of ``email`` for a new write token, once."""
    now = now or datetime.now(UTC)
    code = "".join(ch for ch in code if ch not in " -")
    with db.transaction() as tx:
        live = list(tx.scalars(
            select(RecoveryCode).join(User, User.id == RecoveryCode.user_id)
            .where(User.email == normalize_email(email), RecoveryCode.used_at.is_(None),
                   RecoveryCode.expires_at > now,
                   RecoveryCode.failed_attempts < MAX_FAILED_ATTEMPTS)))
    well_formed = len(code) == CODE_DIGITS and code.isascii() and code.isdigit()
    match = next((row for row in live if well_formed and code_matches(code, row.code_hash)),
                 None)
    if match is None:
        if not live:
            hash_code(code or "0")  # the same work whether or not the address has codes
        _count_failure(db, [row.id for row in live])
        raise AuthenticationError(INVALID_CODE, field="code")
    with db.transaction() as tx:
        claimed = rows_changed(tx, update(RecoveryCode)
                               .where(RecoveryCode.id == match.id,
                                      RecoveryCode.used_at.is_(None))
                               .values(used_at=now))
        if claimed != 1:
            raise AuthenticationError(INVALID_CODE, field="code")
        return mint(tx, settings, match.user_id, name=RECOVERED_TOKEN_NAME,
                    valid_for=lifetime(settings, None), now=now)


def _count_failure(db: Database, code_ids: list[int]) -> None:
    if not code_ids:
        return
    with db.transaction() as tx:
        tx.execute(update(RecoveryCode).where(RecoveryCode.id.in_(code_ids))
                   .values(failed_attempts=RecoveryCode.failed_attempts + 1))
