"""VM custom data for a dynamic site on Ubuntu 24.04 (cloud-init, apt), base64 as Azure expects.

Ubuntu's own nodejs is 18 (end of life), so Node.js comes from NodeSource's signed apt
repository at the same major version as on AWS; Python is the image's 3.12."""

from __future__ import annotations

import base64
import shlex

from tmux_builder.pulumi_programs.cloud_boot import NODE_MAJOR, BootPlan, Distro, cloud_config
from tmux_builder.pulumi_programs.local.runtime import AppRuntime

NODESOURCE_KEY = "https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key"
UBUNTU = Distro(
    base_packages=("unzip", "curl", "ca-certificates", "gnupg"),
    node_install="\n".join([
        "install -d -m 0755 /etc/apt/keyrings",
        f"curl -fsSL {NODESOURCE_KEY} | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg",
        'echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] '
        f'https://deb.nodesource.com/node_{NODE_MAJOR}.x nodistro main" '
        "> /etc/apt/sources.list.d/nodesource.list",
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs",
        "command -v node && command -v npm",
    ]),
    python_install="DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv",
    python="python3",
)


def custom_data(runtime: AppRuntime, artifact_url: str, digest: str) -> str:
    """``artifact_url`` carries a read-only SAS for that one blob; the result is secret."""
    fetch = f'curl -fsSL --retry 3 -o "$ARTIFACT" {shlex.quote(artifact_url)}'
    document = cloud_config(BootPlan(runtime, UBUNTU, fetch, digest))
    return base64.b64encode(document.encode()).decode()
