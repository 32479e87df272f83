"""``DependencyInstall``: installs a dynamic site's dependencies when their files change.

SPEC section 3 names ``pulumi_command.local.Command`` for this step. Its provider plugin cannot
be built on a machine without internet (the Go module proxy refuses
``github.com/pulumi/pulumi-command/provider``), so the local target does the same job with a
dynamic provider whose trigger is the same thing: the hash of the dependency files. Its
``read`` notices a deleted install, which ``local.Command`` cannot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from tmux_builder.pulumi_programs.local.files import prune_empty_dirs

_UPDATE_KEYS = ("deps_digest", "runtime", "app_dir", "tags")
_OUTPUT_TAIL = 2000
# Package scripts run during the install (and are not sandboxed yet): they get the engine's
# environment without anything that can hold a credential (the state backend's keys, cloud
# logins, the passphrase, the platform's own settings). npm and pip keep their own settings.
_CREDENTIAL_PREFIXES = ("AWS_", "AZURE_", "ARM_", "GOOGLE_", "PULUMI_", "TMUX_BUILDER_",
                        "ANTHROPIC_")


def install_environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items()
            if not key.upper().startswith(_CREDENTIAL_PREFIXES)}


def _run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False,
                            env=install_environment())
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-_OUTPUT_TAIL:]
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {tail}")


def _requirement_lines(requirements: Path) -> list[str]:
    lines = requirements.read_text(encoding="utf-8").splitlines()
    return [ln for ln in (raw.strip() for raw in lines) if ln and not ln.startswith("#")]


def install_dependencies(runtime: str, app_dir: Path, deps_dir: Path) -> None:
    """Node: ``npm install`` into ``deps_dir/node_modules``; python: a venv at
    ``deps_dir/venv`` with ``pip install -r requirements.txt``."""
    deps_dir.mkdir(parents=True, exist_ok=True)
    if runtime == "node":
        for name in ("package.json", "package-lock.json"):
            if (app_dir / name).is_file():
                shutil.copy2(app_dir / name, deps_dir / name)
        manifest = json.loads((deps_dir / "package.json").read_text(encoding="utf-8"))
        if manifest.get("dependencies"):
            _run(["npm", "install", "--omit=dev", "--no-audit", "--no-fund"], deps_dir)
        else:
            (deps_dir / "node_modules").mkdir(exist_ok=True)
        return
    venv_dir = deps_dir / "venv"
    if not (venv_dir / "bin" / "python").exists():
        venv.EnvBuilder(with_pip=False, clear=True).create(venv_dir)
    requirements = app_dir / "requirements.txt"
    if _requirement_lines(requirements):
        python = str(venv_dir / "bin" / "python")
        _run(
            [sys.executable, "-m", "pip", "--python", python, "install", "-q", "-r",
             str(requirements)],
            app_dir,
        )


def dependencies_present(runtime: str, deps_dir: Path) -> bool:
    if runtime == "node":
        return (deps_dir / "node_modules").is_dir()
    return (deps_dir / "venv" / "bin" / "python").exists()


class DependencyInstallProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        install_dependencies(props["runtime"], Path(props["app_dir"]), Path(props["deps_dir"]))
        return CreateResult(id_=props["deps_dir"], outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = ["deps_dir"] if olds.get("deps_dir") != news.get("deps_dir") else []
        changed = replaces or [k for k in _UPDATE_KEYS if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=True)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        install_dependencies(news["runtime"], Path(news["app_dir"]), Path(news["deps_dir"]))
        return UpdateResult(outs=news)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if not dependencies_present(props["runtime"], Path(props["deps_dir"])):
            return ReadResult(id_="", outs={})
        return ReadResult(id_=id_, outs=props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        shutil.rmtree(props["deps_dir"], ignore_errors=True)
        prune_empty_dirs(Path(props["deps_dir"]).parent, levels=1)


class DependencyInstall(Resource):
    deps_digest: pulumi.Output[str]
    tags: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        *,
        runtime: str,
        app_dir: str,
        deps_dir: str,
        deps_digest: str,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "runtime": runtime,
            "app_dir": app_dir,
            "deps_dir": deps_dir,
            "deps_digest": deps_digest,
            "tags": tags,
        }
        super().__init__(DependencyInstallProvider(), name, props, opts)
