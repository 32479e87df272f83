"""Screenshot: photograph the deployed page in the system Chromium, full page plus a thumbnail.

The thumbnail is the top viewport (what a visitor first sees) scaled to ``thumb_width``, so
every thumbnail has the same shape however long the page is. A blank page (see
:mod:`.blank`) raises :class:`BlankPageError` after both files are saved."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

from tmux_builder.errors import ToolchainError
from tmux_builder.platform.verification.blank import analyse
from tmux_builder.platform.verification.browser import CHROMIUM_PATH, launch_options
from tmux_builder.platform.verification.errors import BlankPageError, ScreenshotError
from tmux_builder.platform.verification.urls import require_http_url, require_positive

SCREENSHOT_NAME = "screenshot.png"
THUMBNAIL_NAME = "thumbnail.png"
_SETTLE_MS = 5000
"""How long to wait, at most, for the network to go quiet after ``load`` (late fetches)."""


@dataclass(frozen=True)
class ScreenshotResult:
    path: Path
    thumbnail_path: Path
    width: int
    height: int
    blank: bool
    distinct_colours: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "thumbnail_path": str(self.thumbnail_path),
            "width": self.width,
            "height": self.height,
            "blank": self.blank,
            "distinct_colours": self.distinct_colours,
        }


def take_screenshot(
    url: str,
    out_dir: Path,
    *,
    width: int = 1280,
    height: int = 800,
    thumb_width: int = 320,
    timeout_ms: int = 30000,
) -> ScreenshotResult:
    require_http_url(url)
    for value, field in ((width, "width"), (height, "height"), (thumb_width, "thumb_width"),
                         (timeout_ms, "timeout_ms")):
        require_positive(value, field)
    if not Path(CHROMIUM_PATH).is_file():
        raise ToolchainError(
            f"Chromium is missing at {CHROMIUM_PATH}; install the chromium package"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / SCREENSHOT_NAME
    _in_sync_context(_capture, url, path, width, height, timeout_ms)

    thumbnail_path = out_dir / THUMBNAIL_NAME
    with Image.open(path) as image:
        image.load()
    top = image.crop((0, 0, image.width, min(image.height, height)))
    thumb_height = max(1, round(thumb_width * height / width))
    top.resize((thumb_width, thumb_height), Image.Resampling.LANCZOS).save(thumbnail_path)

    stats = analyse(image)
    result = ScreenshotResult(
        path=path,
        thumbnail_path=thumbnail_path,
        width=image.width,
        height=image.height,
        blank=stats.blank,
        distinct_colours=stats.distinct_colours,
    )
    if stats.blank:
        raise BlankPageError(
            f"the page at {url} looks blank: {stats.distinct_colours} colour(s), "
            f"{stats.ink_fraction:.4%} of pixels differ from the background",
            result=result,
        )
    return result


def _capture(url: str, path: Path, width: int, height: int, timeout_ms: int) -> None:
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(**launch_options(), timeout=timeout_ms)
        except PlaywrightError as exc:
            raise ToolchainError(
                f"Chromium at {CHROMIUM_PATH} did not start: {_first_line(exc)}"
            ) from exc
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            response = page.goto(url, wait_until="load", timeout=timeout_ms)
            if response is not None and response.status >= 400:
                raise ScreenshotError(f"the page at {url} answered HTTP {response.status}")
            with suppress(PlaywrightTimeoutError):
                page.wait_for_load_state("networkidle", timeout=min(_SETTLE_MS, timeout_ms))
            page.screenshot(path=str(path), full_page=True, timeout=timeout_ms)
        except PlaywrightError as exc:
            raise ScreenshotError(f"could not photograph {url}: {_first_line(exc)}") from exc
        finally:
            browser.close()


def _in_sync_context(function: Callable[..., None], *args: Any) -> None:
    """Playwright's sync API refuses to run on a thread with a running asyncio loop (the API
    server's), so in that case run it on a helper thread and wait."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        function(*args)
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(function, *args).result()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
