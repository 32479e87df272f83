"""``/healthz``: the database answers and the toolchain is in place."""

from __future__ import annotations

from fastapi import APIRouter

from tmux_builder.api.deps import State
from tmux_builder.api.schemas import HealthOut
from tmux_builder.platform.ops.liveness import database_answers

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut)
def healthz(state: State) -> HealthOut:
    return HealthOut(status="ok", database=database_answers(state.db),
                     pulumi=state.engine.config.pulumi_binary.name)
