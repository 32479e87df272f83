"""Reading the stack index without the start-up cost, for ``stacks ls``: a SQLite database is
read with the standard library's ``sqlite3`` (no SQLAlchemy, no Alembic, no Pulumi SDK);
any other database, or a SQLite file without the table yet, goes through the models
(``list_stack_index``, which applies the migrations first). Both give the same entries
(``tests/platform/ops/test_read_only.py``)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from tmux_builder.domain import validate_user_id
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.ops.stack_entries import IndexedStack, stack_status

SQLITE_PREFIX = "sqlite:///"
COLUMNS = ("name", "user_id", "session_id", "host_provider", "site_type", "resource_count",
           "last_update", "url", "expires_at")
QUERY = (f"SELECT {', '.join(f'i.{c}' for c in COLUMNS)}, s.status FROM stack_index i "
         "LEFT OUTER JOIN sessions s ON s.stack_name = i.name {where} "
         "ORDER BY i.user_id, i.name")


def read_stack_index(settings: Settings, user_id: str | None = None) -> list[IndexedStack]:
    if user_id is not None:
        validate_user_id(user_id)
    url = settings.db_url
    if url.startswith(SQLITE_PREFIX):
        path = Path(url.removeprefix(SQLITE_PREFIX))
        if path.is_file():
            try:
                return _read_sqlite(path, user_id)
            except sqlite3.OperationalError:  # no schema yet, or an older one
                pass
    from tmux_builder.platform.db import Database
    from tmux_builder.platform.ops.stack_index import list_stack_index

    db = Database(url)
    try:
        return list_stack_index(db, user_id)
    finally:
        db.dispose()


def _utc(value: str | None) -> datetime | None:
    """A datetime as SQLAlchemy stores it in SQLite (naive UTC text)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read_sqlite(path: Path, user_id: str | None) -> list[IndexedStack]:
    where, args = ("WHERE i.user_id = ?", (user_id,)) if user_id is not None else ("", ())
    with sqlite3.connect(path, timeout=30) as connection:
        rows = connection.execute(QUERY.format(where=where), args).fetchall()
    connection.close()
    return [IndexedStack(name, user, session, provider, site_type, count, _utc(updated), url,
                         _utc(expires), stack_status(name, status))
            for name, user, session, provider, site_type, count, updated, url, expires, status
            in rows]
