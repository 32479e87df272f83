"""Actual costs from the clouds' billing APIs, grouped by the UserGUID tag. Each adapter says
clearly when it has no credentials; the report then keeps to its estimates."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from tmux_builder.platform.ops.costs.aws_cost_explorer import (
    CostExplorerClient,
    aws_costs_by_tag,
    cost_explorer_client,
)
from tmux_builder.platform.ops.costs.azure_cost_management import (
    azure_costs_by_tag,
    cost_management_client,
)
from tmux_builder.platform.ops.costs.errors import ActualCostUnavailable
from tmux_builder.platform.settings import Settings


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

    def to_json(self) -> dict[str, Any]:
        return {"period_start": self.period_start.isoformat(),
                "period_end": self.period_end.isoformat(),
                "rows": [asdict(row) for row in self.rows]}


def month_to_date(now: datetime) -> tuple[date, date]:
    """First day of ``now``'s month and the day after ``now`` (the APIs' end is exclusive)."""
    today = now.date()
    return today.replace(day=1), today + timedelta(days=1)


def collect_actual_costs(
    settings: Settings,
    now: datetime,
    *,
    aws_client: CostExplorerClient | None = None,
    azure_transport: httpx.BaseTransport | None = None,
) -> ActualCosts:
    start, end = month_to_date(now)
    result = ActualCosts(start, end)
    try:
        client = aws_client or cost_explorer_client(settings)
        result.rows += [ActualRow("aws", user, amount, currency)
                        for user, amount, currency in aws_costs_by_tag(client, start, end)]
    except ActualCostUnavailable as error:
        result.notes.append(f"AWS actual costs unavailable: {error}")
    except Exception as error:  # the billing API's own failures become a note
        result.notes.append(f"AWS Cost Explorer failed: {error}")
    try:
        with cost_management_client(settings, azure_transport) as http:
            result.rows += [
                ActualRow("azure", user, amount, currency)
                for user, amount, currency in azure_costs_by_tag(
                    http, str(settings.azure_subscription_id), start, end)
            ]
    except ActualCostUnavailable as error:
        result.notes.append(f"Azure actual costs unavailable: {error}")
    except httpx.HTTPError as error:
        result.notes.append(f"Azure Cost Management failed: {error}")
    return result
