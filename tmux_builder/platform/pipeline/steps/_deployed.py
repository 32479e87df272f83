"""What the checking steps start from: the deployed URL and the newest build's label."""

from __future__ import annotations

from tmux_builder.platform.db import Execution
from tmux_builder.platform.pipeline.context import StepContext, StepFailed


def deployed_build(ctx: StepContext) -> tuple[str, str]:
    with ctx.services.db.transaction() as tx:
        execution = tx.get_one(Execution, ctx.execution_id)
        if not execution.deployed_url or not execution.builds:
            raise StepFailed("there is no deployed URL to check")
        return execution.deployed_url, execution.builds[-1].label
