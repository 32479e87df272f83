"""Engine events flattened into small records a caller can log or stream, and the collector
that turns one operation's events into its plan and its policy findings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pulumi.automation import events as ev

from tmux_builder.stacks.results import (
    PLANNED_OPS,
    ChangePlan,
    PolicyViolation,
    ResourceChange,
)


@dataclass(frozen=True)
class StackEvent:
    stack_name: str
    kind: str
    message: str = ""
    urn: str | None = None
    resource_type: str | None = None
    op: str | None = None
    severity: str | None = None
    changes: dict[str, int] = field(default_factory=dict)
    seconds: float | None = None
    diffs: tuple[str, ...] = ()
    policy: PolicyViolation | None = None


EventSink = Callable[[StackEvent], None]
EngineCallback = Callable[[ev.EngineEvent], None]


def op_counts(changes: Mapping[object, int] | None) -> dict[str, int]:
    """The engine's change counts keyed by plain operation names."""
    return {str(getattr(op, "value", op)): int(n) for op, n in (changes or {}).items()}


def policy_violation(event: ev.PolicyEvent) -> PolicyViolation:
    return PolicyViolation(event.policy_pack_name, event.policy_name, event.message,
                           event.enforcement_level, event.resource_urn or None)


def _step(stack_name: str, kind: str, meta: ev.StepEventMetadata, suffix: str) -> StackEvent:
    op = meta.op.value
    return StackEvent(stack_name, kind, f"{op} {meta.urn}{suffix}", meta.urn, meta.type, op,
                      diffs=tuple(meta.diffs or ()))


def to_stack_event(stack_name: str, event: ev.EngineEvent) -> StackEvent | None:
    """The interesting part of one engine event, or None for bookkeeping events."""
    if event.resource_pre_event is not None:
        return _step(stack_name, "resource_started", event.resource_pre_event.metadata, "")
    if event.res_outputs_event is not None:
        return _step(stack_name, "resource_done", event.res_outputs_event.metadata, " done")
    if event.res_op_failed_event is not None:
        return _step(stack_name, "resource_failed", event.res_op_failed_event.metadata,
                     " failed")
    if event.diagnostic_event is not None:
        diag = event.diagnostic_event
        return StackEvent(stack_name, "diagnostic", diag.message.strip(), diag.urn,
                          severity=diag.severity)
    if event.policy_event is not None:
        finding = policy_violation(event.policy_event)
        return StackEvent(stack_name, "policy_violation", str(finding), finding.urn,
                          severity=finding.enforcement_level, policy=finding)
    if event.summary_event is not None:
        summary = event.summary_event
        changes = op_counts(summary.resource_changes)
        return StackEvent(stack_name, "summary", f"changes: {changes}", changes=changes,
                          seconds=float(summary.duration_seconds))
    if event.cancel_event is not None:
        return StackEvent(stack_name, "cancelled", "operation cancelled")
    return None


@dataclass
class OperationEvents:
    """The engine callback of one operation: forwards records to ``sink`` and keeps what the
    result needs (the planned steps, the counts, the policy findings)."""

    stack_name: str
    sink: EventSink | None = None
    steps: list[ResourceChange] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[PolicyViolation] = field(default_factory=list)

    def __call__(self, event: ev.EngineEvent) -> None:
        record = to_stack_event(self.stack_name, event)
        if record is None:
            return
        if record.kind == "resource_started" and record.op in PLANNED_OPS and record.urn:
            self.steps.append(ResourceChange(record.op, record.urn, record.resource_type or "",
                                             record.urn.rsplit("::", 1)[-1], record.diffs))
        elif record.kind == "summary":
            self.counts = record.changes
        elif record.policy is not None:
            self.findings.append(record.policy)
        if self.sink is not None:
            self.sink(record)

    def plan(self, counts: Mapping[object, int] | None = None) -> ChangePlan:
        return ChangePlan(tuple(self.steps), op_counts(counts) if counts else dict(self.counts))

    @property
    def mandatory(self) -> list[PolicyViolation]:
        return [f for f in self.findings if f.mandatory]

    @property
    def advisories(self) -> tuple[PolicyViolation, ...]:
        return tuple(f for f in self.findings if not f.mandatory)


def engine_event_callback(stack_name: str, sink: EventSink | None) -> EngineCallback | None:
    return None if sink is None else OperationEvents(stack_name, sink)
