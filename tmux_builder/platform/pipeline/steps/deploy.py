"""Step 6, ``deploy``: ``source/`` becomes the session's stack (recovered first when a dead
worker left a lock or pending operations), a cancel stops the engine gracefully, and the
build is recorded."""

from __future__ import annotations

from dataclasses import dataclass

from tmux_builder.domain import Provider, SiteType
from tmux_builder.platform.core.workspaces import inside
from tmux_builder.platform.db import Build, Execution
from tmux_builder.platform.pipeline.cancel_watch import cancel_watch
from tmux_builder.platform.pipeline.context import Cancelled, StepContext
from tmux_builder.platform.sites.deployments import deploy_site
from tmux_builder.platform.sites.server import start_site_server_background
from tmux_builder.stacks.events import StackEvent

LOGGED_EVENTS = frozenset({"resource_done", "resource_failed", "summary"})


@dataclass(frozen=True)
class DeployResult:
    url: str
    build: str
    pulumi_update: int | None
    changes: dict[str, int]
    seconds: float


def deploy_the_site(ctx: StepContext) -> DeployResult:
    services, stack = ctx.services, ctx.facts.stack_name
    # needs_recovery reads the state files (no CLI start); exists only when it says yes.
    if services.engine.needs_recovery(stack) and services.engine.exists(stack):
        services.engine.recover(stack, refresh=False)  # clears what a dead worker left

    def on_event(event: StackEvent) -> None:
        if event.kind in LOGGED_EVENTS:
            ctx.log("pulumi", event.message)

    with cancel_watch(ctx.cancel_requested, lambda: services.engine.cancel(stack)):
        result = deploy_site(services.settings, services.engine, ctx.facts,
                             inside(ctx.workspace, "source"), on_event=on_event,
                             db=services.db)
    if ctx.cancel_requested():
        raise Cancelled("cancelled during deploy")
    if ctx.facts.provider == Provider.local and ctx.facts.site_type == SiteType.static:
        start_site_server_background(services.settings)
    url = str(result.outputs.get("url", ""))
    with services.db.transaction() as tx:
        execution = tx.get_one(Execution, ctx.execution_id)
        number = len(execution.builds) + 1
        tx.add(Build(execution_id=ctx.execution_id, number=number, label=f"build_v{number}",
                     pulumi_update=result.version, url=url))
        execution.deployed_url = url
    return DeployResult(url, f"build_v{number}", result.version, result.changes,
                        round(result.seconds, 2))
