"""The one explicit AWS provider of a stack: region and profile from the options, and the
standard tags as ``default_tags`` so every taggable resource gets them in one place."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from tmux_builder.pulumi_programs.cloud_options import AwsOptions
from tmux_builder.pulumi_programs.tags import StandardTags


def aws_provider(tags: StandardTags, options: AwsOptions) -> aws.Provider:
    return aws.Provider(
        "aws",
        region=options.region,
        profile=options.profile,
        default_tags=aws.ProviderDefaultTagsArgs(tags=tags.as_dict()),
    )


def with_provider(
    provider: aws.Provider, depends_on: Sequence[pulumi.Resource] = ()
) -> pulumi.ResourceOptions:
    """Options every AWS resource of a program uses, so none falls back to a default
    provider (which would carry no tags and an ambient region)."""
    return pulumi.ResourceOptions(provider=provider, depends_on=list(depends_on))


def invoke_with(provider: aws.Provider) -> pulumi.InvokeOutputOptions:
    return pulumi.InvokeOutputOptions(provider=provider)
