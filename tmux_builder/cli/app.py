"""The one ``tmux-builder`` app: top-level commands and one sub-app per group (``stacks``,
``users``, ``plugins``). Every command is registered through ``App.command``, so a domain
error always ends the same way (one red line, exit code 2)."""

from __future__ import annotations

from tmux_builder.cli import ops, run, setup
from tmux_builder.cli.output import App
from tmux_builder.cli.plugins import plugins_app
from tmux_builder.cli.stacks import stacks_app
from tmux_builder.cli.users import users_app

app = App(no_args_is_help=True, help="tmux-builder: requests become deployed sites.")
app.add_typer(stacks_app, name="stacks")
app.add_typer(users_app, name="users")
app.add_typer(plugins_app, name="plugins")

app.command()(setup.doctor)
app.command("setup-toolchain")(setup.setup_toolchain)
app.command()(run.demo)
app.command()(run.serve)
app.command("serve-sites")(run.serve_sites)
app.command()(run.worker)
app.command("cost")(ops.cost)
app.command("reap")(ops.reap)
app.command("orphans")(ops.orphans)
app.command("queue")(ops.queue)
