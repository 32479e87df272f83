"""AWS Cost Explorer ``GetCostAndUsage`` grouped by a cost-allocation tag, every page
(``NextPageToken``). The client is anything with boto3's ``get_cost_and_usage``."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from tmux_builder.platform.ops.costs.errors import ActualCostUnavailable
from tmux_builder.platform.settings import Settings

TAG = "UserGUID"
METRIC = "UnblendedCost"


class CostExplorerClient(Protocol):
    def get_cost_and_usage(self, **kwargs: Any) -> dict[str, Any]: ...


def aws_costs_by_tag(client: CostExplorerClient, start: date, end: date,
                     tag: str = TAG) -> list[tuple[str, float, str]]:
    """(tag value, amount, currency) summed over the period; untagged spend is ``untagged``."""
    totals: dict[tuple[str, str], float] = {}
    request: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "MONTHLY",
        "Metrics": [METRIC],
        "GroupBy": [{"Type": "TAG", "Key": tag}],
    }
    while True:
        page = client.get_cost_and_usage(**request)
        for period in page.get("ResultsByTime", []):
            for group in period.get("Groups", []):
                value = group["Keys"][0].split("$", 1)[-1] or "untagged"
                metric = group["Metrics"][METRIC]
                key = (value, metric.get("Unit", "USD"))
                totals[key] = totals.get(key, 0.0) + float(metric["Amount"])
        token = page.get("NextPageToken")
        if not token:
            break
        request["NextPageToken"] = token
    return [(value, round(amount, 6), unit) for (value, unit), amount in sorted(totals.items())]


def _has_credentials(settings: Settings) -> bool:
    if os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE") or settings.aws_profile:
        return True
    return Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE",
                               Path.home() / ".aws" / "credentials")).is_file()


def cost_explorer_client(settings: Settings) -> CostExplorerClient:
    """A boto3 Cost Explorer client, or ActualCostUnavailable saying what is missing."""
    if not _has_credentials(settings):
        raise ActualCostUnavailable("no AWS credentials (set AWS_ACCESS_KEY_ID and "
                                    "AWS_SECRET_ACCESS_KEY, or TMUX_BUILDER_AWS_PROFILE)",
                                    field="aws_profile")
    try:
        import boto3  # type: ignore[import-not-found]
    except ImportError as error:
        raise ActualCostUnavailable("boto3 is not installed (pip install boto3)") from error
    session = boto3.Session(profile_name=settings.aws_profile)
    return session.client("ce", region_name="us-east-1")  # type: ignore[no-any-return]
