"""The shipped library: every rule names real files, injection copies them, CLAUDE.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tmux_builder.agent_library import (
    inject_session_library,
    library_root,
    load_rules,
    rule_files,
    session_claude_md,
)
from tmux_builder.agent_library.library import PROVIDERS, SITE_TYPES, expand_pattern
from tmux_builder.errors import InvalidInputError

PAIRS = [(p, s) for p in PROVIDERS for s in SITE_TYPES]
SEED_AGENTS = [
    "deployers/aws-s3-static", "deployers/aws-ec2-dynamic", "deployers/aws-elastic-beanstalk",
    "deployers/azure-blob-static", "deployers/azure-app-service", "deployers/azure-vm-dynamic",
    "deployers/local-static", "deployers/local-dynamic", "testers/health-check",
    "testers/screenshot", "testers/e2e", "utilities/cache-invalidator",
    "utilities/log-analyzer", "builders/requirements-analyst", "builders/planner",
    "builders/code-generator", "builders/debugger",
]
SEED_SKILLS = [
    "aws/s3-upload", "aws/cloudfront-create", "aws/cloudfront-invalidate", "aws/ec2-launch",
    "aws/ec2-ssh", "aws/route53", "aws/eb-deploy", "aws/rds-configure", "aws/elasticache-setup",
    "azure/blob-upload", "azure/cdn-create", "azure/cdn-purge", "azure/app-service-deploy",
    "azure/sql-configure", "azure/redis-setup", "azure/vm-launch", "azure/vm-ssh",
    "azure/dns-zone", "testing/health-check", "testing/screenshot-capture",
    "testing/e2e-generate", "testing/e2e-run", "workflow/project-inception",
    "workflow/plan-validation", "workflow/integration-verification",
]


def test_rules_cover_the_six_pairs_exactly() -> None:
    pairs = [(r.host_provider, r.site_type) for r in load_rules()]
    assert sorted(pairs) == sorted(PAIRS)


def test_every_rule_entry_names_library_files() -> None:
    """Fails if any rule names a file (or an empty folder) the library lacks."""
    raw = json.loads((library_root() / "injection_rules.json").read_text())
    for rule in raw["rules"]:
        for entry in rule["agents"] + rule["skills"]:
            files = expand_pattern(entry)
            assert files, entry
            assert all(f.is_file() and f.suffix == ".md" for f in files), entry


@pytest.mark.parametrize(("provider", "site_type"), PAIRS)
def test_each_pair_expands_to_agents_and_skills(provider: str, site_type: str) -> None:
    files = rule_files(provider, site_type)
    root = library_root()
    agents = [f for f in files if f.relative_to(root).parts[0] == "agents"]
    skills = [f for f in files if f.relative_to(root).parts[0] == "skills"]
    assert agents and skills
    assert any(f.parent.name == "deployers" for f in agents)
    assert any("testing" in f.parts for f in skills)
    assert len(files) == len(set(files))


def test_a_missing_rule_file_is_reported() -> None:
    with pytest.raises(InvalidInputError):
        expand_pattern("agents/deployers/does-not-exist.md")
    with pytest.raises(InvalidInputError):
        expand_pattern("skills/no-such-area/*")
    with pytest.raises(InvalidInputError):
        expand_pattern("../errors.py")


@pytest.mark.parametrize("name", SEED_AGENTS)
def test_seed_agents_exist_with_front_matter(name: str) -> None:
    text = (library_root() / "agents" / f"{name}.md").read_text()
    assert text.startswith(f"---\nname: {Path(name).name}\ndescription: ")
    assert "PHASE_COMPLETE" in text


@pytest.mark.parametrize("name", SEED_SKILLS)
def test_seed_skills_exist(name: str) -> None:
    assert (library_root() / "skills" / f"{name}.md").is_file()


def test_deployers_describe_the_pulumi_stack_not_cli_deploys() -> None:
    for path in (library_root() / "agents" / "deployers").glob("*.md"):
        text = path.read_text()
        assert "<user_id>_<session_id>" in text and "Automation API" in text, path.name
        assert "output `url`" in text, path.name
        assert not re.search(r"^\s*(aws|az)\s+\w+", text, re.MULTILINE), path.name


@pytest.mark.parametrize(("provider", "site_type"), PAIRS)
def test_inject_writes_agents_and_skills(tmp_path: Path, provider: str, site_type: str) -> None:
    written = inject_session_library(tmp_path, provider, site_type)
    assert written and all(p.is_file() for p in written)
    agents = tmp_path / ".claude" / "agents"
    skills = tmp_path / ".claude" / "skills"
    assert {p.parent for p in written if agents in p.parents} == {agents}
    assert (skills / "e2e-generate" / "SKILL.md").is_file()
    assert len(written) == len(rule_files(provider, site_type))
    deployer = {"static": "static", "dynamic": "dynamic"}[site_type]
    assert any(deployer in p.name and provider in p.name for p in written if p.parent == agents)


def test_inject_rejects_unknown_pairs(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as provider_error:
        inject_session_library(tmp_path, "gcp", "static")
    assert provider_error.value.field == "host_provider"
    with pytest.raises(InvalidInputError) as type_error:
        inject_session_library(tmp_path, "aws", "serverless")
    assert type_error.value.field == "site_type"
    assert not (tmp_path / ".claude").exists()


def test_session_claude_md_describes_the_file_protocol() -> None:
    text = session_claude_md(provider="aws", site_type="static",
                             session_id="sess_20260101_000000_abcd", stack_name="u_s")
    for needle in ("prompts/current.txt", "source/", "deployment/tests/e2e_test.py",
                   "output/status.txt", "PHASE_COMPLETE", "PHASE_FAILED", "`u_s`",
                   "Never deploy by hand", "Work only inside this workspace"):
        assert needle in text, needle
