"""Step 7, ``health_check``. A local site is checked at once; a cloud site is waited for as
long as its target says it may take to become ready, with progress in the execution's log."""

from __future__ import annotations

from tmux_builder.domain import StepName
from tmux_builder.platform.core.workspaces import inside
from tmux_builder.platform.pipeline.context import StepContext, StepFailed
from tmux_builder.platform.pipeline.steps._deployed import deployed_build
from tmux_builder.platform.verification import check_health, save_result
from tmux_builder.platform.verification.health import HealthResult
from tmux_builder.platform.verification.readiness import wait_until_ready
from tmux_builder.pulumi_programs.readiness import NO_SIGNAL, readiness_for


def check_the_site(ctx: StepContext) -> HealthResult:
    url, build = deployed_build(ctx)
    readiness = readiness_for(ctx.facts.provider, ctx.facts.site_type)
    if readiness.signal == NO_SIGNAL:
        result = check_health(url)
    else:
        result = wait_until_ready(
            url, readiness, max_wait=ctx.services.settings.readiness_timeout_seconds,
            on_progress=lambda message: ctx.log(StepName.health_check, message))
    saved = inside(ctx.workspace, f"output/{build}/health.json")
    save_result(result, saved)
    ctx.keep_artifact("health", f"{build}.json", saved)
    if not result.passed:
        raise StepFailed(f"the site is not healthy: {result.reason}")
    return result
