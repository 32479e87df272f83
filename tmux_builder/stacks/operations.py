"""The stack operations the platform needs: up, preview, refresh, drift check, destroy, cancel,
outputs, export, history, list, recover. Every operation that changes a stack holds its lock.

Cheap by design: each ``pulumi`` start costs 0.1-0.3 s here. Stacks are addressed by name
(``--stack``), never selected; on a ``file://`` backend whether a stack exists, its tags,
its update number and whether a killed process left anything are read from the state files;
stack tags are written only when they changed. Every other backend asks the CLI."""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

import psutil
from pulumi import automation as auto
from pulumi.automation._stack import StackInitMode
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_random_exponential

from tmux_builder.errors import (
    NotFoundError,
    PolicyViolationError,
    StackBusyError,
    StackOperationError,
)
from tmux_builder.stacks.config import EngineConfig
from tmux_builder.stacks.events import EventSink, OperationEvents, op_counts
from tmux_builder.stacks.locks import FileStackLocks, StackLock
from tmux_builder.stacks.naming import validate_stack_name
from tmux_builder.stacks.policy_files import policy_arguments
from tmux_builder.stacks.recovery import (
    RecoveryReport,
    backend_lock_files,
    clear_dead_backend_locks,
    clear_pending_operations,
    lock_is_stale,
    stop_orphaned_providers,
)
from tmux_builder.stacks.results import (
    HistoryEntry,
    OperationResult,
    Outputs,
    PreviewResult,
    StackExport,
    StackRecord,
)
from tmux_builder.stacks.state_files import FileState
from tmux_builder.stacks.workspace import engine_environment, local_workspace, prepare_work_dir

OutputSink = Callable[[str], None]
T = TypeVar("T")
_ERROR_TAIL = 4000
# Pulumi's DIY lock writes its lock object, then lists the others: two hosts starting at the
# same instant can both be refused. A refused operation is retried at least this long.
_LOCK_RACE_SECONDS = 3.0


def plain_outputs(outputs: auto.OutputMap) -> Outputs:
    return {key: "[secret]" if out.secret else out.value for key, out in outputs.items()}


class _NamedStack(auto.Stack):
    """A stack addressed by its name alone. ``auto.Stack`` runs ``pulumi stack select`` when
    constructed: a CLI start, and a write of the workspace's current-stack file that parallel
    operations race on. Every command it runs passes ``--stack``, so nothing needs selecting."""

    def __init__(self, name: str, workspace: auto.Workspace) -> None:
        self.name = name
        self.workspace = workspace
        self._mode = StackInitMode.SELECT


class StackEngine:
    """Runs Pulumi operations on the session stacks of one project and backend."""

    def __init__(self, config: EngineConfig, locks: StackLock | None = None) -> None:
        self.config = config
        prepare_work_dir(config)
        self.locks: StackLock = locks or FileStackLocks(config.locks_dir,
                                                        config.lock_timeout_seconds)
        self.locks.when_lost(self.cancel)
        state_dir = config.file_state_dir
        self.files = FileState(state_dir, config.project_name) if state_dir else None
        self.workspace = local_workspace(config)
        # `refresh --preview-only` refuses the engine's PULUMI_SKIP_CONFIRMATIONS (read as --yes).
        self._dry_run_workspace = local_workspace(config)
        self._dry_run_workspace.env_vars = {**self.workspace.env_vars,
                                            "PULUMI_SKIP_CONFIRMATIONS": "false"}
        self._policy_packs, self._policy_configs = policy_arguments(config)

    def environment(self) -> dict[str, str]:
        """The environment every ``pulumi`` of this engine runs with (this process's own,
        plus the engine's ``PULUMI_HOME``, ``PATH``, backend and secrets settings)."""
        return engine_environment(self.config)

    # --- addressing stacks -------------------------------------------------------------

    def _stack(self, stack_name: str, *, create: bool = False) -> auto.Stack:
        """The stack, created first when ``create`` and missing. Without ``create`` a missing
        stack is reported by the command that uses it (``NotFoundError``)."""
        if self.files is not None:
            if not self.files.exists(stack_name):
                if not create:
                    raise NotFoundError(f"stack {stack_name} does not exist", field="stack_name")
                self.workspace.create_stack(stack_name)
        elif create:
            try:
                self.workspace.select_stack(stack_name)
            except auto.StackNotFoundError:
                self.workspace.create_stack(stack_name)
        return _NamedStack(stack_name, self.workspace)

    def _created(self, stack_name: str) -> auto.Stack:
        """The stack, created when missing. A killed engine may have left the backend lock
        of a stack it was still creating: that lock is cleared like any other dead one."""
        return self._with_stale_locks_cleared(
            stack_name, lambda: self._stack(stack_name, create=True))

    def exists(self, stack_name: str) -> bool:
        if self.files is not None:
            return self.files.exists(validate_stack_name(stack_name))
        return any(r.name == stack_name for r in self.list_stacks(prefix=stack_name))

    def _ensure_tags(self, stack_name: str, wanted: dict[str, str]) -> None:
        """Set the stack tags that differ from ``wanted``: on a file backend in one write of
        the tags file, elsewhere one ``pulumi stack tag set`` per changed tag."""
        known = self.files.read_tags(stack_name) if self.files is not None else None
        current = known if known is not None else dict(self.workspace.list_tags(stack_name))
        changed = {k: v for k, v in wanted.items() if current.get(k) != v}
        if not changed:
            return
        if self.files is not None and known is not None:
            self.files.write_tags(stack_name, {**current, **changed})
            return
        for key, value in changed.items():
            self.workspace.set_tag(stack_name, key, value)

    def _version(self, stack: auto.Stack, summary: auto.UpdateSummary) -> int | None:
        if summary.version:
            return summary.version
        if self.files is not None:
            return self.files.update_count(stack.name) or None
        return len(stack.history()) or None

    # --- running operations --------------------------------------------------------------

    @contextmanager
    def _operation(self, stack_name: str, operation: str) -> Iterator[None]:
        validate_stack_name(stack_name)
        with self.locks.hold(stack_name, operation):
            try:
                yield
            except auto.ConcurrentUpdateError as exc:
                raise StackBusyError(
                    f"stack {stack_name} is locked by another Pulumi process: {_tail(exc)}",
                    field="stack_name",
                ) from exc
            except auto.StackNotFoundError as exc:
                raise NotFoundError(f"stack {stack_name} does not exist",
                                    field="stack_name") from exc
            except auto.CommandError as exc:
                raise StackOperationError(
                    f"pulumi {operation} of {stack_name} failed: {_tail(exc)}"
                ) from exc

    def _with_stale_locks_cleared(self, stack_name: str, run: Callable[[], T]) -> T:
        """Run; when Pulumi's backend lock refuses, clear it if its holder is provably gone
        (``recovery.lock_is_stale``) and run again, else retry with jittered backoff for the
        lock timeout (at least ``_LOCK_RACE_SECONDS``) before the refusal stands."""
        retrying = Retrying(
            retry=retry_if_exception_type(auto.ConcurrentUpdateError),
            stop=stop_after_delay(max(self.locks.timeout_seconds, _LOCK_RACE_SECONDS)),
            wait=wait_random_exponential(multiplier=0.2, max=2), reraise=True,
        )
        for attempt in retrying:
            with attempt:
                try:
                    return run()
                except auto.ConcurrentUpdateError:
                    report = RecoveryReport(stack_name)
                    clear_dead_backend_locks(self.config, report, self.locks)
                    if not report.cleared_locks:
                        raise
                    return run()
        raise AssertionError("unreachable: tenacity re-raises the last refusal")

    def _events(self, stack_name: str, sink: EventSink | None,
                always: bool = False) -> OperationEvents | None:
        """The operation's event callback: needed for a caller's sink, for the policy
        findings, and for a preview's plan; otherwise the event stream is not set up."""
        if sink is None and not always and not self._policy_packs:
            return None
        return OperationEvents(stack_name, sink)

    def _policed(self, stack_name: str, events: OperationEvents | None,
                 run: Callable[[], T]) -> T:
        """A failure with mandatory policy findings is a ``PolicyViolationError`` naming them."""
        try:
            return run()
        except auto.CommandError as exc:
            if events is None or not events.mandatory:
                raise
            found = events.mandatory
            raise PolicyViolationError(
                f"policy refused the deployment of {stack_name}: "
                + "; ".join(str(v) for v in found), violations=found,
            ) from exc

    def up(
        self,
        stack_name: str,
        program: auto.PulumiFn,
        *,
        tags: dict[str, str] | None = None,
        on_event: EventSink | None = None,
        on_output: OutputSink | None = None,
        refresh: bool = False,
    ) -> OperationResult:
        """Create or update the stack from ``program``. ``refresh`` reads the resources'
        real state first in the same engine run (a repair after drift)."""
        started = time.monotonic()
        with self._operation(stack_name, "up"):
            stack = self._created(stack_name)
            if tags:
                self._ensure_tags(stack_name, tags)
            events = self._events(stack_name, on_event)
            result = self._policed(stack_name, events, lambda: self._with_stale_locks_cleared(
                stack_name,
                lambda: stack.up(
                    program=program, on_output=on_output, on_event=events, color="never",
                    refresh=refresh or None, policy_packs=self._policy_packs or None,
                    policy_pack_configs=self._policy_configs or None,
                ),
            ))
            version = self._version(stack, result.summary)
        return OperationResult(
            stack_name, "up", op_counts(result.summary.resource_changes),
            plain_outputs(result.outputs), version, time.monotonic() - started, result.stdout,
            events.advisories if events else (),
        )

    def preview(
        self, stack_name: str, program: auto.PulumiFn, *, on_event: EventSink | None = None,
        on_output: OutputSink | None = None,
    ) -> PreviewResult:
        """What an up of ``program`` would change: each resource to create, update, replace
        or delete (with the properties that differ), the counts and the policy findings."""
        started = time.monotonic()
        with self._operation(stack_name, "preview"):
            stack = self._created(stack_name)
            events = OperationEvents(stack_name, on_event)
            result = self._policed(stack_name, events, lambda: stack.preview(
                program=program, on_output=on_output, on_event=events, color="never",
                policy_packs=self._policy_packs or None,
                policy_pack_configs=self._policy_configs or None,
            ))
        return PreviewResult(stack_name, "preview", events.plan(result.change_summary),
                             time.monotonic() - started, result.stdout, events.advisories)

    def preview_refresh(
        self, stack_name: str, *, on_event: EventSink | None = None,
    ) -> PreviewResult:
        """Drift: what a refresh would change in the state (a resource edited or deleted
        outside Pulumi), without changing anything."""
        started = time.monotonic()
        with self._operation(stack_name, "drift check"):
            self._stack(stack_name)
            events = OperationEvents(stack_name, on_event, outcomes=True)
            result = _NamedStack(stack_name, self._dry_run_workspace).preview_refresh(
                on_event=events, color="never")
        return PreviewResult(stack_name, "preview_refresh", events.plan(result.change_summary),
                             time.monotonic() - started, result.stdout)

    def refresh(
        self, stack_name: str, *, on_event: EventSink | None = None,
        on_output: OutputSink | None = None,
    ) -> OperationResult:
        started = time.monotonic()
        with self._operation(stack_name, "refresh"):
            stack = self._stack(stack_name)
            result = self._with_stale_locks_cleared(
                stack_name,
                lambda: stack.refresh(on_output=on_output,
                                      on_event=self._events(stack_name, on_event),
                                      color="never"),
            )
            outputs = plain_outputs(stack.outputs())
        return OperationResult(stack_name, "refresh", op_counts(result.summary.resource_changes),
                               outputs, result.summary.version, time.monotonic() - started,
                               result.stdout)

    def destroy(
        self, stack_name: str, *, remove: bool = True, on_event: EventSink | None = None,
        on_output: OutputSink | None = None,
    ) -> OperationResult:
        """Delete every resource of the stack and, by default, the stack itself."""
        started = time.monotonic()
        with self._operation(stack_name, "destroy"):
            stack = self._stack(stack_name)
            result = self._with_stale_locks_cleared(
                stack_name,
                lambda: stack.destroy(on_output=on_output,
                                      on_event=self._events(stack_name, on_event),
                                      color="never"),
            )
            if remove:
                self.workspace.remove_stack(stack_name)
        return OperationResult(stack_name, "destroy", op_counts(result.summary.resource_changes),
                               {}, result.summary.version, time.monotonic() - started,
                               result.stdout)

    def cancel(self, stack_name: str) -> bool:
        """Interrupt the running Pulumi operation on the stack (SIGINT, which the engine
        handles as a graceful cancel). True when an operation was found and signalled."""
        validate_stack_name(stack_name)
        signalled = False
        for process in psutil.process_iter(["name", "cmdline"]):
            cmdline = process.info.get("cmdline") or []
            if process.info.get("name") != "pulumi" or not _targets_stack(cmdline, stack_name):
                continue
            try:
                process.send_signal(signal.SIGINT)
                signalled = True
            except psutil.Error:
                continue
        return signalled

    # --- recovery ----------------------------------------------------------------------

    def needs_recovery(self, stack_name: str) -> bool:
        """Whether a killed process may have left something behind: a backend lock of a dead
        process or pending operations. Read from the state files without a CLI start; a
        backend that cannot be read so always answers True."""
        validate_stack_name(stack_name)
        if self.files is None:
            return True
        if any(lock_is_stale(lock, self.locks, stack_name)
               for lock in backend_lock_files(self.config, stack_name)):
            return True
        pending = self.files.pending_operations(stack_name)
        return pending is None or pending > 0

    def recover(self, stack_name: str, *, refresh: bool = True) -> RecoveryReport:
        """Clear what a killed process left (dead lock, pending operations), then refresh.
        The state is exported and re-imported only when it has pending operations."""
        report = RecoveryReport(stack_name)
        with self._operation(stack_name, "recover"):
            clear_dead_backend_locks(self.config, report, self.locks)
            stop_orphaned_providers(self.config, report)
            stack = self._stack(stack_name)
            pending = self.files.pending_operations(stack_name) if self.files else None
            if pending != 0:
                clear_pending_operations(stack, report)
            if refresh:
                stack.refresh(color="never")
        return report

    # --- reads -------------------------------------------------------------------------

    def outputs(self, stack_name: str) -> Outputs:
        with self._read(stack_name):
            return plain_outputs(_NamedStack(stack_name, self.workspace).outputs())

    def export(self, stack_name: str) -> StackExport:
        with self._read(stack_name):
            state = _NamedStack(stack_name, self.workspace).export_stack()
        return StackExport.parse(state.version, state.deployment)

    def history(self, stack_name: str, limit: int | None = None) -> list[HistoryEntry]:
        with self._read(stack_name):
            stack = _NamedStack(stack_name, self.workspace)
            entries = stack.history(page_size=limit, page=1 if limit else None)
        return [
            HistoryEntry(e.version, e.kind, e.result, e.start_time, e.end_time,
                         op_counts(e.resource_changes))
            for e in entries
        ]

    def tags(self, stack_name: str) -> dict[str, str]:
        with self._read(stack_name):
            known = self.files.read_tags(stack_name) if self.files is not None else None
            if known is not None and self.files is not None and self.files.exists(stack_name):
                return known
            return dict(self.workspace.list_tags(stack_name))

    def summary(self, stack_name: str) -> StackRecord | None:
        """One stack's line of ``list_stacks`` (None when it does not exist); on a file
        backend read from its checkpoint without a CLI start."""
        validate_stack_name(stack_name)
        known = self.files.summary(stack_name) if self.files is not None else None
        if known is not None:
            count, moment = known
            return StackRecord(stack_name, datetime.fromisoformat(moment) if moment else None,
                               False, count)
        return next((r for r in self.list_stacks(prefix=stack_name) if r.name == stack_name),
                    None)

    def list_stacks(self, prefix: str | None = None) -> list[StackRecord]:
        summaries = self.workspace.list_stacks(include_all=False)
        return [
            StackRecord(s.name, s.last_update, bool(s.update_in_progress), s.resource_count)
            for s in summaries
            if prefix is None or s.name.startswith(prefix)
        ]

    @contextmanager
    def _read(self, stack_name: str) -> Iterator[None]:
        """Reads take no lock (Pulumi serves them during an update) but map errors alike."""
        validate_stack_name(stack_name)
        try:
            yield
        except auto.StackNotFoundError as exc:
            raise NotFoundError(f"stack {stack_name} does not exist", field="stack_name") from exc
        except auto.CommandError as exc:
            raise StackOperationError(f"reading {stack_name} failed: {_tail(exc)}") from exc


def _targets_stack(cmdline: list[str], stack_name: str) -> bool:
    for flag, value in itertools.pairwise(cmdline):
        if flag == "--stack" and (value == stack_name or value.endswith(f"/{stack_name}")):
            return True
    return False


def _tail(exc: Exception) -> str:
    return str(exc)[-_ERROR_TAIL:]
