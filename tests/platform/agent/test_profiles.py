"""Profiles: which agent the settings choose, the claude profile's exact environment and
config seed, and a launch command that never carries the credential."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from pydantic import SecretStr

from tmux_builder.platform.agent.launch import agent_environment, seed_documents
from tmux_builder.platform.agent.profiles import (
    CLAUDE_QUIET_ENV,
    agent_profile,
    claude_seed,
    launch_command,
)
from tmux_builder.platform.agent.sandbox import Sandbox
from tmux_builder.platform.core.settings import Settings

KEY = "sk-ant-api03-" + "x" * 60 + "LAST20CHARSOFTHEKEY!"


def test_offline_unless_a_credential_is_set(settings: Settings) -> None:
    assert settings.resolved_agent_profile == "offline"
    with_key = settings.model_copy(update={"model_credential": SecretStr(KEY)})
    assert with_key.resolved_agent_profile == "claude"
    forced = with_key.model_copy(update={"agent_profile": "offline"})
    assert forced.resolved_agent_profile == "offline"


def test_claude_environment_is_exactly_the_quiet_set(settings: Settings, tmp_path: Path) -> None:
    configured = settings.model_copy(update={
        "agent_profile": "claude", "model_base_url": "http://127.0.0.1:9/",
        "model_credential": SecretStr(KEY), "model_credential_kind": "api_key",
        "model_name": "m1", "model_max_retries": 1})
    sandbox = Sandbox.from_settings(configured)
    profile = agent_profile(configured, sandbox, tmp_path)
    assert profile.name == "claude" and profile.argv[-2:] == ("--model", "m1")
    assert set(profile.env) == {"PATH", "HOME", "LANG", "TERM", "CLAUDE_CONFIG_DIR",
                                "CLAUDE_CODE_MAX_RETRIES", "ANTHROPIC_BASE_URL", "IS_SANDBOX",
                                *CLAUDE_QUIET_ENV}
    assert profile.secrets == {"ANTHROPIC_API_KEY": KEY}
    command = launch_command(profile, sandbox, tmp_path)
    assert KEY not in command and KEY[-20:] not in command
    spec = json.loads(shlex.split(command)[-1])
    assert spec["pass_env"] == ["ANTHROPIC_API_KEY"] and "bwrap" in spec["argv"][0]


def test_the_launcher_keeps_only_the_named_variables() -> None:
    spec = {"env": {"PATH": "/usr/bin"}, "pass_env": ["ANTHROPIC_AUTH_TOKEN"]}
    inherited = {"ANTHROPIC_AUTH_TOKEN": "t", "TMUX_BUILDER_ADMIN_TOKEN": "admin", "PATH": "/x"}
    assert agent_environment(spec, inherited) == {"PATH": "/usr/bin", "ANTHROPIC_AUTH_TOKEN": "t"}


@pytest.mark.parametrize("sandboxed", [True, False])
def test_seed_skips_every_first_run_screen(settings: Settings, tmp_path: Path,
                                           sandboxed: bool) -> None:
    configured = settings.model_copy(update={"model_credential_kind": "api_key"})
    seed = claude_seed(configured, tmp_path, sandboxed)
    documents = {k: json.loads(v) for k, v in
                 seed_documents(seed, {"ANTHROPIC_API_KEY": KEY}).items()}
    state, claude_settings = documents[".claude.json"], documents["settings.json"]
    assert state["hasCompletedOnboarding"] and state["hasSeenAutoDefaultNudge"]
    assert state["projects"][str(tmp_path.resolve())]["hasTrustDialogAccepted"]
    assert state["customApiKeyResponses"]["approved"] == [KEY[-20:]]
    permissions = claude_settings["permissions"]
    assert permissions["allow"] and permissions["defaultMode"] == (
        "bypassPermissions" if sandboxed else "acceptEdits")
    assert claude_settings.get("skipDangerousModePermissionPrompt", False) is sandboxed
    assert seed["dir"].startswith("/tmp/") if sandboxed else str(tmp_path) in seed["dir"]
    token_seed = claude_seed(settings, tmp_path, sandboxed)
    assert "customApiKeyResponses" not in json.loads(
        seed_documents(token_seed, {"ANTHROPIC_AUTH_TOKEN": KEY})[".claude.json"])
