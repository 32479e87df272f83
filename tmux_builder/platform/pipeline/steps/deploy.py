"""Step 6, ``deploy``: ``source/`` is kept as the build's own folder (``output/build_vN/site``)
and that folder becomes the session's stack (recovered first when a dead worker left a lock
or pending operations). A redeploy previews first: the plan (each resource to create, update,
replace or delete) is stored with the build, logged and streamed. A cancel stops the engine
gracefully."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tmux_builder.domain import Provider, SiteType, StepName
from tmux_builder.errors import TmuxBuilderError
from tmux_builder.platform.pipeline import builds
from tmux_builder.platform.pipeline.cancel_watch import cancel_watch
from tmux_builder.platform.pipeline.context import Cancelled, StepContext
from tmux_builder.platform.sites.deployments import deploy_site, preview_site
from tmux_builder.platform.sites.server import start_site_server_background
from tmux_builder.stacks.events import PROVIDER_TYPE_PREFIX, StackEvent
from tmux_builder.stacks.results import PLANNED_OPS

LOGGED_EVENTS = frozenset({"resource_done", "resource_failed", "summary"})
PREVIEW = "preview"


@dataclass(frozen=True)
class DeployResult:
    url: str
    build: str
    pulumi_update: int | None
    changes: dict[str, int]
    seconds: float
    plan: dict[str, Any] | None = None
    # advisory policy findings (a mandatory one fails the deploy instead)
    advisories: tuple[str, ...] = ()


def deploy_the_site(ctx: StepContext) -> DeployResult:
    services, stack = ctx.services, ctx.facts.stack_name
    # needs_recovery reads the state files (no CLI start); exists only when it says yes.
    if services.engine.needs_recovery(stack) and services.engine.exists(stack):
        services.engine.recover(stack, refresh=False)  # clears what a dead worker left
    number = builds.start_build(services.db, ctx.execution_id)
    folder = builds.keep_artifact(ctx.workspace, number)

    def on_event(event: StackEvent) -> None:
        if event.kind in LOGGED_EVENTS:
            ctx.log("pulumi", event.message)

    plan = None
    try:
        with cancel_watch(ctx.cancel_requested, lambda: services.engine.cancel(stack)):
            if ctx.run > 1:
                plan = preview_the_build(ctx, number, folder)
            result = deploy_site(services.settings, services.engine, ctx.facts, folder,
                                 on_event=on_event, db=services.db)
    except TmuxBuilderError as exc:
        builds.fail_newest_build(services.db, ctx.execution_id, f"{StepName.deploy}: {exc}")
        raise
    if ctx.cancel_requested():
        raise Cancelled("cancelled during deploy")
    if ctx.facts.provider == Provider.local and ctx.facts.site_type == SiteType.static:
        start_site_server_background(services.settings)
    url = str(result.outputs.get("url", ""))
    builds.finish_deploy(services.db, ctx.execution_id, number, result.version, url)
    return DeployResult(url, builds.build_label(number), result.version, result.changes,
                        round(result.seconds, 2), plan,
                        tuple(str(a) for a in result.advisories))


def preview_the_build(ctx: StepContext, number: int, folder: Path) -> dict[str, Any]:
    """Preview the build, store its plan with it, and stream each planned change."""
    services = ctx.services

    def on_event(event: StackEvent) -> None:
        if (event.kind == "resource_started" and event.op in PLANNED_OPS and event.urn
                and not (event.resource_type or "").startswith(PROVIDER_TYPE_PREFIX)):
            diffs = f" ({', '.join(event.diffs)})" if event.diffs else ""
            ctx.log(PREVIEW, f"would {event.op} {event.urn.rsplit('::', 1)[-1]}{diffs}")

    preview = preview_site(services.settings, services.engine, ctx.facts, folder,
                           on_event=on_event, db=services.db)
    plan = builds.plan_document(preview.plan)
    builds.record_plan(services.db, ctx.execution_id, number, plan)
    ctx.log(PREVIEW, f"{builds.build_label(number)} {builds.plan_sentence(plan)}")
    return plan
