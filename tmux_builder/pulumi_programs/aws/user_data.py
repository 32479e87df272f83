"""EC2 user data for a dynamic site on Amazon Linux 2023 (cloud-init, dnf, AWS CLI v2)."""

from __future__ import annotations

import shlex

from tmux_builder.pulumi_programs.cloud_boot import BootPlan, cloud_config
from tmux_builder.pulumi_programs.local.runtime import AppRuntime

AL2023_PACKAGES = {
    "node": ("nodejs", "npm", "unzip"),
    "python": ("python3", "python3-pip", "unzip"),
}


def user_data(runtime: AppRuntime, bucket: str, key: str, region: str, digest: str) -> str:
    """The artifact is read with the instance profile, which may read only that object."""
    fetch = " ".join([
        "aws s3 cp", shlex.quote(f"s3://{bucket}/{key}"), '"$ARTIFACT"',
        "--region", shlex.quote(region), "--only-show-errors",
    ])
    return cloud_config(BootPlan(runtime, AL2023_PACKAGES[runtime.kind], fetch, digest))
