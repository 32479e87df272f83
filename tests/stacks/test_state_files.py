"""The file backend's state read without a CLI start agrees with what the CLI reports: stack
existence, tags (written in one go, read by `pulumi stack ls --tag`), the update number and
whether a killed process left pending operations. The CLI path (other backends) gives the
same answers."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import copy_sample
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.deployments import SessionFacts, site_target
from tmux_builder.pulumi_programs import build_program
from tmux_builder.stacks import StackEngine
from tmux_builder.stacks.state_files import FileState

pytestmark = pytest.mark.slow

TAGS = {"UserGUID": "u-1", "SessionID": "sess_1", "HostProvider": "local", "SiteType": "static",
        "ExpiresAt": "2026-11-27T10:00:00Z"}


def _cli_tags(engine: StackEngine, tag: str) -> list[str]:
    out = subprocess.run([str(engine.config.pulumi_binary), "stack", "ls", "--json", "--tag", tag],
                         cwd=engine.config.work_dir, env=engine.environment(), check=True,
                         capture_output=True, text=True, timeout=60)
    return [s["name"] for s in json.loads(out.stdout)]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.mark.parametrize("through_files", [True, False], ids=["state-files", "cli"])
def test_tags_versions_and_existence_agree_with_the_cli(
    settings: Settings, engine: StackEngine, facts: SessionFacts, tmp_path: Path,
    through_files: bool,
) -> None:
    if not through_files:
        engine.files = None  # what an engine on an object-store or cloud backend does
    source = copy_sample("static_site", tmp_path / "source")
    program = build_program(site_target(settings, facts, source))
    stack = facts.stack_name
    assert not engine.exists(stack)

    first = engine.up(stack, program, tags=TAGS)
    assert engine.exists(stack)
    assert dict(engine.workspace.list_tags(stack)).items() >= TAGS.items(), "the CLI reads them"
    assert _cli_tags(engine, "UserGUID=u-1") == [stack]
    assert first.version == 1

    again = engine.up(stack, program, tags={**TAGS, "ExpiresAt": "2026-12-01T10:00:00Z"})
    assert engine.tags(stack)["ExpiresAt"] == "2026-12-01T10:00:00Z"
    assert engine.tags(stack)["UserGUID"] == "u-1", "unchanged tags are kept"
    assert again.version == 2 == len(engine.history(stack))
    assert not engine.needs_recovery(stack) if through_files else engine.needs_recovery(stack)
    [listed] = [r for r in engine.workspace.list_stacks() if r.name == stack]
    summary = engine.summary(stack)
    assert summary is not None and summary.resource_count == listed.resource_count == 3
    assert summary.last_update is not None and listed.last_update is not None
    gap = _utc(summary.last_update) - _utc(listed.last_update)  # the CLI prints milliseconds
    assert abs(gap) < timedelta(milliseconds=1)

    engine.destroy(stack)
    assert not engine.exists(stack)
    assert engine.summary(stack) is None
    assert _cli_tags(engine, "UserGUID=u-1") == []


def test_a_tags_file_of_another_format_is_not_read(tmp_path: Path) -> None:
    """A tags file this code does not recognise (another format version) answers None, so
    the engine leaves the tags to `pulumi stack tag set` and never rewrites it by hand."""
    files = FileState(tmp_path, "tmux-builder")
    files.tags_file("s").parent.mkdir(parents=True)
    assert files.read_tags("s") == {}
    files.write_tags("s", {"A": "1"})
    assert files.read_tags("s") == {"A": "1"}
    files.tags_file("s").write_text(json.dumps({"version": 99, "tags": {"A": "1"}}))
    assert files.read_tags("s") is None
    files.tags_file("s").write_text("not json")
    assert files.read_tags("s") is None
