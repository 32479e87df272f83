"""The reaper: tears down every active session past its ``expires_at``, on an interval inside
the server (``run_reaper``) or once from the CLI (``tmux-builder reap``). One bad session never
stops the others."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from sqlalchemy import select

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, SessionRow
from tmux_builder.platform.ops.shared_stacks import reap_unused_shared
from tmux_builder.platform.ops.teardown import Stopper, TeardownReport, teardown_session
from tmux_builder.stacks import StackEngine

log = logging.getLogger(__name__)
REASON = "expired"


def expired_sessions(db: Database, now: datetime) -> list[tuple[str, str]]:
    """(session id, stack name) of every active session whose expiry has passed, oldest first."""
    with db.transaction() as tx:
        rows = tx.execute(select(SessionRow.id, SessionRow.stack_name)
                          .where(SessionRow.status == "active", SessionRow.expires_at <= now)
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
    for session_id, stack_name in expired_sessions(db, now or datetime.now(UTC)):
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


def run_reaper(db: Database, settings: Settings, stop: threading.Event) -> None:
    """Reap now and then every ``settings.reaper_interval_seconds`` until ``stop`` is set."""
    from tmux_builder.platform.agent.driver import AgentDriver
    from tmux_builder.platform.core.engine import stack_engine

    engine: StackEngine | None = None
    while not stop.is_set():
        try:
            engine = engine or stack_engine(settings)
            reports = reap_expired(db, settings, engine, AgentDriver(settings))
            for report in reports:
                log.info("reaped %s: torn down=%s errors=%s", report.session_id,
                         report.torn_down, report.errors)

        except Exception:  # the reaper outlives any one failure
            log.exception("reaper pass failed")
        stop.wait(settings.reaper_interval_seconds)
