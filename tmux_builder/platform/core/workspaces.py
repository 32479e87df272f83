"""The per-session workspace (seeds' layout): ``users/<user>/sessions/<session>/`` with
``.claude/{agents,skills,CLAUDE.md}``, ``source/``, ``deployment/{config.json,tests/}``,
``logs/``, ``prompts/``, ``output/``, ``state/``. Every path the platform writes for a user is
resolved and checked to stay inside that user's workspace."""

from __future__ import annotations

import json
import os
import tarfile
from pathlib import Path
from typing import Any

from tmux_builder.agent_library import inject_session_library, session_claude_md
from tmux_builder.domain import validate_session_id, validate_user_id
from tmux_builder.errors import InvalidInputError

SUBFOLDERS = (".claude/agents", ".claude/skills", "source", "deployment/tests", "logs",
              "prompts", "output", "state")


def workspace_path(users_dir: Path, user_id: str, session_id: str) -> Path:
    return users_dir / validate_user_id(user_id) / "sessions" / validate_session_id(session_id)


def inside(workspace: Path, relative: str) -> Path:
    """``workspace/relative``, refused when it would leave the workspace."""
    root = workspace.resolve()
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise InvalidInputError(f"{relative!r} leaves the session workspace", field="path")
    return target


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def create_workspace(workspace: Path, config: dict[str, Any]) -> Path:
    """Lay out the folders, inject the agent library, write config.json and CLAUDE.md
    (idempotent: a resumed pipeline may run it again)."""
    for sub in SUBFOLDERS:
        (workspace / sub).mkdir(parents=True, exist_ok=True)
    inject_session_library(workspace, config["host_provider"], config["site_type"])
    write_text_atomic(inside(workspace, "deployment/config.json"),
                      json.dumps(config, indent=2, sort_keys=True))
    write_text_atomic(inside(workspace, ".claude/CLAUDE.md"), session_claude_md(
        provider=config["host_provider"], site_type=config["site_type"],
        session_id=config["session_id"], stack_name=config["stack_name"]))
    return workspace


def archive_workspace(workspace: Path, archive_dir: Path) -> Path:
    """tar.gz of the workspace (for teardown); the caller removes the folder."""
    archive_dir.mkdir(parents=True, exist_ok=True)
    target = archive_dir / f"{workspace.parent.parent.name}_{workspace.name}.tar.gz"
    with tarfile.open(target, "w:gz") as tar:
        tar.add(workspace, arcname=workspace.name)
    return target
