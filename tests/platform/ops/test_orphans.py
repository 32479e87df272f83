"""Orphans with a real local app: a stack no session owns, then (its stack removed behind the
platform's back) an app folder and a running process that no stack owns."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import psutil
import pytest

from tests.conftest import copy_sample, make_facts
from tests.platform.ops.test_stack_index import remove_behind_platform
from tests.platform.ops.test_stack_listing import run_cli
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.ops.orphans import find_orphans
from tmux_builder.platform.sites.deployments import deploy_site
from tmux_builder.stacks import StackEngine

pytestmark = [pytest.mark.slow, pytest.mark.db]


def test_stack_folder_and_process_without_owner(settings: Settings, engine: StackEngine,
                                                tmp_path: Path) -> None:
    db = Database(settings.db_url)
    facts = make_facts(site_type="dynamic", email="lost@example.com")
    deploy_site(settings, engine, facts, copy_sample("node_app", tmp_path / "app"), db=db)
    report = find_orphans(db, settings, engine)
    assert report.stacks_without_session == [facts.stack_name]
    assert not report.processes and not report.app_folders

    remove_behind_platform(engine, facts.stack_name)
    listed = run_cli(settings, "orphans", "--json")
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)
    assert found["stacks_without_session"] == []
    assert str(settings.apps_dir / facts.stack_name) in found["app_folders"]
    assert {p["stack_name"] for p in found["processes"]} == {facts.stack_name}

    processes = [psutil.Process(entry["pid"]) for entry in found["processes"]]
    for group in {os.getpgid(process.pid) for process in processes}:
        os.killpg(group, signal.SIGTERM)
    psutil.wait_procs(processes, timeout=10)
    shutil.rmtree(settings.apps_dir / facts.stack_name)
    assert find_orphans(db, settings, engine).empty
