"""Actual costs from the clouds' billing APIs, grouped by the UserGUID tag. Each adapter says
clearly when it cannot run (no credentials, no client library, an unexpected answer); the
report then keeps to its estimates and carries the note. Answers are cached for
``TMUX_BUILDER_ACTUAL_COST_CACHE_SECONDS`` (Cost Explorer charges per request; Cost
Management throttles), in one file that every process of this host shares."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.ops.costs.aws_cost_explorer import (
    CostExplorerClient,
    aws_costs_by_tag,
    cost_explorer_client,
    tag_activation_note,
)
from tmux_builder.platform.ops.costs.azure_cost_management import (
    TokenCredential,
    azure_costs_by_tag,
    cost_management_client,
)
from tmux_builder.platform.ops.costs.errors import ActualCostUnavailable


@dataclass(frozen=True)
class ActualRow:
    provider: str
    user_guid: str
    amount: float
    currency: str


@dataclass
class ActualCosts:
    period_start: date
    period_end: date
    rows: list[ActualRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fetched_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"period_start": self.period_start.isoformat(),
                "period_end": self.period_end.isoformat(),
                "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
                "rows": [asdict(row) for row in self.rows]}

    @classmethod
    def from_json(cls, document: dict[str, Any], notes: list[str]) -> ActualCosts:
        fetched = document.get("fetched_at")
        return cls(date.fromisoformat(document["period_start"]),
                   date.fromisoformat(document["period_end"]),
                   [ActualRow(**row) for row in document["rows"]], list(notes),
                   datetime.fromisoformat(fetched) if fetched else None)


def month_to_date(now: datetime) -> tuple[date, date]:
    """First day of ``now``'s month and the day after ``now`` (the APIs' end is exclusive)."""
    today = now.date()
    return today.replace(day=1), today + timedelta(days=1)


def _aws(settings: Settings, start: date, end: date, client: CostExplorerClient | None,
         result: ActualCosts) -> None:
    try:
        ce = client or cost_explorer_client(settings)
        result.rows += [ActualRow("aws", user, amount, currency)
                        for user, amount, currency in aws_costs_by_tag(ce, start, end)]
        note = tag_activation_note(ce)
        if note:
            result.notes.append(note)
    except ActualCostUnavailable as error:
        result.notes.append(f"AWS actual costs unavailable: {error}")
    except Exception as error:  # the billing API's own failures become a note
        result.notes.append(f"AWS Cost Explorer failed: {error}")


def _azure(settings: Settings, start: date, end: date,
           transport: httpx.BaseTransport | None, credential: TokenCredential | None,
           result: ActualCosts) -> None:
    try:
        with cost_management_client(settings, transport, credential) as http:
            found = azure_costs_by_tag(http, str(settings.azure_subscription_id), start, end)
        result.rows += [ActualRow("azure", user, amount, currency)
                        for user, amount, currency in found.rows]
        result.notes += found.notes
    except ActualCostUnavailable as error:
        result.notes.append(f"Azure actual costs unavailable: {error}")
    except Exception as error:  # HTTP errors and anything unexpected become a note
        result.notes.append(f"Azure Cost Management failed: {error}")


def collect_actual_costs(
    settings: Settings,
    now: datetime,
    *,
    aws_client: CostExplorerClient | None = None,
    azure_transport: httpx.BaseTransport | None = None,
    azure_credential: TokenCredential | None = None,
) -> ActualCosts:
    """Ask both billing APIs now (no cache); never raises."""
    start, end = month_to_date(now)
    result = ActualCosts(start, end, fetched_at=now)
    _aws(settings, start, end, aws_client, result)
    _azure(settings, start, end, azure_transport, azure_credential, result)
    return result


def cache_file(settings: Settings) -> Path:
    return settings.data_dir / "cache" / "actual-costs.json"


def _cache_key(settings: Settings, now: datetime) -> str:
    start, end = month_to_date(now)
    return "|".join([start.isoformat(), end.isoformat(), settings.aws_profile or "",
                     settings.azure_subscription_id or ""])


def _read_cache(path: Path, key: str) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) and document.get("key") == key else None


def _write_cache(path: Path, key: str, costs: ActualCosts) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(f".{os.getpid()}.tmp")
    temp.write_text(json.dumps({"key": key, "costs": costs.to_json(), "notes": costs.notes}),
                    encoding="utf-8")
    os.replace(temp, path)


def cached_actual_costs(settings: Settings, now: datetime | None = None, *,
                        refresh: bool = False, **adapters: Any) -> ActualCosts:
    """Actual costs, from the cache while it is younger than the interval setting."""
    now = now or datetime.now(UTC)
    path, key = cache_file(settings), _cache_key(settings, now)
    cached = None if refresh else _read_cache(path, key)
    if cached is not None:
        costs = ActualCosts.from_json(cached["costs"], cached.get("notes", []))
        age = (now - costs.fetched_at).total_seconds() if costs.fetched_at else None
        if age is not None and 0 <= age < settings.actual_cost_cache_seconds:
            costs.notes.append(f"actual costs as fetched at {costs.fetched_at:%Y-%m-%d %H:%M} "
                               f"UTC (cached for {settings.actual_cost_cache_seconds:g} s)")
            return costs
    costs = collect_actual_costs(settings, now, **adapters)
    _write_cache(path, key, costs)
    return costs
