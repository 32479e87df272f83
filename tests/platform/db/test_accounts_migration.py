"""Migration 0003 on a database that already has users and tokens: every existing token
keeps working as a write token named "token", with no expiry; the schema then matches the
models exactly (for the tables it touches)."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import text

from tmux_builder.platform.accounts.tokens import authenticate, hash_token, list_tokens
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Base, Database
from tmux_builder.platform.db.database import MIGRATIONS, make_engine

pytestmark = pytest.mark.db

USER = "3f2a9c1e-7b44-5d2e-9a51-0c6e2d8b1f07"
ACCOUNT_TABLES = {"users", "tokens", "recovery_codes"}


def test_existing_tokens_survive_the_accounts_migration(settings: Settings) -> None:
    engine = make_engine(settings.db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(text("INSERT INTO users (id, email, phone, created_at) "
                                "VALUES (:id, 'old@example.com', '+15550100', '2026-01-01')"),
                           {"id": USER})
        connection.execute(text("INSERT INTO tokens (user_id, token_hash, created_at) "
                                "VALUES (:id, :hash, '2026-01-01')"),
                           {"id": USER, "hash": hash_token("tb_from_before")})
    engine.dispose()

    db = Database(settings.db_url)
    caller = authenticate(db, "tb_from_before")
    assert (caller.user_id, caller.scope) == (USER, "write")
    [token] = list_tokens(db, USER)
    assert (token["name"], token["expires_at"], token["state"]) == ("token", None, "active")
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _accounts_only})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], differences
    db.dispose()


def _accounts_only(item: Any, name: str | None, kind: str, *_: Any) -> bool:
    table = name if kind == "table" else getattr(getattr(item, "table", None), "name", None)
    return table in ACCOUNT_TABLES
