"""The documented limits AWS and Azure enforce on what the programs declare: tags per resource
kind, tag key and value lengths and characters, resource name rules, payload sizes. One table,
each row with the page that documents it. The test mocks apply it to every registered resource,
so a program that breaks a limit fails its test the way the cloud would fail the deploy; the
programs read their own name limits from it.

Which Azure types take tags at all is not listed by hand: it is the azure-native schema (the
generated ``<Type>Args`` class has a ``tags`` input), the same source the tag transform uses."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

AWS_TAGS_DOC = "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html"
S3_OBJECT_TAGS_DOC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html"
AZURE_TAGS_DOC = ("https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/"
                  "tag-resources#limitations")
AZURE_NAMES_DOC = ("https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/"
                   "resource-name-rules")
S3_BUCKET_NAMES_DOC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"
S3_KEYS_DOC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html"
IAM_QUOTAS_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
SG_DOC = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html"
CF_FUNCTION_DOC = "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateFunction.html"
CF_QUOTAS_DOC = ("https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
                 "cloudfront-limits.html#limits-functions")
CF_OAC_DOC = ("https://docs.aws.amazon.com/cloudfront/latest/APIReference/"
              "API_OriginAccessControlConfig.html")
CF_DISTRIBUTION_DOC = ("https://docs.aws.amazon.com/cloudfront/latest/APIReference/"
                       "API_DistributionConfig.html")
EC2_USER_DATA_DOC = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html"
AZURE_CUSTOM_DATA_DOC = "https://learn.microsoft.com/en-us/azure/virtual-machines/custom-data"
FRONT_DOOR_LIMITS_DOC = ("https://learn.microsoft.com/en-us/azure/azure-resource-manager/"
                         "management/azure-subscription-service-limits#azure-front-door-limits")
S3_CONCURRENCY_DOC = ("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html"
                      " (OperationAborted: a conflicting conditional operation is in progress)")


@dataclass(frozen=True)
class TagRule:
    """How many tags a resource kind takes and what a key and a value may be."""

    max_tags: int
    key_max: int
    value_max: int
    source: str
    key_pattern: re.Pattern[str] | None = None
    value_pattern: re.Pattern[str] | None = None
    forbidden_key_chars: str = ""
    reserved_key_prefixes: tuple[str, ...] = ()

    def problems(self, tags: Mapping[str, str]) -> list[str]:
        found = []
        if len(tags) > self.max_tags:
            found.append(f"{len(tags)} tags, at most {self.max_tags} allowed")
        for key, value in tags.items():
            if not key or len(key) > self.key_max:
                found.append(f"tag key {key!r} is {len(key)} characters (1-{self.key_max})")
            if len(str(value)) > self.value_max:
                found.append(f"tag {key!r} value is {len(str(value))} characters "
                             f"(at most {self.value_max})")
            bad = sorted({c for c in key if c in self.forbidden_key_chars})
            if bad:
                found.append(f"tag key {key!r} contains {''.join(bad)!r}")
            if self.key_pattern is not None and not self.key_pattern.fullmatch(key):
                found.append(f"tag key {key!r} has characters outside {self.key_pattern.pattern}")
            if self.value_pattern is not None and not self.value_pattern.fullmatch(str(value)):
                found.append(f"tag {key!r} value {str(value)[:60]!r} has characters outside "
                             f"{self.value_pattern.pattern}")
            if any(key.lower().startswith(p) for p in self.reserved_key_prefixes):
                found.append(f"tag key {key!r} uses a reserved prefix")
        return found


@dataclass(frozen=True)
class NameRule:
    """A rule on one input of a resource (a name, a key, a payload): its length in
    characters (or UTF-8 bytes) and a pattern or check it must pass."""

    field: str
    min_len: int
    max_len: int
    rule: str
    source: str
    pattern: re.Pattern[str] | None = None
    check: Callable[[str], str | None] | None = None
    count_bytes: bool = False

    def problems(self, value: Any) -> list[str]:
        if value is None or not isinstance(value, str):
            return []
        size = len(value.encode()) if self.count_bytes else len(value)
        unit = "bytes" if self.count_bytes else "characters"
        found = []
        if not self.min_len <= size <= self.max_len:
            found.append(f"{self.field} is {size} {unit} ({self.min_len}-{self.max_len} allowed)")
        shown = repr(value if len(value) <= 70 else f"{value[:60]}...")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            found.append(f"{self.field} {shown} breaks the rule: {self.rule}")
        if self.check is not None and (problem := self.check(value)):
            found.append(f"{self.field} {shown}: {problem}")
        return found


# --- tags ------------------------------------------------------------------------------

_AWS_TAG_CHARS = re.compile(r"[\w .:/=+\-@]*")
AWS_TAGS = TagRule(max_tags=50, key_max=128, value_max=256, source=AWS_TAGS_DOC,
                   key_pattern=_AWS_TAG_CHARS, value_pattern=_AWS_TAG_CHARS,
                   reserved_key_prefixes=("aws:",))
S3_OBJECT_TAGS = TagRule(max_tags=10, key_max=128, value_max=256, source=S3_OBJECT_TAGS_DOC,
                         key_pattern=_AWS_TAG_CHARS, value_pattern=_AWS_TAG_CHARS,
                         reserved_key_prefixes=("aws:",))
AZURE_FORBIDDEN_TAG_KEY_CHARS = "<>%&\\?/"
AZURE_TAGS = TagRule(max_tags=50, key_max=512, value_max=256, source=AZURE_TAGS_DOC,
                     forbidden_key_chars=AZURE_FORBIDDEN_TAG_KEY_CHARS)
AZURE_STORAGE_TAGS = TagRule(max_tags=50, key_max=128, value_max=256, source=AZURE_TAGS_DOC,
                             forbidden_key_chars=AZURE_FORBIDDEN_TAG_KEY_CHARS)
# Front Door Standard/Premium lives in Microsoft.Cdn: no '#' or ':' in tag names, and the
# page lists Azure CDN among the resources that take only 15 tags.
AZURE_CDN_TAGS = TagRule(max_tags=15, key_max=512, value_max=256, source=AZURE_TAGS_DOC,
                         forbidden_key_chars=AZURE_FORBIDDEN_TAG_KEY_CHARS + "#:")

TAG_RULES: dict[str, TagRule] = {
    "aws:s3/bucketObjectv2:BucketObjectv2": S3_OBJECT_TAGS,
    "aws:s3/bucketObject:BucketObject": S3_OBJECT_TAGS,
    "azure-native:storage:StorageAccount": AZURE_STORAGE_TAGS,
    "azure-native:cdn:Profile": AZURE_CDN_TAGS,
    "azure-native:cdn:AFDEndpoint": AZURE_CDN_TAGS,
}


def tag_rule(type_token: str) -> TagRule | None:
    """The tag rule of a resource type (None for types outside AWS and Azure)."""
    if type_token in TAG_RULES:
        return TAG_RULES[type_token]
    if type_token.startswith("aws:"):
        return AWS_TAGS
    if type_token.startswith("azure-native:"):
        return AZURE_TAGS
    return None


# --- names and payloads ------------------------------------------------------------------

S3_BUCKET_NAME_MAX = 63
AZURE_STORAGE_NAME_MAX = 24
FRONT_DOOR_CHILD_NAME_MAX = 50
RESOURCE_GROUP_NAME_MAX = 90
IAM_ROLE_NAME_MAX = 64
CLOUDFRONT_FUNCTION_NAME_MAX = 64
EC2_USER_DATA_MAX_BYTES = 16 * 1024
AZURE_CUSTOM_DATA_MAX_BYTES = 64 * 1024
FRONT_DOOR_STANDARD_ENDPOINTS_PER_PROFILE = 10

_ALNUM_HYPHEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_AZURE_NETWORK_NAME = re.compile(r"[A-Za-z0-9](?:[\w.-]*[\w])?")


def _s3_bucket_check(name: str) -> str | None:
    if ".." in name:
        return "two adjacent periods"
    try:
        ipaddress.IPv4Address(name)
        return "formatted as an IP address"
    except ValueError:
        pass
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            return f"reserved prefix {prefix}"
    for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"):
        if name.endswith(suffix):
            return f"reserved suffix {suffix}"
    return None


def _not_sg_prefix(name: str) -> str | None:
    return "security group names cannot start with sg-" if name.startswith("sg-") else None


def _linux_host_name(name: str) -> str | None:
    bad = sorted(set(name) & set("~!@#$%^&*()=+_[]{}\\|;:.'\",<>/? "))
    if bad:
        return f"contains {''.join(bad)!r}"
    return "ends with a period or hyphen" if name.endswith((".", "-")) else None


def _base64_decoded_size(encoded: str) -> str | None:
    try:
        size = len(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        return "is not base64"
    return (None if size <= AZURE_CUSTOM_DATA_MAX_BYTES
            else f"decodes to {size} bytes (at most {AZURE_CUSTOM_DATA_MAX_BYTES})")


def _front_door_child(field_name: str) -> NameRule:
    return NameRule(field_name, 1, FRONT_DOOR_CHILD_NAME_MAX,
                    "alphanumerics and hyphens, starting and ending with an alphanumeric",
                    f"{AZURE_NAMES_DOC}#microsoftcdn", _ALNUM_HYPHEN)


def _network_name(field_name: str, low: int = 1, high: int = 80) -> NameRule:
    return NameRule(field_name, low, high,
                    "alphanumerics, underscores, periods and hyphens; start with an "
                    "alphanumeric, end with an alphanumeric or underscore",
                    f"{AZURE_NAMES_DOC}#microsoftnetwork", _AZURE_NETWORK_NAME)


_RULE_SET_NAME = NameRule("ruleSetName", 1, 60, "letters and digits, starting with a letter",
                          f"{AZURE_NAMES_DOC}#microsoftcdn", re.compile(r"[A-Za-z][A-Za-z0-9]*"))

NAME_RULES: dict[str, tuple[NameRule, ...]] = {
    "aws:s3/bucket:Bucket": (NameRule(
        "bucket", 3, S3_BUCKET_NAME_MAX,
        "lowercase letters, digits, periods and hyphens; begin and end with a letter or digit",
        S3_BUCKET_NAMES_DOC, re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]"), _s3_bucket_check),),
    "aws:s3/bucketObjectv2:BucketObjectv2": (NameRule(
        "key", 1, 1024, "at most 1,024 bytes of UTF-8", S3_KEYS_DOC, count_bytes=True),),
    "aws:iam/role:Role": (NameRule(
        "name", 1, IAM_ROLE_NAME_MAX, "letters, digits and +=,.@_-", IAM_QUOTAS_DOC,
        re.compile(r"[\w+=,.@-]+")),),
    "aws:iam/instanceProfile:InstanceProfile": (NameRule(
        "name", 1, 128, "letters, digits and +=,.@_-", IAM_QUOTAS_DOC,
        re.compile(r"[\w+=,.@-]+")),),
    "aws:ec2/securityGroup:SecurityGroup": (
        NameRule("name", 1, 255, "ASCII, not starting with sg-", SG_DOC,
                 re.compile(r"[\x20-\x7e]+"), _not_sg_prefix),
        NameRule("description", 0, 255, "a-z A-Z 0-9 spaces and ._-:/()#,@[]+=&;{}!$*", SG_DOC,
                 re.compile(r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*")),
    ),
    "aws:ec2/instance:Instance": (NameRule(
        "userData", 0, EC2_USER_DATA_MAX_BYTES, "at most 16 KB in raw form",
        EC2_USER_DATA_DOC, count_bytes=True),),
    "aws:cloudfront/function:Function": (
        NameRule("name", 1, CLOUDFRONT_FUNCTION_NAME_MAX, "letters, digits, hyphens, underscores",
                 CF_FUNCTION_DOC, re.compile(r"[A-Za-z0-9_-]+")),
        NameRule("code", 1, 10 * 1024, "at most 10 KB of code", CF_QUOTAS_DOC,
                 count_bytes=True),
    ),
    "aws:cloudfront/originAccessControl:OriginAccessControl": (
        NameRule("name", 1, 64, "at most 64 characters", CF_OAC_DOC),),
    "aws:cloudfront/distribution:Distribution": (
        NameRule("comment", 0, 128, "at most 128 characters", CF_DISTRIBUTION_DOC),),
    "azure-native:resources:ResourceGroup": (NameRule(
        "resourceGroupName", 1, RESOURCE_GROUP_NAME_MAX,
        "letters, digits, underscores, parentheses, hyphens, periods; not ending in a period",
        f"{AZURE_NAMES_DOC}#microsoftresources", re.compile(r"[\w().-]*[\w()-]")),),
    "azure-native:storage:StorageAccount": (NameRule(
        "accountName", 3, AZURE_STORAGE_NAME_MAX, "lowercase letters and digits",
        f"{AZURE_NAMES_DOC}#microsoftstorage", re.compile(r"[a-z0-9]+")),),
    "azure-native:storage:BlobContainer": (NameRule(
        "containerName", 3, 63,
        "lowercase letters, digits, single hyphens; start and end with a letter or digit",
        f"{AZURE_NAMES_DOC}#microsoftstorage",
        re.compile(r"\$web|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*")),),
    "azure-native:storage:Blob": (NameRule(
        "blobName", 1, 1024, "1-1,024 characters", f"{AZURE_NAMES_DOC}#microsoftstorage"),),
    "azure-native:cdn:Profile": (NameRule(
        "profileName", 1, 260, "alphanumerics and hyphens, start and end alphanumeric",
        f"{AZURE_NAMES_DOC}#microsoftcdn", _ALNUM_HYPHEN),),
    "azure-native:cdn:AFDEndpoint": (_front_door_child("endpointName"),),
    "azure-native:cdn:AFDOriginGroup": (_front_door_child("originGroupName"),),
    "azure-native:cdn:AFDOrigin": (_front_door_child("originName"),),
    "azure-native:cdn:Route": (_front_door_child("routeName"),),
    "azure-native:cdn:RuleSet": (_RULE_SET_NAME,),
    "azure-native:cdn:Rule": (NameRule(
        "ruleName", 1, 260, "letters and digits, starting with a letter",
        f"{AZURE_NAMES_DOC}#microsoftcdn", re.compile(r"[A-Za-z][A-Za-z0-9]*")),),
    "azure-native:network:VirtualNetwork": (_network_name("virtualNetworkName", 2, 64),),
    "azure-native:network:Subnet": (_network_name("subnetName"),),
    "azure-native:network:NetworkSecurityGroup": (_network_name("networkSecurityGroupName"),),
    "azure-native:network:PublicIPAddress": (_network_name("publicIpAddressName"),),
    "azure-native:network:NetworkInterface": (_network_name("networkInterfaceName"),),
    "azure-native:compute:VirtualMachine": (
        NameRule("vmName", 1, 64, "at most 64 characters", f"{AZURE_NAMES_DOC}#microsoftcompute"),
        NameRule("osProfile.computerName", 1, 64,
                 "Linux host name: no spaces or ~!@#$%^&*()=+_[]{}\\|;:.'\",<>/?, not ending "
                 "in a period or hyphen", f"{AZURE_NAMES_DOC}#microsoftcompute",
                 check=_linux_host_name),
        NameRule("osProfile.customData", 0, 1 << 30, "base64 of at most 64 KB",
                 AZURE_CUSTOM_DATA_DOC, check=_base64_decoded_size),
    ),
}

# Counted across a program's resources (the clouds count them per parent).
PER_PARENT_LIMITS: dict[str, tuple[str, int, str]] = {
    "azure-native:cdn:AFDEndpoint": ("profileName", FRONT_DOOR_STANDARD_ENDPOINTS_PER_PROFILE,
                                     FRONT_DOOR_LIMITS_DOC),
}

# Bucket-level settings S3 refuses to change while another change of the same bucket runs.
S3_BUCKET_SETTINGS = frozenset({
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
})


def _field(inputs: Mapping[str, Any], dotted: str) -> Any:
    value: Any = inputs
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class Violation:
    type_token: str
    name: str
    problem: str
    source: str

    def __str__(self) -> str:
        return f"{self.type_token} {self.name}: {self.problem} (see {self.source})"


@dataclass
class LimitCheck:
    """The checks of one resource: its inputs against the name rules, its effective tags
    (for AWS: provider default tags plus its own) against the tag rule."""

    type_token: str
    name: str
    inputs: Mapping[str, Any]
    tags: Mapping[str, str] | None = None
    violations: list[Violation] = field(default_factory=list)

    def run(self) -> list[Violation]:
        for rule in NAME_RULES.get(self.type_token, ()):
            for problem in rule.problems(_field(self.inputs, rule.field)):
                self.violations.append(Violation(self.type_token, self.name, problem, rule.source))
        rule_for_tags = tag_rule(self.type_token)
        if self.tags and rule_for_tags is not None:
            for problem in rule_for_tags.problems(self.tags):
                self.violations.append(
                    Violation(self.type_token, self.name, problem, rule_for_tags.source))
        return self.violations


def check_resource(type_token: str, name: str, inputs: Mapping[str, Any],
                   tags: Mapping[str, str] | None) -> list[Violation]:
    """Every documented limit ``inputs`` and ``tags`` break (empty when the cloud accepts)."""
    return LimitCheck(type_token, name, inputs, tags).run()
