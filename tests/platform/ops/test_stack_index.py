"""Stacks per user from the index (real local stacks), checked against plain ``pulumi stack
ls``; a stack removed behind the platform's back is found by reconcile and by the orphan
report, and ``--repair`` puts the index back in step."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.platform.ops.sessions import deployed_session
from tests.platform.ops.test_stack_listing import _plain_pulumi_stack_ls, run_cli
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.ops.orphans import find_orphans
from tmux_builder.platform.ops.reconcile import reconcile
from tmux_builder.platform.ops.stack_index import list_stack_index
from tmux_builder.pulumi_programs.local.files import unpublish
from tmux_builder.stacks import StackEngine, user_stack_prefix
from tmux_builder.stacks.workspace import engine_env

pytestmark = [pytest.mark.slow, pytest.mark.db]


def remove_behind_platform(engine: StackEngine, stack_name: str) -> None:
    """``pulumi stack rm --force``: the stack goes, its resources stay."""
    subprocess.run([str(engine.config.pulumi_binary), "stack", "rm", "--force", "--yes",
                    stack_name], cwd=engine.config.work_dir, env=engine_env(engine.config),
                   capture_output=True, text=True, check=True)


def test_each_user_sees_only_their_stacks_and_reconcile_repairs(
    settings: Settings, engine: StackEngine, tmp_path: Path,
) -> None:
    db = Database(settings.db_url)
    sessions = [deployed_session(db, settings, engine, email) for email in
                ("ann@example.com", "ann@example.com", "ben@example.com", "cy@example.com")]
    users = {s.user_id for s in sessions}
    assert len(users) == 3

    for user in users:
        listed = run_cli(settings, "stacks", "ls", "--user", user, "--json")
        assert listed.returncode == 0, listed.stderr
        rows = json.loads(listed.stdout)
        plain = {name for name in _plain_pulumi_stack_ls(engine)
                 if name.startswith(user_stack_prefix(user))}
        assert {row["name"] for row in rows} == plain
        assert plain == {s.stack_name for s in sessions if s.user_id == user}
        for row in rows:
            assert row["user_id"] == user and row["host_provider"] == "local"
            assert row["site_type"] == "static" and row["status"] == "active"
            assert row["resource_count"] == 3 and row["url"].endswith(f"/{row['name']}/")
            assert row["last_update"] and row["expires_at"]
    table = run_cli(settings, "stacks", "ls")
    assert table.returncode == 0 and sessions[2].session_id in table.stdout

    assert reconcile(db, engine).in_step
    gone = sessions[1]
    remove_behind_platform(engine, gone.stack_name)
    found = reconcile(db, engine)
    assert found.missing_from_backend == [gone.stack_name] and not found.missing_from_index
    orphans = find_orphans(db, settings, engine)
    assert orphans.sessions_without_stack == [gone.session_id]
    assert str(settings.sites_dir / gone.stack_name) in orphans.site_folders
    assert orphans.stacks_without_session == []

    cli = run_cli(settings, "stacks", "reconcile")
    assert cli.returncode == 1 and gone.stack_name in cli.stdout
    repaired = run_cli(settings, "stacks", "reconcile", "--repair", "--json")
    assert repaired.returncode == 0 and json.loads(repaired.stdout)["repaired"]
    assert reconcile(db, engine).in_step
    assert gone.stack_name not in {row.name for row in list_stack_index(db)}

    unpublish(settings.sites_dir / gone.stack_name)
    for created in (sessions[0], *sessions[2:]):
        engine.destroy(created.stack_name)
    assert find_orphans(db, settings, engine).site_folders == []
