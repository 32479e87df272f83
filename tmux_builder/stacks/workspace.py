"""The Automation API workspace: project settings, backend, secrets provider, engine env."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import yaml
from pulumi import automation as auto

from tmux_builder.errors import NotFoundError
from tmux_builder.stacks.config import EngineConfig
from tmux_builder.stacks.secrets import ensure_passphrase

_command_cache: dict[Path, auto.PulumiCommand] = {}
_command_lock = threading.Lock()


def engine_env(config: EngineConfig) -> dict[str, str]:
    """Variables for every ``pulumi`` the Automation API runs. No cloud credentials are added
    here beyond the state backend's own (``backend_env``); plugin downloads are off because
    this machine reaches no plugin server."""
    path_dirs = [str(config.pulumi_binary.parent), *(str(d) for d in config.plugin_dirs)]
    return {
        **config.backend_env,
        "PATH": os.pathsep.join([*path_dirs, os.environ.get("PATH", "")]),
        "PULUMI_HOME": str(config.pulumi_home),
        "PULUMI_BACKEND_URL": config.backend_url,
        "PULUMI_CONFIG_PASSPHRASE_FILE": str(config.passphrase_file),
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_SKIP_CONFIRMATIONS": "true",
        "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
    }


def engine_environment(config: EngineConfig) -> dict[str, str]:
    """The whole environment ``pulumi`` runs with: this process's, plus ``engine_env``
    (the Automation API adds its ``env_vars`` to the inherited environment the same way)."""
    return {**os.environ, **engine_env(config)}


def project_file_contents(config: EngineConfig) -> dict[str, object]:
    return {
        "name": config.project_name,
        "runtime": "python",
        "description": "tmux-builder session stacks (inline Automation API programs)",
        "backend": {"url": config.backend_url},
    }


def prepare_work_dir(config: EngineConfig) -> None:
    """Write ``Pulumi.yaml`` once, atomically, so parallel workspaces never rewrite it."""
    config.work_dir.mkdir(parents=True, exist_ok=True)
    config.pulumi_home.mkdir(parents=True, exist_ok=True)
    if config.file_state_dir is not None:
        config.file_state_dir.mkdir(parents=True, exist_ok=True)
    ensure_passphrase(config.passphrase_file)
    target = config.work_dir / "Pulumi.yaml"
    text = yaml.safe_dump(project_file_contents(config), sort_keys=False)
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return
    temp = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, target)


def pulumi_command(config: EngineConfig) -> auto.PulumiCommand:
    """One ``PulumiCommand`` per binary: its constructor runs ``pulumi version``."""
    with _command_lock:
        command = _command_cache.get(config.pulumi_root)
        if command is None:
            command = auto.PulumiCommand(root=str(config.pulumi_root))
            _command_cache[config.pulumi_root] = command
        return command


def workspace_options(
    config: EngineConfig, program: auto.PulumiFn | None
) -> auto.LocalWorkspaceOptions:
    return auto.LocalWorkspaceOptions(
        work_dir=str(config.work_dir),
        pulumi_home=str(config.pulumi_home),
        program=program,
        env_vars=engine_env(config),
        secrets_provider="passphrase",
        pulumi_command=pulumi_command(config),
    )


def _program_not_given() -> None:
    raise RuntimeError("this stack was opened without a program; only up/preview run one")


def open_stack(
    config: EngineConfig, stack_name: str, program: auto.PulumiFn | None = None
) -> auto.Stack:
    """Create or select ``stack_name`` (with ``program``), or select an existing one."""
    options = workspace_options(config, program or _program_not_given)
    if program is not None:
        return auto.create_or_select_stack(
            stack_name, project_name=config.project_name, program=program, opts=options
        )
    try:
        return auto.select_stack(
            stack_name, project_name=config.project_name, program=_program_not_given,
            opts=options,
        )
    except auto.StackNotFoundError as exc:
        raise NotFoundError(f"stack {stack_name} does not exist", field="stack_name") from exc


def local_workspace(config: EngineConfig) -> auto.LocalWorkspace:
    """A workspace for project-wide calls (listing stacks) that need no stack."""
    return auto.LocalWorkspace(**workspace_options(config, _program_not_given).__dict__)
