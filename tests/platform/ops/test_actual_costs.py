"""Actual-cost adapters on recorded responses (no network): AWS Cost Explorer through a
client object with boto3's method, Azure Cost Management through an httpx MockTransport;
both follow their pagination. Without credentials each says so and nothing is fetched."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tmux_builder.platform.ops.costs.actual import collect_actual_costs
from tmux_builder.platform.ops.costs.aws_cost_explorer import aws_costs_by_tag
from tmux_builder.platform.ops.costs.azure_cost_management import azure_costs_by_tag
from tmux_builder.platform.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
ALICE = "3f2a9c1e-7b44-5d2e-9a51-0c6e2d8b1f07"
BOB = "7c1d0e2f-1a2b-5c3d-8e4f-5a6b7c8d9e0f"
SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def recorded(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class RecordedCostExplorer:
    """Answers GetCostAndUsage from the recorded pages, keyed by the page token."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.pages = {None: recorded("aws_cost_explorer_page1.json"),
                      "AAMA-EFRSURBSGhSUkF1Zm9vYmFy": recorded("aws_cost_explorer_page2.json")}

    def get_cost_and_usage(self, **kwargs: Any) -> dict[str, Any]:
        self.requests.append(kwargs)
        return self.pages[kwargs.get("NextPageToken")]


def recorded_cost_management(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        page = 2 if "skiptoken" in str(request.url) else 1
        return httpx.Response(200, json=recorded(f"azure_cost_management_page{page}.json"))

    return httpx.MockTransport(answer)


def test_cost_explorer_pages_grouped_by_user_tag() -> None:
    client = RecordedCostExplorer()
    rows = aws_costs_by_tag(client, date(2026, 3, 1), date(2026, 3, 11))
    assert rows == [(ALICE, pytest.approx(5.1235, abs=1e-4), "USD"), (BOB, 11.05, "USD"),
                    ("untagged", 0.52, "USD")]
    first, second = client.requests
    assert first["GroupBy"] == [{"Type": "TAG", "Key": "UserGUID"}]
    assert first["TimePeriod"] == {"Start": "2026-03-01", "End": "2026-03-11"}
    assert "NextPageToken" not in first
    assert second["NextPageToken"] == "AAMA-EFRSURBSGhSUkF1Zm9vYmFy"


def test_cost_management_follows_next_link() -> None:
    seen: list[httpx.Request] = []
    with httpx.Client(transport=recorded_cost_management(seen)) as client:
        rows = azure_costs_by_tag(client, SUBSCRIPTION, date(2026, 3, 1), date(2026, 3, 11))
    assert rows == [(ALICE, 9.871234, "USD"), (BOB, 35.4, "USD"), ("untagged", 0.31, "USD")]
    assert len(seen) == 2 and "skiptoken" in str(seen[1].url)
    body = json.loads(seen[0].content)
    assert body["dataset"]["grouping"] == [{"type": "TagKey", "name": "UserGUID"}]
    assert body["timePeriod"]["from"].startswith("2026-03-01")
    assert f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.CostManagement/query" in str(
        seen[0].url)


def test_collect_with_credentials_uses_both_adapters(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, azure_subscription_id=SUBSCRIPTION,
                        azure_cost_token="recorded-token")
    seen: list[httpx.Request] = []
    result = collect_actual_costs(settings, NOW, aws_client=RecordedCostExplorer(),
                                  azure_transport=recorded_cost_management(seen))
    assert result.notes == []
    assert (result.period_start, result.period_end) == (date(2026, 3, 1), date(2026, 3, 11))
    assert {(r.provider, r.user_guid) for r in result.rows} >= {("aws", BOB), ("azure", ALICE)}
    assert seen[0].headers["Authorization"] == "Bearer recorded-token"


def test_without_credentials_each_adapter_says_so(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    result = collect_actual_costs(Settings(data_dir=tmp_path), NOW)
    assert result.rows == []
    assert result.notes == [
        "AWS actual costs unavailable: aws_profile: no AWS credentials (set AWS_ACCESS_KEY_ID "
        "and AWS_SECRET_ACCESS_KEY, or TMUX_BUILDER_AWS_PROFILE)",
        "Azure actual costs unavailable: azure_subscription_id: no Azure subscription (set "
        "TMUX_BUILDER_AZURE_SUBSCRIPTION_ID)",
    ]
