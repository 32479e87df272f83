"""One Pulumi program per target, with shared tagging and naming (imports nothing of ours
except the ``errors`` leaf)."""

from tmux_builder.pulumi_programs.registry import SUPPORTED_TARGETS, build_program
from tmux_builder.pulumi_programs.tags import StandardTags
from tmux_builder.pulumi_programs.target import LocalPaths, SiteTarget

__all__ = ["SUPPORTED_TARGETS", "LocalPaths", "SiteTarget", "StandardTags", "build_program"]
