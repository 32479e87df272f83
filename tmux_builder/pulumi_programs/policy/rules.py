"""The checks of the policy pack, as plain functions of a resource's type and inputs (and, for
the tags of an AWS resource, its provider's inputs), each returning the problems it finds.

In the analyzer, nested inputs arrive as mapping proxies, not ``dict``, and provider inputs
as JSON strings: every test here is on ``collections.abc.Mapping`` and JSON text is parsed.
Which types take tags is read from the provider SDK's schema (``accepts_tags``), the same
source the Azure tag transform uses; the SDK is imported only when one of its types is met."""

from __future__ import annotations

import importlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from tmux_builder.pulumi_programs.schema import accepts_tags
from tmux_builder.pulumi_programs.tags import OBJECT_TAG_KEYS, STANDARD_TAG_KEYS

DYNAMIC_RESOURCE = "pulumi-python:dynamic:Resource"
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
S3_OBJECT_TYPES = frozenset({"aws:s3/bucketObjectv2:BucketObjectv2",
                             "aws:s3/bucketObject:BucketObject"})
S3_ACL_TYPES = frozenset({"aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"})
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                       "restrictPublicBuckets")
PUBLIC_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
OAI = "aws:cloudfront/originAccessIdentity:OriginAccessIdentity"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
AZURE_VM = "azure-native:compute:VirtualMachine"
# Where each type keeps its size.
SIZE_FIELDS: dict[str, tuple[str, ...]] = {
    "aws:ec2/instance:Instance": ("instanceType",),
    "aws:ec2/launchTemplate:LaunchTemplate": ("instanceType",),
    AZURE_VM: ("hardwareProfile", "vmSize"),
}
_SDK_MODULES = {"aws": "pulumi_aws", "azure-native": "pulumi_azure_native"}


def as_mapping(value: Any) -> Mapping[str, Any]:
    """A mapping input, also when it comes as JSON text (a provider's configuration)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, Mapping) else {}


def nested(value: Any, *path: str) -> Any:
    for key in path:
        value = as_mapping(value).get(key)
    return value


def is_set(props: Mapping[str, Any], key: str) -> bool:
    """Whether ``key`` has a value; one not known yet (a preview of a new resource) has."""
    try:
        return bool(props.get(key))
    except UnknownValueError:
        return True


def takes_tags(type_token: str) -> bool:
    """Our dynamic resources all carry the tags; a cloud type when its schema has ``tags``."""
    if type_token == DYNAMIC_RESOURCE:
        return True
    module = _SDK_MODULES.get(type_token.split(":", 1)[0])
    if module is None:
        return False
    importlib.import_module(module)  # registers the package's resource modules
    return accepts_tags(type_token)


def required_tags(type_token: str) -> tuple[str, ...]:
    """S3 objects take at most 10 tags and carry the object set; everything else all 11."""
    return OBJECT_TAG_KEYS if type_token in S3_OBJECT_TYPES else STANDARD_TAG_KEYS


def effective_tags(type_token: str, props: Mapping[str, Any],
                   provider_props: Mapping[str, Any] | None) -> dict[str, str]:
    """The tags the resource will carry: its own plus, on AWS, its provider's default tags."""
    defaults: Mapping[str, Any] = {}
    if type_token.startswith("aws:") and provider_props is not None:
        defaults = as_mapping(nested(provider_props, "defaultTags", "tags"))
    own = as_mapping(props.get("tags"))
    return {str(k): str(v) for k, v in {**defaults, **own}.items() if v not in (None, "")}


def tag_problems(type_token: str, props: Mapping[str, Any],
                 provider_props: Mapping[str, Any] | None = None) -> list[str]:
    if not takes_tags(type_token):
        return []
    tags = effective_tags(type_token, props, provider_props)
    missing = [key for key in required_tags(type_token) if key not in tags]
    if not missing:
        return []
    return [f"{type_token} lacks the standard tags {', '.join(missing)} "
            "(every taggable resource carries them, SPEC section 4)"]


def public_access_problems(type_token: str, props: Mapping[str, Any]) -> list[str]:
    """No public bucket or container: S3 blocks public access with all four flags and
    enforces bucket ownership (no ACLs); Azure storage allows no anonymous blob access."""
    if type_token == S3_PUBLIC_ACCESS_BLOCK:
        off = [flag for flag in PUBLIC_ACCESS_FLAGS if props.get(flag) is not True]
        return [f"the public access block leaves {', '.join(off)} off; all four must be true"
                ] if off else []
    if type_token == S3_OWNERSHIP:
        ownership = nested(props, "rule", "objectOwnership")
        return [] if ownership == "BucketOwnerEnforced" else [
            f"object ownership is {ownership!r}; it must be BucketOwnerEnforced (ACLs off)"]
    if type_token in S3_ACL_TYPES:
        return ["bucket ACLs are not allowed: buckets enforce ownership (BucketOwnerEnforced)"]
    if type_token == S3_BUCKET and props.get("acl") in PUBLIC_ACLS:
        return [f"the bucket's ACL {props.get('acl')!r} makes it public"]
    if type_token == "azure-native:storage:StorageAccount" \
            and props.get("allowBlobPublicAccess") is not False:
        return ["the storage account must set allowBlobPublicAccess to false"]
    if type_token == "azure-native:storage:BlobContainer" \
            and props.get("publicAccess") not in (None, "None"):
        return [f"the container's public access is {props.get('publicAccess')!r}; it must be None"]
    return []


@dataclass(frozen=True)
class StackResource:
    """What the stack-wide check needs of a resource: its URN, type and dependencies."""

    urn: str
    type: str
    dependencies: frozenset[str]


def unguarded_buckets(resources: Iterable[StackResource]) -> list[tuple[str, str]]:
    """(URN, problem) of each S3 bucket without its own public access block and ownership
    controls (a guard belongs to the bucket it depends on)."""
    everything = list(resources)
    problems = []
    for bucket in (r for r in everything if r.type == S3_BUCKET):
        guards = {r.type for r in everything
                  if r.type in (S3_PUBLIC_ACCESS_BLOCK, S3_OWNERSHIP)
                  and bucket.urn in r.dependencies}
        missing = [name for token, name in ((S3_PUBLIC_ACCESS_BLOCK, "a public access block"),
                                             (S3_OWNERSHIP, "ownership controls"))
                   if token not in guards]
        if missing:
            problems.append((bucket.urn, f"the bucket lacks {' and '.join(missing)}"))
    return problems


def origin_access_problems(type_token: str, props: Mapping[str, Any]) -> list[str]:
    """CloudFront reads S3 through an Origin Access Control, never a legacy identity."""
    if type_token == OAI:
        return ["use an Origin Access Control, not a legacy Origin Access Identity"]
    if type_token != DISTRIBUTION:
        return []
    problems = []
    for origin in props.get("origins") or ():
        origin = as_mapping(origin)
        if nested(origin, "s3OriginConfig", "originAccessIdentity"):
            problems.append(f"origin {origin.get('originId')!r} uses an Origin Access Identity; "
                            "use an Origin Access Control")
        elif not is_set(origin, "originAccessControlId") \
                and not is_set(origin, "customOriginConfig"):
            problems.append(f"S3 origin {origin.get('originId')!r} has no Origin Access Control")
    return problems


def ssh_problems(type_token: str, props: Mapping[str, Any]) -> list[str]:
    """A Linux VM signs in with keys only: password authentication off, no admin password,
    at least one public key."""
    if type_token != AZURE_VM:
        return []
    profile = as_mapping(props.get("osProfile"))
    linux = as_mapping(profile.get("linuxConfiguration"))
    problems = []
    if linux.get("disablePasswordAuthentication") is not True:
        problems.append("password authentication must be disabled "
                        "(osProfile.linuxConfiguration.disablePasswordAuthentication)")
    if profile.get("adminPassword"):
        problems.append("the VM must not have an admin password")
    if not nested(linux, "ssh", "publicKeys"):
        problems.append("the VM needs an SSH public key")
    return problems


def size_problems(type_token: str, props: Mapping[str, Any],
                  allowed: Collection[str]) -> list[str]:
    path = SIZE_FIELDS.get(type_token)
    if path is None:
        return []
    size = nested(props, *path)
    if isinstance(size, str) and size in allowed:
        return []
    allowed_text = ", ".join(sorted(allowed)) or "none (set TMUX_BUILDER_ALLOWED_INSTANCE_SIZES)"
    return [f"instance size {size!r} is not in the allow-list: {allowed_text}"]


def allowed_sizes(config: Mapping[str, Any]) -> Sequence[str]:
    value = config.get("allowed")
    return [str(v) for v in value] if isinstance(value, Sequence) and \
        not isinstance(value, str) else []
