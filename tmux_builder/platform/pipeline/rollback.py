"""Health-gated rollback. When health, screenshot or E2E fail for ``build_vN`` and an earlier
good build is kept, that build's folder is deployed again at once: the URL keeps serving it,
the execution's status says ``rolled back to build_vK`` with the failing step and reason, and
the failed build stays inspectable (its folder and its step records). A user may also bring
back any earlier good build (a ``rollback`` job)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tmux_builder.domain import ExecutionStatus, Provider, SiteType, StepName
from tmux_builder.errors import TmuxBuilderError
from tmux_builder.platform.db import Execution
from tmux_builder.platform.pipeline import builds, records
from tmux_builder.platform.pipeline.context import Services, StepContext, load_context
from tmux_builder.platform.pipeline.event_log import new_debug_id
from tmux_builder.platform.sites.deployments import SessionFacts, deploy_site
from tmux_builder.platform.sites.server import start_site_server_background
from tmux_builder.platform.verification import check_health
from tmux_builder.platform.verification.readiness import wait_until_ready
from tmux_builder.pulumi_programs.readiness import NO_SIGNAL, readiness_for
from tmux_builder.stacks.events import StackEvent

ROLLBACK = "rollback"
CHECK_STEPS = frozenset({StepName.health_check, StepName.screenshot, StepName.e2e_tests})
Log = Callable[..., None]


class RollbackFailed(TmuxBuilderError):
    """The earlier build could not be brought back (its deploy or health check failed)."""


def restore_build(services: Services, facts: SessionFacts, kept: builds.KeptBuild,
                  log: Log) -> str:
    """Deploy the kept build's folder again and check that its URL answers; its URL."""
    def on_event(event: StackEvent) -> None:
        if event.kind in ("resource_done", "resource_failed"):
            log(ROLLBACK, event.message)

    log(ROLLBACK, f"deploying {kept.label} again")
    try:
        result = deploy_site(services.settings, services.engine, facts, kept.artifact,
                             on_event=on_event, db=services.db)
    except TmuxBuilderError as exc:
        raise RollbackFailed(f"deploying {kept.label} again failed: {exc}") from exc
    if facts.provider == Provider.local and facts.site_type == SiteType.static:
        start_site_server_background(services.settings)
    url = str(result.url or "")
    readiness = readiness_for(facts.provider, facts.site_type)
    health = (check_health(url) if readiness.signal == NO_SIGNAL else wait_until_ready(
        url, readiness, max_wait=services.settings.readiness_timeout_seconds,
        on_progress=lambda message: log(ROLLBACK, message)))
    if not health.passed:
        raise RollbackFailed(f"{kept.label} is not healthy after the rollback: {health.reason}")
    return url


def _record(services: Services, execution_id: str, kept: builds.KeptBuild, url: str,
            note: dict[str, Any]) -> None:
    with services.db.transaction() as tx:
        execution = tx.get_one(Execution, execution_id)
        execution.live_build, execution.deployed_url, execution.rollback = (
            kept.number, url, note)


def roll_back_failed_build(ctx: StepContext, step: StepName, reason: str) -> str | None:
    """Mark the newest build failed by ``step``; when that was a check and an earlier good
    build is kept, bring it back. The sentence for the status (None: nothing rolled back)."""
    services = ctx.services
    failed = builds.fail_newest_build(services.db, ctx.execution_id, f"{step}: {reason}")
    if failed is None or step not in CHECK_STEPS:
        return None
    kept = builds.good_build(services.db, ctx.execution_id, before=failed)
    if kept is None:
        ctx.log(ROLLBACK, f"no earlier good build to roll {builds.build_label(failed)} back to")
        return None
    try:
        url = restore_build(services, ctx.facts, kept, ctx.log)
    except Exception as exc:  # the build's own failure must still be recorded
        reason = exc.message if isinstance(exc, RollbackFailed) else repr(exc)
        ctx.log(ROLLBACK, f"rollback to {kept.label} failed: {reason}", level="error")
        return None
    message = (f"rolled back to {kept.label}: {builds.build_label(failed)} failed {step}: "
               f"{reason}")
    _record(services, ctx.execution_id, kept, url, {
        "to": kept.label, "from": builds.build_label(failed), "step": str(step),
        "reason": reason, "automatic": True, "at": records.now().isoformat(),
        "message": message})
    ctx.log(ROLLBACK, message)
    return message


def roll_back_on_request(services: Services, execution_id: str, number: int) -> ExecutionStatus:
    """The ``rollback`` job: bring back good build ``number`` (checked again here: the
    request was checked when it was queued, the folder may have gone since)."""
    ctx = load_context(services, execution_id, 0)
    records.set_status(services.db, execution_id, ExecutionStatus.running)
    kept = builds.good_build(services.db, execution_id, number=number)
    try:
        if kept is None:
            raise RollbackFailed(f"{builds.build_label(number)} is not a kept good build")
        with services.db.transaction() as tx:
            live = tx.get_one(Execution, execution_id).live_build
        url = restore_build(services, ctx.facts, kept, ctx.log)
    except RollbackFailed as exc:
        debug_id = new_debug_id()
        ctx.log(ROLLBACK, exc.message, level="error", debug_id=debug_id)
        records.fail_execution(services.db, execution_id, f"Rollback failed: {exc.message}",
                               debug_id)
        return ExecutionStatus.failed
    message = f"rolled back to {kept.label} on request"
    _record(services, execution_id, kept, url, {
        "to": kept.label, "from": builds.build_label(live) if live else None, "step": None,
        "reason": "asked by the user", "automatic": False,
        "at": records.now().isoformat(), "message": message})
    ctx.log(ROLLBACK, message)
    records.set_status(services.db, execution_id, ExecutionStatus.completed)
    return ExecutionStatus.completed
