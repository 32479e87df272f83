"""Waiting for a real server started on loopback (used by the live-server fixture and benches)."""

from __future__ import annotations

import time

import httpx


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
