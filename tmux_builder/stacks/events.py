"""Engine events flattened into small records a caller can log or stream."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pulumi.automation import events as ev


@dataclass(frozen=True)
class StackEvent:
    stack_name: str
    kind: str
    message: str = ""
    urn: str | None = None
    resource_type: str | None = None
    op: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


EventSink = Callable[[StackEvent], None]


def to_stack_event(stack_name: str, event: ev.EngineEvent) -> StackEvent | None:
    """The interesting part of one engine event, or None for bookkeeping events."""
    if event.resource_pre_event is not None:
        meta = event.resource_pre_event.metadata
        return StackEvent(stack_name, "resource_started", f"{meta.op.value} {meta.urn}",
                          meta.urn, meta.type, meta.op.value)
    if event.res_outputs_event is not None:
        meta = event.res_outputs_event.metadata
        return StackEvent(stack_name, "resource_done", f"{meta.op.value} {meta.urn} done",
                          meta.urn, meta.type, meta.op.value)
    if event.res_op_failed_event is not None:
        meta = event.res_op_failed_event.metadata
        return StackEvent(stack_name, "resource_failed", f"{meta.op.value} {meta.urn} failed",
                          meta.urn, meta.type, meta.op.value)
    if event.diagnostic_event is not None:
        diag = event.diagnostic_event
        return StackEvent(stack_name, "diagnostic", diag.message.strip(), diag.urn,
                          details={"severity": diag.severity})
    if event.summary_event is not None:
        summary = event.summary_event
        changes = {op.value if hasattr(op, "value") else str(op): n
                   for op, n in summary.resource_changes.items()}
        return StackEvent(stack_name, "summary", f"changes: {changes}",
                          details={"changes": changes, "seconds": summary.duration_seconds})
    if event.cancel_event is not None:
        return StackEvent(stack_name, "cancelled", "operation cancelled")
    return None


def engine_event_callback(
    stack_name: str, sink: EventSink | None
) -> Callable[[ev.EngineEvent], None] | None:
    if sink is None:
        return None

    def forward(event: ev.EngineEvent) -> None:
        record = to_stack_event(stack_name, event)
        if record is not None:
            sink(record)

    return forward
