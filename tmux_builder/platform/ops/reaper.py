"""The reaper: every active session past its ``expires_at`` is torn down. Inside the server
(``run_reaper``) and from the admin route each becomes a reap job for the workers; the CLI
(``tmux-builder reap``, the operator's foreground command) tears them down inline
(``reap_expired``). One bad session never stops the others."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from tmux_builder.domain import JobKind, SessionStatus
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, SessionRow
from tmux_builder.platform.ops.shared_stacks import reap_unused_shared
from tmux_builder.platform.ops.teardown import (
    Stopper,
    TeardownReport,
    request_teardown,
    teardown_session,
)
from tmux_builder.stacks import StackEngine

log = logging.getLogger(__name__)
REASON = "expired"


@dataclass(frozen=True)
class QueuedTeardown:
    session_id: str
    stack_name: str
    job_id: int


def expired_sessions(db: Database, now: datetime | None = None) -> list[tuple[str, str]]:
    """(session id, stack name) of every active session whose expiry has passed, oldest first."""
    now = now or datetime.now(UTC)
    with db.transaction() as tx:
        rows = tx.execute(select(SessionRow.id, SessionRow.stack_name)
                          .where(SessionRow.status == SessionStatus.active,
                                 SessionRow.expires_at <= now)
                          .order_by(SessionRow.expires_at)).all()
    return [(session_id, stack_name) for session_id, stack_name in rows]


def reap_expired(
    db: Database,
    settings: Settings,
    engine: StackEngine,
    driver: Stopper,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[TeardownReport]:
    reports = []
    for session_id, stack_name in expired_sessions(db, now):
        if dry_run:
            reports.append(TeardownReport(session_id, stack_name, REASON, dry_run=True))
            continue
        try:
            report = teardown_session(db, settings, engine, driver, session_id, reason=REASON)
        except Exception as error:  # one bad session never stops the others
            log.exception("reaping %s failed", session_id)
            report = TeardownReport(session_id, stack_name, REASON, errors=[str(error)])
        reports.append(report)
    if not dry_run:
        for name in reap_unused_shared(db, engine):
            log.info("destroyed platform stack %s: no session uses it", name)
    return reports


def enqueue_expired(db: Database, now: datetime | None = None) -> list[QueuedTeardown]:
    """Queue a reap job (teardown, then unused platform stacks) for every expired session;
    a session whose teardown is already queued or running keeps that job."""
    return [QueuedTeardown(session_id, stack_name,
                           request_teardown(db, session_id, reason=REASON, kind=JobKind.reap))
            for session_id, stack_name in expired_sessions(db, now)]


def run_reaper(db: Database, settings: Settings, stop: threading.Event) -> None:
    """Every ``settings.reaper_interval_seconds`` until ``stop`` is set, queue the expired
    sessions' teardowns for the workers."""
    while not stop.is_set():
        try:
            for queued in enqueue_expired(db):
                log.info("queued the teardown of expired session %s (job %s)",
                         queued.session_id, queued.job_id)
        except Exception:  # the reaper outlives any one failure
            log.exception("reaper pass failed")
        stop.wait(settings.reaper_interval_seconds)
