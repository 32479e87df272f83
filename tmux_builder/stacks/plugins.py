"""Installing the pinned provider plugins into the engine's own plugin home, with the engine's
own ``pulumi`` and environment (so the engine finds exactly what was installed): from a
release tarball, a plugin folder or a binary in a local folder, or from the network.

Local files are looked up by the names Pulumi's releases use
(``pulumi-resource-<name>-v<version>-<os>-<arch>.tar.gz``), or as a plugin folder
``resource-<name>-v<version>/`` copied from another machine's ``~/.pulumi/plugins``."""

from __future__ import annotations

import platform
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tmux_builder.errors import InvalidInputError
from tmux_builder.pulumi_programs.plugins import PINNED_PLUGINS, Plugin, find_plugin
from tmux_builder.stacks.config import EngineConfig
from tmux_builder.stacks.workspace import engine_environment

_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
INSTALL_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class PluginStatus:
    name: str
    version: str
    status: str  # "installed", "already installed", "missing", "failed"
    path: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("installed", "already installed")


def release_name(plugin: Plugin) -> str:
    system = sys.platform if sys.platform != "win32" else "windows"
    arch = _ARCH.get(platform.machine().lower(), platform.machine().lower())
    return f"{plugin.binary}-v{plugin.version}-{system}-{arch}.tar.gz"


def local_source(plugin: Plugin, source: Path) -> Path | None:
    """The file or folder in ``source`` that holds ``plugin`` at its pinned version."""
    if source.is_file():
        return source if source.name.startswith(f"{plugin.binary}-v{plugin.version}") else None
    candidates = [source / release_name(plugin), source / plugin.folder_name]
    candidates += sorted(source.glob(f"{plugin.binary}-v{plugin.version}-*.tar.gz"))
    return next((c for c in candidates if c.exists()), None)


def _pulumi(config: EngineConfig, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(config.pulumi_binary), *args], env=engine_environment(config),
                          capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS,
                          check=False, stdin=subprocess.DEVNULL)


def plugin_report(config: EngineConfig,
                  plugins: tuple[Plugin, ...] = PINNED_PLUGINS) -> list[PluginStatus]:
    """What the engine would load for each pinned plugin."""
    env = engine_environment(config)
    found = []
    for plugin in plugins:
        path = find_plugin(plugin, env, Path.home())
        found.append(PluginStatus(plugin.name, plugin.version,
                                  "already installed" if path else "missing",
                                  str(path or "")))
    return found


def install_plugins(config: EngineConfig, source: Path | None = None, *,
                    server: str | None = None,
                    plugins: tuple[Plugin, ...] = PINNED_PLUGINS) -> list[PluginStatus]:
    """Install each plugin that the engine cannot find yet; ``source`` None downloads."""
    if source is not None and not source.exists():
        raise InvalidInputError(f"{source} does not exist", field="from")
    env = engine_environment(config)
    config.pulumi_home.mkdir(parents=True, exist_ok=True)
    results = []
    for plugin in plugins:
        if (path := find_plugin(plugin, env, Path.home())) is not None:
            results.append(PluginStatus(plugin.name, plugin.version, "already installed",
                                        str(path)))
            continue
        args = ["plugin", "install", "resource", plugin.name, f"v{plugin.version}", "--exact"]
        if source is not None:
            local = local_source(plugin, source)
            if local is None:
                results.append(PluginStatus(
                    plugin.name, plugin.version, "missing",
                    detail=f"no {release_name(plugin)} or {plugin.folder_name}/ in {source}"))
                continue
            args += ["--file", str(local)]
        elif server:
            args += ["--server", server]
        done = _pulumi(config, args)
        path = find_plugin(plugin, env, Path.home())
        if done.returncode != 0 or path is None:
            detail = (done.stderr or done.stdout).strip()[-800:]
            results.append(PluginStatus(plugin.name, plugin.version, "failed", detail=detail))
        else:
            results.append(PluginStatus(plugin.name, plugin.version, "installed", str(path)))
    return results
