"""What the stack layer hands back: typed records, never the engine's raw dictionaries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias

JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"
Outputs: TypeAlias = dict[str, JsonValue]

# The operations a plan lists; "same" is not a change, and a replacement's two extra steps
# (create-replacement, delete-replaced) are the one "replace".
PLANNED_OPS = ("create", "update", "replace", "delete")


@dataclass(frozen=True)
class PolicyViolation:
    """One finding of a policy pack; ``mandatory`` ones fail the preview or update."""

    policy_pack: str
    policy: str
    message: str
    enforcement_level: str
    urn: str | None = None

    @property
    def mandatory(self) -> bool:
        return self.enforcement_level == "mandatory"

    def __str__(self) -> str:
        where = f" ({self.urn.rsplit('::', 1)[-1]})" if self.urn else ""
        return f"{self.policy_pack}/{self.policy}{where}: {self.message.strip()}"


@dataclass(frozen=True)
class ResourceChange:
    """One resource the engine would change (a preview) or found changed (a drift check)."""

    op: str
    urn: str
    type: str
    name: str
    # The properties that differ, as the engine names them (for an update or a drift).
    diffs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangePlan:
    """The resources to create, update, replace and delete, and the engine's own counts."""

    changes: tuple[ResourceChange, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    def of(self, op: str) -> tuple[ResourceChange, ...]:
        return tuple(c for c in self.changes if c.op == op)

    @property
    def create(self) -> tuple[ResourceChange, ...]:
        return self.of("create")

    @property
    def update(self) -> tuple[ResourceChange, ...]:
        return self.of("update")

    @property
    def replace(self) -> tuple[ResourceChange, ...]:
        return self.of("replace")

    @property
    def delete(self) -> tuple[ResourceChange, ...]:
        return self.of("delete")

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)


@dataclass(frozen=True)
class OperationResult:
    stack_name: str
    operation: str
    changes: dict[str, int]
    outputs: Outputs
    # The backend's update number; the file backend numbers none, so there it is the
    # update's position in the stack's history (1 for the first operation).
    version: int | None
    seconds: float
    stdout: str = ""
    # Advisory findings of the policy packs (a mandatory one fails the operation instead).
    advisories: tuple[PolicyViolation, ...] = ()

    @property
    def url(self) -> str | None:
        value = self.outputs.get("url")
        return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class PreviewResult:
    """A dry run: an update's preview, or a refresh's (what drifted)."""

    stack_name: str
    operation: str
    plan: ChangePlan
    seconds: float
    stdout: str = ""
    advisories: tuple[PolicyViolation, ...] = ()

    @property
    def changes(self) -> dict[str, int]:
        return self.plan.counts


@dataclass(frozen=True)
class HistoryEntry:
    version: int | None
    kind: str
    result: str
    started: datetime | None
    ended: datetime | None
    changes: dict[str, int]


@dataclass(frozen=True)
class StackRecord:
    name: str
    last_update: datetime | None
    update_in_progress: bool
    resource_count: int | None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourceState:
    """One resource of an exported state."""

    urn: str
    type: str
    custom: bool
    id: str | None
    inputs: Mapping[str, JsonValue]
    outputs: Mapping[str, JsonValue]

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> ResourceState:
        return cls(urn=str(raw.get("urn", "")), type=str(raw.get("type", "")),
                   custom=bool(raw.get("custom")),
                   id=str(raw["id"]) if raw.get("id") else None,
                   inputs=dict(raw.get("inputs") or {}), outputs=dict(raw.get("outputs") or {}))


@dataclass(frozen=True)
class StackExport:
    """A stack's exported state: the raw deployment (what ``pulumi stack export`` prints, for
    tools that read it whole) and its resources parsed."""

    version: int | None
    deployment: Mapping[str, JsonValue]
    resources: tuple[ResourceState, ...]
    pending_operations: int

    @classmethod
    def parse(cls, version: int | None, deployment: Mapping[str, Any] | None) -> StackExport:
        deployment = dict(deployment or {})
        resources = tuple(ResourceState.parse(r) for r in deployment.get("resources") or ())
        return cls(version, deployment, resources,
                   len(deployment.get("pending_operations") or ()))

    def document(self) -> dict[str, JsonValue]:
        """The export as ``pulumi stack export`` prints it."""
        return {"version": self.version, "deployment": dict(self.deployment)}

    def resource(self, name: str) -> ResourceState:
        found = [r for r in self.resources if r.custom and r.name == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r}")
        return found[0]
