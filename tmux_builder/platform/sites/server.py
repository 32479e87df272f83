"""The site server: serves published static sites at ``/<stack>/`` on their own port, apart
from the API and dashboard, so a user's site never shares an origin with the platform.

Every site shares this one host and port, so every page is served with a ``sandbox``
Content-Security-Policy without ``allow-same-origin``: each page runs in an opaque origin of
its own, and one user's script can neither read nor write another site's storage, cookies or
DOM. Scripts, forms, dialogs and popups keep working; ``Access-Control-Allow-Origin: *`` lets
a sandboxed page still fetch its own (public) files.

Each request resolves the site's link anew (a publish swaps it atomically) and Starlette's
``StaticFiles`` refuses any path whose real location leaves the site's folder."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import uvicorn
from filelock import FileLock
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from tmux_builder.errors import InvalidInputError
from tmux_builder.platform.core.private_files import prepare_data_dir
from tmux_builder.platform.core.settings import Settings
from tmux_builder.stacks import validate_stack_name

_HEALTH_PATH = "/_site_server/health"
SITE_SANDBOX = ("sandbox allow-scripts allow-forms allow-modals allow-popups "
                "allow-popups-to-escape-sandbox allow-downloads")
SITE_HEADERS = {
    "Content-Security-Policy": SITE_SANDBOX,
    "X-Content-Type-Options": "nosniff",
    "Access-Control-Allow-Origin": "*",
    "Referrer-Policy": "no-referrer",
}


def sites_fingerprint(sites_dir: Path) -> str:
    """Names the sites folder a server serves without telling where it is on disk."""
    return hashlib.sha256(str(sites_dir.resolve()).encode()).hexdigest()[:32]


def _not_found() -> Response:
    return PlainTextResponse("not found", status_code=404)


def create_site_app(sites_dir: Path) -> Starlette:
    fingerprint = sites_fingerprint(sites_dir)

    async def health(_: Request) -> Response:
        return PlainTextResponse(fingerprint)

    async def site_root(request: Request) -> Response:
        return RedirectResponse(f"/{request.path_params['stack']}/", status_code=308)

    async def site_file(request: Request) -> Response:
        stack = request.path_params["stack"]
        try:
            validate_stack_name(stack)
        except InvalidInputError:
            return _not_found()
        site_dir = sites_dir / stack
        if not site_dir.is_dir():
            return _not_found()
        files = StaticFiles(directory=site_dir, html=True, check_dir=False)
        scope: Scope = {**request.scope, "path": "/" + request.path_params["path"]}
        return await files.get_response(request.path_params["path"] or ".", scope)

    async def site_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]],
                           ) -> Response:
        response = await call_next(request)
        response.headers.update(SITE_HEADERS)
        return response

    return Starlette(routes=[
        Route(_HEALTH_PATH, health),
        Route("/{stack}", site_root),
        Route("/{stack}/{path:path}", site_file),
    ], middleware=[Middleware(BaseHTTPMiddleware, dispatch=site_headers)])


def run_site_server(settings: Settings) -> None:
    """Serve in the foreground until interrupted."""
    prepare_data_dir(settings)
    settings.sites_dir.mkdir(parents=True, exist_ok=True)
    uvicorn.run(create_site_app(settings.sites_dir), host=settings.sites_host,
                port=settings.sites_port, log_level="warning")


@contextmanager
def site_server_thread(sites_dir: Path, host: str, port: int) -> Iterator[str]:
    """Serve in a background thread for the duration of the block; yields the base URL."""
    sites_dir.mkdir(parents=True, exist_ok=True)
    config = uvicorn.Config(create_site_app(sites_dir), host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://{host}:{port}"
    _wait_healthy(base, 15)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def site_server_is_up(settings: Settings) -> bool:
    """True when a site server for these settings answers; a server on the port that serves
    another data folder is an error, since its URLs would not show this folder's sites."""
    try:
        url = f"http://{settings.sites_host}:{settings.sites_port}{_HEALTH_PATH}"
        response = httpx.get(url, timeout=1)
    except httpx.HTTPError:
        return False
    if response.status_code == 200 and response.text == sites_fingerprint(settings.sites_dir):
        return True
    raise InvalidInputError(
        f"port {settings.sites_port} is taken by another server ({response.text[:200]!r}); "
        "stop it or choose another TMUX_BUILDER_SITES_PORT",
        field="sites_port",
    )


def pid_file(settings: Settings) -> Path:
    return settings.data_dir / "run" / "site-server.pid"


def start_site_server_background(settings: Settings) -> int | None:
    """Start ``tmux-builder serve-sites`` detached unless one already answers; returns its pid
    (None when one was already running). Workers of several threads and processes may ask at
    once: a file lock lets one start it, so the pid file always names the server that runs."""
    if site_server_is_up(settings):
        return None
    pid_file(settings).parent.mkdir(parents=True, exist_ok=True)
    with FileLock(pid_file(settings).with_suffix(".lock")):
        if site_server_is_up(settings):
            return None
        return _spawn_site_server(settings)


def _spawn_site_server(settings: Settings) -> int:
    log = settings.data_dir / "logs" / "site-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TMUX_BUILDER_DATA_DIR": str(settings.data_dir),
           "TMUX_BUILDER_SITES_HOST": settings.sites_host,
           "TMUX_BUILDER_SITES_PORT": str(settings.sites_port)}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tmux_builder.cli", "serve-sites"], env=env,
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file(settings).write_text(str(process.pid), encoding="utf-8")
    _wait_healthy(f"http://{settings.sites_host}:{settings.sites_port}", 20)
    return process.pid


def stop_site_server_background(settings: Settings) -> bool:
    try:
        pid = int(pid_file(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    with suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    pid_file(settings).unlink(missing_ok=True)
    return True


def _wait_healthy(base: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + _HEALTH_PATH, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"site server at {base} did not start within {timeout:.0f}s")
