"""Admin routes (the admin token from settings): every user's stacks, drifted stacks, the
queue and its hosts, orphans, the cost report and its chart, reaping expired sessions (queued
as jobs), and a token for a user who lost theirs."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response

from tmux_builder.api.deps import SessionId, State, require_admin
from tmux_builder.api.schemas import (
    AdminTokenRequest,
    CostReportOut,
    CostSnapshotOut,
    IssuedTokenOut,
    ReapAccepted,
    ReapedSessionOut,
)
from tmux_builder.domain import USER_ID_REGEX
from tmux_builder.platform.accounts.operator import issue_token
from tmux_builder.platform.ops.costs.chart import render_chart
from tmux_builder.platform.ops.costs.report import cost_report, cost_snapshots
from tmux_builder.platform.ops.drift import DriftedStack, drifted_stacks
from tmux_builder.platform.ops.orphans import OrphanReport, find_orphans
from tmux_builder.platform.ops.queue_view import QueueView, queue_view
from tmux_builder.platform.ops.reaper import enqueue_expired, expired_sessions
from tmux_builder.platform.ops.stack_entries import IndexedStack
from tmux_builder.platform.ops.stack_index import list_stack_index
from tmux_builder.platform.sessions.status import TeardownState, teardown_state

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_admin)])
GroupBy = Annotated[list[str] | None,
                    Query(description="UserGUID, SessionID, HostProvider or SiteType")]


@router.get("/stacks", response_model=list[IndexedStack])
def admin_stacks(state: State, user_id: Annotated[
        str | None, Query(pattern=USER_ID_REGEX)] = None) -> list[IndexedStack]:
    return list_stack_index(state.db, user_id)


@router.get("/drift", response_model=list[DriftedStack])
def admin_drift(state: State) -> list[DriftedStack]:
    """Every stack whose newest drift check found a change made outside Pulumi."""
    return drifted_stacks(state.db)


@router.get("/queue", response_model=QueueView)
def admin_queue(state: State) -> QueueView:
    """Hosts and their workers (last heartbeat), jobs by state, the oldest waiting job's age,
    the leases held and by whom, the sessions pinned to each host."""
    return queue_view(state.db)


@router.get("/orphans", response_model=OrphanReport)
def admin_orphans(state: State) -> OrphanReport:
    return find_orphans(state.db, state.settings, state.engine)


@router.get("/cost", response_model=CostReportOut)
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


@router.get("/cost/history", response_model=list[CostSnapshotOut])
def admin_cost_history(state: State, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                       ) -> list[dict[str, Any]]:
    """The stored cost reports, oldest first: cost over time."""
    return cost_snapshots(state.db, limit)


@router.post("/reap", status_code=status.HTTP_202_ACCEPTED, response_model=ReapAccepted)
def admin_reap(state: State, dry_run: bool = False) -> ReapAccepted:
    """Queue the teardown of every expired session (a reap job each; the status URL of each
    says how it went); with ``dry_run`` only list them."""
    if dry_run:
        sessions = [ReapedSessionOut(session_id=session_id, stack_name=stack_name, job_id=None,
                                     status_url=None)
                    for session_id, stack_name in expired_sessions(state.db)]
    else:
        sessions = [ReapedSessionOut(session_id=q.session_id, stack_name=q.stack_name,
                                     job_id=q.job_id,
                                     status_url=f"/api/admin/reap/{q.session_id}")
                    for q in enqueue_expired(state.db)]
    return ReapAccepted(dry_run=dry_run, sessions=sessions)


@router.get("/reap/{session_id}", response_model=TeardownState)
def admin_reap_status(session_id: SessionId, state: State) -> TeardownState:
    """How the newest teardown of that session went (queued, running, done or failed)."""
    return teardown_state(state.db, session_id)


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=IssuedTokenOut)
def admin_issue_token(body: AdminTokenRequest, state: State) -> IssuedTokenOut:
    """Mint a token for the account of an email (and phone, when several share the email):
    the way back in when recovery by email is not configured."""
    issued = issue_token(state.db, state.settings, body.email, body.phone, name=body.name,
                         scope=body.scope, expires_in_days=body.expires_in_days)
    return IssuedTokenOut(**issued.to_dict())
