"""The cloud-init document that turns a fresh VM into the app's host: install the runtime,
fetch and unpack the artifact, install dependencies, run the app under systemd on port 80.
AWS user data and Azure custom data differ only in package names and the fetch command."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

from tmux_builder.errors import InvalidInputError
from tmux_builder.pulumi_programs.local.runtime import AppRuntime, detect_runtime

SITE_DIR = "/opt/tmux-site"
SERVICE_NAME = "tmux-site"
SERVICE_USER = "tmuxsite"
APP_PORT = 80
FETCH_ATTEMPTS = 10


@dataclass(frozen=True)
class BootPlan:
    """``fetch_command`` writes the artifact zip to ``$ARTIFACT``; it is retried, because a
    fresh instance role or SAS can take a few seconds to become usable."""

    runtime: AppRuntime
    packages: tuple[str, ...]
    fetch_command: str
    artifact_digest: str


def require_runtime(source_dir: Path) -> AppRuntime:
    """The app's runtime, checked before any resource is declared."""
    try:
        runtime = detect_runtime(source_dir)
    except ValueError as exc:
        raise InvalidInputError(str(exc), field="source_dir") from exc
    if runtime is None:
        raise InvalidInputError(
            "a dynamic site needs package.json (node) or requirements.txt (python)",
            field="source_dir",
        )
    return runtime


def exec_start(runtime: AppRuntime) -> str:
    command = runtime.start_command(Path(SITE_DIR) / "deps")
    if not command[0].startswith("/"):
        command = ["/usr/bin/env", *command]
    return shlex.join(command)


def systemd_unit(runtime: AppRuntime) -> str:
    return "\n".join([
        "[Unit]",
        "Description=tmux-builder site",
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        f"User={SERVICE_USER}",
        f"WorkingDirectory={SITE_DIR}/app",
        f"Environment=PORT={APP_PORT}",
        "Environment=HOST=0.0.0.0",
        "Environment=NODE_ENV=production",
        f"Environment=HOME={SITE_DIR}",
        f"ExecStart={exec_start(runtime)}",
        "Restart=always",
        "RestartSec=2",
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "NoNewPrivileges=true",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ])


def install_dependencies(runtime: AppRuntime) -> str:
    if runtime.kind == "node":
        verb = "ci" if "package-lock.json" in runtime.dependency_files else "install"
        return f'(cd "$SITE/app" && HOME=/root npm {verb} --omit=dev --no-audit --no-fund)'
    return ('python3 -m venv "$SITE/deps/venv"\n'
            '"$SITE/deps/venv/bin/pip" install --no-input -r "$SITE/app/requirements.txt"')


def bootstrap_script(plan: BootPlan) -> str:
    return f"""#!/bin/bash
set -euo pipefail
ARTIFACT_SHA256={plan.artifact_digest}
SITE={SITE_DIR}
ARTIFACT="$SITE/site.zip"
mkdir -p "$SITE"
id {SERVICE_USER} >/dev/null 2>&1 || \\
  useradd --system --home-dir "$SITE" --shell /usr/sbin/nologin {SERVICE_USER}
for attempt in $(seq 1 {FETCH_ATTEMPTS}); do
  if {plan.fetch_command}; then break; fi
  if [ "$attempt" -eq {FETCH_ATTEMPTS} ]; then echo "artifact fetch failed" >&2; exit 1; fi
  sleep 6
done
rm -rf "$SITE/app" && mkdir -p "$SITE/app"
unzip -q -o "$ARTIFACT" -d "$SITE/app"
{install_dependencies(plan.runtime)}
echo "$ARTIFACT_SHA256" > "$SITE/ARTIFACT_SHA256"
chown -R {SERVICE_USER}: "$SITE"
systemctl daemon-reload
systemctl enable --now {SERVICE_NAME}.service
"""


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings as ``|`` blocks, so the document reads like the files it writes."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value,
                                   style="|" if "\n" in value else None)


_BlockDumper.add_representer(str, _represent_str)


def cloud_config(plan: BootPlan) -> str:
    document = {
        "package_update": True,
        "packages": list(plan.packages),
        "write_files": [
            {"path": f"/etc/systemd/system/{SERVICE_NAME}.service", "permissions": "0644",
             "content": systemd_unit(plan.runtime)},
            {"path": f"{SITE_DIR}/bootstrap.sh", "permissions": "0755",
             "content": bootstrap_script(plan)},
        ],
        "runcmd": [[f"{SITE_DIR}/bootstrap.sh"]],
    }
    return "#cloud-config\n" + yaml.dump(document, Dumper=_BlockDumper, sort_keys=False, width=1000)
