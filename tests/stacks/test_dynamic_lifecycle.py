"""Local node and python apps through the real engine: up, a killed process noticed by
refresh and restarted by up, a code change restarting the app, destroy stopping it."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import copy_sample, make_facts
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.deployments import deploy_site
from tmux_builder.pulumi_programs.local.processes import app_tree
from tmux_builder.stacks import StackEngine

pytestmark = pytest.mark.slow


def _app(engine: StackEngine, stack: str) -> tuple[int, float]:
    """The app process's pid and start time, as its resource recorded them."""
    outputs = engine.export(stack).resource("app").outputs
    pid, started_at = outputs["pid"], outputs["started_at"]
    assert isinstance(pid, int) and isinstance(started_at, (int, float))
    return pid, float(started_at)


def _app_pid(engine: StackEngine, stack: str) -> int:
    return _app(engine, stack)[0]


def _all_gone(tree: list[psutil.Process]) -> bool:
    return all(not p.is_running() or p.status() == psutil.STATUS_ZOMBIE for p in tree)


@pytest.mark.parametrize(("sample", "heading"), [("node_app", "Node sample"),
                                                 ("python_app", "Python sample")])
def test_dynamic_app_lifecycle(
    settings: Settings, engine: StackEngine, tmp_path: Path, sample: str, heading: str
) -> None:
    source = copy_sample(sample, tmp_path / "source")
    facts = make_facts(site_type="dynamic")
    stack = facts.stack_name

    first = deploy_site(settings, engine, facts, source)
    url = first.outputs["url"]
    assert first.outputs["runtime"] == ("node" if sample == "node_app" else "python")
    assert heading in httpx.get(url).text
    pid = _app_pid(engine, stack)

    os.killpg(pid, signal.SIGKILL)
    psutil.Process(pid).wait(timeout=5) if psutil.pid_exists(pid) else None
    drift = engine.refresh(stack)
    assert drift.changes.get("delete") == 1, drift.changes
    restarted = deploy_site(settings, engine, facts, source)
    assert restarted.changes.get("create") == 1
    new_url = restarted.outputs["url"]
    assert heading in httpx.get(new_url).text
    assert _app_pid(engine, stack) != pid

    old_tree = app_tree(*_app(engine, stack))
    assert len(old_tree) >= 2, "the sandbox or the runtime starts more than one process"
    entry = source / ("server.js" if sample == "node_app" else "app.py")
    entry.write_text(entry.read_text().replace(heading, f"{heading} v2"), encoding="utf-8")
    changed = deploy_site(settings, engine, facts, source)
    assert changed.changes.get("update") == 2  # the code folder and the process
    assert changed.outputs["url"] == new_url, "a restart keeps the port"
    assert _all_gone(old_tree), "every process of the old app is stopped"
    assert f"{heading} v2" in httpx.get(new_url).text

    last_tree = app_tree(*_app(engine, stack))
    engine.destroy(stack)
    assert _all_gone(last_tree)
    assert not (settings.apps_dir / stack).exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(new_url)
