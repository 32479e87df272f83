"""The provider plugins the cloud programs need, pinned to the Python SDKs' versions, and
where the engine finds them. The lookup mirrors the engine's own (pulumi
``sdk/go/common/workspace/plugins.go``, ``getPluginInfoAndPath``): a ``pulumi-resource-<name>``
on the engine's ``PATH`` first (unless ``PULUMI_IGNORE_AMBIENT_PLUGINS``), then the exact
version in ``$PULUMI_HOME/plugins/resource-<name>-v<version>/`` without a ``.partial``
marker (an unfinished install)."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tmux_builder.errors import ToolchainError

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Plugin:
    name: str
    package: str

    @property
    def version(self) -> str:
        """The SDK's version: the engine asks for exactly this plugin version."""
        try:
            return importlib.metadata.version(self.package)
        except importlib.metadata.PackageNotFoundError as exc:
            raise ToolchainError(f"Python package {self.package} is not installed",
                                 field=self.package) from exc

    @property
    def binary(self) -> str:
        return f"pulumi-resource-{self.name}"

    @property
    def folder_name(self) -> str:
        return f"resource-{self.name}-v{self.version}"


AWS_PLUGIN = Plugin("aws", "pulumi_aws")
AZURE_PLUGIN = Plugin("azure-native", "pulumi_azure_native")
COMMAND_PLUGIN = Plugin("command", "pulumi_command")
TLS_PLUGIN = Plugin("tls", "pulumi_tls")
PINNED_PLUGINS = (AWS_PLUGIN, AZURE_PLUGIN, TLS_PLUGIN, COMMAND_PLUGIN)


def plugins_dir(env: Mapping[str, str], home: Path) -> Path:
    """The engine's plugin cache: ``$PULUMI_HOME/plugins`` (``~/.pulumi`` without it)."""
    pulumi_home = env.get("PULUMI_HOME")
    return (Path(pulumi_home) if pulumi_home else home / ".pulumi") / "plugins"


def find_plugin(plugin: Plugin, env: Mapping[str, str], home: Path) -> Path | None:
    """The executable the engine would load for ``plugin``, or None."""
    if env.get("PULUMI_IGNORE_AMBIENT_PLUGINS", "").lower() not in _TRUE:
        ambient = shutil.which(plugin.binary, path=env.get("PATH", ""))
        if ambient:
            return Path(ambient)
    folder = plugins_dir(env, home) / plugin.folder_name
    binary = folder / plugin.binary
    partial = folder.with_name(f"{folder.name}.partial")
    if binary.is_file() and os.access(binary, os.X_OK) and not partial.exists():
        return binary
    return None
