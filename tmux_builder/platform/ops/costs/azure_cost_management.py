"""Azure Cost Management ``query`` grouped by a tag, every page (``nextLink``), over httpx
(a transport can be injected)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tmux_builder.platform.ops.costs.errors import ActualCostUnavailable
from tmux_builder.platform.settings import Settings

TAG = "UserGUID"
API_VERSION = "2023-11-01"
MANAGEMENT = "https://management.azure.com"


def query_url(subscription_id: str) -> str:
    return (f"{MANAGEMENT}/subscriptions/{subscription_id}/providers/"
            f"Microsoft.CostManagement/query?api-version={API_VERSION}")


def query_body(start: date, end: date, tag: str = TAG) -> dict[str, Any]:
    return {
        "type": "ActualCost",
        "timeframe": "Custom",
        "timePeriod": {"from": f"{start.isoformat()}T00:00:00Z",
                       "to": f"{end.isoformat()}T00:00:00Z"},
        "dataset": {
            "granularity": "None",
            "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}},
            "grouping": [{"type": "TagKey", "name": tag}],
        },
    }


def azure_costs_by_tag(client: httpx.Client, subscription_id: str, start: date, end: date,
                       tag: str = TAG) -> list[tuple[str, float, str]]:
    """(tag value, amount, currency) over the period; untagged spend is ``untagged``."""
    totals: dict[tuple[str, str], float] = {}
    body = query_body(start, end, tag)
    url: str | None = query_url(subscription_id)
    while url:
        response = client.post(url, json=body)
        response.raise_for_status()
        properties = response.json()["properties"]
        columns = [column["name"] for column in properties["columns"]]
        for values in properties["rows"]:
            row = dict(zip(columns, values, strict=True))
            key = (str(row.get("TagValue") or "untagged"), str(row.get("Currency", "USD")))
            totals[key] = totals.get(key, 0.0) + float(row.get("Cost", row.get("PreTaxCost", 0)))
        url = properties.get("nextLink")
    return [(value, round(amount, 6), unit) for (value, unit), amount in sorted(totals.items())]


def cost_management_client(settings: Settings,
                           transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An authenticated client, or ActualCostUnavailable naming the missing setting."""
    if not settings.azure_subscription_id:
        raise ActualCostUnavailable("no Azure subscription (set "
                                    "TMUX_BUILDER_AZURE_SUBSCRIPTION_ID)",
                                    field="azure_subscription_id")
    if settings.azure_cost_token is None:
        raise ActualCostUnavailable("no Azure credentials (set TMUX_BUILDER_AZURE_COST_TOKEN "
                                    "to `az account get-access-token --query accessToken`)",
                                    field="azure_cost_token")
    token = settings.azure_cost_token.get_secret_value()
    return httpx.Client(transport=transport, timeout=30,
                        headers={"Authorization": f"Bearer {token}"})
