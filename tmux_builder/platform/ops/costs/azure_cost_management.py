"""Azure Cost Management ``query`` grouped by a tag, every page (``nextLink``), over httpx
(a transport can be injected). The token is fresh for every report: azure-identity's
``DefaultAzureCredential`` (environment, workload or managed identity, Azure CLI login), or
the ``TMUX_BUILDER_AZURE_COST_TOKEN`` override. A throttled request (429) is retried after
the service's own retry headers; a 204 or an unexpected body becomes a note."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import httpx

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.ops.costs.errors import ActualCostUnavailable

TAG = "UserGUID"
API_VERSION = "2023-11-01"
MANAGEMENT = "https://management.azure.com"
SCOPE = f"{MANAGEMENT}/.default"
RETRY_HEADERS = (
    "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
    "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after",
    "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after",
    "x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after",
    "retry-after",
)
MAX_RETRIES = 3
MAX_RETRY_WAIT_SECONDS = 120.0


class TokenCredential(Protocol):
    def get_token(self, *scopes: str) -> Any: ...


@dataclass
class TagCosts:
    rows: list[tuple[str, float, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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


def retry_after(response: httpx.Response) -> float:
    """The longest wait the service asks for (seconds), capped."""
    waits = []
    for header in RETRY_HEADERS:
        try:
            waits.append(float(response.headers[header]))
        except (KeyError, ValueError):
            continue
    return min(max(waits, default=10.0), MAX_RETRY_WAIT_SECONDS)


def _post(client: httpx.Client, url: str, body: dict[str, Any],
          sleep: Callable[[float], None]) -> httpx.Response:
    for _attempt in range(MAX_RETRIES):
        response = client.post(url, json=body)
        if response.status_code != 429:
            return response
        sleep(retry_after(response))
    return client.post(url, json=body)


def _rows(properties: dict[str, Any], totals: dict[tuple[str, str], float]) -> None:
    columns = [column["name"] for column in properties["columns"]]
    for values in properties["rows"]:
        row = dict(zip(columns, values, strict=True))
        key = (str(row.get("TagValue") or "untagged"), str(row.get("Currency", "USD")))
        cost = row.get("Cost", row.get("PreTaxCost")) or 0
        totals[key] = totals.get(key, 0.0) + float(cost)


def azure_costs_by_tag(client: httpx.Client, subscription_id: str, start: date, end: date,
                       tag: str = TAG, *,
                       sleep: Callable[[float], None] = time.sleep) -> TagCosts:
    """(tag value, amount, currency) over the period; untagged spend is ``untagged``."""
    totals: dict[tuple[str, str], float] = {}
    result = TagCosts()
    body = query_body(start, end, tag)
    url: str | None = query_url(subscription_id)
    while url:
        response = _post(client, url, body, sleep)
        if response.status_code == 429:
            raise ActualCostUnavailable(f"Cost Management still throttles after {MAX_RETRIES} "
                                        "retries; try again later")
        if response.status_code == 204:
            result.notes.append("Azure Cost Management answered 204 (no cost data for the "
                                "period yet)")
            break
        response.raise_for_status()
        try:
            properties = response.json()["properties"]
            _rows(properties, totals)
        except (ValueError, KeyError, TypeError) as error:
            raise ActualCostUnavailable(
                f"Cost Management answered HTTP {response.status_code} without the expected "
                f"fields ({error!r})") from error
        url = properties.get("nextLink")
    result.rows = [(value, round(amount, 6), unit)
                   for (value, unit), amount in sorted(totals.items())]
    return result


_credential: TokenCredential | None = None


def default_credential() -> TokenCredential:
    """One ``DefaultAzureCredential`` per process (it caches and refreshes its tokens)."""
    global _credential
    if _credential is None:
        try:
            from azure.identity import DefaultAzureCredential
        except ImportError as error:
            raise ActualCostUnavailable(
                "no Azure credentials: azure-identity is not installed (pip install "
                "'tmux-builder[azure]') and TMUX_BUILDER_AZURE_COST_TOKEN is not set",
                field="azure_cost_token") from error
        _credential = DefaultAzureCredential()
    return _credential


def bearer_token(settings: Settings, credential: TokenCredential | None = None) -> str:
    """The override token, or a fresh one from the credential for this report."""
    if settings.azure_cost_token is not None:
        return settings.azure_cost_token.get_secret_value()
    source = credential or default_credential()
    try:
        return str(source.get_token(SCOPE).token)
    except Exception as error:  # CredentialUnavailableError, ClientAuthenticationError
        raise ActualCostUnavailable(f"no Azure token: {error}",
                                    field="azure_cost_token") from error


def cost_management_client(settings: Settings, transport: httpx.BaseTransport | None = None,
                           credential: TokenCredential | None = None) -> httpx.Client:
    """An authenticated client, or ActualCostUnavailable naming the missing setting."""
    if not settings.azure_subscription_id:
        raise ActualCostUnavailable("no Azure subscription (set "
                                    "TMUX_BUILDER_AZURE_SUBSCRIPTION_ID)",
                                    field="azure_subscription_id")
    token = bearer_token(settings, credential)
    return httpx.Client(transport=transport, timeout=30,
                        headers={"Authorization": f"Bearer {token}"})
