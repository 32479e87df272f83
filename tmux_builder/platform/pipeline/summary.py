"""The handover with every good build: ``output/build_vN/DEPLOYMENT_SUMMARY.md`` and the same
facts stored with the build (the status answer and the session page show them): the request,
the URL, the stack's resources (from its export), the estimated monthly cost from the price
table (the session's tags group it), the checks that passed, the policy result, and how to ask
for changes. The user's words go in only as escaped Markdown text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tmux_builder.agent_library.offline_agent.render import markdown_text
from tmux_builder.domain import StepName, StepStatus, validate_execution_id
from tmux_builder.platform.core.workspaces import inside, write_text_atomic
from tmux_builder.platform.db import Build, Execution
from tmux_builder.platform.ops.costs.estimate import estimate_export
from tmux_builder.platform.ops.costs.prices import load_price_table
from tmux_builder.platform.pipeline.builds import build_label
from tmux_builder.platform.pipeline.context import StepContext
from tmux_builder.platform.sites.deployments import STACK_TAG_KEYS, standard_tags

SUMMARY_FILE = "DEPLOYMENT_SUMMARY.md"
PLAIN_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+")
PROVIDER_PREFIX = "pulumi:providers:"
STACK_TYPE = "pulumi:pulumi:Stack"


def _step_details(execution: Execution, run: int) -> dict[str, dict[str, Any]]:
    return {s.name: dict(s.details) for s in execution.steps
            if s.run == run and s.status == StepStatus.completed}


def summary_facts(ctx: StepContext, number: int) -> dict[str, Any]:
    """What the summary of build ``number`` says, as stored with the build."""
    services, stack = ctx.services, ctx.facts.stack_name
    export = services.engine.export(stack)
    resources = [{"name": r.name, "type": r.type} for r in export.resources
                 if r.custom and not r.type.startswith(PROVIDER_PREFIX) and r.type != STACK_TYPE]
    table = load_price_table()
    tags = standard_tags(services.settings, ctx.facts).as_dict()
    costs = estimate_export(stack, export.document(), {k: tags[k] for k in STACK_TAG_KEYS},
                            table, datetime.now(UTC))
    with services.db.transaction() as tx:
        execution = tx.get_one(Execution, ctx.execution_id)
        details = _step_details(execution, ctx.run)
        url = execution.deployed_url or ""
    health, shot, e2e = (details.get(StepName.health_check, {}),
                         details.get(StepName.screenshot, {}),
                         details.get(StepName.e2e_tests, {}))
    advisories = list(details.get(StepName.deploy, {}).get("advisories") or [])
    return {
        "build": build_label(number),
        "request": ctx.requirements,
        "url": url,
        "resources": resources,
        "monthly_usd": round(sum(c.monthly_usd for c in costs), 2),
        "currency": table.currency,
        "price_table_version": table.version,
        "checks": {
            "health": {"passed": bool(health.get("passed")),
                       "status_code": health.get("status_code"),
                       "body_bytes": health.get("body_bytes")},
            "screenshot": {"width": shot.get("width"), "height": shot.get("height"),
                           "colours": shot.get("colours")},
            "e2e": {"total": e2e.get("total"), "failed": e2e.get("failed"),
                    "skipped": e2e.get("skipped")},
        },
        "policy": {"enabled": services.settings.policy_pack,
                   "result": ("passed" if services.settings.policy_pack else "not run"),
                   "advisories": advisories},
        "execution_id": ctx.execution_id,
        "changes": ("Send a chat message on the session page (or POST /api/chat/"
                    f"{ctx.execution_id}) describing the change, then redeploy; a build that "
                    "fails its checks is rolled back to the last good one."),
    }


def _link(url: str) -> str:
    """An autolink for a plain http(s) URL (autolinks take no escapes); anything else as
    escaped text."""
    return f"<{url}>" if PLAIN_URL.fullmatch(url) else markdown_text(url) or "none"


def summary_markdown(facts: dict[str, Any]) -> str:
    """The summary as Markdown: every value the user or the agent could steer is escaped."""
    checks = facts["checks"]
    e2e, shot, health = checks["e2e"], checks["screenshot"], checks["health"]
    policy = facts["policy"]
    lines = [
        f"# Deployment summary: {facts['build']}",
        "",
        f"**Request:** {markdown_text(facts['request'])}",
        "",
        f"**URL:** {_link(facts['url'])}",
        "",
        f"## Resources ({len(facts['resources'])})",
        "",
        *(f"- {markdown_text(r['name'])} ({markdown_text(r['type'])})"
          for r in facts["resources"]),
        "",
        "## Estimated monthly cost",
        "",
        f"{facts['monthly_usd']:.2f} {facts['currency']} (price table "
        f"{markdown_text(facts['price_table_version'])})",
        "",
        "## Checks passed",
        "",
        f"- Health: HTTP {health['status_code']}, {health['body_bytes']} bytes",
        f"- Screenshot: {shot['width']}x{shot['height']}, {shot['colours']} colours",
        f"- E2E tests: {(e2e['total'] or 0) - (e2e['failed'] or 0) - (e2e['skipped'] or 0)}"
        f" of {e2e['total']} passed, {e2e['skipped']} skipped",
        "",
        "## Policy",
        "",
        ("Policy pack: " + policy["result"]
         + ("" if not policy["advisories"] else "; advisories: "
            + "; ".join(markdown_text(a) for a in policy["advisories"]))),
        "",
        "## Asking for changes",
        "",
        "Send a chat message on the session page (or `POST /api/chat/"
        f"{validate_execution_id(facts['execution_id'])}`) describing the change, then "
        "redeploy; a build that fails its checks is rolled back to the last good one.",
        "",
    ]
    return "\n".join(lines)


def write_summary(ctx: StepContext, number: int) -> dict[str, Any]:
    """Write build ``number``'s summary file and store its facts with the build."""
    facts = summary_facts(ctx, number)
    write_text_atomic(inside(ctx.workspace, f"output/{build_label(number)}/{SUMMARY_FILE}"),
                      summary_markdown(facts))
    with ctx.services.db.transaction() as tx:
        execution = tx.get_one(Execution, ctx.execution_id)
        build: Build = next(b for b in execution.builds if b.number == number)
        build.summary = facts
    return facts
