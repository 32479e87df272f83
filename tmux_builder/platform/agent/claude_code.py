"""Claude Code, pinned to one exact version and installed with npm into the toolchain cache
(``<toolchain_dir>/claude-code-<version>/``), like the Pulumi CLI.

The npm package ships a native binary in an optional platform package
(``@anthropic-ai/claude-code-linux-x64``) that its postinstall links over ``bin/claude.exe``:
nothing is downloaded at install or first run. 2.1.197 is the newest release that declares
``node >= 18`` (Debian's node 20 installs it without a warning)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from filelock import FileLock

from tmux_builder.errors import ToolchainError

CLAUDE_CODE_VERSION = "2.1.197"
CLAUDE_CODE_PACKAGE = "@anthropic-ai/claude-code"
_BINARY = Path("node_modules") / "@anthropic-ai" / "claude-code" / "bin" / "claude.exe"
_NPM_OUTPUT_TAIL = 3000


def claude_root(toolchain_dir: Path, version: str = CLAUDE_CODE_VERSION) -> Path:
    return toolchain_dir / f"claude-code-{version}"


def claude_binary(toolchain_dir: Path, version: str = CLAUDE_CODE_VERSION) -> Path:
    return claude_root(toolchain_dir, version) / _BINARY


def claude_version(binary: Path) -> str | None:
    """``2.1.197`` from ``claude --version`` (``2.1.197 (Claude Code)``), or None."""
    if not binary.is_file():
        return None
    try:
        result = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                                timeout=30, check=False, env={"PATH": os.defpath})
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = result.stdout.split()
    return words[0] if result.returncode == 0 and words else None


_FOUND: set[Path] = set()


def find_claude_code(toolchain_dir: Path, version: str = CLAUDE_CODE_VERSION) -> Path | None:
    """The installed binary at ``version`` (a hit is remembered: every phase asks)."""
    binary = claude_binary(toolchain_dir, version)
    if binary in _FOUND and binary.is_file():
        return binary
    if claude_version(binary) != version:
        return None
    _FOUND.add(binary)
    return binary


def install_claude_code(toolchain_dir: Path,
                        version: str = CLAUDE_CODE_VERSION) -> tuple[Path, float | None]:
    """The binary at ``version``, installed when missing; returns it and the seconds the
    install took (None when it was already there). A file lock keeps two setups apart and the
    folder appears whole (installed in a staging folder, then renamed)."""
    found = find_claude_code(toolchain_dir, version)
    if found is not None:
        return found, None
    npm = shutil.which("npm")
    if npm is None:
        raise ToolchainError("installing Claude Code needs npm (apt-get install -y npm)",
                             field="claude")
    toolchain_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with FileLock(toolchain_dir / f".claude-code-{version}.lock"):
        found = find_claude_code(toolchain_dir, version)
        if found is not None:
            return found, None
        root = claude_root(toolchain_dir, version)
        staging = toolchain_dir / f".claude-code-{version}.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        result = subprocess.run(
            [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--no-save",
             "--loglevel=error", f"{CLAUDE_CODE_PACKAGE}@{version}"],
            capture_output=True, text=True, check=False)
        if result.returncode != 0 or claude_version(staging / _BINARY) != version:
            shutil.rmtree(staging, ignore_errors=True)
            raise ToolchainError(
                f"npm could not install {CLAUDE_CODE_PACKAGE}@{version}: "
                f"{(result.stdout + result.stderr)[-_NPM_OUTPUT_TAIL:]}", field="claude")
        shutil.rmtree(root, ignore_errors=True)
        os.replace(staging, root)
    return claude_binary(toolchain_dir, version), time.monotonic() - started
