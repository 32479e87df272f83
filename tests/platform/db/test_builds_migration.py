"""Migration 0007 on a database that already has a deployed build: the build keeps its row
(outcome ``deployed``: its checks are unknown, so it is never offered as a good build to roll
back to), and the tables it touches then match the models exactly."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import text

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Base, Build, Database
from tmux_builder.platform.db.database import MIGRATIONS, make_engine

pytestmark = pytest.mark.db

USER = "3f2a9c1e-7b44-5d2e-9a51-0c6e2d8b1f07"
SESSION = "sess_20260101_000000_abcd"
EXECUTION = f"{USER}_{SESSION}"
TOUCHED = {"builds", "executions", "stack_index"}


def test_an_existing_build_survives_the_builds_migration(settings: Settings) -> None:
    engine = make_engine(settings.db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        for statement in (
            "INSERT INTO users (id, email, phone, created_at) VALUES "
            "(:user, 'old@example.com', '+15550100', '2026-01-01')",
            "INSERT INTO sessions (id, user_id, host_provider, site_type, requirements, status,"
            " workspace, stack_name, created_at, expires_at) VALUES (:session, :user, 'local',"
            " 'static', 'a page', 'active', '/tmp/x', :execution, '2026-01-01', '2026-01-06')",
            "INSERT INTO executions (id, session_id, user_id, status, current_step,"
            " cancel_requested, created_at) VALUES (:execution, :session, :user, 'completed',"
            " 9, false, '2026-01-01')",
            "INSERT INTO builds (execution_id, number, label, pulumi_update, url, created_at)"
            " VALUES (:execution, 1, 'build_v1', 1, 'http://x/', '2026-01-01')",
        ):
            connection.execute(text(statement),
                               {"user": USER, "session": SESSION, "execution": EXECUTION})
    engine.dispose()

    db = Database(settings.db_url)
    with db.transaction() as tx:
        [build] = tx.query(Build).all()
        assert (build.label, build.outcome, build.plan, build.artifact) == (
            "build_v1", "deployed", None, None)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _touched})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], differences
    db.dispose()


def _touched(item: Any, name: str | None, kind: str, *_: Any) -> bool:
    table = name if kind == "table" else getattr(getattr(item, "table", None), "name", None)
    return table in TOUCHED
