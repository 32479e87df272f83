"""Tools from the npm registry, each pinned to one exact version and installed with npm into
the toolchain cache (``<toolchain_dir>/<name>-<version>/``), like the Pulumi CLI.

A file lock keeps two setups apart, and the folder appears whole: npm installs into a
staging folder that is then renamed. What is installed is known from the package's own
``package.json``, so finding it starts no process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from tmux_builder.errors import ToolchainError

_NPM_OUTPUT_TAIL = 3000


@dataclass(frozen=True)
class NpmPackage:
    name: str
    version: str
    binary: str  # the command to run, relative to node_modules/.bin

    def root(self, toolchain_dir: Path) -> Path:
        return toolchain_dir / f"{self.name.replace('/', '-').lstrip('@')}-{self.version}"

    def binary_path(self, toolchain_dir: Path) -> Path:
        return self.root(toolchain_dir) / "node_modules" / ".bin" / self.binary


def installed_version(root: Path, name: str) -> str | None:
    try:
        manifest = json.loads((root / "node_modules" / name / "package.json").read_text(
            encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = manifest.get("version")
    return version if isinstance(version, str) else None


def find_npm_package(toolchain_dir: Path, package: NpmPackage) -> Path | None:
    """The package's command when the pinned version is installed, else None."""
    root = package.root(toolchain_dir)
    if installed_version(root, package.name) != package.version:
        return None
    binary = package.binary_path(toolchain_dir)
    return binary if binary.exists() else None


def install_npm_package(toolchain_dir: Path,
                        package: NpmPackage) -> tuple[Path, float | None]:
    """The package's command, installed when missing; with the seconds the install took
    (None when it was already there)."""
    found = find_npm_package(toolchain_dir, package)
    if found is not None:
        return found, None
    npm = shutil.which("npm")
    if npm is None:
        raise ToolchainError(f"installing {package.name} needs npm (apt-get install -y npm)",
                             field=package.name)
    toolchain_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    root = package.root(toolchain_dir)
    with FileLock(toolchain_dir / f".{root.name}.lock"):
        found = find_npm_package(toolchain_dir, package)
        if found is not None:
            return found, None
        staging = toolchain_dir / f".{root.name}.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        spec = f"{package.name}@{package.version}"
        result = subprocess.run(
            [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--no-save",
             "--loglevel=error", spec],
            capture_output=True, text=True, check=False)
        if result.returncode != 0 or installed_version(staging, package.name) != package.version:
            shutil.rmtree(staging, ignore_errors=True)
            raise ToolchainError(
                f"npm could not install {spec}: "
                f"{(result.stdout + result.stderr)[-_NPM_OUTPUT_TAIL:]}", field=package.name)
        shutil.rmtree(root, ignore_errors=True)
        os.replace(staging, root)
    return package.binary_path(toolchain_dir), time.monotonic() - started
