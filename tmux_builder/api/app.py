"""The FastAPI application. ``create_app(settings)`` builds it; with ``serve_workers`` the
same process also runs the workers, the site server and the reaper (``tmux-builder serve``).
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


def _background(state: AppState, stop: threading.Event) -> list[threading.Thread]:
    from tmux_builder.platform.ops.drift import run_drift_checks
    from tmux_builder.platform.ops.reaper import run_reaper
    from tmux_builder.platform.sites.server import start_site_server_background
    from tmux_builder.platform.workers.worker import run_pool

    start_site_server_background(state.settings)
    threads = run_pool(state.db, state.settings, stop)
    reaper = threading.Thread(target=run_reaper, args=(state.db, state.settings, stop),
                              name="reaper", daemon=True)
    reaper.start()
    drift = threading.Thread(target=run_drift_checks, args=(state.db, state.settings, stop),
                             name="drift-checks", daemon=True)
    drift.start()
    return [*threads, reaper, drift]


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
        if serve_workers:  # the site server started with (or for) this server stops with it
            from tmux_builder.platform.sites.server import stop_site_server_background

            stop_site_server_background(state.settings)

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
