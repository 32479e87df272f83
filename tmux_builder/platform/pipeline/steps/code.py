"""Step 5, ``generate_code``: the agent writes the site into ``source/`` and its E2E tests
into ``deployment/tests/e2e_test.py``."""

from __future__ import annotations

from dataclasses import dataclass

from tmux_builder.domain import StepName
from tmux_builder.platform.core.workspaces import inside
from tmux_builder.platform.pipeline.context import StepContext, StepFailed


@dataclass(frozen=True)
class CodeResult:
    agent_seconds: float
    files: int
    snapshot: str


def write_the_code(ctx: StepContext) -> CodeResult:
    phase = StepName.generate_code
    seconds = ctx.agent_phase(phase, ctx.autonomous_prompt(phase))
    files = [p for p in inside(ctx.workspace, "source").rglob("*") if p.is_file()]
    if not files:
        raise StepFailed("the agent wrote no files into source/")
    if not inside(ctx.workspace, "deployment/tests/e2e_test.py").is_file():
        raise StepFailed("the agent wrote no E2E tests (deployment/tests/e2e_test.py)")
    return CodeResult(seconds, len(files), ctx.snapshot(phase))
