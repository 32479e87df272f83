"""Stack names. A session's stack is named by its execution id, ``{user_id}_{session_id}``
(the rule lives in ``tmux_builder.domain``, re-exported here), so one user's stacks share the
prefix ``{user_id}_`` and ``pulumi stack ls`` can be filtered by it. ``validate_stack_name``
is Pulumi's own rule for any stack name (platform stacks included)."""

from __future__ import annotations

import re

from tmux_builder.domain import execution_id_for as stack_name_for
from tmux_builder.domain import user_stack_prefix
from tmux_builder.errors import InvalidInputError

__all__ = ["stack_name_for", "user_stack_prefix", "validate_stack_name"]

# Pulumi allows letters, digits, '-', '_' and '.'; 100 characters at most.
_STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def validate_stack_name(name: str) -> str:
    if not isinstance(name, str) or not _STACK_NAME.fullmatch(name):
        raise InvalidInputError(
            f"{name!r} is not a valid stack name: use 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            field="stack_name",
        )
    return name
