"""Choosing aws or azure without credentials fails the deploy at once with the preflight's
message, before any stack exists."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import copy_sample, make_facts
from tmux_builder.errors import InvalidInputError, TmuxBuilderError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.deployments import deploy_site
from tmux_builder.stacks import StackEngine

pytestmark = pytest.mark.slow

CLOUD = {"aws_region": "eu-west-1",
         "azure_subscription_id": "00000000-0000-4000-8000-000000000000"}


@pytest.mark.parametrize("provider", ["aws", "azure"])
@pytest.mark.parametrize("site_type", ["static", "dynamic"])
def test_cloud_without_credentials_fails_fast_and_leaves_nothing(
    settings: Settings, engine: StackEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    provider: str, site_type: str,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "ARM_CLIENT_ID",
                 "ARM_CLIENT_SECRET", "ARM_TENANT_ID", "ARM_USE_MSI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    configured = settings.model_copy(update=CLOUD)
    sample = "static_site" if site_type == "static" else "node_app"
    source = copy_sample(sample, tmp_path / "source")
    facts = replace(make_facts(site_type=site_type), provider=provider)
    started = time.monotonic()
    with pytest.raises(TmuxBuilderError) as error:
        deploy_site(configured, engine, facts, source)
    assert time.monotonic() - started < 30, "preflight must not hang"
    assert error.value.field and ("plugin" in str(error.value) or "credentials" in str(error.value))
    assert engine.list_stacks() == []


def test_unconfigured_cloud_names_the_setting(
    settings: Settings, engine: StackEngine, tmp_path: Path
) -> None:
    facts = replace(make_facts(), provider="azure")
    with pytest.raises(InvalidInputError) as error:
        deploy_site(settings, engine, facts, copy_sample("static_site", tmp_path / "source"))
    assert error.value.field == "azure_subscription_id"
    assert "TMUX_BUILDER_AZURE_SUBSCRIPTION_ID" in str(error.value)
    assert engine.list_stacks() == []
