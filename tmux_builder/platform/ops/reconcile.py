"""Reconcile the stack index with the backend's own list (what ``pulumi stack ls`` shows):
report stacks missing on either side and rows whose resource count drifted; repair on ask."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from tmux_builder.platform.db import Database, StackIndexRow
from tmux_builder.platform.ops.stack_index import entry_from_record, forget_stack, record_stack
from tmux_builder.stacks import StackEngine, StackRecord


@dataclass
class ReconcileReport:
    missing_from_backend: list[str] = field(default_factory=list)
    missing_from_index: list[str] = field(default_factory=list)
    count_mismatches: list[dict[str, Any]] = field(default_factory=list)
    repaired: bool = False

    @property
    def in_step(self) -> bool:
        return not (self.missing_from_backend or self.missing_from_index
                    or self.count_mismatches)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "in_step": self.in_step}


def reconcile(db: Database, engine: StackEngine, *, repair: bool = False) -> ReconcileReport:
    backend = {record.name: record for record in engine.list_stacks()}
    with db.transaction() as tx:
        counts = dict(tx.execute(select(StackIndexRow.name, StackIndexRow.resource_count)).all())
    report = ReconcileReport(
        missing_from_backend=sorted(set(counts) - set(backend)),
        missing_from_index=sorted(set(backend) - set(counts)),
        count_mismatches=[
            {"name": name, "index": counts[name], "backend": backend[name].resource_count or 0}
            for name in sorted(set(counts) & set(backend))
            if counts[name] != (backend[name].resource_count or 0)
        ],
    )
    if repair:
        _repair(db, engine, report, backend)
    return report


def _repair(db: Database, engine: StackEngine, report: ReconcileReport,
            backend: dict[str, StackRecord]) -> None:
    for name in report.missing_from_backend:
        forget_stack(db, name)
    for name in report.missing_from_index:
        url = engine.outputs(name).get("url")
        record_stack(db, entry_from_record(backend[name], engine.tags(name),
                                           str(url) if url else None))
    with db.transaction() as tx:
        for mismatch in report.count_mismatches:
            row = tx.get(StackIndexRow, mismatch["name"])
            if row is not None:
                row.resource_count = mismatch["backend"]
    report.repaired = True
