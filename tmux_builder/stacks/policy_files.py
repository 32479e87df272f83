"""The ``--policy-pack`` and ``--policy-pack-config`` arguments of every preview and up: each
pack's configuration is written once into the engine's work folder (the CLI reads a file)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from tmux_builder.stacks.config import EngineConfig, PolicyPackRef

CONFIG_FOLDER = "policy-config"


def write_policy_config(work_dir: Path, pack: PolicyPackRef) -> Path:
    """The pack's configuration file, named by its content so a changed configuration never
    overwrites the file of a running operation."""
    text = json.dumps(dict(pack.config), sort_keys=True, indent=1)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    target = work_dir / CONFIG_FOLDER / f"{pack.path.name}-{digest}.json"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, target)
    return target


def policy_arguments(config: EngineConfig) -> tuple[list[str], list[str]]:
    """(pack folders, their configuration files), in the same order; empty without packs."""
    packs = [str(pack.path) for pack in config.policy_packs]
    configs = [str(write_policy_config(config.work_dir, pack)) for pack in config.policy_packs]
    return packs, configs
