"""Agent profiles (SPEC section 7): what runs in tmux, with which environment, how its
readiness shows on screen, and the command line that starts it through the launcher, in the
sandbox.

- ``offline``: the built-in template agent; no network, no credential.
- ``claude``: Claude Code at the pinned version with a per-session config folder seeded so
  that no first-run screen waits for a key, the model endpoint and credential from settings,
  and the variables that keep it local and quiet. The credential is the only secret, and only
  this process gets it.
- ``custom``: ``TMUX_BUILDER_AGENT_COMMAND`` (tests' scripted agents, a self-built agent)."""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tmux_builder.errors import ToolchainError
from tmux_builder.platform.agent.claude_code import CLAUDE_CODE_VERSION, find_claude_code
from tmux_builder.platform.agent.sandbox import SANDBOX_HOME, Sandbox
from tmux_builder.platform.agent.screen import (
    CLAUDE_BUSY,
    CLAUDE_READY,
    CLAUDE_UNSENT,
    OFFLINE_READY,
)
from tmux_builder.platform.core.settings import Settings

SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
SANDBOX_CLAUDE_CONFIG = Path(SANDBOX_HOME) / "claude-config"
SEED_FDS = {".claude.json": 40, "settings.json": 41}
# Exactly what keeps Claude Code local and quiet (no telemetry, updates, error reports,
# marketplace clone or other outside traffic).
CLAUDE_QUIET_ENV = {
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "DISABLE_AUTOUPDATER": "1",
    "CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL": "1",
}
CLAUDE_ALLOWED_TOOLS = ("Read", "Write", "Edit", "Bash", "Skill", "Agent")
CREDENTIAL_ENV = {"auth_token": "ANTHROPIC_AUTH_TOKEN", "api_key": "ANTHROPIC_API_KEY"}


@dataclass(frozen=True)
class AgentProfile:
    name: str
    argv: tuple[str, ...]
    env: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    ready: re.Pattern[str] | None = None
    busy: re.Pattern[str] | None = None
    unsent: re.Pattern[str] | None = None
    watches_dialogs: bool = False
    network: bool = True
    readable: tuple[Path, ...] = ()
    seed: dict[str, Any] | None = None


def base_environment(settings: Settings, sandboxed: bool) -> dict[str, str]:
    return {"PATH": SANDBOX_PATH if sandboxed else _host_path(),
            "HOME": SANDBOX_HOME if sandboxed else str(Path.home()),
            "LANG": "C.UTF-8", "TERM": "xterm-256color"}


def _host_path() -> str:
    return os.environ.get("PATH", SANDBOX_PATH)


def offline_profile(settings: Settings, sandbox: Sandbox) -> AgentProfile:
    return AgentProfile(
        name="offline",
        argv=(sys.executable, "-u", "-m", "tmux_builder.agent_library.offline_agent"),
        env=base_environment(settings, sandbox.enabled),
        ready=OFFLINE_READY, network=False)


def custom_profile(settings: Settings, sandbox: Sandbox, command: str) -> AgentProfile:
    argv = tuple(shlex.split(command))
    files = tuple(Path(a) for a in argv if a.startswith("/") and Path(a).is_file())
    return AgentProfile(name="custom", argv=argv, env=base_environment(settings, sandbox.enabled),
                        readable=files)


def claude_seed(settings: Settings, workspace: Path, sandboxed: bool) -> dict[str, Any]:
    """``.claude.json`` and ``settings.json`` of the session's config folder."""
    state = {"hasCompletedOnboarding": True, "hasSeenAutoDefaultNudge": True,
             "projects": {str(workspace.resolve()): {"hasTrustDialogAccepted": True}}}
    permissions: dict[str, Any] = {"allow": list(CLAUDE_ALLOWED_TOOLS),
                                   "defaultMode": "bypassPermissions" if sandboxed
                                   else "acceptEdits"}
    claude_settings: dict[str, Any] = {"permissions": permissions}
    if sandboxed:
        claude_settings["skipDangerousModePermissionPrompt"] = True
    key_env = CREDENTIAL_ENV["api_key"] if settings.model_credential_kind == "api_key" else None
    folder = SANDBOX_CLAUDE_CONFIG if sandboxed else workspace / "state" / "claude-config"
    return {"dir": str(folder), "files": {".claude.json": state, "settings.json": claude_settings},
            "approve_key_env": key_env, "fds": dict(SEED_FDS) if sandboxed else {}}


def claude_profile(settings: Settings, sandbox: Sandbox, workspace: Path) -> AgentProfile:
    binary = find_claude_code(settings.toolchain_dir)
    if binary is None:
        raise ToolchainError(f"Claude Code {CLAUDE_CODE_VERSION} is not installed; run "
                             "`make setup`", field="claude")
    seed = claude_seed(settings, workspace, sandbox.enabled)
    env = {**base_environment(settings, sandbox.enabled), **CLAUDE_QUIET_ENV,
           "CLAUDE_CONFIG_DIR": seed["dir"],
           "CLAUDE_CODE_MAX_RETRIES": str(settings.model_max_retries)}
    if settings.model_base_url:
        env["ANTHROPIC_BASE_URL"] = settings.model_base_url
    if sandbox.enabled:
        env["IS_SANDBOX"] = "1"
    secrets = {}
    if settings.model_credential is not None:
        secrets[CREDENTIAL_ENV[settings.model_credential_kind]] = (
            settings.model_credential.get_secret_value())
    argv = (str(binary), *(("--model", settings.model_name) if settings.model_name else ()))
    return AgentProfile(name="claude", argv=argv, env=env, secrets=secrets, ready=CLAUDE_READY,
                        busy=CLAUDE_BUSY, unsent=CLAUDE_UNSENT, watches_dialogs=True,
                        readable=(binary.parents[3],), seed=seed)


def agent_profile(settings: Settings, sandbox: Sandbox, workspace: Path,
                  command: str | None = None) -> AgentProfile:
    """The profile the settings choose (an explicit command wins)."""
    command = command or settings.agent_command
    if command:
        return custom_profile(settings, sandbox, command)
    if settings.resolved_agent_profile == "claude":
        return claude_profile(settings, sandbox, workspace)
    return offline_profile(settings, sandbox)


def launch_command(profile: AgentProfile, sandbox: Sandbox, workspace: Path) -> str:
    """The tmux window command: the launcher with the (secret-free) spec."""
    seed_files: tuple[tuple[int, Path], ...] = ()
    if profile.seed and profile.seed["fds"]:
        folder = Path(profile.seed["dir"])
        seed_files = tuple((fd, folder / name) for name, fd in profile.seed["fds"].items())
    argv = sandbox.wrap(profile.argv, cwd=workspace, writable=[workspace],
                        readable=profile.readable, network=profile.network,
                        seed_files=seed_files)
    spec = {"argv": argv, "env": profile.env, "pass_env": sorted(profile.secrets),
            "seed": profile.seed}
    launcher = [sys.executable, "-I", "-m", "tmux_builder.platform.agent.launch",
                json.dumps(spec, separators=(",", ":"))]
    return shlex.join(launcher)
