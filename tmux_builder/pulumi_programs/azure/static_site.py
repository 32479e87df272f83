"""azure + static: a StorageV2 static website behind Azure Front Door Standard (Azure CDN
classic is being retired), purged when the content changes.

The Front Door profile is shared: it lives in the platform stack of the location (see
``front_door_shared``), read through a ``StackReference``; this stack adds only its own
endpoint, origin group, origin and route to its shard's profile. The route caches (query
strings ignored) and compresses, and applies the profile's Cache-Control rule set."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pulumi
from pulumi_azure_native import cdn, storage
from pulumi_command import local

from tmux_builder.errors import InvalidInputError
from tmux_builder.pulumi_programs.azure.base import AzureBase, azure_base, storage_account
from tmux_builder.pulumi_programs.azure.purge import PurgeTarget, command
from tmux_builder.pulumi_programs.cloud_files import site_files
from tmux_builder.pulumi_programs.cloud_options import AzureOptions
from tmux_builder.pulumi_programs.limits import FRONT_DOOR_CHILD_NAME_MAX
from tmux_builder.pulumi_programs.local.files import tree_digest
from tmux_builder.pulumi_programs.readiness import export_readiness
from tmux_builder.pulumi_programs.shared import stack_reference
from tmux_builder.pulumi_programs.target import SiteTarget

FRONT_DOOR_LOCATION = "global"
NOT_FOUND_PAGE = "404.html"
COMPRESSED_TYPES = [
    "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
    "image/svg+xml", "text/plain", "application/xml", "application/manifest+json",
]


def _website_host(account: storage.StorageAccount) -> pulumi.Output[str]:
    return account.primary_endpoints.apply(lambda ends: urlparse(ends.web).hostname or "")


def _shard(profiles: Any, shard: int) -> dict[str, str]:
    if not isinstance(profiles, list) or shard >= len(profiles):
        raise ValueError(f"the platform stack has no Front Door shard {shard}")
    return dict(profiles[shard])


def _front_door(base: AzureBase, origin_host: pulumi.Input[str]) -> tuple[
        pulumi.Output[str], pulumi.Output[str], cdn.AFDEndpoint, cdn.Route]:
    assert base.target.shared is not None
    platform = stack_reference(base.target.shared)
    shard = platform.require_output("front_door_profiles").apply(
        lambda profiles: _shard(profiles, base.target.shared.shard))  # type: ignore[union-attr]
    group_name = pulumi.Output.from_input(platform.require_output("resource_group")).apply(str)
    profile_name = shard.apply(lambda item: item["name"])
    own = base.name("", max_len=FRONT_DOOR_CHILD_NAME_MAX)
    endpoint = cdn.AFDEndpoint(
        "site", endpoint_name=own, profile_name=profile_name, resource_group_name=group_name,
        location=FRONT_DOOR_LOCATION, enabled_state=cdn.EnabledState.ENABLED, opts=base.opts(),
    )
    origin_group = cdn.AFDOriginGroup(
        "site", origin_group_name=own, profile_name=profile_name, resource_group_name=group_name,
        load_balancing_settings=cdn.LoadBalancingSettingsParametersArgs(
            sample_size=4, successful_samples_required=3, additional_latency_in_milliseconds=50,
        ),
        health_probe_settings=cdn.HealthProbeParametersArgs(
            probe_path="/", probe_protocol=cdn.ProbeProtocol.HTTPS,
            probe_request_type=cdn.HealthProbeRequestType.HEAD, probe_interval_in_seconds=100,
        ),
        opts=base.opts(),
    )
    origin = cdn.AFDOrigin(
        "site", origin_name="website", origin_group_name=origin_group.name,
        profile_name=profile_name, resource_group_name=group_name, host_name=origin_host,
        origin_host_header=origin_host, http_port=80, https_port=443, priority=1, weight=1000,
        enabled_state=cdn.EnabledState.ENABLED, enforce_certificate_name_check=True,
        opts=base.opts(),
    )
    route = cdn.Route(
        "site", route_name="site", endpoint_name=endpoint.name, profile_name=profile_name,
        resource_group_name=group_name,
        origin_group=cdn.ResourceReferenceArgs(id=origin_group.id),
        supported_protocols=[cdn.AFDEndpointProtocols.HTTP, cdn.AFDEndpointProtocols.HTTPS],
        patterns_to_match=["/*"],
        forwarding_protocol=cdn.ForwardingProtocol.HTTPS_ONLY,
        https_redirect=cdn.HttpsRedirect.ENABLED,
        link_to_default_domain=cdn.LinkToDefaultDomain.ENABLED,
        enabled_state=cdn.EnabledState.ENABLED,
        cache_configuration=cdn.AfdRouteCacheConfigurationArgs(
            query_string_caching_behavior=cdn.AfdQueryStringCachingBehavior.IGNORE_QUERY_STRING,
            compression_settings=cdn.CompressionSettingsArgs(
                is_compression_enabled=True, content_types_to_compress=COMPRESSED_TYPES),
        ),
        rule_sets=[cdn.ResourceReferenceArgs(id=shard.apply(lambda item: item["rule_set_id"]))],
        opts=base.opts(depends_on=[origin]),
    )
    return group_name, profile_name, endpoint, route


def purge_command(subscription_id: str, group: str, profile: str, endpoint: str) -> str:
    return shlex.join(command(PurgeTarget(subscription_id, group, profile, endpoint)))


def azure_static_program(target: SiteTarget, options: AzureOptions) -> Callable[[], None]:
    if target.shared is None:
        raise InvalidInputError("an azure static site needs the shared platform stack of its "
                                "location (its Front Door profile)", field="shared")

    def program() -> None:
        base = azure_base(target, options)
        account = storage_account(base, "site", "web")
        has_404 = (target.source_dir / NOT_FOUND_PAGE).is_file()
        website = storage.StorageAccountStaticWebsite(
            "site",
            account_name=account.name,
            resource_group_name=base.group.name,
            index_document="index.html",
            error404_document=NOT_FOUND_PAGE if has_404 else None,
            opts=base.opts(),
        )
        blobs = [
            storage.Blob(
                f"blob:{item.key}",
                account_name=account.name,
                resource_group_name=base.group.name,
                container_name=website.container_name,
                blob_name=item.key,
                type=storage.BlobType.BLOCK,
                source=pulumi.FileAsset(str(item.path)),
                content_type=item.content_type,
                content_md5=item.md5_base64,
                opts=base.opts(),
            )
            for item in site_files(target.source_dir)
        ]
        group, profile, endpoint, route = _front_door(base, _website_host(account))
        digest = tree_digest(target.source_dir)
        local.Command(
            "purge",
            create=pulumi.Output.all(group, profile, endpoint.name).apply(
                lambda names: purge_command(options.subscription_id, *names)
            ),
            triggers=[digest],
            opts=pulumi.ResourceOptions(depends_on=[*blobs, route]),
        )
        pulumi.export("url", pulumi.Output.concat("https://", endpoint.host_name))
        pulumi.export("storage_account", account.name)
        pulumi.export("front_door_profile", profile)
        pulumi.export("digest", digest)
        export_readiness("azure", "static")

    return program
