"""Listing by user through the platform matches plain ``pulumi stack ls`` on the same backend,
filtered by name prefix and by the UserGUID stack tag."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_sample, make_facts
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.deployments import deploy_site
from tmux_builder.stacks import StackEngine, user_stack_prefix
from tmux_builder.stacks.workspace import engine_env

pytestmark = pytest.mark.slow


def _plain_pulumi_stack_ls(engine: StackEngine, *args: str) -> set[str]:
    out = subprocess.run(
        [str(engine.config.pulumi_binary), "stack", "ls", "--json", *args],
        cwd=engine.config.work_dir,
        env=engine_env(engine.config),
        capture_output=True,
        text=True,
        check=True,
    )
    return {entry["name"] for entry in json.loads(out.stdout)}


def run_cli(settings: Settings, *args: str,
            columns: int = 250) -> subprocess.CompletedProcess[str]:
    env = {"TMUX_BUILDER_DATA_DIR": str(settings.data_dir), "HOME": str(Path.home()),
           "PATH": "/usr/bin:/bin", "COLUMNS": str(columns)}
    if settings.database_url:
        env["TMUX_BUILDER_DATABASE_URL"] = settings.database_url
    return subprocess.run([sys.executable, "-m", "tmux_builder.cli", *args], env=env,
                          capture_output=True, text=True, check=False)


def test_stacks_per_user(settings: Settings, engine: StackEngine, tmp_path: Path) -> None:
    source = copy_sample("static_site", tmp_path / "source")
    alice = [make_facts(email="alice@example.com") for _ in range(2)]
    bob = make_facts(email="bob@example.com")
    for facts in [*alice, bob]:
        deploy_site(settings, engine, facts, source)
    alice_id = alice[0].user_id

    mine = {r.name for r in engine.list_stacks(prefix=user_stack_prefix(alice_id))}
    assert mine == {f.stack_name for f in alice}
    assert _plain_pulumi_stack_ls(engine, "--tag", f"UserGUID={alice_id}") == mine
    assert _plain_pulumi_stack_ls(engine) == mine | {bob.stack_name}
    tags = engine.tags(bob.stack_name)
    assert tags["UserGUID"] == bob.user_id and tags["SiteType"] == "static"
    assert tags["HostProvider"] == "local" and tags["ExpiresAt"] == "2026-11-27T10:00:00Z"

    listed = run_cli(settings, "stacks", "ls", "--user", alice_id, "--json")
    assert listed.returncode == 0, listed.stderr
    assert {entry["name"] for entry in json.loads(listed.stdout)} == mine
    bad = run_cli(settings, "stacks", "ls", "--user", "x;y")
    assert bad.returncode == 2 and "user_id" in bad.stdout
    for facts in [*alice, bob]:
        engine.destroy(facts.stack_name)
