"""The platform stacks under Pulumi mocks: Front Door profiles sharded with their
Cache-Control rules (azure), a public VPC (aws), every taggable resource carrying the
standard tags with the platform as owner and no expiry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.pulumi_programs.mocks import (
    ProgramRun,
    aws_options,
    azure_options,
    run_program,
    tags_dict,
)
from tests.pulumi_programs.test_cloud_tags import effective_tags
from tmux_builder.pulumi_programs.registry import build_platform_program, needs_platform_stack
from tmux_builder.pulumi_programs.shared import platform_tags
from tmux_builder.pulumi_programs.tags import STANDARD_TAG_KEYS

CREATED = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


def azure_platform(shards: int) -> ProgramRun:
    tags = platform_tags("azure", "westeurope", "test", CREATED)
    return run_program(build_platform_program(azure_options(), tags, shards))


def assert_platform_tags(run: ProgramRun, provider: str, region: str) -> None:
    expected = platform_tags(provider, region, "test", CREATED).as_dict()
    tagged = effective_tags(run)
    assert len(tagged) >= 3
    for name, tags in tagged.items():
        assert {k: tags.get(k) for k in STANDARD_TAG_KEYS} == expected, name
    assert expected["UserGUID"] == "platform" and expected["ExpiresAt"] == "never"
    assert expected["SessionID"] == f"platform-{provider}-{region}"


def test_front_door_shards_with_cache_rules() -> None:
    run = azure_platform(shards=2)
    profiles = sorted(run.of_type("azure-native:cdn:Profile"), key=lambda p: p.name)
    assert [p.inputs["profileName"] for p in profiles] == [
        "tmux-platform-fd-westeurope-0", "tmux-platform-fd-westeurope-1"]
    assert {p.inputs["sku"]["name"] for p in profiles} == {"Standard_AzureFrontDoor"}
    assert {p.inputs["resourceGroupName"] for p in profiles} == {"tmux-platform-westeurope-rg"}
    rules = run.of_type("azure-native:cdn:Rule")
    assert len(rules) == 6 and len(run.of_type("azure-native:cdn:RuleSet")) == 2
    first = sorted((r.inputs for r in rules if r.name.startswith("cache-0-")),
                   key=lambda rule: rule["order"])
    assert [(r["ruleName"], r["actions"][0]["parameters"]["value"]) for r in first] == [
        ("pages", "no-cache"), ("folders", "no-cache"), ("assets", "public, max-age=3600")]
    assert all(r["matchProcessingBehavior"] == "Stop" for r in first)
    assert first[1]["conditions"][0]["parameters"]["negateCondition"] is True
    outputs = run.outputs["front_door_profiles"]
    assert [o["name"] for o in outputs] == [p.inputs["profileName"] for p in profiles]
    assert outputs[1]["rule_set_id"].endswith("/cachecontrol")
    assert run.outputs["resource_group"] == "tmux-platform-westeurope-rg"
    assert_platform_tags(run, "azure", "westeurope")


def test_shard_count_is_at_least_one() -> None:
    assert len(azure_platform(shards=0).of_type("azure-native:cdn:Profile")) == 1


def test_shared_vpc_is_public_and_tagged() -> None:
    tags = platform_tags("aws", "eu-west-1", "test", CREATED)
    run = run_program(build_platform_program(aws_options(shared_vpc=True), tags))
    vpc = run.one("aws:ec2/vpc:Vpc").inputs
    assert vpc["cidrBlock"] == "10.42.0.0/16" and vpc["enableDnsHostnames"] is True
    (route,) = run.one("aws:ec2/routeTable:RouteTable").inputs["routes"]
    assert route["cidrBlock"] == "0.0.0.0/0" and route["gatewayId"] == "platform-id"
    subnets = run.of_type("aws:ec2/subnet:Subnet")
    assert [s.inputs["mapPublicIpOnLaunch"] for s in subnets] == [True, True]
    assert [s.inputs["availabilityZone"] for s in subnets] == ["eu-west-1b", "eu-west-1c"]
    assert len(run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")) == 2
    assert run.outputs["subnet_ids"] == ["public-0-id", "public-1-id"]
    default_tags = tags_dict(run.one("pulumi:providers:aws").inputs["defaultTags"])["tags"]
    assert default_tags["UserGUID"] == "platform"
    assert_platform_tags(run, "aws", "eu-west-1")


@pytest.mark.parametrize(("provider", "site_type", "options", "expected"), [
    ("azure", "static", azure_options(), True),
    ("azure", "dynamic", azure_options(), False),
    ("aws", "static", aws_options(shared_vpc=True), False),
    ("aws", "dynamic", aws_options(), False),
    ("aws", "dynamic", aws_options(shared_vpc=True), True),
    ("aws", "dynamic", aws_options(shared_vpc=True, subnet_id="subnet-0123456789abcdef0"),
     False),
    ("local", "static", None, False),
])
def test_which_sessions_use_a_platform_stack(provider: str, site_type: str, options: object,
                                             expected: bool) -> None:
    assert needs_platform_stack(provider, site_type, options) is expected  # type: ignore[arg-type]
