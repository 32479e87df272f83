"""Tearing one session down (queued as a job by ``request_teardown``, run by a worker): stop
its work, destroy and remove its stack (retried with backoff), archive and delete its
workspace, mark it torn down. Idempotent; a failure is
recorded in the report and leaves the session active so that the next attempt resumes."""

from __future__ import annotations

import logging
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from tmux_builder.domain import TEARDOWN_KINDS, JobKind, SessionStatus
from tmux_builder.errors import NotFoundError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.workspaces import archive_workspace, workspace_path
from tmux_builder.platform.db import Database, Execution, SessionRow
from tmux_builder.platform.ops.shared_stacks import release_slot
from tmux_builder.platform.ops.stack_index import forget_stack
from tmux_builder.platform.queue.jobs import cancel_execution, enqueue, pending_job
from tmux_builder.stacks import StackEngine

log = logging.getLogger(__name__)


class Stopper(Protocol):
    def stop(self, execution_id: str) -> bool: ...


@dataclass
class TeardownReport:
    session_id: str
    stack_name: str
    reason: str
    torn_down: bool = False
    already_torn_down: bool = False
    dry_run: bool = False
    stack: str = "untouched"
    destroy_attempts: int = 0
    attempt_errors: list[str] = field(default_factory=list)
    tmux_stopped: list[str] = field(default_factory=list)
    executions_cancelled: list[str] = field(default_factory=list)
    archive: str | None = None
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Target:
    session_id: str
    stack_name: str
    workspace: Path
    status: str
    execution_ids: tuple[str, ...]


def _load(db: Database, users_dir: Path, session_id: str) -> _Target:
    """The session's facts, with this host's copy of its workspace."""
    with db.transaction() as tx:
        row = tx.get(SessionRow, session_id)
        if row is None:
            raise NotFoundError(f"session {session_id} does not exist", field="session_id")
        executions = tuple(tx.scalars(select(Execution.id).where(
            Execution.session_id == session_id)))
        return _Target(row.id, row.stack_name, workspace_path(users_dir, row.user_id, row.id),
                       row.status, executions)


def request_teardown(db: Database, session_id: str, *, reason: str,
                     kind: JobKind = JobKind.teardown) -> int:
    """Queue the session's teardown (a job on its execution); returns the job id. A teardown
    already queued or running is returned again rather than doubled."""
    with db.transaction() as tx:
        session = tx.get(SessionRow, session_id)
        if session is None or not session.executions:
            raise NotFoundError("not found", field="session_id")
        execution_id = session.executions[0].id
        pending = pending_job(tx, execution_id, TEARDOWN_KINDS)
        if pending is not None:
            return pending
        job = enqueue(tx, execution_id, kind, {"session_id": session_id, "reason": reason})
        tx.flush()
        return job.id


def teardown_session(
    db: Database,
    settings: Settings,
    engine: StackEngine,
    driver: Stopper,
    session_id: str,
    *,
    reason: str,
) -> TeardownReport:
    target = _load(db, settings.users_dir, session_id)
    report = TeardownReport(target.session_id, target.stack_name, reason)
    if target.status == SessionStatus.torn_down:
        report.torn_down = report.already_torn_down = True
        return report
    _stop_work(db, driver, target, report)
    if not _destroy_stack(settings, engine, target.stack_name, report):
        log.warning("teardown of %s failed: %s", session_id, report.errors)
        return report
    forget_stack(db, target.stack_name)
    release_slot(db, target.stack_name)
    try:
        report.archive = _archive(settings, target.workspace)
    except OSError as error:
        report.errors.append(f"archive: {error}")
        return report
    _mark_torn_down(db, target.session_id)
    report.torn_down = True
    return report


def _stop_work(db: Database, driver: Stopper, target: _Target, report: TeardownReport) -> None:
    """Cancel queued jobs (and ask running ones to stop), then kill each tmux session."""
    for execution_id in target.execution_ids:
        cancel_execution(db, execution_id)
        report.executions_cancelled.append(execution_id)
        try:
            if driver.stop(execution_id):
                report.tmux_stopped.append(execution_id)
        except Exception as error:  # tmux trouble must not stop the teardown
            report.errors.append(f"tmux {execution_id}: {error}")


def _destroy_stack(settings: Settings, engine: StackEngine, stack_name: str,
                   report: TeardownReport) -> bool:
    """Destroy and remove the stack, retried with exponential backoff. True when it is gone."""

    def attempt() -> None:
        report.destroy_attempts += 1
        record = next((r for r in engine.list_stacks(prefix=stack_name) if r.name == stack_name),
                      None)
        if record is None:
            report.stack = "absent" if report.destroy_attempts == 1 else "destroyed"
            return
        if record.update_in_progress:
            engine.recover(stack_name, refresh=False)
        engine.destroy(stack_name, remove=True)
        report.stack = "destroyed"

    def remember(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        report.attempt_errors.append(f"attempt {state.attempt_number}: {error}")

    retrying = Retrying(
        stop=stop_after_attempt(settings.teardown_attempts),
        wait=wait_exponential(multiplier=settings.teardown_backoff_seconds,
                              max=max(settings.teardown_backoff_seconds * 8, 0.01)),
        retry=retry_if_exception_type(Exception),
        before_sleep=remember,
        reraise=True,
    )
    try:
        retrying(attempt)
    except Exception as error:  # reported, and the session stays active
        report.stack = "failed"
        report.attempt_errors.append(f"attempt {report.destroy_attempts}: {error}")
        report.errors.append(f"destroy of {stack_name} failed after "
                             f"{report.destroy_attempts} attempts: {error}")
        return False
    return True


def _archive(settings: Settings, workspace: Path) -> str | None:
    """tar.gz the workspace into the archive folder, then delete it (None: nothing left)."""
    if not workspace.exists():
        return None
    archive = archive_workspace(workspace, settings.archive_dir)
    shutil.rmtree(workspace)
    return str(archive)


def _mark_torn_down(db: Database, session_id: str) -> None:
    with db.transaction() as tx:
        row = tx.get(SessionRow, session_id)
        assert row is not None
        row.status = SessionStatus.torn_down
        row.torn_down_at = datetime.now(UTC)
