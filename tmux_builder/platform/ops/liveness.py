"""Liveness: the database answers a query, and which one it is."""

from __future__ import annotations

from sqlalchemy import text

from tmux_builder.platform.db import Database


def database_answers(db: Database) -> str:
    """The database's dialect name, once it has answered ``SELECT 1``."""
    with db.transaction() as tx:
        tx.execute(text("SELECT 1"))
    return db.engine.dialect.name
