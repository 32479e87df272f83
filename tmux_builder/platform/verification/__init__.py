"""Verification of a deployed site: health check, screenshot and the agent's E2E tests."""

from tmux_builder.platform.verification.e2e import E2EResult, run_e2e_tests
from tmux_builder.platform.verification.errors import BlankPageError, ScreenshotError
from tmux_builder.platform.verification.health import HealthResult, check_health, save_result
from tmux_builder.platform.verification.screenshot import ScreenshotResult, take_screenshot

__all__ = [
    "BlankPageError",
    "E2EResult",
    "HealthResult",
    "ScreenshotError",
    "ScreenshotResult",
    "check_health",
    "run_e2e_tests",
    "save_result",
    "take_screenshot",
]
