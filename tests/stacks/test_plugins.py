"""Plugins where the engine looks: ``tmux-builder plugins install`` puts the pinned plugins
into the engine's own plugin home with the engine's own ``pulumi`` (the real CLI, from local
release tarballs and plugin folders), the engine lists them, and the preflight, run with the
engine's environment, finds exactly those and nothing installed elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.pulumi_programs.mocks import aws_options, azure_options
from tmux_builder.cli import app
from tmux_builder.errors import ToolchainError
from tmux_builder.pulumi_programs.plugins import PINNED_PLUGINS, Plugin
from tmux_builder.pulumi_programs.preflight import preflight
from tmux_builder.stacks import StackEngine
from tmux_builder.stacks.plugins import install_plugins, plugin_report, release_name

pytestmark = pytest.mark.slow

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example",
               "ARM_CLIENT_ID": "id", "ARM_TENANT_ID": "tenant", "ARM_CLIENT_SECRET": "secret"}
PLACED = {"subnet_id": "subnet-0123456789abcdef0"}


def fake_plugin_binary(folder: Path, plugin: Plugin) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    binary = folder / plugin.binary
    binary.write_text(f"#!/bin/sh\necho {plugin.name}\n", encoding="utf-8")
    binary.chmod(0o755)
    return binary


def release_tarball(folder: Path, plugin: Plugin) -> Path:
    binary = fake_plugin_binary(folder / "build" / plugin.name, plugin)
    tarball = folder / release_name(plugin)
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(binary, arcname=plugin.binary)
    return tarball


def engine_plugin_list(engine: StackEngine) -> dict[str, str]:
    listed = subprocess.run([str(engine.config.pulumi_binary), "plugin", "ls", "--json"],
                            env=engine.environment(), capture_output=True, text=True,
                            check=True, timeout=60)
    return {p["name"]: p["version"] for p in json.loads(listed.stdout or "[]")}


def all_targets_preflight(engine: StackEngine) -> None:
    env = {**engine.environment(), **CREDENTIALS}
    for site_type in ("static", "dynamic"):
        preflight("azure", site_type, azure_options(), env=env)
    preflight("aws", "dynamic", aws_options(**PLACED), env=env)


def test_install_from_release_tarballs_and_folders(engine: StackEngine, tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    aws, azure, tls, command = PINNED_PLUGINS
    for plugin in (aws, azure, tls):
        release_tarball(downloads, plugin)
    fake_plugin_binary(downloads / command.folder_name, command)
    before = plugin_report(engine.config)
    assert {row.status for row in before} == {"missing"}

    results = install_plugins(engine.config, downloads)
    assert [(r.name, r.status) for r in results] == [(p.name, "installed") for p in PINNED_PLUGINS]
    home_plugins = engine.config.pulumi_home / "plugins"
    for plugin, row in zip(PINNED_PLUGINS, results, strict=True):
        assert row.path == str(home_plugins / plugin.folder_name / plugin.binary)
    assert engine_plugin_list(engine) == {p.name: p.version for p in PINNED_PLUGINS}
    all_targets_preflight(engine)
    again = install_plugins(engine.config, downloads)
    assert {row.status for row in again} == {"already installed"}


def test_plugins_in_the_workers_own_home_do_not_count(
        engine: StackEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The old failure: `pulumi plugin install` into ~/.pulumi passed the preflight, then the
    engine (PULUMI_HOME=<data_dir>/pulumi-home) found no plugin."""
    worker_home = tmp_path / "worker-home"
    monkeypatch.setenv("HOME", str(worker_home))
    for plugin in PINNED_PLUGINS:
        fake_plugin_binary(worker_home / ".pulumi" / "plugins" / plugin.folder_name, plugin)
    with pytest.raises(ToolchainError) as caught:
        preflight("azure", "dynamic", azure_options(),
                  env={**engine.environment(), **CREDENTIALS}, home=worker_home)
    assert str(engine.config.pulumi_home / "plugins") in str(caught.value)
    assert caught.value.field == "resource-azure-native"


def test_missing_files_are_named_and_the_command_fails(
        engine: StackEngine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = tmp_path / "partial-downloads"
    release_tarball(downloads, PINNED_PLUGINS[0])
    monkeypatch.setenv("TMUX_BUILDER_DATA_DIR", str(engine.config.pulumi_home.parent))
    monkeypatch.setenv("TMUX_BUILDER_TOOLCHAIN_DIR", os.environ.get(
        "TMUX_BUILDER_TOOLCHAIN_DIR", str(Path.home() / ".cache" / "tmux-builder")))
    from tmux_builder.platform.core.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["plugins", "install", "--from", str(downloads)],
                                    env={"COLUMNS": "200"})
        listing = CliRunner().invoke(app, ["plugins", "ls"], env={"COLUMNS": "200"})
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert "installed" in result.output and "missing" in result.output
    assert release_name(PINNED_PLUGINS[1]) in result.output
    assert listing.exit_code == 1
    assert "already installed" in listing.output
