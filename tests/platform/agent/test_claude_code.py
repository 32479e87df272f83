"""The pinned Claude Code in the toolchain cache: found fast when present, a clear error when
npm is missing, and doctor showing its version and path."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tmux_builder.errors import ToolchainError
from tmux_builder.platform.agent.claude_code import (
    CLAUDE_CODE_VERSION,
    claude_version,
    find_claude_code,
    install_claude_code,
)
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.doctor import check_claude_code


def test_an_installed_version_is_reused_at_once(settings: Settings) -> None:
    if find_claude_code(settings.toolchain_dir) is None:
        pytest.skip("Claude Code is not installed (run `make setup`)")
    started = time.monotonic()
    binary, seconds = install_claude_code(settings.toolchain_dir)
    assert seconds is None and time.monotonic() - started < 5
    assert claude_version(binary) == CLAUDE_CODE_VERSION
    check = check_claude_code(settings)
    assert check.status == "ok" and check.version == CLAUDE_CODE_VERSION
    assert check.path == str(binary)


def test_missing_npm_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolchainError, match="needs npm") as error:
        install_claude_code(tmp_path / "toolchain")
    assert error.value.field == "claude"
    assert not (tmp_path / "toolchain").exists()


def test_doctor_requires_it_only_for_the_claude_profile(settings: Settings,
                                                        tmp_path: Path) -> None:
    empty = settings.model_copy(update={"toolchain_dir": tmp_path / "empty"})
    assert check_claude_code(empty).status == "optional"
    claude = empty.model_copy(update={"agent_profile": "claude"})
    missing = check_claude_code(claude)
    assert missing.status == "missing" and "make setup" in missing.fix
