"""The FastAPI application. ``create_app(settings)`` builds it; with ``serve_workers`` the
same process also runs the workers, the site server and the reaper (``tmux-builder serve``)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tmux_builder import __version__
from tmux_builder.api.dashboard import routes as dashboard
from tmux_builder.api.errors import install_error_handlers
from tmux_builder.api.routes import admin, creation, executions, health, sessions
from tmux_builder.api.schemas import ERROR_RESPONSES
from tmux_builder.api.state import AppState
from tmux_builder.platform.settings import Settings


def _background(state: AppState, stop: threading.Event) -> list[threading.Thread]:
    from tmux_builder.platform.ops.reaper import run_reaper
    from tmux_builder.platform.site_server import start_site_server_background
    from tmux_builder.platform.worker import run_pool

    start_site_server_background(state.settings)
    threads = run_pool(state.db, state.settings, stop)
    reaper = threading.Thread(target=run_reaper, args=(state.db, state.settings, stop),
                              name="reaper", daemon=True)
    reaper.start()
    return [*threads, reaper]


def create_app(settings: Settings, *, serve_workers: bool = False) -> FastAPI:
    state = AppState.build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        threads = _background(state, stop) if serve_workers else []
        yield
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    app = FastAPI(title="tmux-builder", version=__version__, lifespan=lifespan,
                  description="Plain-language requests become deployed, verified websites; "
                  "one Pulumi stack per session.")
    app.state.tb = state
    install_error_handlers(app)
    for module in (creation, executions, sessions, health, admin, dashboard):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    return app
