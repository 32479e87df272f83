"""A local static site through the real engine and file backend: up, drift, update, destroy."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.conftest import copy_sample
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.deployments import SessionFacts, deploy_site
from tmux_builder.pulumi_programs.tags import STANDARD_TAG_KEYS
from tmux_builder.stacks import ResourceState, StackEngine

pytestmark = pytest.mark.slow

SITE_TYPE = "tmux-builder:pulumi_programs:local/site_provider:PublishedFolder"


def _custom_resources(engine: StackEngine, stack: str) -> list[ResourceState]:
    return [r for r in engine.export(stack).resources
            if r.custom and not r.type.startswith("pulumi:providers")]


def test_static_site_lifecycle(
    settings: Settings, engine: StackEngine, facts: SessionFacts, site_server: str, tmp_path: Path
) -> None:
    source = copy_sample("static_site", tmp_path / "source")
    stack = facts.stack_name

    first = deploy_site(settings, engine, facts, source)
    assert first.changes.get("create") == 2  # the stack and the published folder
    page = httpx.get(first.outputs["url"])
    assert page.status_code == 200
    assert "Fresh bread every morning" in page.text
    assert page.headers["content-type"].startswith("text/html")

    resources = _custom_resources(engine, stack)
    assert [r.type for r in resources] == ["pulumi-python:dynamic:Resource"]
    for resource in resources:
        tags = resource.outputs["tags"]
        assert isinstance(tags, dict)
        assert set(STANDARD_TAG_KEYS) <= set(tags), f"missing tags on {resource.urn}"
        assert tags["UserGUID"] == facts.user_id and tags["SessionID"] == facts.session_id
        assert tags["CreatedAt"] == "2026-11-22T10:00:00Z"

    again = deploy_site(settings, engine, facts, source)
    assert again.changes == {"same": 2}, "a no-change redeploy must rewrite nothing"

    site_dir = settings.sites_dir / stack
    shutil.rmtree(site_dir.resolve())
    assert httpx.get(first.outputs["url"]).status_code == 404
    drift = engine.refresh(stack)
    assert drift.changes.get("delete") == 1
    restored = deploy_site(settings, engine, facts, source)
    assert restored.changes.get("create") == 1
    assert "Fresh bread" in httpx.get(first.outputs["url"]).text

    (site_dir / "index.html").write_text("tampered", encoding="utf-8")
    assert engine.refresh(stack).changes.get("update") == 1
    assert httpx.get(first.outputs["url"]).text == "tampered", "refresh only records drift"
    repaired = deploy_site(settings, engine, facts, source)
    assert repaired.changes == {"update": 1, "same": 1}
    assert "Fresh bread" in httpx.get(first.outputs["url"]).text

    index = source / "index.html"
    index.write_text(index.read_text().replace("Version: one", "Version: two"), encoding="utf-8")
    updated = deploy_site(settings, engine, facts, source)
    assert updated.changes == {"update": 1, "same": 1}
    assert "Version: two" in httpx.get(first.outputs["url"]).text
    assert engine.history(stack)[0].changes.get("update") == 1

    engine.destroy(stack)
    assert not site_dir.exists() and not (settings.sites_dir / ".releases" / stack).exists()
    assert not engine.exists(stack)
    assert httpx.get(first.outputs["url"]).status_code == 404
