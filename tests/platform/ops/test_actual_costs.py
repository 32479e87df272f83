"""Actual-cost adapters on recorded responses: AWS Cost Explorer through real boto3 (its
credential chain, here a profile with ``credential_process``; signing; the JSON protocol)
against a local endpoint, Azure Cost Management through an httpx MockTransport; both follow
their pagination. The tag-activation check, a fresh Azure token per report, 204 and
unexpected answers as notes, 429 retried after the service's header, and the cache."""

from __future__ import annotations

import json
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from tests.pulumi_programs.aws_endpoint import Recorded, aws_endpoint
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.ops.costs.actual import cached_actual_costs, collect_actual_costs
from tmux_builder.platform.ops.costs.aws_cost_explorer import (
    aws_costs_by_tag,
    cost_explorer_client,
    tag_activation_note,
)
from tmux_builder.platform.ops.costs.azure_cost_management import (
    SCOPE,
    azure_costs_by_tag,
    retry_after,
)

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"
ALICE = "3f2a9c1e-7b44-5d2e-9a51-0c6e2d8b1f07"
BOB = "7c1d0e2f-1a2b-5c3d-8e4f-5a6b7c8d9e0f"
SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
PAGE_TOKEN = "AAMA-EFRSURBSGhSUkF1Zm9vYmFy"
ACTIVE = {"CostAllocationTags": [{"TagKey": "UserGUID", "Type": "UserDefined",
                                  "Status": "Active"}]}


def recorded(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class RecordedCostExplorer:
    """Answers GetCostAndUsage from the recorded pages, keyed by the page token."""

    def __init__(self, tags: dict[str, Any] | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.tags = ACTIVE if tags is None else tags
        self.pages = {None: recorded("aws_cost_explorer_page1.json"),
                      PAGE_TOKEN: recorded("aws_cost_explorer_page2.json")}

    def get_cost_and_usage(self, **kwargs: Any) -> dict[str, Any]:
        self.requests.append(kwargs)
        return self.pages[kwargs.get("NextPageToken")]

    def list_cost_allocation_tags(self, **kwargs: Any) -> dict[str, Any]:
        return self.tags


class CountingCredential:
    def __init__(self) -> None:
        self.calls = 0

    def get_token(self, *scopes: str) -> Any:
        assert scopes == (SCOPE,)
        self.calls += 1
        return type("Token", (), {"token": f"fresh-{self.calls}"})()


def cost_management(seen: list[httpx.Request],
                    answers: list[httpx.Response] | None = None) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if answers:
            return answers.pop(0)
        page = 2 if "skiptoken" in str(request.url) else 1
        return httpx.Response(200, json=recorded(f"azure_cost_management_page{page}.json"))

    return httpx.MockTransport(answer)


def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An environment where boto3's chain finds nothing and never asks instance metadata."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


def test_cost_explorer_pages_grouped_by_user_tag() -> None:
    client = RecordedCostExplorer()
    rows = aws_costs_by_tag(client, date(2026, 3, 1), date(2026, 3, 11))
    assert rows == [(ALICE, pytest.approx(5.1235, abs=1e-4), "USD"), (BOB, 11.05, "USD"),
                    ("untagged", 0.52, "USD")]
    first, second = client.requests
    assert first["GroupBy"] == [{"Type": "TAG", "Key": "UserGUID"}]
    assert first["TimePeriod"] == {"Start": "2026-03-01", "End": "2026-03-11"}
    assert "NextPageToken" not in first
    assert second["NextPageToken"] == PAGE_TOKEN


def test_boto3_chain_with_credential_process_against_cost_explorer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials only boto3 finds (a profile whose keys come from credential_process)."""
    no_aws(monkeypatch, tmp_path)
    helper = tmp_path / "creds.sh"
    helper.write_text('#!/bin/sh\necho \'{"Version": 1, "AccessKeyId": "AKIAPROCESS", '
                      '"SecretAccessKey": "from-process"}\'\n', encoding="utf-8")
    helper.chmod(helper.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "no-config").write_text(f"[profile billing]\ncredential_process = {helper}\n",
                                        encoding="utf-8")
    pages = {"": recorded("aws_cost_explorer_page1.json"),
             PAGE_TOKEN: recorded("aws_cost_explorer_page2.json")}
    inactive = {"CostAllocationTags": [{"TagKey": "UserGUID", "Type": "UserDefined",
                                        "Status": "Inactive"}]}

    def answer(target: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        request = json.loads(body)
        if target.endswith("ListCostAllocationTags"):
            reply: dict[str, Any] = inactive
        else:
            reply = {k: v for k, v in pages[request.get("NextPageToken", "")].items()
                     if k != "ResponseMetadata"}
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(reply).encode()

    calls = Recorded(answer)
    with aws_endpoint(calls) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_COST_EXPLORER", url)
        settings = Settings(data_dir=tmp_path / "data", aws_profile="billing")
        result = collect_actual_costs(settings, NOW)
    assert {(r.provider, r.user_guid, r.amount) for r in result.rows} >= {("aws", BOB, 11.05)}
    targets = [target for target, _body, _headers in calls.requests]
    assert targets == ["AWSInsightsIndexService.GetCostAndUsage"] * 2 + [
        "AWSInsightsIndexService.ListCostAllocationTags"]
    authorization = calls.requests[0][2]["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIAPROCESS/")
    assert "/us-east-1/ce/" in authorization
    (note,) = [n for n in result.notes if "cost allocation tag" in n]
    assert "UserGUID is not an active AWS cost allocation tag (inactive)" in note
    assert "TagKey=UserGUID,Status=Active" in note


def test_tag_activation_note_states() -> None:
    assert tag_activation_note(RecordedCostExplorer()) is None
    missing = tag_activation_note(RecordedCostExplorer({"CostAllocationTags": []}))
    assert missing is not None and "not yet seen by billing" in missing

    class Denied(RecordedCostExplorer):
        def list_cost_allocation_tags(self, **kwargs: Any) -> dict[str, Any]:
            raise PermissionError("AccessDenied: ce:ListCostAllocationTags")

    denied = tag_activation_note(Denied())
    assert denied is not None and denied.startswith("could not check that UserGUID")


def test_unexpected_cost_explorer_answer_is_a_note(tmp_path: Path) -> None:
    class Odd(RecordedCostExplorer):
        def get_cost_and_usage(self, **kwargs: Any) -> dict[str, Any]:
            return {"ResultsByTime": [{"Groups": [{"Keys": []}]}]}

    result = collect_actual_costs(Settings(data_dir=tmp_path, azure_subscription_id=None),
                                  NOW, aws_client=Odd())
    assert result.rows == []
    assert any(n.startswith("AWS actual costs unavailable: Cost Explorer answered without "
                            "the expected fields") for n in result.notes)


def test_cost_management_follows_next_link() -> None:
    seen: list[httpx.Request] = []
    with httpx.Client(transport=cost_management(seen)) as client:
        found = azure_costs_by_tag(client, SUBSCRIPTION, date(2026, 3, 1), date(2026, 3, 11))
    assert found.rows == [(ALICE, 9.871234, "USD"), (BOB, 35.4, "USD"), ("untagged", 0.31, "USD")]
    assert found.notes == []
    assert len(seen) == 2 and "skiptoken" in str(seen[1].url)
    body = json.loads(seen[0].content)
    assert body["dataset"]["grouping"] == [{"type": "TagKey", "name": "UserGUID"}]
    assert body["timePeriod"]["from"].startswith("2026-03-01")
    assert f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.CostManagement/query" in str(
        seen[0].url)


def test_throttling_is_retried_after_the_services_own_header() -> None:
    waits: list[float] = []
    seen: list[httpx.Request] = []
    throttled = httpx.Response(429, headers={
        "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "7", "Retry-After": "3"})
    page = httpx.Response(200, json={"properties": {"columns": [], "rows": []}})
    with httpx.Client(transport=cost_management(seen, [throttled, page])) as client:
        found = azure_costs_by_tag(client, SUBSCRIPTION, date(2026, 3, 1), date(2026, 3, 11),
                                   sleep=waits.append)
    assert waits == [7.0] and len(seen) == 2 and found.rows == []
    assert retry_after(httpx.Response(429)) == 10.0, "a default when no header says"


@pytest.mark.parametrize(("answer", "note"), [
    (httpx.Response(204), "Azure Cost Management answered 204 (no cost data for the period"),
    (httpx.Response(200, json={"error": "surprise"}),
     "Azure actual costs unavailable: Cost Management answered HTTP 200 without the expected"),
    (httpx.Response(200, text="<html>gateway</html>"),
     "Azure actual costs unavailable: Cost Management answered HTTP 200 without the expected"),
    (httpx.Response(503, text="busy"), "Azure Cost Management failed: Server error '503"),
])
def test_odd_azure_answers_become_notes(answer: httpx.Response, note: str,
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_aws(monkeypatch, tmp_path)
    settings = Settings(data_dir=tmp_path, azure_subscription_id=SUBSCRIPTION,
                        azure_cost_token="recorded-token")
    result = collect_actual_costs(settings, NOW, azure_transport=cost_management([], [answer]))
    assert [r for r in result.rows if r.provider == "azure"] == []
    assert any(n.startswith(note) for n in result.notes), result.notes


def test_a_fresh_token_for_each_report_and_the_override(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    no_aws(monkeypatch, tmp_path)
    credential = CountingCredential()
    settings = Settings(data_dir=tmp_path, azure_subscription_id=SUBSCRIPTION)
    seen: list[httpx.Request] = []
    for _report in range(2):
        collect_actual_costs(settings, NOW, azure_transport=cost_management(seen),
                             azure_credential=credential)
    assert credential.calls == 2
    assert [r.headers["Authorization"] for r in seen[::2]] == ["Bearer fresh-1",
                                                               "Bearer fresh-2"]
    override = settings.model_copy(update={"azure_cost_token": SecretStr("operator-token")})
    seen.clear()
    collect_actual_costs(override, NOW, azure_transport=cost_management(seen),
                         azure_credential=credential)
    assert credential.calls == 2 and seen[0].headers["Authorization"] == "Bearer operator-token"


def test_without_credentials_each_adapter_says_so(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    no_aws(monkeypatch, tmp_path)
    result = collect_actual_costs(Settings(data_dir=tmp_path), NOW)
    assert result.rows == []
    assert result.notes == [
        "AWS actual costs unavailable: aws_profile: no AWS credentials: boto3 found none in the "
        "environment, the shared config and credentials files (profiles, SSO, "
        "credential_process, roles) or a container or instance role (set "
        "TMUX_BUILDER_AWS_PROFILE or AWS_* variables)",
        "Azure actual costs unavailable: azure_subscription_id: no Azure subscription (set "
        "TMUX_BUILDER_AZURE_SUBSCRIPTION_ID)",
    ]
    with pytest.raises(Exception, match="billing"):
        cost_explorer_client(Settings(data_dir=tmp_path, aws_profile="billing"))


def test_actual_costs_are_cached_for_the_interval(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    no_aws(monkeypatch, tmp_path)
    settings = Settings(data_dir=tmp_path, azure_subscription_id=SUBSCRIPTION,
                        azure_cost_token="recorded-token", actual_cost_cache_seconds=3600)
    client, seen = RecordedCostExplorer(), []
    adapters = {"aws_client": client, "azure_transport": cost_management(seen)}
    first = cached_actual_costs(settings, NOW, **adapters)
    again = cached_actual_costs(settings, NOW + timedelta(minutes=30), **adapters)
    assert len(client.requests) == 2 and len(seen) == 2, "the second report asked nobody"
    assert again.rows == first.rows
    assert any("cached for 3600 s" in note for note in again.notes)
    cached_actual_costs(settings, NOW + timedelta(minutes=61), **adapters)
    assert len(client.requests) == 4, "older than the interval: asked again"
    cached_actual_costs(settings, NOW + timedelta(minutes=62), refresh=True, **adapters)
    assert len(client.requests) == 6
