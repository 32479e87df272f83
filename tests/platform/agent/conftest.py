"""Fixtures of the claude-profile tests: the scripted model on loopback and settings that
point the real Claude Code (installed by `make setup`) at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libtmux
import pytest
from pydantic import SecretStr

from tests.support.model_server import RunningModel
from tmux_builder.platform.agent.claude_code import CLAUDE_CODE_VERSION, find_claude_code
from tmux_builder.platform.core.settings import Settings

MODEL_CREDENTIAL = "tb-model-credential-0123456789abcdef"


@pytest.fixture
def model() -> Iterator[RunningModel]:
    with RunningModel() as running:
        yield running


@pytest.fixture
def claude_settings(settings: Settings, model: RunningModel, tmp_path: Path) -> Iterator[Settings]:
    if find_claude_code(settings.toolchain_dir) is None:
        pytest.skip(f"Claude Code {CLAUDE_CODE_VERSION} is not installed (run `make setup`)")
    configured = settings.model_copy(update={
        "agent_profile": "claude", "model_base_url": model.base_url,
        "model_credential": SecretStr(MODEL_CREDENTIAL), "model_name": "scripted-model",
        "model_max_retries": 0, "agent_idle_timeout_seconds": 6,
        "tmux_socket": f"tb-claude-{tmp_path.name[-14:]}"})
    yield configured
    server = libtmux.Server(socket_name=configured.tmux_socket)
    if server.is_alive():
        server.kill()
