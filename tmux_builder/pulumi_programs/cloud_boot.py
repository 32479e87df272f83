"""The cloud-init document that turns a fresh VM into the app's host: install the runtime,
fetch and unpack the artifact, install dependencies, run the app under systemd on port 80.
AWS user data and Azure custom data differ only in how the runtime is installed and how the
artifact is fetched.

Readiness signal: from its first line the boot script runs a tiny status server on port 80
(a transient systemd unit) that answers every request with ``503``, the header
``X-Tmux-Builder-Boot: <stage>`` and a JSON body naming the stage. It is stopped just before
the app starts, and started again with stage ``failed`` when a step fails or the app never
answers, so the health check can tell "still booting", "booting failed at <stage>" and "the
app answers" apart from outside. The status carries no log output (a fetch error could
print the artifact's signed URL)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

from tmux_builder.errors import InvalidInputError
from tmux_builder.pulumi_programs.local.runtime import AppRuntime, detect_runtime

SITE_DIR = "/opt/tmux-site"
SERVICE_NAME = "tmux-site"
STATUS_UNIT = "tmux-site-boot"
SERVICE_USER = "tmuxsite"
APP_PORT = 80
FETCH_ATTEMPTS = 10
APP_ANSWER_SECONDS = 90
BOOT_HEADER = "X-Tmux-Builder-Boot"
BOOT_LOG = "/var/log/tmux-site-boot.log"
NODE_MAJOR = 22


@dataclass(frozen=True)
class Distro:
    """How one image installs the runtimes: ``base`` packages from cloud-init, then shell
    commands per runtime (run by the boot script, so a failure is reported as a stage);
    ``python`` is the interpreter that creates the app's venv."""

    base_packages: tuple[str, ...]
    node_install: str
    python_install: str
    python: str

    def runtime_install(self, runtime: AppRuntime) -> str:
        return self.node_install if runtime.kind == "node" else self.python_install


@dataclass(frozen=True)
class BootPlan:
    """``fetch_command`` writes the artifact zip to ``$ARTIFACT``; it is retried, because a
    fresh instance role or SAS can take a few seconds to become usable."""

    runtime: AppRuntime
    distro: Distro
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


def status_server(status_dir: str = f"{SITE_DIR}/status", port: int = APP_PORT) -> str:
    """The boot status server (standard library only; every image has a python3)."""
    return f"""import http.server, json, pathlib
S = pathlib.Path("{status_dir}")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        stage = (S / "stage").read_text().strip() if (S / "stage").exists() else "starting"
        detail = (S / "detail").read_text().strip() if (S / "detail").exists() else ""
        body = json.dumps({{"ready": False, "stage": stage, "detail": detail}}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "10")
        self.send_header("{BOOT_HEADER}", stage)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)
    do_HEAD = do_GET
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("0.0.0.0", {port}), H).serve_forever()
"""


def install_dependencies(runtime: AppRuntime, distro: Distro) -> str:
    if runtime.kind == "node":
        verb = "ci" if "package-lock.json" in runtime.dependency_files else "install"
        return f'(cd "$SITE/app" && HOME=/root npm {verb} --omit=dev --no-audit --no-fund)'
    return (f'{distro.python} -m venv "$SITE/deps/venv"\n'
            '"$SITE/deps/venv/bin/pip" install --no-input -r "$SITE/app/requirements.txt"')


def bootstrap_script(plan: BootPlan) -> str:
    return f"""#!/bin/bash
set -euo pipefail
exec >>{BOOT_LOG} 2>&1
ARTIFACT_SHA256={plan.artifact_digest}
SITE={SITE_DIR}
ARTIFACT="$SITE/site.zip"
STAGE=starting
mkdir -p "$SITE/status"
stage() {{ STAGE="$1"; echo "$1" > "$SITE/status/stage"; echo "${{2:-}}" > "$SITE/status/detail"; }}
status_up() {{ systemctl reset-failed {STATUS_UNIT} 2>/dev/null || true
  systemd-run --unit={STATUS_UNIT} --collect python3 "$SITE/boot_status.py" || true; }}
failed() {{ stage failed "$1"; systemctl stop {SERVICE_NAME}.service || true; status_up; exit 1; }}
trap 'failed "stage $STAGE exited with status $? (details in {BOOT_LOG} on the host)"' ERR
stage starting "cloud-init started the boot script"
status_up
id {SERVICE_USER} >/dev/null 2>&1 || \\
  useradd --system --home-dir "$SITE" --shell /usr/sbin/nologin {SERVICE_USER}
stage installing-runtime "installing {plan.runtime.kind} from the distribution's packages"
{plan.distro.runtime_install(plan.runtime)}
stage fetching-artifact "downloading the site's code"
for attempt in $(seq 1 {FETCH_ATTEMPTS}); do
  if {plan.fetch_command}; then break; fi
  if [ "$attempt" -eq {FETCH_ATTEMPTS} ]; then false; fi
  sleep 6
done
rm -rf "$SITE/app" && mkdir -p "$SITE/app"
unzip -q -o "$ARTIFACT" -d "$SITE/app"
stage installing-dependencies "installing the app's dependencies"
{install_dependencies(plan.runtime, plan.distro)}
echo "$ARTIFACT_SHA256" > "$SITE/ARTIFACT_SHA256"
mkdir -p "$SITE/deps"
chown -R {SERVICE_USER}: "$SITE/app" "$SITE/deps"
stage starting-app "starting the app on port {APP_PORT}"
systemctl stop {STATUS_UNIT} || true
systemctl daemon-reload
systemctl enable --now {SERVICE_NAME}.service
trap - ERR
for second in $(seq 1 {APP_ANSWER_SECONDS}); do
  code=$(curl -s -o /dev/null -w '%{{http_code}}' http://127.0.0.1:{APP_PORT}/ || true)
  if [ "$code" != "000" ]; then stage ready "the app answers on port {APP_PORT}"; exit 0; fi
  sleep 1
done
failed "the app did not answer on port {APP_PORT} within {APP_ANSWER_SECONDS} s \
(journalctl -u {SERVICE_NAME})"
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
        "packages": list(plan.distro.base_packages),
        "write_files": [
            {"path": f"/etc/systemd/system/{SERVICE_NAME}.service", "permissions": "0644",
             "content": systemd_unit(plan.runtime)},
            {"path": f"{SITE_DIR}/boot_status.py", "permissions": "0644",
             "content": status_server()},
            {"path": f"{SITE_DIR}/bootstrap.sh", "permissions": "0755",
             "content": bootstrap_script(plan)},
        ],
        "runcmd": [[f"{SITE_DIR}/bootstrap.sh"]],
    }
    return "#cloud-config\n" + yaml.dump(document, Dumper=_BlockDumper, sort_keys=False, width=1000)
