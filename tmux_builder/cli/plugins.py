"""``tmux-builder plugins``: the pinned provider plugins in the engine's own plugin home."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from tmux_builder.cli.output import App, console
from tmux_builder.platform.core.settings import get_settings

if TYPE_CHECKING:
    from tmux_builder.stacks import EngineConfig
    from tmux_builder.stacks.plugins import PluginStatus

plugins_app = App(no_args_is_help=True, help="Provider plugins where the engine loads them.")


def _config() -> EngineConfig:
    from tmux_builder.platform.core.engine import engine_config

    return engine_config(get_settings())


def _show(rows: list[PluginStatus]) -> None:
    table = Table("plugin", "version", "status", "path", "detail")
    for row in rows:
        colour = "green" if row.ok else "red"
        table.add_row(row.name, row.version, f"[{colour}]{row.status}[/{colour}]", row.path,
                      row.detail)
    console.print(table)
    if not all(row.ok for row in rows):
        raise typer.Exit(code=1)


@plugins_app.command("install")
def install(
    source: Annotated[Path | None, typer.Option(
        "--from", help="A folder (or one file) with the release tarballs "
        "pulumi-resource-<name>-v<version>-<os>-<arch>.tar.gz or resource-<name>-v<version>/ "
        "plugin folders; without it the plugins are downloaded.")] = None,
    server: Annotated[str | None, typer.Option(
        help="Download from this plugin server instead of Pulumi's.")] = None,
) -> None:
    """Install the pinned aws, azure-native, tls and command plugins into the engine's plugin
    home (<data_dir>/pulumi-home); exit 1 when one is still missing."""
    from tmux_builder.stacks.plugins import install_plugins

    _show(install_plugins(_config(), source, server=server))


@plugins_app.command("ls")
def ls() -> None:
    """What the engine would load for each pinned plugin; exit 1 when one is missing."""
    from tmux_builder.stacks.plugins import plugin_report

    _show(plugin_report(_config()))
