"""Taking a session over from a host that is gone (SPEC section 15).

The claim that moved the session's pin (``queue.hosts``) names the old host. Before the job
runs, the new host stops any stale agent of the execution it may still have, replaces its
copy of the workspace with the session's newest snapshot from the store, and says so in the
execution's log: ``moved from host A to host B``. The work then goes on from the step after
the snapshot's phase (steps after it ran on the lost host, whose workspace, site server and
agent are gone, so they run again); with no snapshot yet it starts over from step 1."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass

from tmux_builder.domain import REDEPLOY_FIRST_STEP, JobKind, StepName
from tmux_builder.errors import NotFoundError
from tmux_builder.platform.core.workspaces import workspace_path
from tmux_builder.platform.db import Execution
from tmux_builder.platform.pipeline.context import Services
from tmux_builder.platform.pipeline.event_log import log_event
from tmux_builder.platform.queue.jobs import ClaimedJob

log = logging.getLogger(__name__)
SOURCE = "takeover"
RESUMING_KINDS = frozenset({JobKind.pipeline, JobKind.redeploy})  # jobs that walk the steps


@dataclass(frozen=True)
class Takeover:
    message: str
    snapshot_id: str | None
    restart_after: int  # completed steps up to this one stand; later ones run again


def step_of_phase(phase: str) -> int:
    """The step a snapshot's phase ended (a refinement counts as the code step)."""
    try:
        return StepName(phase).number
    except ValueError:
        return REDEPLOY_FIRST_STEP - 1


def take_over(services: Services, job: ClaimedJob) -> Takeover | None:
    """Restore the workspace when the claim moved the session here; None when it did not."""
    if job.moved_from is None:
        return None
    settings, db = services.settings, services.db
    with db.transaction() as tx:
        execution = tx.get_one(Execution, job.execution_id)
        user_id, session_id = execution.user_id, execution.session_id
    moved = f"moved from host {job.moved_from} to host {settings.host_name}"
    services.driver.stop(job.execution_id)
    workspace = workspace_path(settings.users_dir, user_id, session_id)
    if workspace.exists():
        shutil.rmtree(workspace)
    try:
        restored = services.store.restore(user_id, session_id, workspace)
    except NotFoundError:
        note = f"{moved}: no snapshot yet, starting over from step 1"
        log_event(db, job.execution_id, SOURCE, note, level="warning")
        return Takeover(note, None, 0)
    restart_after = step_of_phase(restored.phase)
    then = (f"going on from step {restart_after + 1}" if job.kind in RESUMING_KINDS
            else f"the {job.kind} job runs on it")
    note = f"{moved}: restored the snapshot after {restored.phase}, {then}"
    log_event(db, job.execution_id, SOURCE, note, level="warning")
    log.warning("job %s: %s", job.id, note)
    return Takeover(note, restored.snapshot_id, restart_after)
