"""Step 1, ``create_user``. The user's row and first token were written by the request's own
transaction (so a bad request leaves nothing behind); this step makes the user's folder."""

from __future__ import annotations

from dataclasses import dataclass

from tmux_builder.platform.pipeline.context import StepContext


@dataclass(frozen=True)
class UserFolderResult:
    user_id: str


def make_user_folder(ctx: StepContext) -> UserFolderResult:
    ctx.workspace.parent.mkdir(parents=True, exist_ok=True)
    return UserFolderResult(ctx.facts.user_id)
