"""The stack operations the platform needs: up, preview, refresh, destroy, cancel, outputs,
export, history, list, recover. Every operation that changes a stack holds its lock."""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psutil
from pulumi import automation as auto
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_random_exponential

from tmux_builder.errors import NotFoundError, StackBusyError, StackOperationError
from tmux_builder.stacks.config import EngineConfig
from tmux_builder.stacks.events import EventSink, engine_event_callback
from tmux_builder.stacks.locks import FileStackLocks, StackLock
from tmux_builder.stacks.naming import validate_stack_name
from tmux_builder.stacks.recovery import (
    RecoveryReport,
    clear_dead_backend_locks,
    clear_pending_operations,
    stop_orphaned_providers,
)
from tmux_builder.stacks.workspace import (
    engine_environment,
    local_workspace,
    open_stack,
    prepare_work_dir,
)

OutputSink = Callable[[str], None]
_ERROR_TAIL = 4000
# Pulumi's DIY lock writes its lock object, then lists the others: two hosts starting at the
# same instant can both be refused. A refused operation is retried at least this long.
_LOCK_RACE_SECONDS = 3.0


@dataclass(frozen=True)
class OperationResult:
    stack_name: str
    operation: str
    changes: dict[str, int]
    outputs: dict[str, Any]
    # The backend's update number; the file backend numbers none, so there it is the
    # update's position in the stack's history (1 for the first operation).
    version: int | None
    seconds: float
    stdout: str = ""


@dataclass(frozen=True)
class StackRecord:
    name: str
    last_update: str | None
    update_in_progress: bool
    resource_count: int | None
    tags: dict[str, str] = field(default_factory=dict)


def _plain_outputs(outputs: auto.OutputMap) -> dict[str, Any]:
    return {key: "[secret]" if out.secret else out.value for key, out in outputs.items()}


def _changes(summary: auto.UpdateSummary | None) -> dict[str, int]:
    if summary is None or not summary.resource_changes:
        return {}
    return {str(k): int(v) for k, v in summary.resource_changes.items()}


class StackEngine:
    """Runs Pulumi operations on the session stacks of one project and backend."""

    def __init__(self, config: EngineConfig, locks: StackLock | None = None) -> None:
        self.config = config
        prepare_work_dir(config)
        self.locks: StackLock = locks or FileStackLocks(config.locks_dir,
                                                        config.lock_timeout_seconds)
        self.locks.when_lost(self.cancel)

    def environment(self) -> dict[str, str]:
        """The environment every ``pulumi`` of this engine runs with (this process's own,
        plus the engine's ``PULUMI_HOME``, ``PATH``, backend and secrets settings)."""
        return engine_environment(self.config)

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

    def _with_stale_locks_cleared(self, stack_name: str, run: Callable[[], Any]) -> Any:
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

    def set_stack_tags(self, stack: auto.Stack, tags: dict[str, str]) -> None:
        current = stack.workspace.list_tags(stack.name)
        for key, value in tags.items():
            if current.get(key) != value:
                stack.workspace.set_tag(stack.name, key, value)

    def up(
        self,
        stack_name: str,
        program: auto.PulumiFn,
        *,
        tags: dict[str, str] | None = None,
        on_event: EventSink | None = None,
        on_output: OutputSink | None = None,
    ) -> OperationResult:
        started = time.monotonic()
        with self._operation(stack_name, "up"):
            stack = open_stack(self.config, stack_name, program)
            if tags:
                self.set_stack_tags(stack, tags)
            result = self._with_stale_locks_cleared(
                stack_name,
                lambda: stack.up(
                    on_output=on_output,
                    on_event=engine_event_callback(stack_name, on_event),
                    color="never",
                ),
            )
            version = result.summary.version or len(stack.history())
        return OperationResult(
            stack_name, "up", _changes(result.summary), _plain_outputs(result.outputs),
            version, time.monotonic() - started, result.stdout,
        )

    def preview(
        self, stack_name: str, program: auto.PulumiFn, *, on_event: EventSink | None = None,
        on_output: OutputSink | None = None,
    ) -> OperationResult:
        started = time.monotonic()
        with self._operation(stack_name, "preview"):
            stack = open_stack(self.config, stack_name, program)
            result = stack.preview(
                on_output=on_output, on_event=engine_event_callback(stack_name, on_event),
                color="never",
            )
        changes = {str(k): int(v) for k, v in (result.change_summary or {}).items()}
        return OperationResult(stack_name, "preview", changes, {}, None,
                               time.monotonic() - started, result.stdout)

    def refresh(
        self, stack_name: str, *, on_event: EventSink | None = None,
        on_output: OutputSink | None = None,
    ) -> OperationResult:
        started = time.monotonic()
        with self._operation(stack_name, "refresh"):
            stack = open_stack(self.config, stack_name)
            result = self._with_stale_locks_cleared(
                stack_name,
                lambda: stack.refresh(
                    on_output=on_output, on_event=engine_event_callback(stack_name, on_event),
                    color="never",
                ),
            )
            outputs = _plain_outputs(stack.outputs())
        return OperationResult(stack_name, "refresh", _changes(result.summary), outputs,
                               result.summary.version, time.monotonic() - started, result.stdout)

    def destroy(
        self, stack_name: str, *, remove: bool = True, on_event: EventSink | None = None,
        on_output: OutputSink | None = None,
    ) -> OperationResult:
        """Delete every resource of the stack and, by default, the stack itself."""
        started = time.monotonic()
        with self._operation(stack_name, "destroy"):
            stack = open_stack(self.config, stack_name)
            result = self._with_stale_locks_cleared(
                stack_name,
                lambda: stack.destroy(
                    on_output=on_output, on_event=engine_event_callback(stack_name, on_event),
                    color="never",
                ),
            )
            if remove:
                stack.workspace.remove_stack(stack_name)
        return OperationResult(stack_name, "destroy", _changes(result.summary), {},
                               result.summary.version, time.monotonic() - started, result.stdout)

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

    def recover(self, stack_name: str, *, refresh: bool = True) -> RecoveryReport:
        """Clear what a killed process left (dead lock, pending operations), then refresh."""
        report = RecoveryReport(stack_name)
        with self._operation(stack_name, "recover"):
            clear_dead_backend_locks(self.config, report, self.locks)
            stop_orphaned_providers(self.config, report)
            stack = open_stack(self.config, stack_name)
            clear_pending_operations(stack, report)
            if refresh:
                stack.refresh(color="never")
        return report

    def outputs(self, stack_name: str) -> dict[str, Any]:
        with self._read(stack_name):
            return _plain_outputs(open_stack(self.config, stack_name).outputs())

    def export(self, stack_name: str) -> dict[str, Any]:
        with self._read(stack_name):
            state = open_stack(self.config, stack_name).export_stack()
            return {"version": state.version, "deployment": state.deployment}

    def history(self, stack_name: str, limit: int | None = None) -> list[dict[str, Any]]:
        with self._read(stack_name):
            stack = open_stack(self.config, stack_name)
            entries = stack.history(page_size=limit, page=1 if limit else None)
        return [
            {
                "version": e.version,
                "kind": e.kind,
                "result": e.result,
                "started": e.start_time.isoformat() if e.start_time else None,
                "ended": e.end_time.isoformat() if e.end_time else None,
                "changes": {str(k): int(v) for k, v in (e.resource_changes or {}).items()},
            }
            for e in entries
        ]

    def tags(self, stack_name: str) -> dict[str, str]:
        with self._read(stack_name):
            stack = open_stack(self.config, stack_name)
            return dict(stack.workspace.list_tags(stack_name))

    def list_stacks(self, prefix: str | None = None) -> list[StackRecord]:
        summaries = local_workspace(self.config).list_stacks(include_all=False)
        return [
            StackRecord(s.name, s.last_update, s.update_in_progress, s.resource_count)
            for s in summaries
            if prefix is None or s.name.startswith(prefix)
        ]

    def exists(self, stack_name: str) -> bool:
        return any(r.name == stack_name for r in self.list_stacks(prefix=stack_name))

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
