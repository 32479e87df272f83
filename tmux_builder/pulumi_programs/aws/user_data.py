"""EC2 user data for a dynamic site on Amazon Linux 2023 (cloud-init, dnf, AWS CLI v2).

Runtimes are AL2023's namespaced current ones: Node.js 22 (``nodejs22``; ``node``/``npm``
point to it, the only one installed) and Python 3.12 (``/usr/bin/python3`` stays 3.9, the
system Python). https://docs.aws.amazon.com/linux/al2023/ug/nodejs.html,
https://docs.aws.amazon.com/linux/al2023/ug/python.html"""

from __future__ import annotations

import shlex

from tmux_builder.pulumi_programs.cloud_boot import NODE_MAJOR, BootPlan, Distro, cloud_config
from tmux_builder.pulumi_programs.local.runtime import AppRuntime

AL2023 = Distro(
    base_packages=("unzip",),
    node_install=(f"dnf install -y nodejs{NODE_MAJOR} nodejs{NODE_MAJOR}-npm\n"
                  "command -v node && command -v npm"),
    python_install="dnf install -y python3.12 python3.12-pip",
    python="python3.12",
)


def user_data(runtime: AppRuntime, bucket: str, key: str, region: str, digest: str) -> str:
    """The artifact is read with the instance profile, which may read only that object."""
    fetch = " ".join([
        "aws s3 cp", shlex.quote(f"s3://{bucket}/{key}"), '"$ARTIFACT"',
        "--region", shlex.quote(region), "--only-show-errors",
    ])
    return cloud_config(BootPlan(runtime, AL2023, fetch, digest))
