"""Bringing a stack back after a process died in the middle of an operation.

Two things can be left behind. (1) The backend's lock file: the file backend's lock has no
lease, so it stays until removed on purpose. A lock is cleared only when it was taken on this
host by a pid that is no longer alive (a live holder, or one on another host, is left alone).
(2) Pending operations in the state: removed with export / edit / import, the recovery
Pulumi documents for an interrupted update, then a refresh reconciles the state with reality."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from pulumi import automation as auto

from tmux_builder.stacks.config import EngineConfig


@dataclass
class RecoveryReport:
    stack_name: str
    cleared_locks: list[str] = field(default_factory=list)
    live_locks: list[str] = field(default_factory=list)
    cleared_pending_operations: int = 0
    stopped_providers: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.cleared_locks or self.cleared_pending_operations)


def backend_lock_files(config: EngineConfig, stack_name: str) -> list[Path]:
    state_dir = config.file_state_dir
    if state_dir is None:
        return []
    folder = state_dir / ".pulumi" / "locks" / "organization" / config.project_name / stack_name
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def lock_holder_is_dead(lock_file: Path) -> bool:
    try:
        info = json.loads(lock_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if info.get("hostname") != socket.gethostname():
        return False
    return not process_is_running(int(info.get("pid", 0)))


def process_is_running(pid: int) -> bool:
    """False for a pid that is gone or a zombie (killed, not yet reaped by its parent)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def clear_dead_backend_locks(config: EngineConfig, report: RecoveryReport) -> None:
    for lock_file in backend_lock_files(config, report.stack_name):
        if lock_holder_is_dead(lock_file):
            lock_file.unlink(missing_ok=True)
            report.cleared_locks.append(lock_file.name)
        else:
            report.live_locks.append(lock_file.name)


def _plugin_folders(config: EngineConfig) -> dict[str, str]:
    """The module each plugin of this engine runs and the folder it runs in: dynamic providers
    in the work folder, policy analyzers in their pack's folder."""
    folders = {str(config.work_dir): "pulumi.dynamic"}
    folders.update((str(pack.path), "pulumi.policy") for pack in config.policy_packs)
    return folders


def stop_orphaned_providers(config: EngineConfig, report: RecoveryReport) -> None:
    """Stop the plugin processes (dynamic providers, policy analyzers) whose engine died.
    Pulumi starts each plugin in its own process group, so killing a worker's group leaves
    them running, and neither kind ever exits by itself; a live engine's plugins are its
    children, so a plugin whose parent is no running ``pulumi`` process is an orphan (a
    killed engine stays a zombie until it is reaped: its plugins are orphans already)."""
    folders = _plugin_folders(config)
    for process in psutil.process_iter(["pid", "cmdline", "cwd"]):
        cmdline = process.info.get("cmdline") or []
        module = folders.get(process.info.get("cwd") or "")
        if module is None or module not in cmdline:
            continue
        try:
            parent = process.parent()
            if parent is not None and parent.name() == "pulumi" \
                    and process_is_running(parent.pid):
                continue
            process.kill()
            report.stopped_providers.append(process.pid)
        except psutil.Error:
            continue


def clear_pending_operations(stack: auto.Stack, report: RecoveryReport) -> None:
    state = stack.export_stack()
    deployment = dict(state.deployment or {})
    pending = deployment.get("pending_operations")
    if not pending:
        return
    report.cleared_pending_operations = len(pending)
    deployment["pending_operations"] = []
    stack.import_stack(auto.Deployment(version=state.version, deployment=deployment))
