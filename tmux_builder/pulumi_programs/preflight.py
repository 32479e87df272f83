"""Checks before an up against a cloud: the provider plugins the program needs are installed
at the SDK's version, and credentials exist. Local files and environment only (no network,
no subprocess), so it answers at once; each failure names exactly what is missing."""

from __future__ import annotations

import configparser
import importlib.metadata
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tmux_builder.errors import InvalidInputError, ToolchainError
from tmux_builder.pulumi_programs.cloud_options import AwsOptions, AzureOptions


@dataclass(frozen=True)
class Plugin:
    name: str
    package: str


AWS_PLUGIN = Plugin("aws", "pulumi_aws")
AZURE_PLUGIN = Plugin("azure-native", "pulumi_azure_native")
COMMAND_PLUGIN = Plugin("command", "pulumi_command")
TLS_PLUGIN = Plugin("tls", "pulumi_tls")


def required_plugins(provider: str, site_type: str,
                     options: AwsOptions | AzureOptions) -> list[Plugin]:
    """Static sites run a command (invalidation or purge); an Azure VM without a configured
    key generates one with the tls provider."""
    plugins = [AWS_PLUGIN if provider == "aws" else AZURE_PLUGIN]
    if site_type == "static":
        plugins.append(COMMAND_PLUGIN)
    if isinstance(options, AzureOptions) and site_type == "dynamic" \
            and options.ssh_public_key is None:
        plugins.append(TLS_PLUGIN)
    return plugins


def plugins_dir(env: Mapping[str, str], home: Path) -> Path:
    pulumi_home = env.get("PULUMI_HOME")
    return (Path(pulumi_home) if pulumi_home else home / ".pulumi") / "plugins"


def check_plugin(plugin: Plugin, env: Mapping[str, str], home: Path) -> None:
    try:
        version = importlib.metadata.version(plugin.package)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ToolchainError(f"Python package {plugin.package} is not installed",
                             field=plugin.package) from exc
    folder = plugins_dir(env, home) / f"resource-{plugin.name}-v{version}"
    binary = f"pulumi-resource-{plugin.name}"
    partial = folder.with_name(f"{folder.name}.partial")
    installed = (folder / binary).is_file() and not partial.exists()
    if installed or shutil.which(binary, path=env.get("PATH", "")):
        return
    raise ToolchainError(
        f"Pulumi plugin resource-{plugin.name} v{version} is not installed in {folder.parent};"
        f" run `pulumi plugin install resource {plugin.name} v{version}`",
        field=f"resource-{plugin.name}",
    )


def check_cli(provider: str, env: Mapping[str, str]) -> None:
    """Static sites invalidate (aws) or purge (az) with the provider's CLI on this host."""
    binary = "aws" if provider == "aws" else "az"
    if shutil.which(binary, path=env.get("PATH", "")) is None:
        raise ToolchainError(
            f"the `{binary}` CLI is not on PATH; a {provider} static site runs it to"
            " refresh the CDN after content changes",
            field=f"{binary}_cli",
        )


def _ini_sections(path: Path) -> set[str]:
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        return set()
    return set(parser.sections())


def check_aws_credentials(options: AwsOptions, env: Mapping[str, str], home: Path) -> None:
    """Static keys, web identity or container credentials in the environment, or the profile
    in the shared credentials/config files. (Instance-role credentials on EC2 would need a
    metadata call, which this check deliberately never makes.)"""
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        return
    if env.get("AWS_WEB_IDENTITY_TOKEN_FILE") and env.get("AWS_ROLE_ARN"):
        return
    if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") \
            or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        return
    profile = options.profile or env.get("AWS_PROFILE") or "default"
    credentials = Path(env.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials")
    config = Path(env.get("AWS_CONFIG_FILE") or home / ".aws" / "config")
    config_section = "default" if profile == "default" else f"profile {profile}"
    if profile in _ini_sections(credentials) or config_section in _ini_sections(config):
        return
    raise InvalidInputError(
        f"no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set and profile"
        f" {profile!r} is in neither {credentials} nor {config}",
        field="aws_credentials",
    )


def check_azure_credentials(env: Mapping[str, str], home: Path) -> None:
    """A service principal (secret, certificate or OIDC) or managed identity in ARM_*
    variables, or a signed-in Azure CLI (its MSAL token cache)."""
    if env.get("ARM_CLIENT_ID") and env.get("ARM_TENANT_ID") and (
        env.get("ARM_CLIENT_SECRET") or env.get("ARM_CLIENT_CERTIFICATE_PATH")
        or env.get("ARM_OIDC_TOKEN") or env.get("ARM_OIDC_TOKEN_FILE_PATH")
    ):
        return
    if env.get("ARM_USE_MSI", "").lower() == "true":
        return
    config_dir = Path(env.get("AZURE_CONFIG_DIR") or home / ".azure")
    caches = [config_dir / "msal_token_cache.json", config_dir / "msal_token_cache.bin"]
    if any(cache.is_file() and cache.stat().st_size > 0 for cache in caches):
        return
    raise InvalidInputError(
        "no Azure credentials: set ARM_CLIENT_ID, ARM_TENANT_ID and ARM_CLIENT_SECRET (or a"
        f" certificate/OIDC token, or ARM_USE_MSI=true), or run `az login` (no token cache in"
        f" {config_dir})",
        field="azure_credentials",
    )


def preflight(
    provider: str,
    site_type: str,
    options: AwsOptions | AzureOptions,
    *,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> None:
    """Raise ``ToolchainError`` (plugin) or ``InvalidInputError`` (settings, credentials)
    before any stack is created; return None when an up can start."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if provider == "aws" and not isinstance(options, AwsOptions):
        raise InvalidInputError("the aws target needs AWS options", field="host_provider")
    if provider == "azure" and not isinstance(options, AzureOptions):
        raise InvalidInputError("the azure target needs Azure options", field="host_provider")
    if provider not in ("aws", "azure"):
        raise InvalidInputError(f"{provider!r} is not a cloud provider", field="host_provider")
    for plugin in required_plugins(provider, site_type, options):
        check_plugin(plugin, env, home)
    if site_type == "static":
        check_cli(provider, env)
    if isinstance(options, AwsOptions):
        check_aws_credentials(options, env, home)
    else:
        check_azure_credentials(env, home)
