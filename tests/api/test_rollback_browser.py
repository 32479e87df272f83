"""The session page in a real Chromium against a real server: builds with their outcome, the
plan of a redeploy's preview, the failure, the summary of a good build and which one is live;
the rollback and drift notices; the "Roll back to build_vK" button queues a rollback job for
that build, and the drift notice offers a repair. The state is written as the platform
writes it (a real session through the API, then its builds); no worker runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.api.conftest import auth
from tests.api.live_server import serving
from tests.conftest import free_port
from tmux_builder.api.app import create_app
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Build, Database, Execution, Job, StackIndexRow
from tmux_builder.platform.queue.jobs import cancel_execution
from tmux_builder.platform.verification.browser import CHROMIUM_PATH

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM_PATH).exists(),
                       reason=f"no Chromium at {CHROMIUM_PATH}"),
    pytest.mark.slow, pytest.mark.db,
]

PLAN = {"counts": {"update": 1}, "changes": [
    {"op": "update", "name": "site", "type": "pulumi-python:dynamic:Resource",
     "diffs": ["digest"]}]}
SUMMARY = {"build": "build_v2", "resources": [{"name": "site", "type": "t"}],
           "monthly_usd": 0.0, "currency": "USD",
           "checks": {"health": {"status_code": 200}, "e2e": {"total": 3, "failed": 0,
                                                              "skipped": 0}},
           "policy": {"result": "passed"}}


@pytest.fixture
def served(api_settings: Settings) -> Iterator[tuple[str, Settings]]:
    configured = api_settings.model_copy(update={"api_port": free_port()})
    with serving(create_app(configured), configured) as base:
        yield base, configured


def _seed(settings: Settings, created: dict[str, Any]) -> None:
    """build_v1 and build_v2 good, build_v3 failed E2E and rolled back to build_v2; the
    stack drifted since."""
    db = Database(settings.db_url)
    execution_id = created["execution_id"]
    cancel_execution(db, execution_id)  # no worker runs here: the queued pipeline ends
    with db.transaction() as tx:
        execution = tx.get_one(Execution, execution_id)
        workspace = Path(execution.session.workspace)
        url = f"http://127.0.0.1:1/{execution_id}/"
        for number, outcome in ((1, "good"), (2, "good"), (3, "failed")):
            artifact = f"output/build_v{number}/site"
            (workspace / artifact).mkdir(parents=True)
            (workspace / artifact / "index.html").write_text(f"v{number}")
            tx.add(Build(execution_id=execution_id, number=number, label=f"build_v{number}",
                         pulumi_update=number, url=url, outcome=outcome, artifact=artifact,
                         plan=PLAN if number > 1 else None,
                         failure="e2e_tests: E2E tests failed: 1 failed" if number == 3
                         else None, summary=SUMMARY if number == 2 else None))
        execution.status, execution.deployed_url, execution.live_build = "failed", url, 2
        execution.error_message = ("Step 9 (e2e_tests) failed: E2E tests failed: 1 failed; "
                                   "rolled back to build_v2")
        execution.rollback = {"to": "build_v2", "from": "build_v3", "step": "e2e_tests",
                              "reason": "E2E tests failed: 1 failed", "automatic": True,
                              "message": "rolled back to build_v2: build_v3 failed e2e_tests"}
        tx.add(StackIndexRow(name=execution_id, user_id=created["user_id"],
                             session_id=created["session_id"], host_provider="local",
                             site_type="static", drift={"changes": [
                                 {"op": "update", "name": "site", "type": "t",
                                  "diffs": ["digest"]}], "counts": {"update": 1}}))
    db.dispose()


def test_builds_rollback_and_drift_on_the_session_page(
    served: tuple[str, Settings], page: Page, shots: Path,
) -> None:
    base, settings = served
    answer = httpx.post(f"{base}/api/create-user", json={
        "email": "pages@example.com", "phone": "+1 555 0100", "host_provider": "local",
        "site_type": "static", "requirements": "A small site about tea and its teapots."})
    assert answer.status_code == 201, answer.text
    created = answer.json()
    _seed(settings, created)

    page.goto(f"{base}/")
    page.evaluate("([user, token]) => { sessionStorage.setItem('tb.user', user); "
                  "sessionStorage.setItem('tb.token', token); }",
                  [created["user_id"], created["token"]])
    page.goto(f"{base}/app/sessions/{created['execution_id']}")

    expect(page.locator("#rollback-box")).to_be_visible()
    expect(page.locator("#rollback-text")).to_have_text(
        "rolled back to build_v2: build_v3 failed e2e_tests")
    expect(page.locator("#drift-box")).to_be_visible()
    expect(page.locator("#drift-text")).to_have_text("site: update (digest)")
    expect(page.locator("#repair-btn")).to_be_enabled()
    v1, v2, v3 = (page.locator(f'#builds [data-label="build_v{n}"]') for n in (1, 2, 3))
    expect(v3).to_have_attribute("data-outcome", "failed")
    expect(v3.locator(".build-failure")).to_have_text(
        "failed e2e_tests: E2E tests failed: 1 failed")
    expect(v3.locator(".build-plan")).to_have_text("preview: 1 to update: site (digest)")
    expect(v3.locator(".rollback-btn")).to_have_count(0)
    expect(v2.locator(".live")).to_be_visible()
    expect(v2.locator(".rollback-btn")).to_have_count(0)
    expect(v2.locator(".build-summary")).to_contain_text("about 0.00 USD/month")
    expect(v2.locator(".build-summary")).to_contain_text("E2E 3/3")
    button = v1.locator(".rollback-btn")
    expect(button).to_have_text("Roll back to build_v1")
    expect(button).to_be_enabled()
    page.screenshot(path=shots / "session-rollback.png", full_page=True)

    _a_folder_no_longer_kept_is_refused(settings, created)

    page.once("dialog", lambda dialog: dialog.accept())
    button.click()
    expect(page.locator("#status-badge")).to_have_text("queued")
    expect(page.locator("#repair-btn")).to_be_disabled()
    db = Database(settings.db_url)
    with db.transaction() as tx:
        jobs = [(j.kind, j.payload) for j in tx.scalars(
            select(Job).where(Job.execution_id == created["execution_id"],
                              Job.status == "queued"))]
    db.dispose()
    assert jobs == [("rollback", {"build": 1})]
    status = httpx.get(f"{base}/api/status/{created['execution_id']}",
                       headers=auth(created["token"])).json()
    assert status["status"] == "queued" and status["live_build"] == "build_v2"


def _a_folder_no_longer_kept_is_refused(settings: Settings, created: dict[str, Any]) -> None:
    """A good build whose kept folder is gone (or was swapped for a link out of the
    workspace) cannot be rolled back to: 422 naming ``build``, nothing queued."""
    db = Database(settings.db_url)
    with db.transaction() as tx:
        workspace = Path(tx.get_one(Execution, created["execution_id"]).session.workspace)
    db.dispose()
    kept = workspace / "output" / "build_v1" / "site"
    moved = kept.with_name("moved")
    kept.rename(moved)
    url = f"http://{settings.api_host}:{settings.api_port}/api/sessions/" \
          f"{created['session_id']}/rollback"
    for case in ("gone", "a link out of the workspace"):
        if case != "gone":
            kept.symlink_to(Path("/etc"), target_is_directory=True)
        answer = httpx.post(url, json={"build": 1}, headers=auth(created["token"]))
        assert answer.status_code == 422, (case, answer.text)
        error = answer.json()["error"]
        assert error["field"] == "build" and "no longer kept" in error["message"], case
    kept.unlink()
    moved.rename(kept)
