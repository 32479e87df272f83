"""Orphans: stacks with no live session, sessions whose stack is gone, and local site
folders, app folders and app processes that no stack owns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import select

from tmux_builder.domain import SessionStatus, is_platform_stack
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Build, Database, Execution, SessionRow
from tmux_builder.platform.ops.stack_index import indexed_names
from tmux_builder.stacks import StackEngine


@dataclass
class OrphanReport:
    stacks_without_session: list[str] = field(default_factory=list)
    sessions_without_stack: list[str] = field(default_factory=list)
    site_folders: list[str] = field(default_factory=list)
    app_folders: list[str] = field(default_factory=list)
    processes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(self.to_dict().values())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_orphans(db: Database, settings: Settings, engine: StackEngine) -> OrphanReport:
    stacks = {record.name for record in engine.list_stacks()}
    live, deployed = _sessions(db)
    return OrphanReport(
        stacks_without_session=sorted(s for s in stacks - set(live)
                                      if not is_platform_stack(s)),
        sessions_without_stack=sorted(
            session for stack, session in live.items()
            if stack not in stacks and (stack in deployed or stack in indexed_names(db))
        ),
        site_folders=_unowned_folders(settings.sites_dir, stacks),
        app_folders=_unowned_folders(settings.apps_dir, stacks),
        processes=_unowned_processes(settings.apps_dir, stacks),
    )


def _sessions(db: Database) -> tuple[dict[str, str], set[str]]:
    """Active sessions by stack name, and the stacks of those that have deployed a build."""
    with db.transaction() as tx:
        live = dict(tx.execute(select(SessionRow.stack_name, SessionRow.id)
                               .where(SessionRow.status == SessionStatus.active)).all())
        deployed = set(tx.scalars(
            select(SessionRow.stack_name).join(Execution, Execution.session_id == SessionRow.id)
            .join(Build, Build.execution_id == Execution.id)))
    return live, deployed


def _unowned_folders(root: Path, stacks: set[str]) -> list[str]:
    """Entries ``root/<stack>`` and ``root/.releases/<stack>`` of no existing stack."""
    found = []
    for folder in (root, root / ".releases"):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if not entry.name.startswith(".") and entry.name not in stacks:
                found.append(str(entry))
    return sorted(found)


def _unowned_processes(apps_dir: Path, stacks: set[str]) -> list[dict[str, Any]]:
    """Processes running from ``apps_dir/<stack>/...`` when that stack does not exist."""
    root = str(apps_dir.resolve()) + "/"
    found = []
    for process in psutil.process_iter(["pid", "cwd", "cmdline", "status"]):
        cwd = process.info.get("cwd") or ""
        if not cwd.startswith(root) or process.info.get("status") == psutil.STATUS_ZOMBIE:
            continue
        stack = cwd[len(root):].split("/", 1)[0]
        if stack not in stacks:
            found.append({"pid": process.info["pid"], "stack_name": stack, "cwd": cwd,
                          "cmdline": " ".join(process.info.get("cmdline") or [])})
    return found
