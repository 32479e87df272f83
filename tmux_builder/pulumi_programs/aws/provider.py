"""The explicit AWS providers of a stack: region and profile from the options, and the
standard tags as ``default_tags`` so every taggable resource gets them in one place.

S3 objects take at most 10 tags, and the provider adds its default tags to objects too
(terraform-provider-aws#21273, #24692; suppressing them per object is unreliable, #42073). So
objects are written through a second provider with no default tags and carry their own
``object_tags`` (10 of the 11)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tmux_builder.pulumi_programs.cloud_options import AwsOptions
from tmux_builder.pulumi_programs.tags import StandardTags, object_tags


@dataclass(frozen=True)
class AwsProviders:
    """``main`` tags everything by default; ``objects`` writes S3 objects, tagged by hand."""

    main: aws.Provider
    objects: aws.Provider
    object_tags: dict[str, str]


def aws_provider(tags: StandardTags, options: AwsOptions) -> aws.Provider:
    return aws.Provider(
        "aws",
        region=options.region,
        profile=options.profile,
        default_tags=aws.ProviderDefaultTagsArgs(tags=tags.as_dict()),
    )


def aws_providers(tags: StandardTags, options: AwsOptions) -> AwsProviders:
    objects = aws.Provider("aws-objects", region=options.region, profile=options.profile)
    return AwsProviders(aws_provider(tags, options), objects, object_tags(tags))


def with_provider(
    provider: aws.Provider, depends_on: Sequence[pulumi.Resource] = ()
) -> pulumi.ResourceOptions:
    """Options every AWS resource of a program uses, so none falls back to a default
    provider (which would carry no tags and an ambient region)."""
    return pulumi.ResourceOptions(provider=provider, depends_on=list(depends_on))


def invoke_with(provider: aws.Provider) -> pulumi.InvokeOutputOptions:
    return pulumi.InvokeOutputOptions(provider=provider)
