"""What one program deploys: the session's facts, its source and where local output goes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tmux_builder.pulumi_programs.cloud_options import AwsOptions, AzureOptions
from tmux_builder.pulumi_programs.shared import SharedRef
from tmux_builder.pulumi_programs.tags import StandardTags


@dataclass(frozen=True)
class LocalPaths:
    """Where the local target publishes: static sites, dynamic apps, and the site server URL."""

    sites_dir: Path
    apps_dir: Path
    sites_base_url: str
    app_start_timeout_seconds: float = 60.0
    # Put before a dynamic app's command: starts it sandboxed (built by the platform).
    app_command_prefix: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteTarget:
    stack_name: str
    provider: str
    site_type: str
    source_dir: Path
    tags: StandardTags
    local: LocalPaths | None = None
    aws: AwsOptions | None = None
    azure: AzureOptions | None = None
    shared: SharedRef | None = None
