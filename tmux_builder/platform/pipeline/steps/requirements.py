"""Step 3, ``gather_requirements``: the request becomes ``prompts/requirements.md``, a file
the agent reads (user text never goes through send-keys)."""

from __future__ import annotations

from dataclasses import dataclass

from tmux_builder.platform.core.workspaces import inside, write_text_atomic
from tmux_builder.platform.pipeline.context import StepContext


@dataclass(frozen=True)
class RequirementsResult:
    characters: int
    words: int


def write_requirements(ctx: StepContext) -> RequirementsResult:
    text = ctx.requirements.strip()
    write_text_atomic(inside(ctx.workspace, "prompts/requirements.md"),
                      f"# Requirements\n\n{text}\n")
    return RequirementsResult(len(text), len(text.split()))
