"""VM custom data for a dynamic site on Ubuntu (cloud-init, apt), base64 as Azure expects."""

from __future__ import annotations

import base64
import shlex

from tmux_builder.pulumi_programs.cloud_boot import BootPlan, cloud_config
from tmux_builder.pulumi_programs.local.runtime import AppRuntime

UBUNTU_PACKAGES = {
    "node": ("nodejs", "npm", "unzip", "curl"),
    "python": ("python3", "python3-venv", "unzip", "curl"),
}


def custom_data(runtime: AppRuntime, artifact_url: str, digest: str) -> str:
    """``artifact_url`` carries a read-only SAS for that one blob; the result is secret."""
    fetch = f'curl -fsSL --retry 3 -o "$ARTIFACT" {shlex.quote(artifact_url)}'
    document = cloud_config(BootPlan(runtime, UBUNTU_PACKAGES[runtime.kind], fetch, digest))
    return base64.b64encode(document.encode()).decode()
