"""``stacks ls`` reads SQLite with the standard library: the same entries as the models give,
a database without the schema yet is migrated first, and the table fits 80 columns."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.platform.ops.test_stack_listing import run_cli
from tmux_builder.domain import new_session_id, user_id_for
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.ops.read_only import read_stack_index
from tmux_builder.platform.ops.stack_entries import IndexEntry
from tmux_builder.platform.ops.stack_index import list_stack_index, record_stack
from tmux_builder.platform.sessions.creation import SessionRequest, create_session

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _index(db: Database, settings: Settings) -> list[str]:
    users = []
    for email in ("ann@example.com", "ben@example.com"):
        created = create_session(db, settings, SessionRequest(
            email, "+15550100", "local", "static", "A page for the stack listing."))
        record_stack(db, IndexEntry(created.stack_name, created.user_id, created.session_id,
                                    "local", "static", 3, NOW, f"http://x/{created.stack_name}/",
                                    created.expires_at))
        users.append(created.user_id)
    untracked = user_id_for("cy@example.com", "+15550100")
    record_stack(db, IndexEntry(f"{untracked}_{new_session_id()}", untracked, "sess", "aws",
                                "dynamic", 0, None, None, None))
    record_stack(db, IndexEntry("platform-azure-westeurope", "platform",
                                "platform-azure-westeurope", "azure", "shared", 4,
                                NOW - timedelta(days=1), None, None))
    return users


def test_the_sqlite_reader_gives_what_the_models_give(settings: Settings) -> None:
    db = Database(settings.db_url)
    users = _index(db, settings)
    everything = list_stack_index(db)
    assert sorted(s.status for s in everything) == ["active", "active", "shared", "untracked"]
    if settings.database_url is None:  # SQLite: the bare reader runs
        assert read_stack_index(settings) == everything
        assert read_stack_index(settings, users[0]) == list_stack_index(db, users[0])
    else:
        assert read_stack_index(settings) == everything


def test_a_new_data_folder_is_migrated_then_read(settings: Settings) -> None:
    assert read_stack_index(settings) == []
    assert list_stack_index(Database(settings.db_url)) == []


@pytest.mark.slow  # runs the CLI as processes
def test_the_table_fits_80_columns_and_keeps_session_ids_whole(settings: Settings) -> None:
    db = Database(settings.db_url)
    _index(db, settings)
    for args in ((), ("--user", user_id_for("ann@example.com", "+15550100"))):
        listed = run_cli(settings, "stacks", "ls", *args, columns=80)
        assert listed.returncode == 0, listed.stderr
        lines = listed.stdout.splitlines()
        assert lines and max(len(line) for line in lines) <= 80, listed.stdout
        assert "…" not in listed.stdout, "nothing is cut"
        entries = json.loads(run_cli(settings, "stacks", "ls", *args, "--json").stdout)
        for entry in entries:
            if entry["status"] == "active":
                assert entry["session_id"] in listed.stdout
