"""Drift end to end on the local target (real tmux, a scripted agent, the real engine, real
HTTP): a deployed static site edited behind Pulumi's back, then deleted; the periodic pass
queues a drift job per active session stack, the job marks the stack with what changed (in
the status answer, the execution's log, the admin list and ``tmux-builder stacks drift``);
the user's redeploy repairs it (a refresh in the same engine run) and clears the mark."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.platform.ops.test_stack_listing import run_cli
from tests.support.scripted_platform import drain, scripted_platform
from tests.support.waiting import wait_until
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, Job, LogEvent
from tmux_builder.platform.ops.drift import (
    drifted_stacks,
    enqueue_drift_checks,
    run_drift_checks,
)
from tmux_builder.platform.sessions.creation import SessionRequest, create_session
from tmux_builder.platform.sessions.requests import request_redeploy
from tmux_builder.platform.sessions.status import execution_status
from tmux_builder.platform.workers.worker import Worker

pytestmark = [pytest.mark.slow, pytest.mark.db]

AGENT = r'''
import re, sys
from pathlib import Path
print("drift-agent> ready", flush=True)
for line in sys.stdin:
    if "prompts/current.txt" not in line:
        continue
    phase = re.search(r"PHASE: (\w+)", Path("prompts/current.txt").read_text()).group(1)
    if phase == "create_plan":
        Path("output/plan.md").write_text("# plan\n")
    if phase == "generate_code":
        Path("source/index.html").write_text(
            "<!doctype html><title>Kettle Club</title><body style='background:#9cf'>"
            "<h1>Kettle Club</h1><p>" + "The kettle club meets on Fridays. " * 10 + "</p>")
        Path("deployment/tests/e2e_test.py").write_text(
            "import os, urllib.request\n"
            "def test_page():\n"
            "    assert b'Kettle Club' in urllib.request.urlopen(os.environ['SITE_URL']).read()\n")
    with open("output/status.txt", "a") as handle:
        handle.write(f"PHASE_COMPLETE: {phase}\n")
'''


@pytest.fixture
def platform(settings: Settings, tmp_path: Path) -> Iterator[tuple[Database, Settings]]:
    with scripted_platform(settings, tmp_path, AGENT, "drift",
                           drift_check_interval_seconds=0.2) as configured:
        yield Database(configured.db_url), configured


def _drift_jobs(db: Database) -> list[Job]:
    with db.transaction() as tx:
        return list(tx.scalars(select(Job).where(Job.kind == "drift").order_by(Job.id)))


def test_drift_is_found_listed_and_repaired(platform: tuple[Database, Settings]) -> None:
    db, settings = platform
    created = create_session(db, settings, SessionRequest(
        "kettle@example.com", "+15550100", "local", "static", "A page for the Kettle Club."))
    worker = Worker.create(db, settings)
    drain(worker)
    status = execution_status(db, created.execution_id)
    assert status.status == "completed", status.error
    url, stack = status.deployed_url, created.stack_name
    assert "Kettle Club" in httpx.get(url).text
    assert status.drift is None

    published = (settings.sites_dir / stack).resolve()
    (published / "index.html").write_text("<h1>defaced</h1>" * 20, encoding="utf-8")
    assert "defaced" in httpx.get(url).text

    off = settings.model_copy(update={"drift_check_interval_seconds": 0})
    run_drift_checks(db, off, threading.Event())  # 0: off, returns at once
    assert _drift_jobs(db) == []
    stop = threading.Event()
    loop = threading.Thread(target=run_drift_checks, args=(db, settings, stop))
    loop.start()
    try:
        wait_until(lambda: _drift_jobs(db), timeout=30, what="a drift job queued")
    finally:
        stop.set()
        loop.join(timeout=10)
    assert not loop.is_alive()
    assert len(_drift_jobs(db)) == 1, "never two pending drift jobs for one stack"
    drain(worker)

    status = execution_status(db, created.execution_id)
    assert status.drift is not None, "the edited site is marked drifted"
    [change] = status.drift["changes"]
    assert change["op"] == "update" and "digest" in change["diffs"], change
    assert status.status == "completed" and status.live_build == "build_v1"
    with db.transaction() as tx:
        logged = [e.message for e in tx.scalars(select(LogEvent).where(
            LogEvent.execution_id == created.execution_id, LogEvent.source == "drift"))]
    assert any("changed outside Pulumi" in m and "digest" in m for m in logged)
    assert [d.name for d in drifted_stacks(db)] == [stack]
    listed = run_cli(settings, "stacks", "drift", "--json")
    assert listed.returncode == 1, listed.stderr
    [row] = json.loads(listed.stdout)
    assert row["name"] == stack and row["drift"]["changes"] == status.drift["changes"]
    table = run_cli(settings, "stacks", "drift")
    assert created.session_id in table.stdout and "digest" in table.stdout

    shutil.rmtree(published)  # now deleted outside Pulumi as well
    assert httpx.get(url).status_code == 404
    assert enqueue_drift_checks(db) and not enqueue_drift_checks(db)
    drain(worker)
    assert execution_status(db, created.execution_id).drift is not None

    assert request_redeploy(db, created.execution_id) == 2
    drain(worker)
    status = execution_status(db, created.execution_id)
    assert status.status == "completed", status.error
    assert status.drift is None and drifted_stacks(db) == []
    page = httpx.get(url)
    assert page.status_code == 200 and "Kettle Club" in page.text and "defaced" not in page.text
    clean = run_cli(settings, "stacks", "drift", "--check")
    assert clean.returncode == 0 and "no drift" in clean.stdout, clean.stdout + clean.stderr
    worker.pipeline.engine.destroy(stack)
    worker.pipeline.driver.stop(created.execution_id)
