"""Step 8, ``screenshot``: the deployed page in headless Chromium, with a thumbnail."""

from __future__ import annotations

from dataclasses import dataclass

from tmux_builder.platform.core.workspaces import inside
from tmux_builder.platform.pipeline.context import StepContext
from tmux_builder.platform.pipeline.steps._deployed import deployed_build
from tmux_builder.platform.verification import take_screenshot


@dataclass(frozen=True)
class ScreenshotResult:
    path: str
    thumbnail: str
    width: int
    height: int
    colours: int
    build: str  # names the store's screenshots/<build>.png and thumbnails/<build>.png


def photograph_the_site(ctx: StepContext) -> ScreenshotResult:
    url, build = deployed_build(ctx)
    shot = take_screenshot(url, inside(ctx.workspace, f"output/{build}"))
    ctx.keep_artifact("screenshots", f"{build}.png", shot.path)
    ctx.keep_artifact("thumbnails", f"{build}.png", shot.thumbnail_path)
    return ScreenshotResult(str(shot.path), str(shot.thumbnail_path), shot.width, shot.height,
                            shot.distinct_colours, build)
