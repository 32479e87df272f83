"""The 9-step pipeline (SPEC section 9): the runner walks the registered steps in order.
Each step writes a record (start, end, duration, outcome, details); progress = completed
steps / 9. A run resumes after its last completed step, so a job taken over from a dead
worker never repeats finished work. A failure stores a friendly message and a ``debug_id``
that finds the full log (the agent's pane included)."""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Any

from tmux_builder.domain import STEPS, TOTAL_STEPS, ExecutionStatus, StepName, StepStatus
from tmux_builder.errors import TmuxBuilderError
from tmux_builder.platform.agent.driver import AgentCancelled, AgentDriver, AgentError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.pipeline import builds, records
from tmux_builder.platform.pipeline.context import (
    Cancelled,
    LeaseLost,
    Services,
    StepContext,
    StepFailed,
    cancel_requested,
    load_context,
)
from tmux_builder.platform.pipeline.event_log import new_debug_id
from tmux_builder.platform.pipeline.refinement import refine
from tmux_builder.platform.pipeline.rollback import roll_back_failed_build
from tmux_builder.platform.pipeline.steps import STEP_HANDLERS
from tmux_builder.platform.pipeline.summary import write_summary
from tmux_builder.platform.store import ArtifactStore, open_store
from tmux_builder.stacks import StackEngine

PIPELINE = "pipeline"


class Pipeline:
    def __init__(self, db: Database, settings: Settings, engine: StackEngine,
                 driver: AgentDriver, store: ArtifactStore | None = None) -> None:
        self.services = Services(db, settings, engine, driver, store or open_store(settings))

    @property
    def engine(self) -> StackEngine:
        return self.services.engine

    @property
    def driver(self) -> AgentDriver:
        return self.services.driver

    def run_steps(self, execution_id: str, run: int, first: int,
                  lease_lost: threading.Event | None = None,
                  restart_after: int | None = None) -> ExecutionStatus:
        """Run steps ``first``..9 of ``run``, skipping those already completed (only up to
        ``restart_after`` when a takeover restored an older workspace); returns the final
        execution status."""
        db = self.services.db
        lease_lost = lease_lost or threading.Event()
        ctx = load_context(self.services, execution_id, run)
        done = records.completed_steps(db, execution_id, run)
        if restart_after is not None:
            done = {number for number in done if number <= restart_after}
        records.set_status(db, execution_id, ExecutionStatus.running)
        for step in STEPS[first - 1:]:
            if step.number in done:
                continue
            if lease_lost.is_set():
                raise LeaseLost("the job's lease was lost")
            if cancel_requested(db, execution_id):
                return self._finish_cancelled(ctx)
            outcome = self._run_step(ctx, step)
            if outcome != StepStatus.completed:
                return (ExecutionStatus.cancelled if outcome == StepStatus.cancelled
                        else ExecutionStatus.failed)
        good = builds.mark_newest_good(db, execution_id)
        if good is not None:
            self._hand_over(ctx, good)
        records.set_status(db, execution_id, ExecutionStatus.completed)
        ctx.log(PIPELINE, f"run {run} completed" + (
            f": {builds.build_label(good)} passed every check" if good else ""))
        return ExecutionStatus.completed

    def _run_step(self, ctx: StepContext, step: StepName) -> StepStatus:
        db, label = self.services.db, f"step {step.number}/{TOTAL_STEPS} {step}"
        started = records.now()
        record_id = records.start_step(db, ctx.execution_id, ctx.run, step, started)
        ctx.log(step, f"{label} started")
        details: dict[str, Any] = {}
        error: StepFailed | None = None
        try:
            details = asdict(STEP_HANDLERS[step](ctx))
        except (Cancelled, AgentCancelled):
            outcome = StepStatus.cancelled
        except AgentError as exc:
            error = StepFailed(exc.message, log=exc.pane)
        except StepFailed as exc:
            error = exc
        except TmuxBuilderError as exc:
            error = StepFailed(str(exc))
        except Exception as exc:  # an unexpected bug still ends as a recorded failure
            error = StepFailed(f"internal error in {step}: {exc!r}")
        else:
            outcome = StepStatus.completed
        ended = records.now()
        if error is not None:
            debug_id = new_debug_id()
            records.finish_step(db, record_id, StepStatus.failed, started, ended,
                                {"error": error.message, "debug_id": debug_id})
            ctx.log(step, error.message, level="error", debug_id=debug_id)
            rolled_back = roll_back_failed_build(ctx, step, error.message)
            records.fail_execution(
                db, ctx.execution_id, f"Step {step.number} ({step}) failed: {error.message}"
                + (f"; {rolled_back}" if rolled_back else ""), debug_id)
            if error.log:
                ctx.log(step, f"agent pane:\n{error.log}", level="error", debug_id=debug_id)
            ctx.publish_log()
            return StepStatus.failed
        records.finish_step(db, record_id, outcome, started, ended, details)
        if outcome == StepStatus.cancelled:
            self._finish_cancelled(ctx)
            return outcome
        ctx.log(step, f"{label} completed in {(ended - started).total_seconds():.1f}s")
        ctx.publish_log()
        return outcome

    def _hand_over(self, ctx: StepContext, number: int) -> None:
        """The good build's deployment summary; a summary that cannot be made is logged and
        never fails a build whose checks passed."""
        try:
            facts = write_summary(ctx, number)
        except Exception as exc:  # the site is good; the handover is best effort
            ctx.log(PIPELINE, f"the deployment summary could not be written: {exc}",
                    level="warning")
            return
        ctx.log(PIPELINE, f"{facts['build']} is live at {facts['url']}: "
                f"{len(facts['resources'])} resources, about {facts['monthly_usd']:.2f} "
                f"{facts['currency']} a month; see output/{facts['build']}/DEPLOYMENT_SUMMARY.md")

    def _finish_cancelled(self, ctx: StepContext) -> ExecutionStatus:
        self.services.driver.interrupt(ctx.execution_id)
        records.set_status(self.services.db, ctx.execution_id, ExecutionStatus.cancelled)
        ctx.log(PIPELINE, "execution cancelled")
        return ExecutionStatus.cancelled

    def refine(self, execution_id: str, chat_id: int) -> str:
        """Hand a chat message to the agent as a refinement (``pipeline.refinement``)."""
        return refine(self.services, execution_id, chat_id)
