"""Screenshots of real pages in the system Chromium."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.platform.verification.conftest import PageServer
from tmux_builder.errors import InvalidInputError
from tmux_builder.platform.verification import BlankPageError, ScreenshotError, take_screenshot
from tmux_builder.platform.verification.blank import analyse

pytestmark = pytest.mark.slow


def test_colourful_page_gives_full_page_and_thumbnail(
    page_server: PageServer, tmp_path: Path
) -> None:
    result = take_screenshot(page_server.url("/"), tmp_path / "shots")

    assert not result.blank and result.distinct_colours >= 10
    with Image.open(result.path) as full:
        assert full.format == "PNG" and full.width == 1280 and full.height >= 1500
        assert (full.width, full.height) == (result.width, result.height)
    with Image.open(result.thumbnail_path) as thumb:
        assert thumb.format == "PNG" and thumb.size == (320, 200)
    assert result.path.name == "screenshot.png" and result.thumbnail_path.name == "thumbnail.png"


def test_blank_page_raises_after_saving(page_server: PageServer, tmp_path: Path) -> None:
    with pytest.raises(BlankPageError) as caught:
        take_screenshot(page_server.url("/blank"), tmp_path, width=800, height=600)
    result = caught.value.result
    assert result.blank and result.distinct_colours == 1
    assert result.path.is_file() and result.thumbnail_path.is_file()
    assert "looks blank" in str(caught.value)


def test_error_page_is_not_photographed(page_server: PageServer, tmp_path: Path) -> None:
    with pytest.raises(ScreenshotError, match="HTTP 500"):
        take_screenshot(page_server.url("/error"), tmp_path, timeout_ms=10000)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as caught:
        take_screenshot("file:///etc/passwd", tmp_path)
    assert caught.value.field == "url"
    with pytest.raises(InvalidInputError) as caught:
        take_screenshot("http://127.0.0.1/", tmp_path, width=0)
    assert caught.value.field == "width"


def test_blank_rule_tolerates_noise_but_not_a_word() -> None:
    noisy = Image.new("RGB", (400, 300), (250, 250, 250))
    for x in range(0, 400, 7):
        noisy.putpixel((x, 10), (240, 240, 240))
    assert analyse(noisy).blank

    word = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(word).rectangle((20, 20, 59, 29), fill="black")
    stats = analyse(word)
    assert not stats.blank and stats.distinct_colours == 2


def test_works_inside_a_running_event_loop(page_server: PageServer, tmp_path: Path) -> None:
    async def inside_loop() -> int:
        return take_screenshot(page_server.url("/"), tmp_path, width=640, height=400).width

    assert asyncio.run(inside_loop()) == 640
