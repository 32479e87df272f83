"""``python -m tmux_builder.cli``."""

from tmux_builder.cli.app import app

app()
