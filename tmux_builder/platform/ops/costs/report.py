"""The cost report: every stack's export estimated and grouped by standard tags, stored as a
snapshot (cost over time), with actual costs added when an adapter has credentials."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tmux_builder.domain import split_execution_id
from tmux_builder.errors import InvalidInputError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import CostSnapshot, Database, StackIndexRow
from tmux_builder.platform.ops.costs.actual import ActualCosts, cached_actual_costs
from tmux_builder.platform.ops.costs.estimate import GROUP_TAGS, ResourceCost, estimate_export
from tmux_builder.platform.ops.costs.exports import stack_exports
from tmux_builder.platform.ops.costs.prices import PriceTable, load_price_table
from tmux_builder.stacks import StackEngine

ALIASES = {"user": "UserGUID", "session": "SessionID", "provider": "HostProvider",
           "site_type": "SiteType", **{tag.lower(): tag for tag in GROUP_TAGS}}


def parse_group_by(by: Sequence[str]) -> list[str]:
    """Tag names from ``UserGUID``/``user``-style names (comma lists allowed); default user."""
    names = [part.strip() for item in by for part in item.split(",") if part.strip()]
    unknown = [name for name in names if name.lower() not in ALIASES]
    if unknown:
        raise InvalidInputError(f"unknown group {', '.join(unknown)}; use "
                                f"{', '.join(GROUP_TAGS)}", field="by")
    return list(dict.fromkeys(ALIASES[name.lower()] for name in names)) or ["UserGUID"]


@dataclass
class CostReport:
    by: list[str]
    generated_at: datetime
    price_table_version: str
    currency: str
    rows: list[dict[str, Any]]
    resources: list[ResourceCost] = field(default_factory=list)
    actual: ActualCosts | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def monthly_usd(self) -> float:
        return round(sum(float(row["monthly_usd"]) for row in self.rows), 4)

    @property
    def to_date_usd(self) -> float:
        return round(sum(float(row["to_date_usd"]) for row in self.rows), 4)

    @property
    def source(self) -> str:
        return "actual" if self.actual and self.actual.rows else "estimate"

    def to_json(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "generated_at": self.generated_at.isoformat(),
            "source": self.source,
            "price_table_version": self.price_table_version,
            "currency": self.currency,
            "rows": self.rows,
            "totals": {"resources": sum(r["resources"] for r in self.rows),
                       "monthly_usd": self.monthly_usd, "to_date_usd": self.to_date_usd},
            "actual": self.actual.to_json() if self.actual else None,
            "notes": self.notes,
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, [*self.by, "resources", "monthly_usd", "to_date_usd"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()


def group_costs(costs: Sequence[ResourceCost], by: Sequence[str]) -> list[dict[str, Any]]:
    """One row per distinct tuple of ``by`` tag values, sorted by monthly cost (highest first)."""
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for cost in costs:
        key = tuple(cost.group(tag) for tag in by)
        row = groups.setdefault(key, {**dict(zip(by, key, strict=True)), "resources": 0,
                                      "monthly_usd": 0.0, "to_date_usd": 0.0})
        row["resources"] += 1
        row["monthly_usd"] += cost.monthly_usd
        row["to_date_usd"] += cost.to_date_usd
    rows = [{**row, "monthly_usd": round(row["monthly_usd"], 4),
             "to_date_usd": round(row["to_date_usd"], 4)} for row in groups.values()]
    return sorted(rows, key=lambda r: (-r["monthly_usd"], *(r[tag] for tag in by)))


def build_report(costs: Sequence[ResourceCost], by: Sequence[str], table: PriceTable,
                 now: datetime) -> CostReport:
    report = CostReport(list(by), now, table.version, table.currency,
                        group_costs(costs, by), list(costs))
    unpriced = sorted({key for cost in costs for key in cost.unpriced})
    if unpriced:
        report.notes.append(f"no price for {', '.join(unpriced)} (counted as 0)")
    return report


def _stack_facts(db: Database) -> dict[str, dict[str, str]]:
    with db.transaction() as tx:
        rows = tx.scalars(select(StackIndexRow)).all()
        return {row.name: {"UserGUID": row.user_id, "SessionID": row.session_id,
                           "HostProvider": row.host_provider, "SiteType": row.site_type}
                for row in rows}


def _fallback_facts(stack_name: str) -> dict[str, str]:
    user_id, session_id = split_execution_id(stack_name)
    return {"UserGUID": user_id, "SessionID": session_id}


def estimate_stacks(db: Database, engine: StackEngine, table: PriceTable,
                    now: datetime) -> list[ResourceCost]:
    """Estimate the resources of every stack the backend lists."""
    facts = _stack_facts(db)
    names = [record.name for record in engine.list_stacks()]
    return [cost for name, export in stack_exports(engine, names)
            for cost in estimate_export(name, export, facts.get(name) or _fallback_facts(name),
                                        table, now)]


def save_snapshot(db: Database, report: CostReport) -> int:
    with db.transaction() as tx:
        snapshot = CostSnapshot(
            taken_at=report.generated_at, group_by=",".join(report.by), source=report.source,
            price_table_version=report.price_table_version, monthly_usd=report.monthly_usd,
            to_date_usd=report.to_date_usd, rows={"rows": report.rows},
        )
        tx.add(snapshot)
        tx.flush()
        return snapshot.id


def cost_snapshots(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """The stored reports, oldest first (cost over time)."""
    with db.transaction() as tx:
        rows = tx.scalars(select(CostSnapshot).order_by(CostSnapshot.taken_at.desc(),
                                                        CostSnapshot.id.desc()).limit(limit))
        return [{"id": s.id, "taken_at": s.taken_at.isoformat(), "by": s.group_by.split(","),
                 "source": s.source, "price_table_version": s.price_table_version,
                 "monthly_usd": s.monthly_usd, "to_date_usd": s.to_date_usd,
                 "rows": s.rows.get("rows", [])} for s in rows][::-1]


def cost_report(db: Database, settings: Settings, engine: StackEngine, by: Sequence[str], *,
                now: datetime | None = None, actual: bool = True,
                snapshot: bool = True, refresh_actual: bool = False) -> CostReport:
    """Estimate every stack, group by ``by``, add actual costs when credentials exist (else a
    note says why not; cached per the interval setting unless ``refresh_actual``), and store
    the report as a snapshot unless ``snapshot`` is off."""
    groups = parse_group_by(by)
    table = load_price_table()
    now = now or datetime.now(UTC)
    report = build_report(estimate_stacks(db, engine, table, now), groups, table, now)
    if actual:
        report.actual = cached_actual_costs(settings, now, refresh=refresh_actual)
        report.notes.extend(report.actual.notes)
    if snapshot:
        save_snapshot(db, report)
    return report
