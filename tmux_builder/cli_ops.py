"""Operator commands (stacks audit, cost, reaping, orphans), registered on the main CLI."""

from __future__ import annotations

import typer


def register(app: typer.Typer, stacks_app: typer.Typer) -> None:
    """Add the operator commands to ``app`` and ``stacks_app``."""
