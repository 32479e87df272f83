"""The one place that says which Chromium the platform drives and how it is launched.

Playwright never downloads a browser here: it drives the system Chromium, and the E2E runner
hands the same path to the agent's tests through ``CHROMIUM_PATH``."""

from __future__ import annotations

from typing import Any

CHROMIUM_PATH = "/usr/bin/chromium"

CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def launch_options() -> dict[str, Any]:
    """Keyword arguments for ``playwright.chromium.launch``."""
    return {"executable_path": CHROMIUM_PATH, "headless": True, "args": list(CHROMIUM_ARGS)}
