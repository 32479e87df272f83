"""The stack engine's configuration built from settings (the stack layer never reads settings
itself). The platform's engine, with the per-stack lock every host shares, is built in
``platform/db/stack_engine.py``."""

from __future__ import annotations

from pathlib import Path

from tmux_builder.platform.core.settings import Settings
from tmux_builder.pulumi_programs.policy import PACK_DIR, pack_config
from tmux_builder.stacks import EngineConfig, PolicyPackRef
from tmux_builder.stacks.toolchain import ensure_toolchain


def engine_config(settings: Settings, *, build_toolchain: bool = False) -> EngineConfig:
    toolchain = ensure_toolchain(settings.toolchain_dir, build=build_toolchain)
    return EngineConfig(
        backend_url=settings.backend_url,
        work_dir=settings.pulumi_work_dir,
        pulumi_home=settings.pulumi_home,
        passphrase_file=settings.passphrase_file,
        locks_dir=settings.locks_dir,
        pulumi_root=toolchain.pulumi_root,
        plugin_dirs=(Path(toolchain.launcher).parent,),
        lock_timeout_seconds=settings.stack_lock_timeout_seconds,
        backend_env=settings.backend_environment(),
        policy_packs=(PolicyPackRef(PACK_DIR, pack_config(settings.allowed_instance_sizes)),)
        if settings.policy_pack else (),
    )
