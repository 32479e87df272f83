"""Cost report over stacks of the AWS and Azure programs (run under Pulumi mocks, stored as
file-backend states): totals per group from the price table, CSV = JSON, the chart renders,
snapshots are kept."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from tests.platform.ops.cloud_exports import CloudStack, write_cloud_stack, write_platform_stack
from tests.platform.ops.test_stack_listing import run_cli
from tests.pulumi_programs.mocks import SESSION_CREATED
from tmux_builder.errors import InvalidInputError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.ops.costs.chart import render_chart
from tmux_builder.platform.ops.costs.prices import load_price_table
from tmux_builder.platform.ops.costs.report import cost_report, cost_snapshots
from tmux_builder.stacks import StackEngine

pytestmark = [pytest.mark.slow, pytest.mark.db]

ALICE = "3f2a9c1e-7b44-5d2e-9a51-0c6e2d8b1f07"
BOB = "7c1d0e2f-1a2b-5c3d-8e4f-5a6b7c8d9e0f"
STACKS = [
    CloudStack(ALICE, "sess_20260301_123000_aa01", "aws", "static"),
    CloudStack(ALICE, "sess_20260301_123000_aa02", "azure", "dynamic"),
    CloudStack(BOB, "sess_20260301_123000_bb01", "aws", "dynamic"),
    CloudStack(BOB, "sess_20260301_123000_bb02", "azure", "static"),
]
NOW = SESSION_CREATED + timedelta(days=10)


def expected_monthly() -> dict[tuple[str, str], float]:
    """Each target's monthly cost written out from the price table and its assumptions."""
    t = load_price_table()
    p, a, hours = t.usd, t.assumptions, t.hours_per_month
    bucket = (a["s3_storage_gb"] * p("aws_s3_storage_gb_month")
              + a["s3_get_requests"] / 1000 * p("aws_s3_get_per_1000")
              + a["s3_put_requests"] / 1000 * p("aws_s3_put_per_1000"))
    cloudfront = (a["cloudfront_transfer_gb"] * p("aws_cloudfront_transfer_gb")
                  + a["cloudfront_requests"] / 10000 * p("aws_cloudfront_https_per_10000"))
    ec2 = (hours * p("aws_ec2_t3_micro_hour") + a["ebs_root_gb"] * p("aws_ebs_gp3_gb_month")
           + hours * p("aws_public_ipv4_hour"))
    account = (a["azure_storage_gb"] * p("azure_storage_hot_lrs_gb_month")
               + a["azure_read_operations"] / 10000 * p("azure_storage_read_per_10000"))
    vm = (hours * p("azure_vm_b1s_hour") + p("azure_managed_disk_standard_ssd_e4_month")
          + hours * p("azure_public_ip_standard_hour"))
    return {
        ("aws", "static"): bucket + cloudfront,
        ("aws", "dynamic"): bucket + ec2,
        ("azure", "static"): account,
        ("azure", "dynamic"): account + vm,
        ("azure", "shared"): p("azure_front_door_standard_month"),
    }


@pytest.fixture
def cloud_stacks(settings: Settings, engine: StackEngine, tmp_path: Path) -> list[CloudStack]:
    for stack in STACKS:
        write_cloud_stack(settings.state_dir, tmp_path / "sources", stack)
    write_platform_stack(settings.state_dir)
    return STACKS


def test_totals_per_group_csv_json_chart(settings: Settings, engine: StackEngine,
                                         cloud_stacks: list[CloudStack], tmp_path: Path) -> None:
    monthly = expected_monthly()
    db = Database(settings.db_url)
    by_user = cost_report(db, settings, engine, ["UserGUID"], now=NOW)
    totals = {row["UserGUID"]: row["monthly_usd"] for row in by_user.rows}
    assert totals[ALICE] == pytest.approx(monthly["aws", "static"] + monthly["azure", "dynamic"],
                                          abs=1e-3)
    assert totals[BOB] == pytest.approx(monthly["aws", "dynamic"] + monthly["azure", "static"],
                                        abs=1e-3)
    assert totals["platform"] == pytest.approx(monthly["azure", "shared"], abs=1e-3), (
        "the shared Front Door profile is the platform's, not each session's")
    fraction = 240 / load_price_table().hours_per_month  # ten days of a 730-hour month
    for row in by_user.rows:
        assert row["to_date_usd"] == pytest.approx(row["monthly_usd"] * fraction, abs=1e-3)

    by_target = cost_report(db, settings, engine, ["provider", "site_type"], now=NOW)
    for row in by_target.rows:
        assert row["monthly_usd"] == pytest.approx(
            monthly[row["HostProvider"], row["SiteType"]], abs=1e-3)
    by_session = cost_report(db, settings, engine, ["SessionID"], now=NOW)
    assert {row["SessionID"] for row in by_session.rows} == {
        *(s.session_id for s in STACKS), "platform-azure-westeurope"}
    assert by_session.monthly_usd == pytest.approx(sum(monthly.values()), abs=1e-3)

    document = by_user.to_json()
    parsed = list(csv.DictReader(io.StringIO(by_user.to_csv())))
    assert [(r["UserGUID"], int(r["resources"]), float(r["monthly_usd"]),
             float(r["to_date_usd"])) for r in parsed] == [
        (r["UserGUID"], r["resources"], r["monthly_usd"], r["to_date_usd"])
        for r in document["rows"]]
    assert document["totals"]["monthly_usd"] == pytest.approx(sum(monthly.values()), abs=1e-3)
    assert document["source"] == "estimate"
    assert any("no AWS credentials" in note for note in document["notes"])

    chart = render_chart(by_target, tmp_path / "chart.png")
    assert chart.stat().st_size > 10_000
    with Image.open(chart) as image:
        assert image.format == "PNG" and image.width >= 600 and image.height >= 400
        assert len(set(image.convert("RGB").getdata())) > 50

    snapshots = cost_snapshots(db)
    assert [s["by"] for s in snapshots] == [["UserGUID"], ["HostProvider", "SiteType"],
                                            ["SessionID"]]
    assert snapshots[0]["rows"] == document["rows"]


def test_cost_cli_report_then_history(settings: Settings,
                                      cloud_stacks: list[CloudStack]) -> None:
    report = run_cli(settings, "cost", "--by", "HostProvider", "--format", "json")
    assert report.returncode == 0, report.stderr
    totals = json.loads(report.stdout)["totals"]
    assert totals["monthly_usd"] == pytest.approx(sum(expected_monthly().values()), abs=1e-3)
    history = run_cli(settings, "cost", "--history", "--format", "csv")
    assert history.returncode == 0, history.stderr
    rows = list(csv.DictReader(io.StringIO(history.stdout)))
    assert [(r["by"], float(r["monthly_usd"])) for r in rows] == [
        ("HostProvider", pytest.approx(totals["monthly_usd"], abs=1e-6))]


def test_unknown_group_is_refused(settings: Settings, engine: StackEngine) -> None:
    with pytest.raises(InvalidInputError) as caught:
        cost_report(Database(settings.db_url), settings, engine, ["Colour"])
    assert caught.value.field == "by"
