"""The stack index: the platform's own table of session stacks, written after every stack
operation and read by ``stacks ls`` (one query instead of a walk over the backend)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from tmux_builder.domain import split_execution_id, validate_user_id
from tmux_builder.platform.core.sql import rows_changed
from tmux_builder.platform.db import Database, SessionRow, StackIndexRow
from tmux_builder.platform.db.models import utcnow
from tmux_builder.platform.ops.stack_entries import IndexedStack, IndexEntry, stack_status

if TYPE_CHECKING:
    from tmux_builder.stacks import StackRecord

def parse_backend_time(value: str | datetime | None) -> datetime | None:
    """The backend's last-update time (the SDK gives a datetime or an ISO string), in UTC."""
    if not value:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def entry_from_record(record: StackRecord, tags: dict[str, str], url: str | None = None,
                      ) -> IndexEntry:
    """An index entry rebuilt from the backend's own facts (stack summary and stack tags)."""
    user_id, session_id = split_execution_id(record.name)
    expires = tags.get("ExpiresAt")
    return IndexEntry(
        name=record.name,
        user_id=tags.get("UserGUID", user_id),
        session_id=tags.get("SessionID", session_id),
        host_provider=tags.get("HostProvider", "unknown"),
        site_type=tags.get("SiteType", "unknown"),
        resource_count=record.resource_count or 0,
        last_update=parse_backend_time(record.last_update),
        url=url,
        expires_at=datetime.fromisoformat(expires) if expires else None,
    )


def record_stack(db: Database, entry: IndexEntry) -> None:
    """Insert or update the stack's row."""
    with db.transaction() as tx:
        row = tx.get(StackIndexRow, entry.name)
        if row is None:
            row = StackIndexRow(name=entry.name)
            tx.add(row)
        for key, value in entry.__dict__.items():
            setattr(row, key, value)
        row.updated_at = utcnow()


def forget_stack(db: Database, stack_name: str) -> bool:
    """Drop the stack's row (after a destroy); True when there was one."""
    with db.transaction() as tx:
        return bool(rows_changed(tx, delete(StackIndexRow)
                                 .where(StackIndexRow.name == stack_name)))


def indexed_names(db: Database) -> set[str]:
    with db.transaction() as tx:
        return set(tx.scalars(select(StackIndexRow.name)))


def list_stack_index(db: Database, user_id: str | None = None) -> list[IndexedStack]:
    """Every indexed stack (or one user's), ordered by user and name, with its status."""
    query = (select(StackIndexRow, SessionRow.status)
             .outerjoin(SessionRow, SessionRow.stack_name == StackIndexRow.name)
             .order_by(StackIndexRow.user_id, StackIndexRow.name))
    if user_id is not None:
        query = query.where(StackIndexRow.user_id == validate_user_id(user_id))
    with db.transaction() as tx:
        rows = tx.execute(query).all()
    return [IndexedStack(**{f.name: getattr(row, f.name) for f in fields(IndexEntry)},
                         status=stack_status(row.name, status))
            for row, status in rows]
