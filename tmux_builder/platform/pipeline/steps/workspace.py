"""Step 2, ``create_session``. The session's row was written by the request's transaction;
this step lays out its workspace with the session's facts in ``config.json``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tmux_builder.platform.core.workspaces import create_workspace
from tmux_builder.platform.pipeline.context import StepContext


@dataclass(frozen=True)
class WorkspaceResult:
    workspace: str
    stack_name: str


def session_config(ctx: StepContext) -> dict[str, Any]:
    facts = ctx.facts
    return {"user_id": facts.user_id, "session_id": facts.session_id,
            "execution_id": ctx.execution_id, "host_provider": facts.provider,
            "site_type": facts.site_type, "requirements": ctx.requirements,
            "stack_name": facts.stack_name, "created_at": facts.created_at.isoformat(),
            "expires_at": (facts.created_at + facts.ttl).isoformat()}


def lay_out_workspace(ctx: StepContext) -> WorkspaceResult:
    create_workspace(ctx.workspace, session_config(ctx))
    return WorkspaceResult(str(ctx.workspace), ctx.facts.stack_name)
