"""Checks before an up against a cloud, so a first deploy fails at once, before any stack
exists, naming what is missing: the provider plugins exactly where the engine will look for
them (with the engine's own environment: its ``PULUMI_HOME`` and ``PATH``), what the CDN refresh
runs, the credentials, and (for an EC2 site placed in the default VPC) that the region has a
default VPC. Local files and environment only, except that last check, which asks EC2."""

from __future__ import annotations

import configparser
import importlib.util
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from tmux_builder.errors import InvalidInputError, ToolchainError
from tmux_builder.pulumi_programs.cloud_options import AwsOptions, AzureOptions
from tmux_builder.pulumi_programs.plugins import (
    AWS_PLUGIN,
    AZURE_PLUGIN,
    COMMAND_PLUGIN,
    TLS_PLUGIN,
    Plugin,
    find_plugin,
    plugins_dir,
)

INSTALL_HINT = "run `tmux-builder plugins install` (add --from FOLDER without internet)"
DefaultVpcProbe = Callable[[AwsOptions], bool]


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


def check_plugin(plugin: Plugin, env: Mapping[str, str], home: Path) -> None:
    if find_plugin(plugin, env, home) is not None:
        return
    raise ToolchainError(
        f"Pulumi plugin resource-{plugin.name} v{plugin.version} is not installed where the "
        f"engine looks ({plugins_dir(env, home)}, or {plugin.binary} on the engine's PATH); "
        f"{INSTALL_HINT}",
        field=f"resource-{plugin.name}",
    )


def check_cdn_refresh(provider: str, env: Mapping[str, str]) -> None:
    """A static site refreshes the CDN after content changes: the ``aws`` CLI creates the
    CloudFront invalidation; the Front Door purge calls the REST API with azure-identity."""
    if provider == "aws":
        if shutil.which("aws", path=env.get("PATH", "")) is None:
            raise ToolchainError(
                "the `aws` CLI is not on the engine's PATH; an aws static site runs it to "
                "invalidate CloudFront after content changes", field="aws_cli")
        return
    if importlib.util.find_spec("azure.identity") is None:
        raise ToolchainError(
            "azure-identity is not installed; an azure static site purges Front Door with it "
            "(pip install 'tmux-builder[azure]')", field="azure_identity")


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


def boto3_default_vpc_exists(options: AwsOptions) -> bool:
    """Ask EC2 (with boto3's own credential chain) whether the region has a default VPC."""
    try:
        import boto3
    except ImportError as exc:
        raise ToolchainError(
            "checking the default VPC needs boto3 (pip install 'tmux-builder[aws]'), or set "
            "TMUX_BUILDER_AWS_SUBNET_ID", field="aws_vpc_id") from exc
    session = boto3.Session(profile_name=options.profile, region_name=options.region)
    answer = session.client("ec2").describe_vpcs(
        Filters=[{"Name": "isDefault", "Values": ["true"]}])
    return bool(answer.get("Vpcs"))


def check_default_vpc(options: AwsOptions, probe: DefaultVpcProbe) -> None:
    """An EC2 site without a configured subnet, VPC or shared VPC goes to the default VPC."""
    if options.subnet_id or options.vpc_id or options.shared_vpc:
        return
    try:
        exists = probe(options)
    except ToolchainError:
        raise
    except Exception as exc:  # the API's own answer (denied, throttled) names the cause
        raise InvalidInputError(f"could not look up the default VPC of {options.region}: {exc}",
                                field="aws_vpc_id") from exc
    if not exists:
        raise InvalidInputError(
            f"region {options.region} has no default VPC: set TMUX_BUILDER_AWS_SUBNET_ID (a "
            "public subnet), TMUX_BUILDER_AWS_VPC_ID, or TMUX_BUILDER_AWS_SHARED_VPC=true",
            field="aws_vpc_id")


def preflight(
    provider: str,
    site_type: str,
    options: AwsOptions | AzureOptions,
    *,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    default_vpc_probe: DefaultVpcProbe | None = None,
) -> None:
    """Raise ``ToolchainError`` (plugin, tools) or ``InvalidInputError`` (settings,
    credentials, network) before any stack is created; return None when an up can start.
    ``env`` is the engine's environment (what ``pulumi`` will run with)."""
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
        check_cdn_refresh(provider, env)
    if isinstance(options, AwsOptions):
        check_aws_credentials(options, env, home)
        if site_type == "dynamic":
            check_default_vpc(options, default_vpc_probe or boto3_default_vpc_exists)
    else:
        check_azure_credentials(env, home)
