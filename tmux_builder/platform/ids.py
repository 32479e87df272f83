"""Ids (SPEC section 6) and their validators, used wherever an id enters the platform."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime

from tmux_builder.errors import InvalidInputError

USER_NAMESPACE = uuid.UUID("5b0f4c39-6f4e-4f59-9a38-0b7f3d2b1c11")
USER_ID_REGEX = r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
SESSION_ID_REGEX = r"^sess_[0-9]{8}_[0-9]{6}_[0-9a-f]{4}$"
EXECUTION_ID_REGEX = USER_ID_REGEX[:-1] + "_" + SESSION_ID_REGEX[1:]
# Explicit ASCII classes: Python's re, Pydantic's engine and JSON-Schema generators all read
# them alike (they disagree on what \s covers).
EMAIL_REGEX = r"^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}$"
PHONE_REGEX = r"^[+]?[ ().-]*([0-9][ ().-]*){4,15}$"
USER_ID_PATTERN = re.compile(USER_ID_REGEX)
SESSION_ID_PATTERN = re.compile(SESSION_ID_REGEX)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_phone(phone: str) -> str:
    return re.sub(r"[^\d+]", "", phone.strip())


def user_id_for(email: str, phone: str) -> str:
    """uuid5 of the normalized ``email|phone``: the same person always gets the same id."""
    return str(uuid.uuid5(USER_NAMESPACE, f"{normalize_email(email)}|{normalize_phone(phone)}"))


def new_session_id(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"sess_{moment:%Y%m%d_%H%M%S}_{secrets.token_hex(2)}"


def execution_id_for(user_id: str, session_id: str) -> str:
    return f"{validate_user_id(user_id)}_{validate_session_id(session_id)}"


def validate_user_id(value: str) -> str:
    if not isinstance(value, str) or not USER_ID_PATTERN.fullmatch(value):
        raise InvalidInputError("must be a uuid5 user id", field="user_id")
    return value


def validate_session_id(value: str) -> str:
    if not isinstance(value, str) or not SESSION_ID_PATTERN.fullmatch(value):
        raise InvalidInputError("must look like sess_YYYYMMDD_HHMMSS_xxxx", field="session_id")
    return value
