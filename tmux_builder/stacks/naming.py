"""Stack names: ``{user_id}_{session_id}`` (the execution id), so one user's stacks share the
prefix ``{user_id}_`` and ``pulumi stack ls`` can be filtered by it."""

from __future__ import annotations

import re

from tmux_builder.errors import InvalidInputError

# Pulumi allows letters, digits, '-', '_' and '.'; 100 characters at most.
_STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


def validate_stack_name(name: str) -> str:
    if not isinstance(name, str) or not _STACK_NAME.fullmatch(name):
        raise InvalidInputError(
            f"{name!r} is not a valid stack name: use 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            field="stack_name",
        )
    return name


def user_stack_prefix(user_id: str) -> str:
    if not _PART.fullmatch(user_id or ""):
        raise InvalidInputError(f"{user_id!r} is not a valid user id", field="user_id")
    return f"{user_id}_"


def stack_name_for(user_id: str, session_id: str) -> str:
    """The stack of one session; ``session_id`` may hold underscores (``sess_...``)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", session_id or ""):
        raise InvalidInputError(f"{session_id!r} is not a valid session id", field="session_id")
    return validate_stack_name(f"{user_stack_prefix(user_id)}{session_id}")
