"""The offline toolchain: the Pulumi CLI built with Go at the Python SDK's exact version, and
the ``pulumi-resource-pulumi-python`` launcher that runs Python dynamic providers.

Pulumi's ``pkg/go.mod`` replaces ``sdk/v3`` with a local folder, so ``go install pkg@version``
is refused; a throw-away wrapper module requires ``pkg/v3`` and ``sdk/v3`` at the same version
and repeats the other ``replace`` lines of ``pkg/go.mod``. The result is cached under
``<toolchain_dir>/pulumi-v<version>/bin/pulumi`` and reused."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from tmux_builder.errors import ToolchainError
from tmux_builder.stacks.npm_packages import NpmPackage, install_npm_package

PULUMI_PKG_MODULE = "github.com/pulumi/pulumi/pkg/v3"
PULUMI_SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3"
PULUMI_CLI_PACKAGE = f"{PULUMI_PKG_MODULE}/cmd/pulumi"
VERSION_SYMBOL = f"{PULUMI_SDK_MODULE}/go/common/version.Version"
LAUNCHER_NAME = "pulumi-resource-pulumi-python"
# With `runtime: python` in PulumiPolicy.yaml the CLI starts this executable (from the
# workspace or PATH) in the pack's folder as `<name> <engine address> .`; the pip wheels do
# not ship it.
POLICY_LAUNCHER_NAME = "pulumi-analyzer-policy-python"
MIN_GO = (1, 25)
# Azurite, the Azure Storage emulator, proves the azblob:// backend on loopback. 3.35.0 is
# the newest release that declares a node Debian has (3.36 wants node >= 21, 3.37 >= 22).
AZURITE = NpmPackage("azurite", "3.35.0", "azurite-blob")


def sdk_version(package: str = "pulumi") -> str:
    """Version of an installed Python package (the CLI must match ``pulumi``'s)."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ToolchainError(f"Python package {package} is not installed; run `make setup`",
                             field=package) from exc


def pulumi_root(toolchain_dir: Path, version: str) -> Path:
    return toolchain_dir / f"pulumi-v{version}"


def binary_version(binary: Path) -> str | None:
    try:
        result = subprocess.run([str(binary), "version"], capture_output=True, text=True,
                                timeout=30, check=False)
    except OSError:
        return None
    return result.stdout.strip().removeprefix("v") if result.returncode == 0 else None


def find_pulumi_root(toolchain_dir: Path, version: str) -> Path | None:
    """A ``pulumi`` of the right version: on PATH first, else in the cache. Returns the root
    (the folder holding ``bin/pulumi``), the form ``PulumiCommand`` expects."""
    on_path = shutil.which("pulumi")
    if on_path:
        binary = Path(on_path).resolve()
        if binary.parent.name == "bin" and binary_version(binary) == version:
            return binary.parent.parent
    cached = pulumi_root(toolchain_dir, version)
    if binary_version(cached / "bin" / "pulumi") == version:
        return cached
    return None


def go_version() -> tuple[int, int] | None:
    go = shutil.which("go")
    if go is None:
        return None
    out = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, check=False)
    match = re.match(r"go(\d+)\.(\d+)", out.stdout.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def wrapper_go_mod(pkg_go_mod: str, version: str) -> str:
    """The wrapper module's go.mod: pkg/v3 and sdk/v3 at ``version`` plus pkg's non-local
    ``replace`` lines (a local one such as ``=> ../sdk`` cannot resolve outside the repo)."""
    go_line = next((ln for ln in pkg_go_mod.splitlines() if ln.startswith("go ")), "go 1.25")
    replaces: list[str] = []
    in_block = False
    for raw in pkg_go_mod.splitlines():
        line = raw.strip()
        if line.startswith("replace ("):
            in_block = True
            continue
        if in_block and line == ")":
            in_block = False
            continue
        body = line if in_block else (line[len("replace "):] if line.startswith("replace ") else "")
        if body and "=>" in body and not re.search(r"=>\s*\.{1,2}/", body):
            replaces.append(f"replace {body}")
    return "\n".join([
        "module tmuxbuilder.local/pulumi-cli", "", go_line, "",
        "require (", f"\t{PULUMI_PKG_MODULE} v{version}", f"\t{PULUMI_SDK_MODULE} v{version}", ")",
        "", *replaces, "",
    ])


def _go(args: list[str], cwd: Path, log: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ go {' '.join(args)}\n")
        result = subprocess.run(["go", *args], cwd=cwd, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        handle.write(result.stdout)
    if result.returncode != 0:
        raise ToolchainError(f"`go {' '.join(args[:2])}` failed: {result.stdout[-3000:]}",
                             field="pulumi")
    return result


def build_pulumi_cli(toolchain_dir: Path, version: str) -> tuple[Path, float]:
    """Build the CLI at ``version`` into the cache; returns the root and the seconds taken.
    A file lock keeps two setups from building at once; the binary appears atomically."""
    found_go = go_version()
    if found_go is None or found_go < MIN_GO:
        raise ToolchainError(
            f"building the Pulumi CLI needs Go >= {MIN_GO[0]}.{MIN_GO[1]} on PATH", field="go"
        )
    root = pulumi_root(toolchain_dir, version)
    toolchain_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with FileLock(toolchain_dir / f".build-{version}.lock"):
        if binary_version(root / "bin" / "pulumi") == version:
            return root, time.monotonic() - started
        log = toolchain_dir / f"build-pulumi-v{version}.log"
        log.write_text("", encoding="utf-8")
        with tempfile.TemporaryDirectory(prefix="pulumi-cli-") as work:
            work_dir = Path(work)
            info = json.loads(_go(["mod", "download", "-json",
                                   f"{PULUMI_PKG_MODULE}@v{version}"], work_dir, log).stdout)
            pkg_go_mod = Path(info["GoMod"]).read_text(encoding="utf-8")
            (work_dir / "go.mod").write_text(wrapper_go_mod(pkg_go_mod, version), encoding="utf-8")
            (work_dir / "tools.go").write_text(
                f'//go:build tools\n\npackage tools\n\nimport _ "{PULUMI_CLI_PACKAGE}"\n',
                encoding="utf-8",
            )
            _go(["mod", "tidy"], work_dir, log)
            staging = root / "bin" / f".pulumi.{os.getpid()}"
            staging.parent.mkdir(parents=True, exist_ok=True)
            _go(["build", "-trimpath", "-o", str(staging),
                 "-ldflags", f"-s -w -X {VERSION_SYMBOL}=v{version}", PULUMI_CLI_PACKAGE],
                work_dir, log)
            os.replace(staging, root / "bin" / "pulumi")
    built = binary_version(root / "bin" / "pulumi")
    if built != version:
        raise ToolchainError(f"built pulumi reports {built!r}, expected {version}", field="pulumi")
    return root, time.monotonic() - started


def launcher_script(python: Path, module: str = "pulumi.dynamic") -> str:
    return f'#!/bin/sh\nexec "{python}" -u -m {module} "$@"\n'


def ensure_python_launcher(bin_dir: Path | None = None, python: Path | None = None, *,
                           name: str = LAUNCHER_NAME, module: str = "pulumi.dynamic") -> Path:
    """Write a launcher beside this interpreter (idempotent): by default the one that runs
    Python dynamic providers; with ``name``/``module`` the policy analyzer's."""
    python = python or Path(sys.executable)
    bin_dir = bin_dir or python.parent
    path = bin_dir / name
    text = launcher_script(python, module)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


def ensure_policy_launcher(bin_dir: Path | None = None, python: Path | None = None) -> Path:
    """The policy analyzer launcher: runs ``python -u -m pulumi.policy <engine> <folder>``."""
    return ensure_python_launcher(bin_dir, python, name=POLICY_LAUNCHER_NAME,
                                  module="pulumi.policy")


@dataclass(frozen=True)
class Toolchain:
    pulumi_root: Path
    launcher: Path
    built_seconds: float | None = None
    azurite: Path | None = None
    policy_launcher: Path | None = None


def ensure_toolchain(toolchain_dir: Path, *, build: bool = True) -> Toolchain:
    """Find (or build, when ``build``) everything the engine needs; ``build`` also installs
    Azurite, the emulator the azblob:// backend is tested on."""
    version = sdk_version()
    root = find_pulumi_root(toolchain_dir, version)
    seconds = None
    if root is None:
        if not build:
            raise ToolchainError(
                f"the Pulumi CLI v{version} is not installed; run `make setup` (builds it "
                f"into {pulumi_root(toolchain_dir, version)})",
                field="pulumi",
            )
        root, seconds = build_pulumi_cli(toolchain_dir, version)
    azurite = install_npm_package(toolchain_dir, AZURITE)[0] if build else None
    return Toolchain(root, ensure_python_launcher(), seconds, azurite=azurite,
                     policy_launcher=ensure_policy_launcher())
