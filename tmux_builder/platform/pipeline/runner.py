"""The 9-step pipeline (SPEC section 9). Each step writes a record (start, end, duration,
outcome, details); progress = completed steps / 9. A run resumes after its last completed
step, so a job taken over from a dead worker never repeats finished work. A failure stores a
friendly message and a ``debug_id`` that finds the full log (the agent's pane included)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tmux_builder.agent_library import render_prompt
from tmux_builder.errors import TmuxBuilderError
from tmux_builder.platform.agent.driver import AgentCancelled, AgentDriver, AgentError
from tmux_builder.platform.agent.sandbox import Sandbox
from tmux_builder.platform.core.event_log import log_event, new_debug_id
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.workspaces import create_workspace, inside, write_text_atomic
from tmux_builder.platform.db import Build, ChatMessage, Database, Execution, StepRecord
from tmux_builder.platform.sites.deployments import SessionFacts, deploy_site
from tmux_builder.platform.sites.server import start_site_server_background
from tmux_builder.platform.verification import (
    check_health,
    run_e2e_tests,
    save_result,
    take_screenshot,
)
from tmux_builder.platform.verification.readiness import wait_until_ready
from tmux_builder.pulumi_programs.readiness import NO_SIGNAL, readiness_for
from tmux_builder.stacks import StackEngine

STEPS = ("create_user", "create_session", "gather_requirements", "create_plan",
         "generate_code", "deploy", "health_check", "screenshot", "e2e_tests")
TOTAL_STEPS = len(STEPS)
REDEPLOY_FIRST_STEP = 6


class StepFailed(TmuxBuilderError):
    """A step did not reach its goal; ``message`` is what the user sees."""

    def __init__(self, message: str, *, log: str = "") -> None:
        super().__init__(message)
        self.log = log


class Cancelled(TmuxBuilderError):
    """The user cancelled the execution."""


class LeaseLost(TmuxBuilderError):
    """Another worker owns the job now; stop without writing anything more."""


@dataclass
class StepContext:
    execution_id: str
    run: int
    facts: SessionFacts
    workspace: Path
    requirements: str
    log_file: Path


def _now() -> datetime:
    return datetime.now(UTC)


class Pipeline:
    def __init__(self, db: Database, settings: Settings, engine: StackEngine,
                 driver: AgentDriver) -> None:
        self.db = db
        self.settings = settings
        self.engine = engine
        self.driver = driver
        self.handlers: dict[str, Callable[[StepContext], dict[str, Any]]] = {
            "create_user": self.create_user, "create_session": self.create_session,
            "gather_requirements": self.gather_requirements, "create_plan": self.create_plan,
            "generate_code": self.generate_code, "deploy": self.deploy,
            "health_check": self.health_check, "screenshot": self.screenshot,
            "e2e_tests": self.e2e_tests,
        }

    def context(self, execution_id: str, run: int) -> StepContext:
        with self.db.transaction() as tx:
            execution = tx.get(Execution, execution_id)
            if execution is None:
                raise StepFailed(f"execution {execution_id} does not exist")
            session = execution.session
            facts = SessionFacts(session.user_id, session.id, session.host_provider,
                                 session.site_type, session.created_at,
                                 session.expires_at - session.created_at)
            workspace = Path(session.workspace)
            return StepContext(execution_id, run, facts, workspace, session.requirements,
                               workspace / "logs" / "pipeline.log")

    def cancel_requested(self, execution_id: str) -> bool:
        with self.db.transaction() as tx:
            execution = tx.get(Execution, execution_id)
            return bool(execution and execution.cancel_requested)

    def run_steps(self, execution_id: str, run: int, first: int,
                  lease_lost: threading.Event | None = None) -> str:
        """Run steps ``first``..9 of ``run``, skipping those already completed; returns the
        final execution status."""
        lease_lost = lease_lost or threading.Event()
        ctx = self.context(execution_id, run)
        done = self._completed_steps(execution_id, run)
        self._mark_running(execution_id)
        for number in range(first, TOTAL_STEPS + 1):
            if number in done:
                continue
            if lease_lost.is_set():
                raise LeaseLost("the job's lease was lost")
            if self.cancel_requested(execution_id):
                return self._finish_cancelled(ctx)
            if not self._run_step(ctx, number):
                return "cancelled" if self.cancel_requested(execution_id) else "failed"
        with self.db.transaction() as tx:
            execution = tx.get(Execution, execution_id)
            assert execution is not None
            execution.status = "completed"
            execution.finished_at = _now()
        log_event(self.db, execution_id, "pipeline", f"run {run} completed",
                  log_file=ctx.log_file)
        return "completed"

    def _completed_steps(self, execution_id: str, run: int) -> set[int]:
        with self.db.transaction() as tx:
            rows = tx.scalars(select(StepRecord).where(StepRecord.execution_id == execution_id,
                                                       StepRecord.run == run)).all()
            for row in rows:
                if row.status == "running":  # left by a worker that died
                    row.status = "interrupted"
                    row.ended_at = _now()
            return {r.number for r in rows if r.status == "completed"}

    def _mark_running(self, execution_id: str) -> None:
        with self.db.transaction() as tx:
            execution = tx.get(Execution, execution_id)
            assert execution is not None
            execution.status = "running"
            execution.started_at = execution.started_at or _now()
            execution.finished_at = None

    def _run_step(self, ctx: StepContext, number: int) -> bool:
        name = STEPS[number - 1]
        started = _now()
        with self.db.transaction() as tx:
            record = StepRecord(execution_id=ctx.execution_id, run=ctx.run, number=number,
                                name=name, status="running", started_at=started)
            tx.add(record)
            execution = tx.get(Execution, ctx.execution_id)
            assert execution is not None
            execution.current_step, execution.current_step_name = number, name
            tx.flush()
            record_id = record.id
        log_event(self.db, ctx.execution_id, name, f"step {number}/9 {name} started",
                  log_file=ctx.log_file)
        outcome, details, error = "completed", {}, None
        try:
            details = self.handlers[name](ctx)
        except (Cancelled, AgentCancelled):
            outcome, error = "cancelled", None
        except AgentError as exc:
            outcome, error = "failed", StepFailed(exc.message, log=exc.pane)
        except StepFailed as exc:
            outcome, error = "failed", exc
        except TmuxBuilderError as exc:
            outcome, error = "failed", StepFailed(str(exc))
        except Exception as exc:  # an unexpected bug still ends as a recorded failure
            outcome, error = "failed", StepFailed(f"internal error in {name}: {exc!r}")
        ended = _now()
        debug_id = new_debug_id() if error else None
        with self.db.transaction() as tx:
            record = tx.get(StepRecord, record_id)
            assert record is not None
            record.status, record.ended_at = outcome, ended
            record.duration_seconds = (ended - started).total_seconds()
            record.details = {**details, **({"error": error.message, "debug_id": debug_id}
                                             if error else {})}
            if error:
                execution = tx.get(Execution, ctx.execution_id)
                assert execution is not None
                execution.status, execution.finished_at = "failed", ended
                execution.error_message = f"Step {number} ({name}) failed: {error.message}"
                execution.debug_id = debug_id
        if error:
            log_event(self.db, ctx.execution_id, name, error.message, level="error",
                      debug_id=debug_id, log_file=ctx.log_file)
            if error.log:
                log_event(self.db, ctx.execution_id, name, f"agent pane:\n{error.log}",
                          level="error", debug_id=debug_id, log_file=ctx.log_file)
            return False
        if outcome == "cancelled":
            self._finish_cancelled(ctx)
            return False
        log_event(self.db, ctx.execution_id, name,
                  f"step {number}/9 {name} completed in {(ended - started).total_seconds():.1f}s",
                  log_file=ctx.log_file)
        return True

    def _finish_cancelled(self, ctx: StepContext) -> str:
        self.driver.interrupt(ctx.execution_id)
        with self.db.transaction() as tx:
            execution = tx.get(Execution, ctx.execution_id)
            assert execution is not None
            execution.status, execution.finished_at = "cancelled", _now()
        log_event(self.db, ctx.execution_id, "pipeline", "execution cancelled",
                  log_file=ctx.log_file)
        return "cancelled"

    def _config(self, ctx: StepContext) -> dict[str, Any]:
        return {"user_id": ctx.facts.user_id, "session_id": ctx.facts.session_id,
                "execution_id": ctx.execution_id, "host_provider": ctx.facts.provider,
                "site_type": ctx.facts.site_type, "requirements": ctx.requirements,
                "stack_name": ctx.facts.stack_name,
                "created_at": ctx.facts.created_at.isoformat(),
                "expires_at": (ctx.facts.created_at + ctx.facts.ttl).isoformat()}

    def create_user(self, ctx: StepContext) -> dict[str, Any]:
        ctx.workspace.parent.mkdir(parents=True, exist_ok=True)
        return {"user_id": ctx.facts.user_id}

    def create_session(self, ctx: StepContext) -> dict[str, Any]:
        create_workspace(ctx.workspace, self._config(ctx))
        return {"workspace": str(ctx.workspace), "stack_name": ctx.facts.stack_name}

    def gather_requirements(self, ctx: StepContext) -> dict[str, Any]:
        text = ctx.requirements.strip()
        write_text_atomic(inside(ctx.workspace, "prompts/requirements.md"),
                          f"# Requirements\n\n{text}\n")
        return {"characters": len(text), "words": len(text.split())}

    def _agent_phase(self, ctx: StepContext, phase: str, prompt: str) -> float:
        result = self.driver.run_phase(
            ctx.execution_id, ctx.workspace, phase, prompt,
            cancelled=lambda: self.cancel_requested(ctx.execution_id))
        return round(result.seconds, 2)

    def _autonomous_prompt(self, ctx: StepContext, phase: str) -> str:
        return render_prompt("autonomous_agent", phase=phase, requirements=ctx.requirements,
                             site_type=ctx.facts.site_type, host_provider=ctx.facts.provider,
                             session_id=ctx.facts.session_id, workspace=str(ctx.workspace))

    def create_plan(self, ctx: StepContext) -> dict[str, Any]:
        seconds = self._agent_phase(ctx, "create_plan",
                                    self._autonomous_prompt(ctx, "create_plan"))
        if not inside(ctx.workspace, "output/plan.md").is_file():
            raise StepFailed("the agent reported a plan but output/plan.md is missing")
        return {"agent_seconds": seconds}

    def generate_code(self, ctx: StepContext) -> dict[str, Any]:
        seconds = self._agent_phase(ctx, "generate_code",
                                    self._autonomous_prompt(ctx, "generate_code"))
        source = inside(ctx.workspace, "source")
        files = [p for p in source.rglob("*") if p.is_file()]
        if not files:
            raise StepFailed("the agent wrote no files into source/")
        if not inside(ctx.workspace, "deployment/tests/e2e_test.py").is_file():
            raise StepFailed("the agent wrote no E2E tests (deployment/tests/e2e_test.py)")
        return {"agent_seconds": seconds, "files": len(files)}

    def deploy(self, ctx: StepContext) -> dict[str, Any]:
        stack = ctx.facts.stack_name
        if self.engine.exists(stack):
            self.engine.recover(stack)  # clears what a dead worker left, then refreshes
        stop = threading.Event()
        watcher = threading.Thread(target=self._cancel_watch, args=(ctx, stop), daemon=True)
        watcher.start()
        try:
            result = deploy_site(
                self.settings, self.engine, ctx.facts, inside(ctx.workspace, "source"),
                on_event=lambda e: log_event(self.db, ctx.execution_id, "pulumi", e.message,
                                             log_file=ctx.log_file)
                if e.kind in ("resource_done", "resource_failed", "summary") else None,
                db=self.db,
            )
        finally:
            stop.set()
        if self.cancel_requested(ctx.execution_id):
            raise Cancelled("cancelled during deploy")
        if ctx.facts.provider == "local" and ctx.facts.site_type == "static":
            start_site_server_background(self.settings)
        url = str(result.outputs.get("url", ""))
        with self.db.transaction() as tx:
            execution = tx.get(Execution, ctx.execution_id)
            assert execution is not None
            number = len(execution.builds) + 1
            tx.add(Build(execution_id=ctx.execution_id, number=number, label=f"build_v{number}",
                         pulumi_update=result.version, url=url))
            execution.deployed_url = url
        return {"url": url, "build": f"build_v{number}", "pulumi_update": result.version,
                "changes": result.changes, "seconds": round(result.seconds, 2)}

    def _cancel_watch(self, ctx: StepContext, stop: threading.Event) -> None:
        while not stop.wait(1.0):
            if self.cancel_requested(ctx.execution_id):
                self.engine.cancel(ctx.facts.stack_name)
                return

    def _url_and_build(self, ctx: StepContext) -> tuple[str, str]:
        with self.db.transaction() as tx:
            execution = tx.get(Execution, ctx.execution_id)
            assert execution is not None
            if not execution.deployed_url or not execution.builds:
                raise StepFailed("there is no deployed URL to check")
            return execution.deployed_url, execution.builds[-1].label

    def health_check(self, ctx: StepContext) -> dict[str, Any]:
        """A local site is checked at once; a cloud site is waited for as long as its target
        says it may take to become ready, with progress in the execution's log."""
        url, build = self._url_and_build(ctx)
        readiness = readiness_for(ctx.facts.provider, ctx.facts.site_type)
        if readiness.signal == NO_SIGNAL:
            result = check_health(url)
        else:
            result = wait_until_ready(
                url, readiness, max_wait=self.settings.readiness_timeout_seconds,
                on_progress=lambda message: log_event(self.db, ctx.execution_id, "health_check",
                                                      message, log_file=ctx.log_file))
        save_result(result, inside(ctx.workspace, f"output/{build}/health.json"))
        if not result.passed:
            raise StepFailed(f"the site is not healthy: {result.reason}")
        return result.to_dict()

    def screenshot(self, ctx: StepContext) -> dict[str, Any]:
        url, build = self._url_and_build(ctx)
        shot = take_screenshot(url, inside(ctx.workspace, f"output/{build}"))
        return {"path": str(shot.path), "thumbnail": str(shot.thumbnail_path),
                "width": shot.width, "height": shot.height, "colours": shot.distinct_colours}

    def e2e_tests(self, ctx: StepContext) -> dict[str, Any]:
        url, build = self._url_and_build(ctx)
        result = run_e2e_tests(inside(ctx.workspace, "deployment/tests/e2e_test.py"), url,
                               inside(ctx.workspace, f"deployment/tests/results/{build}"),
                               timeout=self.settings.e2e_timeout_seconds,
                               sandbox=Sandbox.from_settings(self.settings))
        summary = {"passed": result.passed, "total": result.total, "failed": result.failed,
                   "skipped": result.skipped, "results": str(result.results_path),
                   "report": str(result.report_path)}
        if not result.passed:
            raise StepFailed(f"E2E tests failed: {result.reason or f'{result.failed} failed'}")
        return summary

    def refine(self, execution_id: str, chat_id: int) -> str:
        """Hand a chat message to the agent as a refinement; the next redeploy publishes it."""
        ctx = self.context(execution_id, 0)
        with self.db.transaction() as tx:
            chat = tx.get(ChatMessage, chat_id)
            assert chat is not None
            message = chat.content
            build_number = len(tx.get(Execution, execution_id).builds)  # type: ignore[union-attr]
        prompt = render_prompt("refinement_mode", message=message,
                               site_type=ctx.facts.site_type, host_provider=ctx.facts.provider,
                               build_number=str(build_number), workspace=str(ctx.workspace))
        started = time.monotonic()
        try:
            self._agent_phase(ctx, "refine", prompt)
            reply = "Done: the site is updated in source/. Redeploy to publish it."
        except AgentError as exc:
            debug_id = new_debug_id()
            log_event(self.db, execution_id, "refine", f"{exc.message}\n{exc.pane}",
                      level="error", debug_id=debug_id, log_file=ctx.log_file)
            reply = f"The agent could not apply that change ({exc.message}); debug id {debug_id}."
        with self.db.transaction() as tx:
            tx.add(ChatMessage(execution_id=execution_id, role="agent", content=reply))
        log_event(self.db, execution_id, "refine",
                  f"refinement handled in {time.monotonic() - started:.1f}s",
                  log_file=ctx.log_file)
        return reply


def progress(execution: Execution) -> dict[str, Any]:
    """completed / 9 for the newest run (a redeploy run counts steps 1-5 as done)."""
    runs = [s.run for s in execution.steps]
    run = max(runs) if runs else 1
    completed = {s.number for s in execution.steps if s.run == run and s.status == "completed"}
    if run > 1:
        completed |= set(range(1, REDEPLOY_FIRST_STEP))
    return {"run": run, "completed_steps": len(completed), "total_steps": TOTAL_STEPS,
            "percent": round(100 * len(completed) / TOTAL_STEPS)}
