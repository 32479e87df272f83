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
from tmux_builder.stacks import StackEngine

pytestmark = pytest.mark.slow


def _app_pid(engine: StackEngine, stack: str) -> int:
    for resource in engine.export(stack)["deployment"]["resources"]:
        if resource["urn"].endswith("::app"):
            return int(resource["outputs"]["pid"])
    raise AssertionError("no app resource in the state")


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

    entry = source / ("server.js" if sample == "node_app" else "app.py")
    entry.write_text(entry.read_text().replace(heading, f"{heading} v2"), encoding="utf-8")
    changed = deploy_site(settings, engine, facts, source)
    assert changed.changes.get("update") == 2  # the code folder and the process
    assert changed.outputs["url"] == new_url, "a restart keeps the port"
    assert f"{heading} v2" in httpx.get(new_url).text

    last_pid = _app_pid(engine, stack)
    engine.destroy(stack)
    assert not psutil.pid_exists(last_pid) or psutil.Process(last_pid).status() == "zombie"
    assert not (settings.apps_dir / stack).exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(new_url)
