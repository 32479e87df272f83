"""The mock layer refuses what the clouds refuse: each documented limit of the table, applied
to a small program that breaks it (the shapes the cloud programs had before they were fixed),
fails the run the way the deploy would fail; programs within the limits pass."""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi_azure_native import cdn, resources, storage

from tests.pulumi_programs.cloud_rules import ProviderLimitError
from tests.pulumi_programs.mocks import run_program, session_tags
from tmux_builder.pulumi_programs import limits
from tmux_builder.pulumi_programs.tags import object_tags

TAGS = session_tags("aws", "static").as_dict()


def aws_provider(name: str = "aws", default_tags: dict[str, str] | None = None) -> aws.Provider:
    return aws.Provider(name, region="eu-west-1", default_tags=aws.ProviderDefaultTagsArgs(
        tags=default_tags) if default_tags else None)


def refused(program: Any, **kwargs: Any) -> str:
    with pytest.raises(ProviderLimitError) as caught:
        run_program(program, **kwargs)
    return str(caught.value)


def test_every_rule_cites_its_documentation() -> None:
    rules = [*limits.TAG_RULES.values(), limits.AWS_TAGS, limits.AZURE_TAGS]
    rules += [rule for group in limits.NAME_RULES.values() for rule in group]
    assert len(rules) > 30
    for rule in rules:
        assert rule.source.startswith("https://"), rule
    for _field, _limit, source in limits.PER_PARENT_LIMITS.values():
        assert source.startswith("https://")


def test_eleven_default_tags_on_an_s3_object_are_refused() -> None:
    """The shape both AWS programs had: objects through the provider with default tags."""

    def program() -> None:
        provider = aws_provider(default_tags=TAGS)
        bucket = aws.s3.Bucket("b", bucket="tmux-a-b", opts=pulumi.ResourceOptions(
            provider=provider))
        aws.s3.BucketObjectv2("o", bucket=bucket.id, key="index.html", content="x",
                              opts=pulumi.ResourceOptions(provider=provider))

    assert len(TAGS) == 11
    message = refused(program)
    assert "aws:s3/bucketObjectv2:BucketObjectv2 o: 11 tags, at most 10 allowed" in message
    assert limits.S3_OBJECT_TAGS_DOC in message


def test_ten_object_tags_through_a_plain_provider_pass() -> None:
    def program() -> None:
        tagged = aws_provider(default_tags=TAGS)
        plain = aws_provider("objects")
        bucket = aws.s3.Bucket("b", bucket="tmux-a-b", opts=pulumi.ResourceOptions(
            provider=tagged))
        aws.s3.BucketObjectv2("o", bucket=bucket.id, key="index.html", content="x",
                              tags=object_tags(session_tags("aws", "static")),
                              opts=pulumi.ResourceOptions(provider=plain))

    run = run_program(program)
    assert len(run.one("aws:s3/bucketObjectv2:BucketObjectv2").inputs["tags"]) == 10


def _bucket_settings(ordered: bool) -> Any:
    def program() -> None:
        provider = aws_provider(default_tags=TAGS)
        bucket = aws.s3.Bucket("b", bucket="tmux-a-b",
                               opts=pulumi.ResourceOptions(provider=provider))
        ownership = aws.s3.BucketOwnershipControls(
            "b", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"},
            opts=pulumi.ResourceOptions(provider=provider))
        block = aws.s3.BucketPublicAccessBlock(
            "b", bucket=bucket.id, block_public_acls=True,
            opts=pulumi.ResourceOptions(provider=provider,
                                        depends_on=[ownership] if ordered else []))
        aws.s3.BucketPolicy("b", bucket=bucket.id, policy="{}", opts=pulumi.ResourceOptions(
            provider=provider, depends_on=[block] if ordered else [ownership, block]))

    return program


def test_bucket_settings_written_at_the_same_time_are_refused() -> None:
    message = refused(_bucket_settings(ordered=False))
    assert "BucketPublicAccessBlock b: written to bucket tmux-a-b at the same time as" in message
    run_program(_bucket_settings(ordered=True))


@pytest.mark.parametrize(("bucket", "problem"), [
    ("Tmux-Site", "breaks the rule"),
    ("tm", "is 2 characters"),
    ("a" * 64, "is 64 characters"),
    ("tmux..site", "two adjacent periods"),
    ("192.168.5.4", "formatted as an IP address"),
    ("xn--site", "reserved prefix xn--"),
    ("site-s3alias", "reserved suffix -s3alias"),
])
def test_s3_bucket_name_rules(bucket: str, problem: str) -> None:
    def program() -> None:
        aws.s3.Bucket("b", bucket=bucket, opts=pulumi.ResourceOptions(provider=aws_provider()))

    assert problem in refused(program)


def test_aws_tag_characters_length_and_reserved_prefix() -> None:
    def program() -> None:
        aws.s3.Bucket("b", bucket="tmux-a-b", tags={"aws:owner": "x", "Note": "a#b",
                                                    "K" * 129: "v", "Long": "v" * 257},
                      opts=pulumi.ResourceOptions(provider=aws_provider()))

    message = refused(program)
    assert "'aws:owner' uses a reserved prefix" in message
    assert "value 'a#b' has characters outside" in message
    assert "is 129 characters (1-128)" in message
    assert "value is 257 characters (at most 256)" in message


def test_ec2_user_data_over_16_kb_is_refused() -> None:
    def program() -> None:
        aws.ec2.Instance("i", ami="ami-1", instance_type="t3.micro", user_data="#" * 16385,
                         opts=pulumi.ResourceOptions(provider=aws_provider()))

    assert "userData is 16385 bytes (0-16384 allowed)" in refused(program)


def test_iam_role_name_length() -> None:
    def program() -> None:
        provider = pulumi.ResourceOptions(provider=aws_provider())
        aws.iam.Role("r", name="r" * 65, assume_role_policy="{}", opts=provider)

    message = refused(program)
    assert "name is 65 characters (1-64 allowed)" in message


def test_security_group_name_and_description_rules() -> None:
    def program() -> None:
        aws.ec2.SecurityGroup("g", name="sg-web", description="caf\u00e9",
                              opts=pulumi.ResourceOptions(provider=aws_provider()))

    message = refused(program)
    assert "cannot start with sg-" in message
    assert "description 'caf\u00e9' breaks the rule" in message


def _azure() -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions()


@pytest.mark.parametrize(("key", "problem"), [
    ("Cost/Center", "contains '/'"),
    ("a<b", "contains '<'"),
    ("100%", "contains '%'"),
    ("x" * 513, "is 513 characters (1-512)"),
])
def test_azure_tag_names(key: str, problem: str) -> None:
    def program() -> None:
        resources.ResourceGroup("g", resource_group_name="tmux-rg", location="westeurope",
                                tags={key: "v"})

    assert problem in refused(program)


def test_azure_fifty_tags_and_storage_account_key_length() -> None:
    def program() -> None:
        resources.ResourceGroup("g", resource_group_name="tmux-rg", location="westeurope",
                                tags={f"k{n}": "v" for n in range(51)})

    assert "51 tags, at most 50 allowed" in refused(program)

    def account() -> None:
        storage.StorageAccount("s", account_name="tmuxweb", resource_group_name="tmux-rg",
                               kind="StorageV2", sku={"name": "Standard_LRS"},
                               tags={"k" * 129: "v"})

    assert "is 129 characters (1-128)" in refused(account)


def test_front_door_tag_names_take_no_colon_and_at_most_15_tags() -> None:
    def program() -> None:
        cdn.Profile("p", profile_name="tmux-fd", resource_group_name="tmux-rg",
                    location="global", sku={"name": "Standard_AzureFrontDoor"},
                    tags={"team:web": "x", **{f"k{n}": "v" for n in range(15)}})

    message = refused(program)
    assert "16 tags, at most 15 allowed" in message
    assert "tag key 'team:web' contains ':'" in message


@pytest.mark.parametrize(("typ", "name_input", "value", "problem"), [
    ("azure-native:storage:StorageAccount", "accountName", "tmux-web", "breaks the rule"),
    ("azure-native:storage:StorageAccount", "accountName", "a" * 25, "is 25 characters"),
    ("azure-native:cdn:AFDEndpoint", "endpointName", "e" * 51, "is 51 characters (1-50"),
    ("azure-native:cdn:AFDEndpoint", "endpointName", "-edge", "breaks the rule"),
    ("azure-native:cdn:Route", "routeName", "site_route", "breaks the rule"),
    ("azure-native:cdn:RuleSet", "ruleSetName", "cache-rules", "breaks the rule"),
    ("azure-native:storage:BlobContainer", "containerName", "Arts", "breaks the rule"),
    ("azure-native:resources:ResourceGroup", "resourceGroupName", "rg.", "breaks the rule"),
    ("azure-native:network:VirtualNetwork", "virtualNetworkName", "v", "is 1 characters"),
])
def test_azure_name_rules(typ: str, name_input: str, value: str, problem: str) -> None:
    def program() -> None:
        pulumi.CustomResource(typ, "r", props={"resourceGroupName": "rg", name_input: value})

    assert problem in refused(program)


def test_vm_host_name_and_custom_data_size() -> None:
    def program() -> None:
        pulumi.CustomResource("azure-native:compute:VirtualMachine", "vm", props={
            "vmName": "tmux-vm", "resourceGroupName": "rg",
            "osProfile": {"computerName": "tmux_vm.", "customData": "A" * 90000}})

    message = refused(program)
    assert "osProfile.computerName 'tmux_vm.': contains '._'" in message
    assert re.search(r"decodes to \d+ bytes \(at most 65536\)", message)


def test_tags_on_an_azure_type_that_takes_none_are_refused() -> None:
    def program() -> None:
        pulumi.CustomResource("azure-native:storage:Blob", "b", props={
            "blobName": "index.html", "tags": {"Project": "tmux-builder"}})

    assert "this type takes no tags" in refused(program)


def test_eleven_front_door_endpoints_in_one_profile_are_refused() -> None:
    def program(count: int) -> Any:
        def declare() -> None:
            for n in range(count):
                cdn.AFDEndpoint(f"e{n}", endpoint_name=f"tmux-e{n}", profile_name="tmux-fd-0",
                                resource_group_name="tmux-rg", location="global")
        return declare

    run_program(program(limits.FRONT_DOOR_STANDARD_ENDPOINTS_PER_PROFILE))
    assert "11 per profileName, at most 10" in refused(program(11))
