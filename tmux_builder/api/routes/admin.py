"""Admin routes (the admin token from settings): every user's stacks, orphans, the cost
report and its chart, reaping expired sessions now, and a token for a user who lost theirs."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response

from tmux_builder.api.deps import State, require_admin
from tmux_builder.api.schemas import AdminTokenRequest, IssuedTokenOut
from tmux_builder.domain import USER_ID_REGEX
from tmux_builder.platform.accounts.operator import issue_token
from tmux_builder.platform.ops.costs.chart import render_chart
from tmux_builder.platform.ops.costs.report import cost_report, cost_snapshots
from tmux_builder.platform.ops.orphans import find_orphans
from tmux_builder.platform.ops.reaper import reap_expired
from tmux_builder.platform.ops.stack_index import list_stack_index

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_admin)])
GroupBy = Annotated[list[str] | None,
                    Query(description="UserGUID, SessionID, HostProvider or SiteType")]


@router.get("/stacks")
def admin_stacks(state: State, user_id: Annotated[
        str | None, Query(pattern=USER_ID_REGEX)] = None) -> list[dict[str, Any]]:
    return list_stack_index(state.db, user_id)


@router.get("/orphans")
def admin_orphans(state: State) -> dict[str, Any]:
    return find_orphans(state.db, state.settings, state.engine).to_dict()


@router.get("/cost")
def admin_cost(state: State, by: GroupBy = None) -> dict[str, Any]:
    return cost_report(state.db, state.settings, state.engine, by or []).to_json()


@router.get("/cost/chart.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def admin_cost_chart(state: State, by: GroupBy = None) -> Response:
    report = cost_report(state.db, state.settings, state.engine, by or [], actual=False,
                         snapshot=False)
    with tempfile.TemporaryDirectory() as tmp:
        path = render_chart(report, Path(tmp) / "cost.png")
        return Response(path.read_bytes(), media_type="image/png")


@router.get("/cost/history")
def admin_cost_history(state: State, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                       ) -> list[dict[str, Any]]:
    """The stored cost reports, oldest first: cost over time."""
    return cost_snapshots(state.db, limit)


@router.post("/reap")
def admin_reap(state: State, dry_run: bool = False) -> list[dict[str, Any]]:
    reports = reap_expired(state.db, state.settings, state.engine, state.driver,
                           dry_run=dry_run)
    return [report.to_dict() for report in reports]


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=IssuedTokenOut)
def admin_issue_token(body: AdminTokenRequest, state: State) -> IssuedTokenOut:
    """Mint a token for the account of an email (and phone, when several share the email):
    the way back in when recovery by email is not configured."""
    issued = issue_token(state.db, state.settings, body.email, body.phone, name=body.name,
                         scope=body.scope, expires_in_days=body.expires_in_days)
    return IssuedTokenOut(**issued.to_dict())
