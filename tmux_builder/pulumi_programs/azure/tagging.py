"""The standard tags on every Azure resource, applied by ONE stack transform.

azure-native has no provider-level default tags, so a transform registered at the start of
the program adds them to every custom resource whose type accepts a ``tags`` input. Whether a
type accepts tags is read from the generated SDK class of that type (its constructor's
inputs), not from a hand-kept list, so new resource types are covered automatically."""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.runtime.rpc import get_resource_module

from tmux_builder.pulumi_programs.tags import StandardTags

AZURE_PACKAGE = "azure-native"


@functools.cache
def resource_class(type_token: str) -> type | None:
    """The SDK class registered for ``pkg:module:Type`` (None when unknown)."""
    parts = type_token.split(":")
    if len(parts) != 3:
        return None
    module = get_resource_module(parts[0], parts[1], "")
    info: Mapping[str, Any] | None = getattr(module, "mod_info", None)
    if info is None or type_token not in info.get("classes", {}):
        return None
    found = getattr(importlib.import_module(info["fqn"]), info["classes"][type_token], None)
    return found if isinstance(found, type) else None


@functools.cache
def accepts_tags(type_token: str) -> bool:
    cls = resource_class(type_token)
    init = getattr(cls, "_internal_init", None)
    return init is not None and "tags" in inspect.signature(init).parameters


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
