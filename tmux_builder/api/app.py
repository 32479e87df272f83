"""The FastAPI application. ``create_app(settings)`` builds it; with ``serve_workers`` the
server also starts the site server and the reaper and supervises the worker processes
(``tmux-builder serve``).
``server_config`` is how it is served: uvicorn's own X-Forwarded-For handling is off (it
trusts loopback by default), the app applies it for the configured proxies only."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tmux_builder import __version__
from tmux_builder.api.dashboard import routes as dashboard
from tmux_builder.api.errors import install_error_handlers
from tmux_builder.api.middleware import BodySizeLimit, RedactServerPaths, ResponseHeaders
from tmux_builder.api.routes import admin, auth, creation, executions, health, sessions, tokens
from tmux_builder.api.schemas import ERROR_RESPONSES
from tmux_builder.api.state import AppState
from tmux_builder.platform.core.redact import PathRedactor
from tmux_builder.platform.core.settings import Settings


class _Background:
    """What ``serve`` runs beside the API: the site server, the supervised worker processes,
    the reaper and the drift checks (threads: they only queue jobs)."""

    def __init__(self, state: AppState) -> None:
        from tmux_builder.platform.workers.supervisor import WorkerSupervisor

        self.state = state
        self.stop_event = threading.Event()
        self.supervisor = WorkerSupervisor(state.settings)
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        from tmux_builder.platform.ops.drift import run_drift_checks
        from tmux_builder.platform.ops.reaper import run_reaper
        from tmux_builder.platform.sites.server import start_site_server_background

        start_site_server_background(self.state.settings)
        self.supervisor.start()
        for name, target in (("reaper", run_reaper), ("drift-checks", run_drift_checks)):
            thread = threading.Thread(target=target, name=name, daemon=True,
                                      args=(self.state.db, self.state.settings,
                                            self.stop_event))
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        from tmux_builder.platform.sites.server import stop_site_server_background

        self.stop_event.set()
        self.supervisor.stop()
        for thread in self.threads:
            thread.join(timeout=30)
        stop_site_server_background(self.state.settings)  # started with (or for) this server


def create_app(settings: Settings, *, serve_workers: bool = False) -> FastAPI:
    state = AppState.build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        background = _Background(state) if serve_workers else None
        if background is not None:
            background.start()
        state.progress.start()
        try:
            yield
        finally:
            state.progress.stop()
            if background is not None:
                background.stop()

    app = FastAPI(title="tmux-builder", version=__version__, lifespan=lifespan,
                  description="Plain-language requests become deployed, verified websites; "
                  "one Pulumi stack per session.")
    app.state.tb = state
    install_error_handlers(app)
    install_middleware(app, settings)
    for module in (creation, auth, tokens, executions, sessions, health, admin, dashboard):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    return app


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Outermost last: proxy headers (trusted peers only), response headers, body size,
    path redaction."""
    app.add_middleware(RedactServerPaths, redactor=PathRedactor.for_settings(settings))
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ResponseHeaders)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)


def server_config(app: FastAPI, settings: Settings, **options: object) -> uvicorn.Config:
    """How the API is served (``tmux-builder serve``, the tests and benches alike)."""
    return uvicorn.Config(app, host=settings.api_host, port=settings.api_port,
                          proxy_headers=False, **options)  # type: ignore[arg-type]
