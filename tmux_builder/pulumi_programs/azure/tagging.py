"""The standard tags on every Azure resource, applied by ONE stack transform.

azure-native has no provider-level default tags, so a transform registered at the start of
the program adds them to every custom resource whose type accepts a ``tags`` input. Whether a
type accepts tags is read from the generated SDK class of that type (its constructor's
inputs), not from a hand-kept list, so new resource types are covered automatically."""

from __future__ import annotations

import pulumi

from tmux_builder.pulumi_programs.schema import accepts_tags, resource_class
from tmux_builder.pulumi_programs.tags import StandardTags

__all__ = ["accepts_tags", "register_standard_tags", "resource_class",
           "standard_tags_transform"]

AZURE_PACKAGE = "azure-native"


def standard_tags_transform(tags: StandardTags) -> pulumi.ResourceTransform:
    standard = tags.as_dict()

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if not args.custom or not args.type_.startswith(f"{AZURE_PACKAGE}:"):
            return None
        if not accepts_tags(args.type_):
            return None
        existing = args.props.get("tags")
        merged = {**(existing if isinstance(existing, dict) else {}), **standard}
        return pulumi.ResourceTransformResult(props={**args.props, "tags": merged},
                                              opts=args.opts)

    return transform


def register_standard_tags(tags: StandardTags) -> None:
    """Call first in a program: the transform applies to resources registered after it."""
    pulumi.runtime.register_resource_transform(standard_tags_transform(tags))
