"""What the stack index holds of one stack, as plain values (no database import, so that
``stacks ls`` can build them from a bare SQLite read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tmux_builder.domain import is_platform_stack


@dataclass(frozen=True)
class IndexEntry:
    """What the index knows of one stack."""

    name: str
    user_id: str
    session_id: str
    host_provider: str
    site_type: str
    resource_count: int
    last_update: datetime | None
    url: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class IndexedStack(IndexEntry):
    """An index entry with its session's status (``shared`` for a platform stack,
    ``untracked`` when no session row names the stack)."""

    status: str


def stack_status(stack_name: str, session_status: str | None) -> str:
    if session_status:
        return session_status
    return "shared" if is_platform_stack(stack_name) else "untracked"
