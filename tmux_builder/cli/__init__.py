"""``tmux-builder``: one Typer app with a module per command group, a thin front over
``platform``. Every command reports a domain error the same way (one red line, exit 2), and
heavy imports stay inside the commands so that read-only commands start fast."""

from tmux_builder.cli.app import app

__all__ = ["app"]
