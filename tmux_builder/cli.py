"""``tmux-builder``: a thin command-line front over ``platform``."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tmux_builder.errors import TmuxBuilderError
from tmux_builder.platform.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="tmux-builder: requests become deployed sites.")
stacks_app = typer.Typer(no_args_is_help=True, help="Audit the session stacks.")
app.add_typer(stacks_app, name="stacks")
console = Console()


def _fail(error: TmuxBuilderError) -> None:
    console.print(f"[red]error:[/red] {error}")
    raise typer.Exit(code=2)


@app.command()
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


@app.command("setup-toolchain")
def setup_toolchain() -> None:
    """Find or build the Pulumi CLI (cached by version), write the dynamic-provider launcher
    and install the pinned Claude Code. Fast when nothing is missing."""
    from tmux_builder.platform.agents.claude_code import install_claude_code
    from tmux_builder.stacks.toolchain import ensure_toolchain

    started = time.monotonic()
    settings = get_settings()
    try:
        toolchain = ensure_toolchain(settings.toolchain_dir, build=True)
        claude, claude_seconds = install_claude_code(settings.toolchain_dir)
    except TmuxBuilderError as error:
        _fail(error)
        return
    built = f" (built in {toolchain.built_seconds:.0f}s)" if toolchain.built_seconds else ""
    console.print(f"pulumi: {toolchain.pulumi_root / 'bin' / 'pulumi'}{built}")
    console.print(f"launcher: {toolchain.launcher}")
    console.print(f"policy launcher: {toolchain.policy_launcher}")
    installed = f" (installed in {claude_seconds:.0f}s)" if claude_seconds else ""
    console.print(f"claude code: {claude}{installed}", soft_wrap=True)
    console.print(f"toolchain ready in {time.monotonic() - started:.1f}s")


@app.command("serve-sites")
def serve_sites() -> None:
    """Serve published static sites on their own port (TMUX_BUILDER_SITES_PORT)."""
    from tmux_builder.platform.site_server import run_site_server

    run_site_server(get_settings())


@app.command()
def demo() -> None:
    """Run the whole pipeline once on the embedded defaults and print the deployed URL."""
    from rich.progress import BarColumn, Progress, TextColumn

    from tmux_builder.platform.db import Database
    from tmux_builder.platform.demo import run_demo
    from tmux_builder.platform.pipeline import TOTAL_STEPS

    settings = get_settings()
    db = Database(settings.db_url)
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), console=console) as bar:
        task = bar.add_task("queued", total=TOTAL_STEPS)

        def show(status: dict) -> None:
            name = status["current_step_name"] or status["status"]
            bar.update(task, completed=status["completed_steps"],
                       description=f"{status['status']}: {name}")

        try:
            created, status = run_demo(db, settings, on_progress=show)
        except TmuxBuilderError as error:
            _fail(error)
            return
    typer.echo(f"execution: {created.execution_id}")
    typer.echo(f"status: {status['status']} ({status['completed_steps']}/{TOTAL_STEPS})")
    if status["status"] != "completed":
        typer.echo(f"error: {status['error']} (debug id {status['debug_id']})")
        raise typer.Exit(code=1)
    details = {s["name"]: s["details"] for s in status["steps"]}
    e2e = details["e2e_tests"]
    typer.echo(f"screenshot: {details['screenshot']['path']}")
    typer.echo(f"E2E: {e2e['total'] - e2e['failed'] - e2e['skipped']} passed, "
               f"{e2e['failed']} failed")
    typer.echo(f"deployed URL: {status['deployed_url']}")


@app.command()
def serve() -> None:
    """Start the API (with the dashboard), the workers, the site server and the reaper."""
    import uvicorn

    from tmux_builder.api.app import create_app, server_config

    settings = get_settings()
    console.print(f"API on http://{settings.api_host}:{settings.api_port} "
                  f"(docs at /docs); sites on port {settings.sites_port}")
    app = create_app(settings, serve_workers=True)
    uvicorn.Server(server_config(app, settings, log_level="info")).run()


@app.command()
def worker(
    count: Annotated[int | None, typer.Option(help="Worker threads (default: setting).")] = None,
) -> None:
    """Run a pool of workers against the job queue until interrupted."""
    import threading

    from tmux_builder.platform.db import Database
    from tmux_builder.platform.worker import run_pool

    settings = get_settings()
    stop = threading.Event()
    threads = run_pool(Database(settings.db_url), settings, stop, count)
    console.print(f"{len(threads)} worker(s) running; Ctrl-C to stop")
    try:
        while any(t.is_alive() for t in threads):
            stop.wait(1)
    except KeyboardInterrupt:
        stop.set()


def _register_ops() -> None:
    from tmux_builder import cli_ops, cli_plugins, cli_users

    cli_ops.register(app, stacks_app)
    cli_users.register(app)
    cli_plugins.register(app)


_register_ops()

if __name__ == "__main__":
    app()
