"""A real server started on loopback (used by the live-server fixtures and benches): served
exactly as ``tmux-builder serve`` serves it, in a thread, stopped afterwards."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tmux_builder.api.app import server_config
from tmux_builder.platform.core.settings import Settings


def wait_until_healthy(base: str, attempts: int = 300, pause: float = 0.1) -> None:
    """Poll ``{base}/healthz`` until it answers 200; fail loudly if it never does."""
    for _ in range(attempts):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(pause)
    raise RuntimeError(f"{base}/healthz did not answer 200 after {attempts * pause:.0f} s")


@contextmanager
def serving(app: FastAPI, settings: Settings) -> Iterator[str]:
    """Serve ``app`` on ``settings.api_host:api_port`` for the block; yields the base URL."""
    runner = uvicorn.Server(server_config(app, settings, log_level="warning"))
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    base = f"http://{settings.api_host}:{settings.api_port}"
    try:
        wait_until_healthy(base)
        yield base
    finally:
        runner.should_exit = True
        thread.join(timeout=60)
