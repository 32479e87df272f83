"""Preflight: plugins and credentials checked from local state only, failing fast and naming
exactly what is missing."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import socket
import time
from pathlib import Path

import pytest

from tests.pulumi_programs.mocks import aws_options, azure_options
from tmux_builder.errors import InvalidInputError, ToolchainError
from tmux_builder.pulumi_programs.cloud_options import AwsOptions, AzureOptions
from tmux_builder.pulumi_programs.preflight import preflight

AWS_VERSION = importlib.metadata.version("pulumi_aws")
AZURE_VERSION = importlib.metadata.version("pulumi_azure_native")
COMMAND_VERSION = importlib.metadata.version("pulumi_command")
TLS_VERSION = importlib.metadata.version("pulumi_tls")
AWS_KEYS = {"AWS_ACCESS_KEY_ID": "AKIAMOCK", "AWS_SECRET_ACCESS_KEY": "secret"}
PLACED = {"subnet_id": "subnet-0123456789abcdef0"}
ARM_SP = {"ARM_CLIENT_ID": "id", "ARM_TENANT_ID": "tenant", "ARM_CLIENT_SECRET": "secret"}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("preflight must not touch the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def install(home: Path, name: str, version: str) -> None:
    folder = home / ".pulumi" / "plugins" / f"resource-{name}-v{version}"
    folder.mkdir(parents=True)
    (folder / f"pulumi-resource-{name}").write_bytes(b"#!mock")
    (folder / f"pulumi-resource-{name}").chmod(0o755)


def env(**values: str) -> dict[str, str]:
    return {"PATH": "", **values}


def test_missing_aws_plugin_is_named_with_the_install_command(home: Path) -> None:
    started = time.monotonic()
    with pytest.raises(ToolchainError) as caught:
        preflight("aws", "dynamic", aws_options(**PLACED), env=env(**AWS_KEYS), home=home)
    assert time.monotonic() - started < 1
    assert caught.value.field == "resource-aws"
    assert f"resource-aws v{AWS_VERSION}" in str(caught.value)
    assert "tmux-builder plugins install" in str(caught.value)
    assert str(home / ".pulumi" / "plugins") in str(caught.value)


def test_static_sites_also_need_the_command_plugin(home: Path) -> None:
    install(home, "aws", AWS_VERSION)
    preflight("aws", "dynamic", aws_options(**PLACED), env=env(**AWS_KEYS), home=home)
    with pytest.raises(ToolchainError, match=f"resource-command v{COMMAND_VERSION}"):
        preflight("aws", "static", aws_options(), env=env(**AWS_KEYS), home=home)


def test_azure_static_sites_need_azure_identity_for_the_purge(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install(home, "azure-native", AZURE_VERSION)
    install(home, "command", COMMAND_VERSION)
    preflight("azure", "static", azure_options(), env=env(**ARM_SP), home=home)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None
                        if name == "azure.identity" else real_find_spec(name, *a))
    with pytest.raises(ToolchainError) as caught:
        preflight("azure", "static", azure_options(), env=env(**ARM_SP), home=home)
    assert caught.value.field == "azure_identity"
    assert "tmux-builder[azure]" in str(caught.value)


def test_ambient_plugins_count_unless_the_engine_ignores_them(home: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi-resource-aws").write_text("#!/bin/sh\n")
    (bin_dir / "pulumi-resource-aws").chmod(0o755)
    options = aws_options(**PLACED)
    preflight("aws", "dynamic", options, env={**AWS_KEYS, "PATH": str(bin_dir)}, home=home)
    with pytest.raises(ToolchainError, match="resource-aws"):
        preflight("aws", "dynamic", options, home=home, env={
            **AWS_KEYS, "PATH": str(bin_dir), "PULUMI_IGNORE_AMBIENT_PLUGINS": "true"})


def test_a_region_without_default_vpc_is_named_before_anything_exists(home: Path) -> None:
    install(home, "aws", AWS_VERSION)
    asked: list[str] = []

    def no_default_vpc(options: AwsOptions) -> bool:
        asked.append(options.region)
        return False

    with pytest.raises(InvalidInputError) as caught:
        preflight("aws", "dynamic", aws_options(), env=env(**AWS_KEYS), home=home,
                  default_vpc_probe=no_default_vpc)
    assert caught.value.field == "aws_vpc_id"
    assert "eu-west-1 has no default VPC" in str(caught.value)
    assert "TMUX_BUILDER_AWS_SUBNET_ID" in str(caught.value)
    preflight("aws", "dynamic", aws_options(), env=env(**AWS_KEYS), home=home,
              default_vpc_probe=lambda _options: True)
    for placed in (PLACED, {"vpc_id": "vpc-0123456789abcdef0"}, {"shared_vpc": True}):
        preflight("aws", "dynamic", aws_options(**placed), env=env(**AWS_KEYS), home=home,
                  default_vpc_probe=no_default_vpc)
    assert asked == ["eu-west-1"], "a placed site never asks"


def test_static_sites_need_the_cloud_cli_on_path(home: Path, tmp_path: Path) -> None:
    install(home, "aws", AWS_VERSION)
    install(home, "command", COMMAND_VERSION)
    with pytest.raises(ToolchainError) as caught:
        preflight("aws", "static", aws_options(), env=env(**AWS_KEYS), home=home)
    assert caught.value.field == "aws_cli"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text("#!/bin/sh\n")
    (bin_dir / "aws").chmod(0o755)
    preflight("aws", "static", aws_options(), env={**AWS_KEYS, "PATH": str(bin_dir)}, home=home)


def test_partial_plugin_download_does_not_count(home: Path) -> None:
    install(home, "aws", AWS_VERSION)
    (home / ".pulumi" / "plugins" / f"resource-aws-v{AWS_VERSION}.partial").touch()
    with pytest.raises(ToolchainError, match="resource-aws"):
        preflight("aws", "dynamic", aws_options(**PLACED), env=env(**AWS_KEYS), home=home)


def test_pulumi_home_is_honoured(tmp_path: Path, home: Path) -> None:
    install(tmp_path / "ph", "aws", AWS_VERSION)
    (tmp_path / "ph" / ".pulumi").rename(tmp_path / "ph" / "real")
    values = env(PULUMI_HOME=str(tmp_path / "ph" / "real"), **AWS_KEYS)
    preflight("aws", "dynamic", aws_options(**PLACED), env=values, home=home)


def test_aws_without_credentials_names_profile_and_files(home: Path) -> None:
    install(home, "aws", AWS_VERSION)
    with pytest.raises(InvalidInputError) as caught:
        preflight("aws", "dynamic", aws_options(profile="sites", **PLACED), env=env(),
                  home=home)
    assert caught.value.field == "aws_credentials"
    message = str(caught.value)
    assert "AWS_ACCESS_KEY_ID" in message and "'sites'" in message
    assert str(home / ".aws" / "credentials") in message


def test_aws_profile_in_credentials_or_config_file(home: Path) -> None:
    install(home, "aws", AWS_VERSION)
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("[default]\naws_access_key_id = x\n")
    preflight("aws", "dynamic", AwsOptions(region="eu-west-1", **PLACED), env=env(), home=home)
    with pytest.raises(InvalidInputError, match="'sites'"):
        preflight("aws", "dynamic", aws_options(profile="sites", **PLACED), env=env(),
                  home=home)
    (home / ".aws" / "config").write_text("[profile sites]\nsso_session = corp\n")
    preflight("aws", "dynamic", aws_options(profile="sites", **PLACED), env=env(), home=home)


def test_azure_without_credentials_says_what_to_set(home: Path) -> None:
    install(home, "azure-native", AZURE_VERSION)
    options = azure_options(ssh_public_key="ssh-ed25519 AAAAmock")
    with pytest.raises(InvalidInputError) as caught:
        preflight("azure", "dynamic", options, env=env(), home=home)
    assert caught.value.field == "azure_credentials"
    assert "ARM_CLIENT_ID" in str(caught.value) and "az login" in str(caught.value)
    preflight("azure", "dynamic", options, env=env(**ARM_SP), home=home)


def test_azure_cli_login_counts(home: Path) -> None:
    install(home, "azure-native", AZURE_VERSION)
    (home / ".azure").mkdir(parents=True)
    (home / ".azure" / "msal_token_cache.json").write_text('{"AccessToken": {}}')
    options = azure_options(ssh_public_key="ssh-ed25519 AAAAmock")
    preflight("azure", "dynamic", options, env=env(), home=home)


def test_generated_ssh_key_needs_the_tls_plugin(home: Path) -> None:
    install(home, "azure-native", AZURE_VERSION)
    with pytest.raises(ToolchainError, match=f"resource-tls v{TLS_VERSION}"):
        preflight("azure", "dynamic", azure_options(), env=env(**ARM_SP), home=home)
    install(home, "tls", TLS_VERSION)
    preflight("azure", "dynamic", azure_options(), env=env(**ARM_SP), home=home)


def test_options_mismatch_and_bad_settings_are_input_errors(home: Path) -> None:
    with pytest.raises(InvalidInputError, match="AWS options"):
        preflight("aws", "static", azure_options(), env=env(), home=home)
    with pytest.raises(InvalidInputError) as region:
        AwsOptions(region="mars")
    assert region.value.field == "aws_region"
    with pytest.raises(InvalidInputError) as subscription:
        AzureOptions(location="westeurope", subscription_id="not-a-guid")
    assert subscription.value.field == "azure_subscription_id"
