"""The toolchain: wrapper go.mod, launcher, passphrase file, and the CLI matching the SDK."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tmux_builder.platform.core.settings import Settings
from tmux_builder.stacks.secrets import ensure_passphrase
from tmux_builder.stacks.toolchain import (
    binary_version,
    ensure_python_launcher,
    find_pulumi_root,
    sdk_version,
    wrapper_go_mod,
)

pytestmark = pytest.mark.slow

PKG_GO_MOD = """module github.com/pulumi/pulumi/pkg/v3

go 1.26.6

replace github.com/pulumi/pulumi/sdk/v3 => ../sdk

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d

replace (
\tgithub.com/a/b => github.com/c/d v1.2.3
\tgithub.com/local/thing => ./thing
)

require github.com/spf13/cobra v1.10.1
"""


def test_wrapper_go_mod_keeps_remote_replaces_only() -> None:
    text = wrapper_go_mod(PKG_GO_MOD, "3.259.0")
    assert "go 1.26.6" in text
    assert "\tgithub.com/pulumi/pulumi/pkg/v3 v3.259.0" in text
    assert "\tgithub.com/pulumi/pulumi/sdk/v3 v3.259.0" in text
    assert "replace github.com/atotto/clipboard => github.com/tgummerer/clipboard" in text
    assert "replace github.com/a/b => github.com/c/d v1.2.3" in text
    assert "../sdk" not in text and "./thing" not in text


def test_built_cli_matches_the_python_sdk(settings: Settings) -> None:
    root = find_pulumi_root(settings.toolchain_dir, sdk_version())
    assert root is not None, "run make setup"
    assert binary_version(root / "bin" / "pulumi") == sdk_version()


def test_launcher_runs_the_dynamic_provider_module(tmp_path: Path) -> None:
    launcher = ensure_python_launcher(tmp_path, Path("/usr/bin/python3"))
    assert launcher.read_text() == '#!/bin/sh\nexec "/usr/bin/python3" -u -m pulumi.dynamic "$@"\n'
    assert launcher.stat().st_mode & stat.S_IXUSR
    assert ensure_python_launcher(tmp_path, Path("/usr/bin/python3")) == launcher


def test_passphrase_is_generated_once_with_0600(tmp_path: Path) -> None:
    path = ensure_passphrase(tmp_path / "secrets" / "pass")
    first = path.read_text()
    assert len(first) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_passphrase(path).read_text() == first


def test_doctor_reports_every_tool() -> None:
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "250", "HOME": str(Path.home())}
    result = subprocess.run([sys.executable, "-m", "tmux_builder.cli", "doctor"],
                            capture_output=True, text=True, check=False, env=env)
    assert "pulumi (cli)" in result.stdout and "tmux" in result.stdout
    assert result.returncode == 1, "go is not on this PATH, so doctor must fail"
    assert "Go >= 1.25" in result.stdout
