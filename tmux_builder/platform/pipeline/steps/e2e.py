"""Step 9, ``e2e_tests``: the agent's E2E tests against the deployed URL, sandboxed."""

from __future__ import annotations

from dataclasses import dataclass

from tmux_builder.platform.agent.sandbox import Sandbox
from tmux_builder.platform.core.workspaces import inside
from tmux_builder.platform.pipeline.context import StepContext, StepFailed
from tmux_builder.platform.pipeline.steps._deployed import deployed_build
from tmux_builder.platform.verification import run_e2e_tests


@dataclass(frozen=True)
class E2EResult:
    passed: bool
    total: int
    failed: int
    skipped: int
    results: str
    report: str


def run_the_e2e_tests(ctx: StepContext) -> E2EResult:
    url, build = deployed_build(ctx)
    settings = ctx.services.settings
    result = run_e2e_tests(inside(ctx.workspace, "deployment/tests/e2e_test.py"), url,
                           inside(ctx.workspace, f"deployment/tests/results/{build}"),
                           timeout=settings.e2e_timeout_seconds,
                           sandbox=Sandbox.from_settings(settings))
    for path in (result.results_path, result.report_path):
        if path is not None and path.is_file():
            ctx.keep_artifact("e2e", f"{build}-{path.name}", path)
    if not result.passed:
        raise StepFailed(f"E2E tests failed: {result.reason or f'{result.failed} failed'}")
    return E2EResult(result.passed, result.total, result.failed, result.skipped,
                     str(result.results_path), str(result.report_path))
