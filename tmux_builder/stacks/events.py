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
# Provider resources are configuration, not something deployed: the engine's counts leave
# them out, and so does the plan.
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
EngineCallback = Callable[[ev.EngineEvent], None]


def op_counts(changes: Mapping[ev.OpType, int] | None) -> dict[str, int]:
    """The engine's change counts keyed by plain operation names."""
    return {str(getattr(op, "value", op)): int(n) for op, n in (changes or {}).items()}


def policy_violation(event: ev.PolicyEvent) -> PolicyViolation:
    return PolicyViolation(event.policy_pack_name, event.policy_name, event.message,
                           event.enforcement_level, event.resource_urn or None)


def changed_keys(meta: ev.StepEventMetadata) -> tuple[str, ...]:
    """The properties a step changes: the provider's own diff when it gives one, else the
    keys whose inputs differ between the old and new state, else (a refresh, which reads
    what is really there) the keys whose outputs differ."""
    if meta.diffs or meta.keys:
        return tuple(meta.diffs or meta.keys or ())
    if meta.old is None or meta.new is None:
        return ()
    for old, new in ((meta.old.inputs, meta.new.inputs), (meta.old.outputs, meta.new.outputs)):
        before, after = old or {}, new or {}
        keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        if keys:
            return tuple(keys)
    return ()


def _step(stack_name: str, kind: str, meta: ev.StepEventMetadata, suffix: str) -> StackEvent:
    op = meta.op.value
    return StackEvent(stack_name, kind, f"{op} {meta.urn}{suffix}", meta.urn, meta.type, op,
                      diffs=changed_keys(meta))


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
    result needs (the planned steps, the counts, the policy findings). A refresh announces
    every resource as ``refresh`` and says what it found when done, so with ``outcomes``
    the steps are taken from the done events."""

    stack_name: str
    sink: EventSink | None = None
    outcomes: bool = False
    steps: list[ResourceChange] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[PolicyViolation] = field(default_factory=list)

    def __call__(self, event: ev.EngineEvent) -> None:
        record = to_stack_event(self.stack_name, event)
        if record is None:
            return
        step_kind = "resource_done" if self.outcomes else "resource_started"
        if (record.kind == step_kind and record.op in PLANNED_OPS and record.urn
                and not (record.resource_type or "").startswith(PROVIDER_TYPE_PREFIX)):
            self.steps.append(ResourceChange(record.op, record.urn, record.resource_type or "",
                                             record.urn.rsplit("::", 1)[-1], record.diffs))
        elif record.kind == "summary":
            self.counts = record.changes
        elif record.policy is not None:
            self.findings.append(record.policy)
        if self.sink is not None:
            self.sink(record)

    def plan(self, counts: Mapping[ev.OpType, int] | None = None) -> ChangePlan:
        return ChangePlan(tuple(self.steps), op_counts(counts) if counts else dict(self.counts))

    @property
    def mandatory(self) -> list[PolicyViolation]:
        return [f for f in self.findings if f.mandatory]

    @property
    def advisories(self) -> tuple[PolicyViolation, ...]:
        return tuple(f for f in self.findings if not f.mandatory)


def engine_event_callback(stack_name: str, sink: EventSink | None) -> EngineCallback | None:
    return None if sink is None else OperationEvents(stack_name, sink)
