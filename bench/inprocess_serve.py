"""The layout ``tmux-builder serve`` had before issue 16: the API and its workers as threads
of one process (and the site server beside it). Only for ``bench/api_load.py --layout
threads``, to print the figure before and after in one run."""

from __future__ import annotations

import contextlib
import signal
import threading

import uvicorn

from tmux_builder.api.app import create_app, server_config
from tmux_builder.platform.core.logging import configure_logging
from tmux_builder.platform.core.settings import get_settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.sites.server import (
    start_site_server_background,
    stop_site_server_background,
)
from tmux_builder.platform.workers.worker import run_pool


def main() -> None:
    settings = get_settings()
    configure_logging(settings)
    start_site_server_background(settings)
    stop = threading.Event()
    threads = run_pool(Database(settings.db_url), settings, stop)
    server = uvicorn.Server(server_config(create_app(settings), settings, log_config=None))
    # uvicorn re-raises SIGTERM after its shutdown, which would skip the cleanup below
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: setattr(server, "should_exit", True))
    try:
        server.run()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        stop_site_server_background(settings)


if __name__ == "__main__":
    main()
