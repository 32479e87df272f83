"""One Pulumi program per target, with shared tagging and naming (imports nothing of ours
except the ``errors`` leaf).

The names below are loaded on first use: the policy pack's analyzer imports
``pulumi_programs.policy`` and must not pay for every program and cloud SDK at start-up."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tmux_builder.pulumi_programs.registry import SUPPORTED_TARGETS, build_program
    from tmux_builder.pulumi_programs.tags import StandardTags
    from tmux_builder.pulumi_programs.target import LocalPaths, SiteTarget

_EXPORTS = {
    "SUPPORTED_TARGETS": "tmux_builder.pulumi_programs.registry",
    "build_program": "tmux_builder.pulumi_programs.registry",
    "StandardTags": "tmux_builder.pulumi_programs.tags",
    "LocalPaths": "tmux_builder.pulumi_programs.target",
    "SiteTarget": "tmux_builder.pulumi_programs.target",
}

__all__ = ["SUPPORTED_TARGETS", "LocalPaths", "SiteTarget", "StandardTags", "build_program"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
