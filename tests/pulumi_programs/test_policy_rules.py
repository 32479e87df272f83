"""The policy pack's rules over the cloud programs under mocks: every resource each of the
four programs registers passes every rule (inputs handed over as read-only mapping proxies,
as the analyzer does), and each rule refuses its violating case."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi_azure_native import resources

from tests.pulumi_programs.cloud_rules import reveal
from tests.pulumi_programs.mocks import ProgramRun, SiteCase, aws_options, run_program
from tests.pulumi_programs.test_cloud_tags import CASES, aws_provider_name
from tmux_builder.pulumi_programs.policy import pack_config
from tmux_builder.pulumi_programs.policy.rules import (
    StackResource,
    allowed_sizes,
    origin_access_problems,
    public_access_problems,
    size_problems,
    ssh_problems,
    tag_problems,
    unguarded_buckets,
)
from tmux_builder.pulumi_programs.tags import STANDARD_TAG_KEYS

ALLOWED = allowed_sizes(
    pack_config(["t3.micro", "t4g.small", "Standard_B1s"])["allowed-instance-sizes"])


def proxied(value: Any) -> Any:
    """Nested read-only mappings, the shape the analyzer hands a policy."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: proxied(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(proxied(v) for v in value)
    return value


def policy_problems(run: ProgramRun, allowed: list[str] | None = None) -> list[str]:
    """Every rule of the pack over every resource of the run, then the stack-wide rule."""
    providers = {r.name: proxied(reveal(r.inputs)) for r in run.resources
                 if r.typ.startswith("pulumi:providers:")}
    problems: list[str] = []
    for resource in run.resources:
        if resource.typ.startswith("pulumi:providers:"):
            continue
        props = proxied(reveal(resource.inputs))
        provider = providers.get(aws_provider_name(resource.provider) or "")
        for found in (tag_problems(resource.typ, props, provider),
                      public_access_problems(resource.typ, props),
                      origin_access_problems(resource.typ, props),
                      ssh_problems(resource.typ, props),
                      size_problems(resource.typ, props, ALLOWED if allowed is None else allowed)):
            problems += [f"{resource.typ} {resource.name}: {p}" for p in found]
    stack = [StackResource(s.urn, s.type_token, frozenset(s.dependencies))
             for s in run.seen.values()]
    problems += [f"{urn}: {p}" for urn, p in unguarded_buckets(stack)]
    return problems


@pytest.mark.parametrize("key", sorted(CASES))
def test_every_cloud_program_passes_the_pack(key: str, tmp_path: Path) -> None:
    case: SiteCase = CASES[key]
    run = case.run(case.source(tmp_path))
    assert len(run.resources) >= 5
    assert policy_problems(run) == []


def test_an_instance_size_outside_the_allow_list_is_refused(tmp_path: Path) -> None:
    for key, option, size in (("aws-dynamic", "instance_type", "m5.large"),
                              ("azure-dynamic", "vm_size", "Standard_D8s_v5")):
        case = CASES[key]
        run = case.run(case.source(tmp_path / key), **{option: size})
        (problem,) = policy_problems(run)
        assert f"{size!r} is not in the allow-list: Standard_B1s, t3.micro, t4g.small" in problem


def test_a_resource_without_the_standard_tags_is_refused() -> None:
    def untagged() -> None:
        resources.ResourceGroup("bare", location="westeurope")

    (problem,) = policy_problems(run_program(untagged))
    assert "lacks the standard tags Project, Environment" in problem
    tags = dict.fromkeys(STANDARD_TAG_KEYS, "x")
    defaults = json.dumps({"tags": {k: v for k, v in tags.items() if k != "ExpiresAt"}})
    (only,) = tag_problems("aws:s3/bucket:Bucket", proxied({}), proxied({"defaultTags": defaults}))
    assert only.endswith("lacks the standard tags ExpiresAt (every taggable resource carries "
                         "them, SPEC section 4)")
    assert tag_problems("aws:s3/bucket:Bucket", proxied({"tags": {"ExpiresAt": "never"}}),
                        proxied({"defaultTags": defaults})) == []
    assert tag_problems("aws:s3/bucketPolicy:BucketPolicy", proxied({}), None) == [], \
        "a type whose schema has no tags is not asked for them"
    assert tag_problems("pulumi-python:dynamic:Resource", proxied({"tags": {}}), None)


def test_public_storage_is_refused() -> None:
    block = {flag: True for flag in ("blockPublicAcls", "blockPublicPolicy",
                                     "ignorePublicAcls", "restrictPublicBuckets")}
    pab = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
    assert public_access_problems(pab, proxied(block)) == []
    (problem,) = public_access_problems(pab, proxied({**block, "restrictPublicBuckets": False}))
    assert "restrictPublicBuckets off" in problem
    ownership = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
    assert public_access_problems(ownership, proxied({"rule": {"objectOwnership": "ObjectWriter"}}))
    assert public_access_problems("aws:s3/bucketAclV2:BucketAclV2", proxied({"acl": "private"}))
    assert public_access_problems("aws:s3/bucket:Bucket", proxied({"acl": "public-read"}))
    assert public_access_problems("azure-native:storage:StorageAccount",
                                  proxied({"allowBlobPublicAccess": True}))
    assert public_access_problems("azure-native:storage:StorageAccount", proxied({}))
    assert public_access_problems("azure-native:storage:BlobContainer",
                                  proxied({"publicAccess": "Blob"}))


def test_a_bucket_without_its_guards_is_refused() -> None:
    def bare_bucket() -> None:
        provider = aws.Provider("aws", region="eu-west-1")
        aws.s3.Bucket("open", bucket="tmux-open-bucket",
                      opts=pulumi.ResourceOptions(provider=provider))

    (problem,) = [p for p in policy_problems(run_program(bare_bucket)) if "bucket lacks" in p]
    assert problem.endswith("::open: the bucket lacks a public access block and ownership "
                            "controls")


def test_a_legacy_origin_identity_is_refused() -> None:
    dist = "aws:cloudfront/distribution:Distribution"
    assert origin_access_problems("aws:cloudfront/originAccessIdentity:OriginAccessIdentity",
                                  proxied({}))
    (oai,) = origin_access_problems(dist, proxied({"origins": [{
        "originId": "s3", "domainName": "b.s3.eu-west-1.amazonaws.com",
        "s3OriginConfig": {"originAccessIdentity": "origin-access-identity/cloudfront/E1"}}]}))
    assert "uses an Origin Access Identity" in oai
    (none,) = origin_access_problems(dist, proxied({"origins": [{
        "originId": "s3", "domainName": "b.s3.eu-west-1.amazonaws.com"}]}))
    assert "has no Origin Access Control" in none


def test_password_sign_in_is_refused() -> None:
    vm = "azure-native:compute:VirtualMachine"
    keys = {"ssh": {"publicKeys": [{"keyData": "ssh-ed25519 AAAA"}]}}
    good = {"osProfile": {"linuxConfiguration": {"disablePasswordAuthentication": True, **keys}}}
    assert ssh_problems(vm, proxied(good)) == []
    problems = ssh_problems(vm, proxied({"osProfile": {
        "adminPassword": "hunter2", "linuxConfiguration": {
            "disablePasswordAuthentication": False}}}))
    assert len(problems) == 3


def test_sizes_come_from_the_configuration() -> None:
    assert size_problems("aws:ec2/instance:Instance", proxied({"instanceType": "t3.micro"}),
                         ALLOWED) == []
    (problem,) = size_problems("aws:ec2/instance:Instance", proxied({"instanceType": "t3.micro"}),
                               allowed_sizes(proxied({})))
    assert "none (set TMUX_BUILDER_ALLOWED_INSTANCE_SIZES)" in problem
    assert allowed_sizes(proxied({"allowed": ["a", "b"]})) == ["a", "b"]
    assert aws_options().instance_type in ALLOWED
