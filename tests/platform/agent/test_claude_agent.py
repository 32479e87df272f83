"""The real Claude Code (the pinned binary, in tmux, sandboxed) against the scripted model:
the 9-step pipeline, a chat refinement and a redeploy in the same Claude session, and the
three ways a phase must fail fast (an overloaded model, a hung model, a dialog)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from sqlalchemy import select

from tests.support.model_server import RunningModel
from tmux_builder.platform.agent import profiles
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, LogEvent
from tmux_builder.platform.pipeline.runner import STEPS
from tmux_builder.platform.sessions.creation import SessionRequest, create_session
from tmux_builder.platform.sessions.requests import request_redeploy, send_chat
from tmux_builder.platform.sessions.status import ExecutionState, execution_status
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.platform.workers.worker import Worker

pytestmark = pytest.mark.slow

REQUEST = 'A one-page site for a tea room called "Leaf & Kettle" with an about section.'
CHANGE = "Add our opening hours: 9am to 5pm, closed on Mondays."


def _drain(worker: Worker) -> None:
    while worker.run_once():
        pass


def _details(status: ExecutionState) -> dict[str, Any]:
    newest = max(s.run for s in status.steps)
    return {s.name: s.details for s in status.steps if s.run == newest}


def test_claude_builds_deploys_and_refines_in_one_session(
        claude_settings: Settings, model: RunningModel) -> None:
    claude_settings = claude_settings.model_copy(update={"agent_idle_timeout_seconds": 60})
    db = Database(claude_settings.db_url)
    created = create_session(db, claude_settings, SessionRequest(
        "claude@example.com", "+15550100", "local", "static", REQUEST))
    worker = Worker.create(db, claude_settings)
    try:
        _drain(worker)
        status = execution_status(db, created.execution_id)
        assert status.status == "completed", (status.error, worker.pipeline.driver.capture(
            created.execution_id))
        assert [s.name for s in status.steps] == list(STEPS)  # one run of all nine
        assert "Leaf &amp; Kettle" in httpx.get(status.deployed_url).text
        e2e = _details(status)["e2e_tests"]
        assert e2e["passed"] and e2e["total"] == 1

        calls = model.model.tool_requests()
        tools_used = {b["name"] for r in calls for b in json.loads(r.reply)
                      if b.get("type") == "tool_use"}
        assert {"Read", "Write", "Bash"} <= tools_used
        system_messages = " ".join(m["content"] for r in calls for m in r.body["messages"]
                                   if m["role"] == "system" and isinstance(m["content"], str))
        assert "planner: Writes output/plan.md" in system_messages, "injected agent not seen"
        assert "- e2e-generate:" in system_messages, "injected skill not seen"
        claude_md = json.dumps([r.body["messages"][0] for r in calls])
        assert "The file protocol" in claude_md, "the session's CLAUDE.md did not reach it"

        send_chat(db, created.execution_id, CHANGE)
        _drain(worker)
        request_redeploy(db, created.execution_id)
        _drain(worker)
        status = execution_status(db, created.execution_id)
        assert status.status == "completed", status.error
        assert [b.label for b in status.builds] == ["build_v1", "build_v2"]
        assert "closed on Mondays" in httpx.get(status.deployed_url).text
        assert _details(status)["e2e_tests"]["passed"]
        sessions = {r.headers.get("X-Claude-Code-Session-Id") for r in model.model.tool_requests()}
        assert len(sessions) == 1, f"more than one Claude session served the execution: {sessions}"
    finally:
        worker.pipeline.engine.destroy(created.stack_name)
        worker.pipeline.driver.stop(created.execution_id)
        stop_site_server_background(claude_settings)
        db.dispose()


def _fail_create_plan(settings: Settings) -> tuple[ExecutionState, list[str], float]:
    db = Database(settings.db_url)
    created = create_session(db, settings, SessionRequest(
        "fails@example.com", "+15550100", "local", "static", REQUEST))
    worker = Worker.create(db, settings)
    started = time.monotonic()
    worker.run_once()
    seconds = time.monotonic() - started
    status = execution_status(db, created.execution_id)
    with db.transaction() as tx:
        logged = [e.message for e in tx.scalars(
            select(LogEvent).where(LogEvent.debug_id == status.debug_id))]
    assert not worker.pipeline.driver.is_running(created.execution_id), "the agent was left"
    workspace = settings.users_dir / created.user_id / "sessions" / created.session_id
    assert not [p for p in psutil.process_iter(["cwd"])
                if str(workspace) in (p.info.get("cwd") or "")], "a process was left running"
    db.dispose()
    assert status.status == "failed" and status.current_step_name == "create_plan"
    assert status.debug_id.startswith("dbg_")
    return status, logged, seconds


def test_overloaded_model_fails_the_phase_naming_it(
        claude_settings: Settings, model: RunningModel) -> None:
    model.model.fail_next(529, times=20)
    status, logged, seconds = _fail_create_plan(claude_settings)
    assert "API Error 529 Overloaded" in status.error
    assert seconds < claude_settings.agent_idle_timeout_seconds + 15
    assert any("agent pane:" in m and "API Error: 529" in m for m in logged)


def test_hung_model_fails_the_phase_as_idle(claude_settings: Settings,
                                            model: RunningModel) -> None:
    model.model.hang_next(times=20)
    status, logged, seconds = _fail_create_plan(claude_settings)
    assert "agent idle" in status.error
    assert seconds < claude_settings.agent_idle_timeout_seconds + 15
    assert any("agent pane:" in m and "Read and execute the prompt" in m for m in logged)


def test_unexpected_dialog_fails_the_phase_naming_it(
        claude_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    seed = profiles.claude_seed

    def untrusted(settings: Settings, workspace: Path, sandboxed: bool) -> dict[str, Any]:
        document = seed(settings, workspace, sandboxed)
        document["files"][".claude.json"]["projects"] = {}
        return document

    monkeypatch.setattr(profiles, "claude_seed", untrusted)
    status, logged, seconds = _fail_create_plan(claude_settings)
    assert "the trust-this-folder dialog" in status.error
    assert seconds < claude_settings.agent_idle_timeout_seconds + 15
    assert any("agent pane:" in m and "Yes, I trust this folder" in m for m in logged)
