"""The policy pack through the real engine on the local target: a resource missing a
standard tag fails both preview and up with the policy's message (nothing is deployed); a
compliant program passes. The pack is found through `pulumi-analyzer-policy-python`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import copy_sample
from tmux_builder.errors import PolicyViolationError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.sites.deployments import SessionFacts, deploy_site, site_target
from tmux_builder.pulumi_programs import build_program
from tmux_builder.pulumi_programs.local.files import tree_digest
from tmux_builder.pulumi_programs.local.site_provider import PublishedFolder
from tmux_builder.stacks import PolicyViolation, StackEngine
from tmux_builder.stacks.toolchain import POLICY_LAUNCHER_NAME

pytestmark = pytest.mark.slow


def _untagged_program(settings: Settings, facts: SessionFacts, source: Path):  # type: ignore[no-untyped-def]
    tags = site_target(settings, facts, source).tags.as_dict()
    del tags["CostCenter"]

    def program() -> None:
        PublishedFolder("site", source_dir=str(source),
                        target_dir=str(settings.sites_dir / facts.stack_name),
                        digest=tree_digest(source), tags=tags)

    return program


def test_a_missing_tag_is_refused_on_preview_and_up(
    settings: Settings, engine: StackEngine, facts: SessionFacts, tmp_path: Path
) -> None:
    assert engine.config.policy_packs, "the pack is on by default"
    assert shutil.which(POLICY_LAUNCHER_NAME, path=engine.environment()["PATH"])
    source = copy_sample("static_site", tmp_path / "source")
    program = _untagged_program(settings, facts, source)

    with pytest.raises(PolicyViolationError) as preview:
        engine.preview(facts.stack_name, program)
    with pytest.raises(PolicyViolationError) as up:
        engine.up(facts.stack_name, program)
    for error in (preview.value, up.value):
        (finding,) = error.violations
        assert isinstance(finding, PolicyViolation) and finding.mandatory
        assert (finding.policy_pack, finding.policy) == ("tmux-builder", "standard-tags")
        assert "CostCenter" in finding.message and finding.urn and finding.urn.endswith("::site")
        assert "standard-tags" in error.message and "CostCenter" in error.message
    assert not (settings.sites_dir / facts.stack_name).exists(), "nothing was deployed"
    engine.destroy(facts.stack_name)


def test_a_compliant_site_passes_and_the_pack_can_be_off(
    settings: Settings, engine: StackEngine, facts: SessionFacts, tmp_path: Path
) -> None:
    source = copy_sample("static_site", tmp_path / "source")
    deployed = deploy_site(settings, engine, facts, source)
    assert deployed.changes.get("create") == 2 and not deployed.advisories
    preview = engine.preview(facts.stack_name,
                             build_program(site_target(settings, facts, source)))
    assert not preview.advisories and not preview.plan.has_changes

    unpoliced = stack_engine(settings.model_copy(update={"policy_pack": False}))
    assert unpoliced.config.policy_packs == ()
    untagged = _untagged_program(settings, facts, source)
    assert unpoliced.up(facts.stack_name, untagged).changes.get("update") == 1
    engine.destroy(facts.stack_name)


def test_configured_sizes_must_pass_the_policy(settings: Settings) -> None:
    with pytest.raises(ValueError, match=r"aws_instance_type .m5\.24xlarge. is not in"):
        Settings(data_dir=settings.data_dir, aws_instance_type="m5.24xlarge")
    relaxed = Settings(data_dir=settings.data_dir, aws_instance_type="m5.large",
                       allowed_instance_sizes="m5.large, Standard_B1s")  # type: ignore[arg-type]
    assert relaxed.allowed_instance_sizes == ["m5.large", "Standard_B1s"]
    assert Settings(data_dir=settings.data_dir, policy_pack=False,
                    aws_instance_type="m5.24xlarge").aws_instance_type == "m5.24xlarge"
