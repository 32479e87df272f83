"""Preview and drift through the real engine on the local target: the plan names each
resource to create, update, replace or delete; a refresh preview names what drifted."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.conftest import copy_sample
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.deployments import SessionFacts, deploy_site, site_target
from tmux_builder.pulumi_programs import build_program
from tmux_builder.stacks import StackEngine, StackEvent

pytestmark = pytest.mark.slow

SITE = "pulumi-python:dynamic:Resource"


def _program(settings: Settings, facts: SessionFacts, source: Path):  # type: ignore[no-untyped-def]
    return build_program(site_target(settings, facts, source))


def test_preview_lists_creates_then_updates_then_nothing(
    settings: Settings, engine: StackEngine, facts: SessionFacts, tmp_path: Path
) -> None:
    source = copy_sample("static_site", tmp_path / "source")
    stack = facts.stack_name
    seen: list[StackEvent] = []

    first = engine.preview(stack, _program(settings, facts, source), on_event=seen.append)
    assert [(c.name, c.type) for c in first.plan.create] == [
        (f"tmux-builder-{stack}", "pulumi:pulumi:Stack"), ("site", SITE)]
    assert first.plan.counts == {"create": 2}
    assert not first.plan.update and not first.plan.delete
    assert any(e.kind == "summary" for e in seen), "events are streamed as they come"
    assert not (settings.sites_dir / stack).exists(), "a preview changes nothing"

    deploy_site(settings, engine, facts, source)
    unchanged = engine.preview(stack, _program(settings, facts, source))
    assert not unchanged.plan.has_changes and unchanged.plan.counts == {"same": 2}

    index = source / "index.html"
    index.write_text(index.read_text().replace("Version: one", "Version: two"), encoding="utf-8")
    edited = engine.preview(stack, _program(settings, facts, source))
    (update,) = edited.plan.update
    assert update.name == "site" and update.type == SITE
    assert "digest" in update.diffs, update.diffs
    assert edited.plan.counts == {"update": 1, "same": 1}
    assert "Version: one" in (settings.sites_dir / stack / "index.html").read_text()

    moved = replace(site_target(settings, facts, source),
                    local=replace(site_target(settings, facts, source).local,  # type: ignore[arg-type]
                                  sites_dir=settings.sites_dir / "elsewhere"))
    relocated = engine.preview(stack, build_program(moved))
    (replaced,) = relocated.plan.replace
    assert replaced.name == "site" and "target_dir" in replaced.diffs

    def nothing() -> None:
        return None

    emptied = engine.preview(stack, nothing)
    assert [c.name for c in emptied.plan.delete] == ["site"]
    engine.destroy(stack)


def test_drift_check_names_a_deleted_or_edited_site(
    settings: Settings, engine: StackEngine, facts: SessionFacts, site_server: str,
    tmp_path: Path,
) -> None:
    source = copy_sample("static_site", tmp_path / "source")
    stack = facts.stack_name
    deployed = deploy_site(settings, engine, facts, source)
    assert not engine.preview_refresh(stack).plan.has_changes

    site_dir = (settings.sites_dir / stack).resolve()
    (site_dir / "index.html").write_text("tampered", encoding="utf-8")
    edited = engine.preview_refresh(stack)
    (change,) = edited.plan.changes
    assert (change.op, change.name) == ("update", "site") and "digest" in change.diffs
    assert httpx.get(str(deployed.url)).text == "tampered", "a drift check repairs nothing"

    shutil.rmtree(site_dir)
    deleted = engine.preview_refresh(stack)
    assert [(c.op, c.name) for c in deleted.plan.changes] == [("delete", "site")]
    assert engine.export(stack).resource("site").outputs, "the state is not touched"

    repaired = engine.up(stack, _program(settings, facts, source), refresh=True)
    assert repaired.changes.get("create") == 1
    assert "Fresh bread" in httpx.get(str(repaired.url)).text
    assert not engine.preview_refresh(stack).plan.has_changes
    engine.destroy(stack)
