"""Setting the machine up: ``doctor`` and ``setup-toolchain``."""

from __future__ import annotations

import time

import typer
from rich.table import Table

from tmux_builder.cli.output import console
from tmux_builder.platform.core.settings import get_settings


def doctor() -> None:
    """Every tool with version, path and status; exits 1 with the fix when one is missing."""
    from tmux_builder.platform.doctor import run_checks

    checks = run_checks(get_settings())
    table = Table("tool", "status", "version", "path", "fix")
    colours = {"ok": "green", "optional": "yellow", "warning": "yellow"}
    for check in checks:
        colour = colours.get(check.status, "red")
        table.add_row(check.name, f"[{colour}]{check.status}[/{colour}]", check.version,
                      check.path, check.fix)
    console.print(table)
    if any(c.failed for c in checks):
        raise typer.Exit(code=1)


def setup_toolchain() -> None:
    """Find or build the Pulumi CLI (cached by version), write the dynamic-provider launcher
    and install the pinned Claude Code. Fast when nothing is missing."""
    from tmux_builder.platform.agent.claude_code import install_claude_code
    from tmux_builder.stacks.toolchain import ensure_toolchain

    started = time.monotonic()
    settings = get_settings()
    toolchain = ensure_toolchain(settings.toolchain_dir, build=True)
    claude, claude_seconds = install_claude_code(settings.toolchain_dir)
    built = f" (built in {toolchain.built_seconds:.0f}s)" if toolchain.built_seconds else ""
    console.print(f"pulumi: {toolchain.pulumi_root / 'bin' / 'pulumi'}{built}")
    console.print(f"launcher: {toolchain.launcher}")
    console.print(f"policy launcher: {toolchain.policy_launcher}")
    installed = f" (installed in {claude_seconds:.0f}s)" if claude_seconds else ""
    console.print(f"claude code: {claude}{installed}", soft_wrap=True)
    console.print(f"toolchain ready in {time.monotonic() - started:.1f}s")
