"""Commands that run the platform: the demo, the API server, workers, the site server. Each
configures logging once (one line per event on stdout, JSON when asked)."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import TYPE_CHECKING, Annotated

import typer

from tmux_builder.cli.output import console
from tmux_builder.domain import TOTAL_STEPS, ExecutionStatus, StepName
from tmux_builder.platform.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from tmux_builder.platform.sessions.status import ExecutionState


def _logged_settings() -> Settings:
    from tmux_builder.platform.core.logging import configure_logging

    settings = get_settings()
    configure_logging(settings)
    return settings


def serve_sites() -> None:
    """Serve published static sites on their own port (TMUX_BUILDER_SITES_PORT)."""
    from tmux_builder.platform.sites.server import run_site_server

    run_site_server(_logged_settings())


def demo() -> None:
    """Run the whole pipeline once on the embedded defaults and print the deployed URL."""
    from rich.progress import BarColumn, Progress, TextColumn

    from tmux_builder.platform.db import Database
    from tmux_builder.platform.demo import run_demo

    settings = get_settings()
    db = Database(settings.db_url)
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), console=console) as bar:
        task = bar.add_task("queued", total=TOTAL_STEPS)

        def show(status: ExecutionState) -> None:
            name = status.current_step_name or status.status
            bar.update(task, completed=status.completed_steps,
                       description=f"{status.status}: {name}")

        created, status = run_demo(db, settings, on_progress=show)
    typer.echo(f"execution: {created.execution_id}")
    typer.echo(f"status: {status.status} ({status.completed_steps}/{TOTAL_STEPS})")
    if status.status != ExecutionStatus.completed:
        typer.echo(f"error: {status.error} (debug id {status.debug_id})")
        raise typer.Exit(code=1)
    e2e = status.details_of(StepName.e2e_tests)
    typer.echo(f"screenshot: {status.details_of(StepName.screenshot)['path']}")
    typer.echo(f"E2E: {e2e['total'] - e2e['failed'] - e2e['skipped']} passed, "
               f"{e2e['failed']} failed")
    typer.echo(f"deployed URL: {status.deployed_url}")


def serve() -> None:
    """Start the API (with the dashboard), the workers, the site server and the reaper."""
    import uvicorn

    from tmux_builder.api.app import create_app, server_config

    settings = _logged_settings()
    console.print(f"API on http://{settings.api_host}:{settings.api_port} "
                  f"(docs at /docs); sites on port {settings.sites_port}")
    app = create_app(settings, serve_workers=True)
    uvicorn.Server(server_config(app, settings, log_config=None)).run()


def worker(
    count: Annotated[int | None, typer.Option(help="Worker threads (default: setting).")] = None,
    supervised_by: Annotated[int | None, typer.Option(
        hidden=True, help="pid of the `serve` supervising this process: stop when it is gone."
    )] = None,
) -> None:
    """Run a pool of workers against the job queue until interrupted (SIGINT or SIGTERM)."""
    from tmux_builder.platform.db import Database
    from tmux_builder.platform.workers.supervisor import stop_on_signals, stop_when_parent_dies
    from tmux_builder.platform.workers.worker import run_pool

    settings = _logged_settings()
    stop = threading.Event()
    stop_on_signals(stop)
    if supervised_by is not None:
        stop_when_parent_dies(supervised_by, stop)
    threads = run_pool(Database(settings.db_url), settings, stop, count)
    console.print(f"{len(threads)} worker(s) running; Ctrl-C to stop")
    while not stop.is_set() and any(t.is_alive() for t in threads):
        stop.wait(1)
    deadline = time.monotonic() + settings.worker_stop_grace_seconds
    for thread in threads:  # a running job may finish; what does not is cut short
        thread.join(timeout=max(deadline - time.monotonic(), 0.0))
    if (supervised_by is not None and os.getpgid(0) == os.getpid()
            and any(t.is_alive() for t in threads)):
        os.killpg(os.getpgid(0), signal.SIGKILL)  # its own group: the job's engine with it
