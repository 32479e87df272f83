"""Rollback on the local target through the real engine: every build's folder is kept, and an
up with an earlier build's folder brings the stack and the served site back to it, while the
later (failed) build's folder stays as it was for inspection."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.conftest import copy_sample, make_facts
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.deployments import deploy_site
from tmux_builder.pulumi_programs.local.files import tree_digest
from tmux_builder.stacks import StackEngine

pytestmark = pytest.mark.slow

CASES = {"static": ("static_site", "index.html", "Fresh bread"),
         "dynamic": ("python_app", "app.py", "Python sample")}


@pytest.mark.parametrize("site_type", sorted(CASES))
def test_up_with_an_earlier_build_folder_rolls_back(
    settings: Settings, engine: StackEngine, site_server: str, tmp_path: Path, site_type: str,
) -> None:
    sample, entry, text = CASES[site_type]
    facts = make_facts(site_type=site_type)
    good = copy_sample(sample, tmp_path / "output" / "build_v1")
    bad = tmp_path / "output" / "build_v2"
    shutil.copytree(good, bad)
    (bad / entry).write_text((bad / entry).read_text().replace(text, "BROKEN BUILD"),
                             encoding="utf-8")
    bad_digest = tree_digest(bad)

    first = deploy_site(settings, engine, facts, good)
    second = deploy_site(settings, engine, facts, bad)
    url = str(second.url)
    assert "BROKEN BUILD" in httpx.get(url).text

    back = deploy_site(settings, engine, facts, good)
    assert back.url == url, "the URL keeps serving, now the earlier build"
    page = httpx.get(url).text
    assert text in page and "BROKEN BUILD" not in page
    assert back.version == 3 and back.changes.get("update", 0) >= 1
    assert back.outputs.get("digest", tree_digest(good)) == tree_digest(good)
    assert tree_digest(bad) == bad_digest, "the failed build's folder is kept as it was"
    assert first.version == 1 and second.version == 2
    engine.destroy(facts.stack_name)
