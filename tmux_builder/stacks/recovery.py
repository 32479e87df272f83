"""Bringing a stack back after a process died in the middle of an operation.

Two things can be left behind. (1) Pulumi's backend lock: a JSON object per holder under
``.pulumi/locks/organization/<project>/<stack>/`` in the state folder or bucket (pid, user,
host name, time). It has no lease, so it stays until removed on purpose. (2) Pending operations
in the state: removed with export / edit / import, the recovery Pulumi documents for an
interrupted update, then a refresh reconciles the state with reality.

Which backend locks may go (``lock_is_stale``), never a live holder's:
- one taken on this host: only when its pid is gone;
- one taken on another host: only when the platform's own lock spans hosts (the database
  lock), this process holds it, and the Pulumi lock is older than that hold's start minus one
  lease. Every platform operation runs inside the platform lock and renews its lease, so a
  holder that was alive then would have kept the platform lock from us; a holder that lost its
  lease stops its engine. A Pulumi lock taken after that point comes from outside the platform
  (someone's own ``pulumi up``) and is left alone. With the file lock (one host only) a lock of
  another host is never cleared."""

from __future__ import annotations

import json
import re
import socket
from dataclasses import dataclass, field
from datetime import datetime

import psutil
from pulumi import automation as auto

from tmux_builder.stacks.blob_urls import BLOB_SCHEMES
from tmux_builder.stacks.blobs import Blobs, open_blobs
from tmux_builder.stacks.config import EngineConfig
from tmux_builder.stacks.locks import StackLock
from tmux_builder.stacks.workspace import engine_environment

_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


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


@dataclass(frozen=True)
class BackendLock:
    """One of Pulumi's lock objects for a stack, as the CLI wrote it."""

    key: str
    hostname: str = ""
    pid: int = 0
    username: str = ""
    timestamp: float | None = None

    @property
    def name(self) -> str:
        return self.key.rpartition("/")[2]


def lock_prefix(config: EngineConfig, stack_name: str) -> str:
    return f".pulumi/locks/organization/{config.project_name}/{stack_name}/"


def state_blobs(config: EngineConfig) -> Blobs | None:
    """The backend's bucket (or folder), or None for a backend that is not a bucket."""
    if config.backend_url.partition("://")[0] not in BLOB_SCHEMES:
        return None
    return open_blobs(config.backend_url, engine_environment(config))


def parse_lock(key: str, content: bytes | None) -> BackendLock:
    try:
        info = json.loads(content or b"")
        stamp = info.get("timestamp")
        moment = (datetime.fromisoformat(_LONG_FRACTION.sub(r"\1", stamp)).timestamp()
                  if isinstance(stamp, str) else None)
        return BackendLock(key, str(info.get("hostname", "")), int(info.get("pid", 0)),
                           str(info.get("username", "")), moment)
    except (ValueError, TypeError, AttributeError):
        return BackendLock(key)


def backend_lock_files(config: EngineConfig, stack_name: str,
                  blobs: Blobs | None = None) -> list[BackendLock]:
    blobs = blobs or state_blobs(config)
    if blobs is None:
        return []
    return [parse_lock(key, blobs.read(key))
            for key in blobs.keys(lock_prefix(config, stack_name)) if key.endswith(".json")]


def process_is_running(pid: int) -> bool:
    """False for a pid that is gone or a zombie (killed, not yet reaped by its parent)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def lock_is_stale(lock: BackendLock, locks: StackLock | None, stack_name: str) -> bool:
    """True only when the lock's holder is provably gone (see the module's docstring)."""
    if not lock.hostname:
        return False
    if lock.hostname == socket.gethostname():
        return lock.pid > 0 and not process_is_running(lock.pid)
    hold = locks.held_here(stack_name) if locks is not None else None
    if (locks is None or not locks.spans_hosts or hold is None or locks.lease_seconds is None
            or lock.timestamp is None):
        return False
    return lock.timestamp < hold.since - locks.lease_seconds


def clear_dead_backend_locks(config: EngineConfig, report: RecoveryReport,
                             locks: StackLock | None = None) -> None:
    blobs = state_blobs(config)
    if blobs is None:
        return
    for lock in backend_lock_files(config, report.stack_name, blobs):
        if lock_is_stale(lock, locks, report.stack_name):
            blobs.delete(lock.key)
            report.cleared_locks.append(lock.name)
        else:
            report.live_locks.append(lock.name)


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
