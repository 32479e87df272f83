"""Admin routes against the real app: only the admin token opens them; the cost report over
cloud stacks (AWS and Azure programs run under mocks, stored as file-backend states), its
chart, the stored history, orphans, and reaping (a dry run, and reap jobs queued)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from tests.api.conftest import ADMIN_TOKEN, auth, new_user
from tests.platform.ops.cloud_exports import CloudStack, write_cloud_stack
from tmux_builder.domain import JobKind
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, Job, SessionRow

pytestmark = [pytest.mark.slow, pytest.mark.db]

ALICE = "3f2a9c1e-7b44-5d2e-9a51-0c6e2d8b1f07"
STACKS = [
    CloudStack(ALICE, "sess_20260301_123000_aa01", "aws", "static"),
    CloudStack(ALICE, "sess_20260301_123000_aa02", "azure", "dynamic"),
]
ADMIN_ROUTES = [
    ("GET", "/api/admin/stacks"),
    ("GET", "/api/admin/orphans"),
    ("GET", "/api/admin/queue"),
    ("GET", "/api/admin/cost"),
    ("GET", "/api/admin/cost/chart.png"),
    ("GET", "/api/admin/cost/history"),
    ("POST", "/api/admin/reap?dry_run=true"),
]


@pytest.fixture
def cloud_stacks(api_settings: Settings, tmp_path: Path) -> list[CloudStack]:
    for stack in STACKS:
        write_cloud_stack(api_settings.state_dir, tmp_path / "sources", stack)
    return STACKS


def test_admin_routes_need_the_admin_token(client: TestClient) -> None:
    user = new_user(client, "carol@example.com")
    for method, path in ADMIN_ROUTES:
        assert client.request(method, path).status_code == 401, path
        assert client.request(method, path, headers=auth(user["token"])).status_code == 401, path


def test_cost_report_chart_and_history(client: TestClient,
                                       cloud_stacks: list[CloudStack]) -> None:
    admin = auth(ADMIN_TOKEN)
    by_provider = client.get("/api/admin/cost", params={"by": "HostProvider"}, headers=admin)
    assert by_provider.status_code == 200, by_provider.text
    report = by_provider.json()
    assert report["by"] == ["HostProvider"]
    assert {row["HostProvider"] for row in report["rows"]} == {"aws", "azure"}
    assert all(row["monthly_usd"] > 0 for row in report["rows"])
    assert report["totals"]["monthly_usd"] == pytest.approx(
        sum(row["monthly_usd"] for row in report["rows"]), abs=1e-6)

    chart = client.get("/api/admin/cost/chart.png", params={"by": "SiteType"}, headers=admin)
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(chart.content)) as image:
        assert image.format == "PNG" and image.width >= 600

    history = client.get("/api/admin/cost/history", headers=admin).json()
    assert [entry["by"] for entry in history] == [["HostProvider"]], "the chart stores none"
    assert history[0]["monthly_usd"] == pytest.approx(report["totals"]["monthly_usd"])

    orphans = client.get("/api/admin/orphans", headers=admin).json()
    assert sorted(orphans["stacks_without_session"]) == sorted(s.name for s in cloud_stacks)


def test_admin_bad_input_names_the_field(client: TestClient) -> None:
    admin = auth(ADMIN_TOKEN)
    cases = [
        ("/api/admin/cost", {"by": "Colour"}, "by"),
        ("/api/admin/cost/history", {"limit": 0}, "limit"),
        ("/api/admin/stacks", {"user_id": "../etc"}, "user_id"),
    ]
    for path, params, field in cases:
        response = client.get(path, params=params, headers=admin)
        assert 400 <= response.status_code < 500, (path, response.text)
        assert field in response.text, (path, response.text)


def test_reap_dry_run_lists_the_expired_session_and_touches_nothing(
        client: TestClient, api_settings: Settings) -> None:
    fresh = new_user(client, "dave@example.com")
    expired = new_user(client, "erin@example.com")
    db = Database(api_settings.db_url)
    with db.transaction() as tx:
        tx.get_one(SessionRow, expired["session_id"]).expires_at = (
            datetime.now(UTC) - timedelta(minutes=1))
    response = client.post("/api/admin/reap", params={"dry_run": True},
                           headers=auth(ADMIN_TOKEN))
    assert response.status_code == 202
    assert response.json() == {"dry_run": True, "sessions": [{
        "session_id": expired["session_id"], "stack_name": expired["execution_id"],
        "job_id": None, "status_url": None}]}
    with db.transaction() as tx:
        assert tx.get_one(SessionRow, expired["session_id"]).status == "active"
        assert tx.get_one(SessionRow, fresh["session_id"]).status == "active"
        assert not tx.scalars(select(Job).where(Job.kind == JobKind.reap)).all()


def test_reap_queues_one_job_per_expired_session_and_reports_it(
        client: TestClient, api_settings: Settings) -> None:
    fresh = new_user(client, "fred@example.com")
    expired = new_user(client, "gail@example.com")
    db = Database(api_settings.db_url)
    with db.transaction() as tx:
        tx.get_one(SessionRow, expired["session_id"]).expires_at = (
            datetime.now(UTC) - timedelta(minutes=1))
    admin = auth(ADMIN_TOKEN)
    first = client.post("/api/admin/reap", headers=admin)
    again = client.post("/api/admin/reap", headers=admin)
    assert first.status_code == again.status_code == 202, first.text
    (queued,) = first.json()["sessions"]
    assert queued["session_id"] == expired["session_id"] and queued["job_id"]
    assert again.json()["sessions"][0]["job_id"] == queued["job_id"], "never queued twice"
    status = client.get(queued["status_url"], headers=admin)
    assert status.status_code == 200
    assert status.json() | {"details": None} == {
        "session_id": expired["session_id"], "session_status": "active",
        "job_id": queued["job_id"], "job_status": "queued", "torn_down": False,
        "error": None, "details": None}
    with db.transaction() as tx:
        jobs = tx.scalars(select(Job).where(Job.kind == JobKind.reap)).all()
        assert [(j.execution_id, j.status) for j in jobs] == [(expired["execution_id"],
                                                               "queued")]
        assert tx.get_one(SessionRow, fresh["session_id"]).status == "active"
