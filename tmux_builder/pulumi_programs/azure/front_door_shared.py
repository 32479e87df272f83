"""The shared part of the azure static target, in the platform stack of one location: a
resource group and Front Door Standard profiles (one shard per ``capacity`` sessions: a
Standard profile takes 10 endpoints) each with the rule set that sets Cache-Control (the
azure-native Blob resource cannot set a blob's Cache-Control, pulumi-azure-native#4419).

A profile's base fee is paid once per shard instead of once per session."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
from pulumi_azure_native import cdn, resources

from tmux_builder.pulumi_programs.azure.base import azure_provider
from tmux_builder.pulumi_programs.azure.tagging import register_standard_tags
from tmux_builder.pulumi_programs.cloud_files import ASSET_CACHE_CONTROL, PAGE_CACHE_CONTROL
from tmux_builder.pulumi_programs.cloud_options import AzureOptions
from tmux_builder.pulumi_programs.tags import StandardTags

FRONT_DOOR_LOCATION = "global"
RULE_SET_NAME = "cachecontrol"
PAGE_EXTENSIONS = ["html", "htm"]


def _cache_header(value: str) -> cdn.DeliveryRuleResponseHeaderActionArgs:
    return cdn.DeliveryRuleResponseHeaderActionArgs(
        name="ModifyResponseHeader",
        parameters=cdn.HeaderActionParametersArgs(
            type_name="DeliveryRuleHeaderActionParameters", header_action="Overwrite",
            header_name="Cache-Control", value=value))


def _extension(operator: str, *, negate: bool = False, values: list[str] | None = None
               ) -> cdn.DeliveryRuleUrlFileExtensionConditionArgs:
    return cdn.DeliveryRuleUrlFileExtensionConditionArgs(
        name="UrlFileExtension",
        parameters=cdn.UrlFileExtensionMatchConditionParametersArgs(
            type_name="DeliveryRuleUrlFileExtensionMatchConditionParameters",
            operator=operator, negate_condition=negate, match_values=values,
            transforms=["Lowercase"] if values else None))


# (rule name, condition, Cache-Control): pages and folder URLs revalidate, files with any
# other extension may be kept an hour; the first match stops the evaluation.
CACHE_RULES = [
    ("pages", _extension("Equal", values=PAGE_EXTENSIONS), PAGE_CACHE_CONTROL),
    ("folders", _extension("Any", negate=True), PAGE_CACHE_CONTROL),
    ("assets", _extension("Any"), ASSET_CACHE_CONTROL),
]


def profile_name(location: str, shard: int) -> str:
    return f"tmux-platform-fd-{location}-{shard}"


def platform_group_name(location: str) -> str:
    return f"tmux-platform-{location}-rg"


def _cache_rules(shard: int, profile: cdn.Profile, group: resources.ResourceGroup,
                 opts: pulumi.ResourceOptions) -> cdn.RuleSet:
    rule_set = cdn.RuleSet(f"cache-{shard}", rule_set_name=RULE_SET_NAME,
                           profile_name=profile.name, resource_group_name=group.name, opts=opts)
    for order, (name, condition, value) in enumerate(CACHE_RULES, start=1):
        cdn.Rule(f"cache-{shard}-{name}", rule_name=name, rule_set_name=rule_set.name,
                 profile_name=profile.name, resource_group_name=group.name, order=order,
                 conditions=[condition], actions=[_cache_header(value)],
                 match_processing_behavior="Stop", opts=opts)
    return rule_set


def front_door_platform_program(options: AzureOptions, tags: StandardTags,
                                shards: int) -> Callable[[], None]:
    def program() -> None:
        register_standard_tags(tags)
        provider = pulumi.ResourceOptions(provider=azure_provider(options))
        group = resources.ResourceGroup(
            "platform", resource_group_name=platform_group_name(options.location),
            location=options.location, opts=provider)
        profiles = []
        for shard in range(shards):
            profile = cdn.Profile(
                f"front-door-{shard}", profile_name=profile_name(options.location, shard),
                resource_group_name=group.name, location=FRONT_DOOR_LOCATION,
                sku=cdn.SkuArgs(name=cdn.SkuName.STANDARD_AZURE_FRONT_DOOR), opts=provider)
            rule_set = _cache_rules(shard, profile, group, provider)
            profiles.append(pulumi.Output.all(profile.name, profile.id, rule_set.id).apply(
                lambda values: {"name": values[0], "id": values[1], "rule_set_id": values[2]}))
        pulumi.export("resource_group", group.name)
        pulumi.export("front_door_profiles", pulumi.Output.all(*profiles))

    return program
