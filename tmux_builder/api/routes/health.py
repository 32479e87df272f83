"""``/healthz``: the database answers and the toolchain is in place."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from tmux_builder.api.deps import State

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(state: State) -> dict[str, Any]:
    with state.db.transaction() as tx:
        tx.execute(text("SELECT 1"))
    return {
        "status": "ok",
        "database": state.db.engine.dialect.name,
        "pulumi": str(state.engine.config.pulumi_binary.name),
    }
