"""What each kind of job does, one handler per ``JobKind``: the pipeline, a redeploy, a
refinement, a teardown (asked by the session's owner), a reap (an expired session) and a
rollback (an earlier good build deployed again) and a drift check."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tmux_builder.domain import REDEPLOY_FIRST_STEP, ExecutionStatus, JobKind, JobStatus
from tmux_builder.platform.ops.drift import check_stack_drift, drift_sentence
from tmux_builder.platform.ops.shared_stacks import reap_unused_shared
from tmux_builder.platform.ops.teardown import teardown_session
from tmux_builder.platform.pipeline.event_log import log_event
from tmux_builder.platform.pipeline.rollback import roll_back_on_request
from tmux_builder.platform.pipeline.runner import Pipeline
from tmux_builder.platform.queue.jobs import ClaimedJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobOutcome:
    status: JobStatus
    error: str | None = None
    result: dict[str, Any] | None = None


@dataclass(frozen=True)
class JobRun:
    """What a handler works with: the pipeline (and through it the services) and the event
    set when the job's lease is lost."""

    pipeline: Pipeline
    lease_lost: threading.Event
    restart_after: int | None = None  # a takeover restored the snapshot after this step


Handler = Callable[[ClaimedJob, JobRun], JobOutcome]
# Jobs whose giving up (too many interrupted attempts) fails the execution.
EXECUTION_KINDS = frozenset({JobKind.pipeline, JobKind.redeploy, JobKind.rollback})


def _ended(status: ExecutionStatus) -> JobOutcome:
    return JobOutcome(JobStatus.failed if status == ExecutionStatus.failed else JobStatus.done)


def run_pipeline(job: ClaimedJob, run: JobRun) -> JobOutcome:
    return _ended(run.pipeline.run_steps(job.execution_id, int(job.payload.get("run", 1)), 1,
                                         run.lease_lost, run.restart_after))


def run_redeploy(job: ClaimedJob, run: JobRun) -> JobOutcome:
    return _ended(run.pipeline.run_steps(job.execution_id, int(job.payload["run"]),
                                         REDEPLOY_FIRST_STEP, run.lease_lost, run.restart_after))


def run_rollback(job: ClaimedJob, run: JobRun) -> JobOutcome:
    return _ended(roll_back_on_request(run.pipeline.services, job.execution_id,
                                       int(job.payload["build"])))


def run_drift(job: ClaimedJob, run: JobRun) -> JobOutcome:
    services = run.pipeline.services
    drift = check_stack_drift(services.db, services.engine, job.execution_id)
    if drift:
        log_event(services.db, job.execution_id, "drift",
                  f"changed outside Pulumi: {drift_sentence(drift)}; redeploy to repair",
                  level="warning")
    return JobOutcome(JobStatus.done, result={"drift": drift})


def run_refine(job: ClaimedJob, run: JobRun) -> JobOutcome:
    run.pipeline.refine(job.execution_id, int(job.payload["chat_id"]))
    return JobOutcome(JobStatus.done)


def run_teardown(job: ClaimedJob, run: JobRun) -> JobOutcome:
    services = run.pipeline.services
    report = teardown_session(services.db, services.settings, services.engine, services.driver,
                              str(job.payload["session_id"]),
                              reason=str(job.payload.get("reason", "deleted by its owner")))
    if report.torn_down:
        return JobOutcome(JobStatus.done, result=report.to_dict())
    return JobOutcome(JobStatus.failed, "; ".join(report.errors), report.to_dict())


def run_reap(job: ClaimedJob, run: JobRun) -> JobOutcome:
    """An expired session's teardown, then the platform stacks no session uses any more."""
    outcome = run_teardown(job, run)
    services = run.pipeline.services
    for name in reap_unused_shared(services.db, services.engine):
        log.info("destroyed platform stack %s: no session uses it", name)
    return outcome


HANDLERS: dict[JobKind, Handler] = {
    JobKind.pipeline: run_pipeline,
    JobKind.redeploy: run_redeploy,
    JobKind.refine: run_refine,
    JobKind.teardown: run_teardown,
    JobKind.reap: run_reap,
    JobKind.rollback: run_rollback,
    JobKind.drift: run_drift,
}
if set(HANDLERS) != set(JobKind):
    raise RuntimeError("every job kind needs exactly one handler")
