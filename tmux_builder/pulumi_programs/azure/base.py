"""What every Azure program starts with: the tag transform, the explicit provider (the
subscription and location from the options) and the session's resource group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import resources, storage

from tmux_builder.pulumi_programs.azure.tagging import register_standard_tags
from tmux_builder.pulumi_programs.cloud_options import AzureOptions
from tmux_builder.pulumi_programs.naming import AZURE_STORAGE_MAX, resource_name
from tmux_builder.pulumi_programs.target import SiteTarget

RESOURCE_GROUP_MAX = 90


@dataclass(frozen=True)
class AzureBase:
    target: SiteTarget
    options: AzureOptions
    provider: azure_native.Provider
    group: resources.ResourceGroup

    def name(self, suffix: str, max_len: int = 63, alphanumeric: bool = False) -> str:
        tags = self.target.tags
        return resource_name(tags.user_guid, tags.session_id, suffix, max_len=max_len,
                             alphanumeric=alphanumeric)

    def opts(self, depends_on: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(provider=self.provider, depends_on=list(depends_on))

    def invoke_opts(self, depends_on: Sequence[pulumi.Resource] = ()) -> pulumi.InvokeOutputOptions:
        return pulumi.InvokeOutputOptions(provider=self.provider, depends_on=list(depends_on))


def azure_provider(options: AzureOptions) -> azure_native.Provider:
    """The explicit provider: the subscription and location from the options."""
    return azure_native.Provider(
        "azure", subscription_id=options.subscription_id, location=options.location
    )


def azure_base(target: SiteTarget, options: AzureOptions) -> AzureBase:
    register_standard_tags(target.tags)
    provider = azure_provider(options)
    group = resources.ResourceGroup(
        "site",
        resource_group_name=resource_name(target.tags.user_guid, target.tags.session_id, "rg",
                                          max_len=RESOURCE_GROUP_MAX),
        location=options.location,
        opts=pulumi.ResourceOptions(provider=provider),
    )
    return AzureBase(target, options, provider, group)


def storage_account(base: AzureBase, logical: str, suffix: str) -> storage.StorageAccount:
    """StorageV2, HTTPS and TLS 1.2 only, no anonymous blob access (a static website's
    ``$web`` endpoint is served regardless)."""
    return storage.StorageAccount(
        logical,
        account_name=base.name(suffix, max_len=AZURE_STORAGE_MAX, alphanumeric=True),
        resource_group_name=base.group.name,
        location=base.options.location,
        kind=storage.Kind.STORAGE_V2,
        sku=storage.SkuArgs(name=base.options.storage_sku),
        enable_https_traffic_only=True,
        minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
        allow_blob_public_access=False,
        opts=base.opts(),
    )
