"""What a provider SDK's generated code says about a resource type: its class, and whether it
takes a ``tags`` input. The schema is the one source of taggability, for the Azure tag
transform and for the policy pack alike (no hand-kept list)."""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Mapping
from typing import Any

from pulumi.runtime.rpc import get_resource_module


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
