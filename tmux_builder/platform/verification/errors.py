"""Errors raised by the verification steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tmux_builder.errors import TmuxBuilderError

if TYPE_CHECKING:
    from tmux_builder.platform.verification.screenshot import ScreenshotResult


class ScreenshotError(TmuxBuilderError):
    """The browser could not load or photograph the page."""


class BlankPageError(ScreenshotError):
    """The page loaded but shows (nearly) nothing; ``result`` points at the saved files."""

    def __init__(self, message: str, *, result: ScreenshotResult) -> None:
        super().__init__(message)
        self.result = result
