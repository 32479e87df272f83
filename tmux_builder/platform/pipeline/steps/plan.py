"""Step 4, ``create_plan``: the agent writes ``output/plan.md``."""

from __future__ import annotations

from dataclasses import dataclass

from tmux_builder.domain import StepName
from tmux_builder.platform.core.workspaces import inside
from tmux_builder.platform.pipeline.context import StepContext, StepFailed


@dataclass(frozen=True)
class PlanResult:
    agent_seconds: float
    snapshot: str


def plan_the_site(ctx: StepContext) -> PlanResult:
    phase = StepName.create_plan
    seconds = ctx.agent_phase(phase, ctx.autonomous_prompt(phase))
    if not inside(ctx.workspace, "output/plan.md").is_file():
        raise StepFailed("the agent reported a plan but output/plan.md is missing")
    return PlanResult(seconds, ctx.snapshot(phase))
