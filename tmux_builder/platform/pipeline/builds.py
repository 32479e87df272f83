"""The builds of an execution: each deploy is a numbered build whose deployed folder is kept
(``output/build_vN/site``, a copy of ``source/``), with the plan its preview made, its outcome
(deploying, deployed, good, failed) and why it failed. The execution knows which build the
stack serves (``live_build``) and its newest rollback."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tmux_builder.errors import InvalidInputError
from tmux_builder.platform.core.workspaces import inside
from tmux_builder.platform.db import Build, Database, Execution
from tmux_builder.pulumi_programs.local.files import SKIPPED_DIRS
from tmux_builder.stacks import ChangePlan

DEPLOYING, DEPLOYED, GOOD, FAILED = "deploying", "deployed", "good", "failed"


def build_label(number: int) -> str:
    return f"build_v{number}"


def artifact_path(number: int) -> str:
    """Where build N's deployed folder is kept, relative to the workspace."""
    return f"output/{build_label(number)}/site"


def keep_artifact(workspace: Path, number: int) -> Path:
    """Copy ``source/`` (without dependency and VCS folders, which no target deploys) to the
    build's own folder; this copy is what gets deployed, so a rollback redeploys exactly it."""
    target = inside(workspace, artifact_path(number))
    if target.exists():  # a deploy interrupted before it finished is redone from scratch
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(inside(workspace, "source"), target, symlinks=True,
                    ignore=shutil.ignore_patterns(*SKIPPED_DIRS))
    return target


def plan_document(plan: ChangePlan) -> dict[str, Any]:
    """A preview's plan as stored with the build and shown to the user."""
    return {"counts": dict(plan.counts),
            "changes": [{"op": c.op, "name": c.name, "type": c.type, "diffs": list(c.diffs)}
                        for c in plan.changes]}


def plan_sentence(plan: dict[str, Any]) -> str:
    """``plan: 1 to update (site: digest)`` or ``plan: no changes``."""
    changes = plan.get("changes") or []
    if not changes:
        return "plan: no changes"
    parts = []
    for op in ("create", "update", "replace", "delete"):
        named = [c["name"] + (f" ({', '.join(c['diffs'])})" if c.get("diffs") else "")
                 for c in changes if c["op"] == op]
        if named:
            parts.append(f"{len(named)} to {op}: {', '.join(named)}")
    return "plan: " + "; ".join(parts)


def start_build(db: Database, execution_id: str) -> int:
    """The number of the build this deploy makes: a new row (deploying), or the newest one
    when a dead worker left it deploying."""
    with db.transaction() as tx:
        execution = tx.get_one(Execution, execution_id)
        if execution.builds and execution.builds[-1].outcome == DEPLOYING:
            return execution.builds[-1].number
        number = len(execution.builds) + 1
        tx.add(Build(execution_id=execution_id, number=number, label=build_label(number),
                     outcome=DEPLOYING, artifact=artifact_path(number)))
        return number


def _build(execution: Execution, number: int) -> Build:
    return next(b for b in execution.builds if b.number == number)


def record_plan(db: Database, execution_id: str, number: int, plan: dict[str, Any]) -> None:
    with db.transaction() as tx:
        _build(tx.get_one(Execution, execution_id), number).plan = plan


def finish_deploy(db: Database, execution_id: str, number: int, version: int | None,
                  url: str) -> None:
    """The build is deployed and live; its checks are still to come."""
    with db.transaction() as tx:
        execution = tx.get_one(Execution, execution_id)
        build = _build(execution, number)
        build.outcome, build.pulumi_update, build.url = DEPLOYED, version, url
        execution.deployed_url, execution.live_build = url, number


def fail_newest_build(db: Database, execution_id: str, failure: str) -> int | None:
    """Mark the newest build failed (kept for inspection); its number, if there is one."""
    with db.transaction() as tx:
        execution = tx.get_one(Execution, execution_id)
        if not execution.builds or execution.builds[-1].outcome not in (DEPLOYING, DEPLOYED):
            return None
        build = execution.builds[-1]
        build.outcome, build.failure = FAILED, failure
        return build.number


def mark_newest_good(db: Database, execution_id: str) -> int | None:
    """Every check passed for the newest build; it is live and the rollback note is cleared."""
    with db.transaction() as tx:
        execution = tx.get_one(Execution, execution_id)
        if not execution.builds or execution.builds[-1].outcome != DEPLOYED:
            return None
        build = execution.builds[-1]
        build.outcome = GOOD
        execution.live_build, execution.rollback = build.number, None
        return build.number


@dataclass(frozen=True)
class KeptBuild:
    number: int
    label: str
    artifact: Path


def good_build(db: Database, execution_id: str, number: int | None = None,
               before: int | None = None) -> KeptBuild | None:
    """Build ``number`` if it is good and its folder is kept, else (``number`` None) the
    newest good build before ``before`` whose folder is kept."""
    with db.transaction() as tx:
        execution = tx.get_one(Execution, execution_id)
        workspace = Path(execution.session.workspace)
        candidates = [b for b in reversed(execution.builds)
                      if b.outcome == GOOD and b.artifact
                      and (number is None or b.number == number)
                      and (before is None or b.number < before)]
        for build in candidates:
            try:  # a folder swapped for a link out of the workspace is not kept
                folder = inside(workspace, str(build.artifact))
            except InvalidInputError:
                continue
            if folder.is_dir():
                return KeptBuild(build.number, build.label, folder)
    return None
