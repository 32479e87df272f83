"""Health-gated rollback end to end (real tmux, a scripted agent, the real engine on the local
target, real HTTP, real Chromium): build_v1 passes; a chat makes build_v2 whose E2E tests fail,
so the platform deploys build_v1's kept folder again and the URL serves it; the redeploy had
previewed first (its plan is stored with build_v2 and was streamed). Then the rollback API:
another user's session 404, a read token 403, bad, unknown and failed builds 422 naming
``build``; a good build_v3, then a rollback to build_v1 on request (a job) serves v1 again,
and ``tmux-builder stacks rollback`` brings build_v3 back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from tests.api.conftest import ADMIN_TOKEN, auth, new_user
from tests.platform.ops.test_stack_listing import run_cli
from tests.support.scripted_platform import drain, scripted_platform
from tmux_builder.agent_library.offline_agent.render import markdown_text
from tmux_builder.api.app import create_app
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, Job, LogEvent
from tmux_builder.platform.workers.worker import Worker
from tmux_builder.pulumi_programs.local.files import tree_digest

pytestmark = [pytest.mark.slow, pytest.mark.db]

# A scripted agent: build_v1 says "version one"; a chat asking to "break" it writes a page the
# E2E test (which looks for "Tea House") fails on; a chat asking for "three" a good page.
AGENT = r'''
import re, sys
from pathlib import Path
PAGE = "<!doctype html><html><head><title>{title}</title></head><body style='background:#fd8'>"\
       "<h1>{title}</h1><p>{text}</p></body></html>"
def page(title, text):
    Path("source/index.html").write_text(PAGE.format(title=title, text=text * 12))
print("rollback-agent> ready", flush=True)
for line in sys.stdin:
    if "prompts/current.txt" not in line:
        continue
    prompt = Path("prompts/current.txt").read_text()
    phase = re.search(r"PHASE: (\w+)", prompt).group(1)
    if phase == "create_plan":
        Path("output/plan.md").write_text("# plan\n")
    if phase == "generate_code":
        page("Tea House", "version one of the tea house. ")
        Path("deployment/tests/e2e_test.py").write_text(
            "import os, urllib.request\n"
            "def test_name():\n"
            "    assert b'Tea House' in urllib.request.urlopen(os.environ['SITE_URL']).read()\n"
            "def test_body():\n"
            "    assert b'tea house' in urllib.request.urlopen(os.environ['SITE_URL']).read()\n")
    if phase == "refine" and "break" in prompt:
        page("Coffee Shack", "a broken version two. ")
    if phase == "refine" and "three" in prompt:
        page("Tea House", "version three of the tea house. ")
    with open("output/status.txt", "a") as handle:
        handle.write(f"PHASE_COMPLETE: {phase}\n")
'''


REQUEST = ("A *shiny* tea page: [click](http://evil.example) <script>alert(1)</script>\n"
           "# not a heading")


@pytest.fixture
def platform(settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, Worker]]:
    with scripted_platform(settings, tmp_path, AGENT, "rollback",
                           admin_token=SecretStr(ADMIN_TOKEN)) as configured, \
            TestClient(create_app(configured), raise_server_exceptions=False) as client:
        yield client, Worker.create(Database(configured.db_url), configured)


def _status(client: TestClient, created: dict[str, Any]) -> dict[str, Any]:
    answer = client.get(f"/api/status/{created['execution_id']}", headers=auth(created["token"]))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _chat_and_redeploy(client: TestClient, worker: Worker, created: dict[str, Any],
                       message: str) -> dict[str, Any]:
    headers, execution = auth(created["token"]), created["execution_id"]
    assert client.post(f"/api/chat/{execution}", json={"message": message},
                       headers=headers).status_code == 202
    drain(worker)
    assert client.post(f"/api/redeploy/{execution}", headers=headers).status_code == 202
    drain(worker)
    return _status(client, created)


def test_failed_build_rolls_back_and_a_user_can_roll_back(
    platform: tuple[TestClient, Worker],
) -> None:
    client, worker = platform
    created = new_user(client, "tea@example.com", requirements=REQUEST)
    drain(worker)
    first = _status(client, created)
    assert first["status"] == "completed", first["error"]
    url = first["deployed_url"]
    assert "version one" in httpx.get(url).text
    assert [(b["label"], b["outcome"], b["plan"]) for b in first["builds"]] == [
        ("build_v1", "good", None)]
    _summary_is_handed_over(client, created, first["builds"][0])
    assert first["live_build"] == "build_v1" and first["rollback"] is None

    broken = _chat_and_redeploy(client, worker, created, "please break the page")
    assert broken["status"] == "failed"
    assert "Step 9 (e2e_tests) failed" in broken["error"]
    assert "rolled back to build_v1" in broken["error"]
    rollback = broken["rollback"]
    assert (rollback["to"], rollback["from"], rollback["step"], rollback["automatic"]) == (
        "build_v1", "build_v2", "e2e_tests", True)
    assert "E2E tests failed" in rollback["reason"]
    assert broken["live_build"] == "build_v1" and broken["deployed_url"] == url
    page = httpx.get(url).text
    assert "version one" in page and "Coffee Shack" not in page, "the URL serves build_v1"

    v1, v2 = broken["builds"]
    assert v2["outcome"] == "failed" and v2["failure"].startswith("e2e_tests: E2E tests failed")
    plan = v2["plan"]
    [change] = plan["changes"]  # the site's content changed (and the folder it comes from)
    assert change["op"] == "update" and "digest" in change["diffs"]
    v2_steps = [(s["name"], s["status"]) for s in broken["steps"] if s["run"] == 2]
    assert v2_steps == [("deploy", "completed"), ("health_check", "completed"),
                        ("screenshot", "completed"), ("e2e_tests", "failed")]
    deploy_record = next(s for s in broken["steps"] if s["run"] == 2 and s["name"] == "deploy")
    assert deploy_record["details"]["plan"] == plan
    db: Database = client.app.state.tb.db  # type: ignore[attr-defined]
    with db.transaction() as tx:
        logged = [(e.source, e.message) for e in tx.scalars(
            select(LogEvent).where(LogEvent.execution_id == created["execution_id"]))]
    assert ("preview", "would update site") in logged or any(
        source == "preview" and message.startswith("would update") for source, message in logged)
    assert any(source == "preview" and "plan: 1 to update" in message
               for source, message in logged)
    assert any(source == "rollback" and "rolled back to build_v1" in message
               for source, message in logged)
    _kept_folders_are_what_was_deployed(client, created, v1, v2)

    _refused_rollbacks(client, created)

    good = _chat_and_redeploy(client, worker, created, "make it version three")
    assert good["status"] == "completed", good["error"]
    assert good["live_build"] == "build_v3" and good["rollback"] is None
    assert "version three" in httpx.get(url).text

    session = created["session_id"]
    asked = client.post(f"/api/sessions/{session}/rollback", json={"build": 1},
                        headers=auth(created["token"]))
    assert asked.status_code == 202, asked.text
    assert asked.json()["build"] == "build_v1"
    assert "version three" in httpx.get(url).text, "the request only queues a job"
    again = client.post(f"/api/sessions/{session}/rollback", json={"build": 1},
                        headers=auth(created["token"]))
    assert again.status_code == 409 and again.json()["error"]["field"] == "execution_id"
    drain(worker)
    with db.transaction() as tx:
        job = tx.get_one(Job, asked.json()["job_id"])
        assert (job.kind, job.status) == ("rollback", "done")
    back = _status(client, created)
    assert back["status"] == "completed" and back["live_build"] == "build_v1"
    assert back["rollback"]["automatic"] is False and back["rollback"]["from"] == "build_v3"
    assert "version one" in httpx.get(url).text
    assert [b["outcome"] for b in back["builds"]] == ["good", "failed", "good"]

    settings: Settings = client.app.state.tb.settings  # type: ignore[attr-defined]
    refused = run_cli(settings, "stacks", "rollback", session, "2")
    assert refused.returncode == 2 and "did not pass its checks" in refused.stdout
    queued = run_cli(settings, "stacks", "rollback", session, "3", "--json")
    assert queued.returncode == 0, queued.stdout + queued.stderr
    assert json.loads(queued.stdout)["build"] == "build_v3"
    drain(worker)
    assert _status(client, created)["live_build"] == "build_v3"
    assert "version three" in httpx.get(url).text
    worker.pipeline.engine.destroy(created["execution_id"])
    worker.pipeline.driver.stop(created["execution_id"])


def _summary_is_handed_over(client: TestClient, created: dict[str, Any],
                            build: dict[str, Any]) -> None:
    """A good build's DEPLOYMENT_SUMMARY.md and the same facts in the status answer; the
    user's words only as escaped Markdown text."""
    facts = build["summary"]
    assert facts["build"] == "build_v1" and facts["request"] == REQUEST
    assert facts["url"] == build["url"]
    [resource] = facts["resources"]  # the published folder (a dynamic resource)
    assert resource["type"] == "pulumi-python:dynamic:Resource"
    assert facts["monthly_usd"] == 0.0 and facts["currency"] == "USD"
    assert facts["checks"]["health"]["passed"] and facts["checks"]["health"]["status_code"] == 200
    assert facts["checks"]["e2e"] == {"total": 2, "failed": 0, "skipped": 0}
    assert facts["checks"]["screenshot"]["width"] > 0
    assert facts["policy"] == {"enabled": True, "result": "passed", "advisories": []}
    db: Database = client.app.state.tb.db  # type: ignore[attr-defined]
    from tmux_builder.platform.db import SessionRow

    with db.transaction() as tx:
        workspace = Path(tx.get_one(SessionRow, created["session_id"]).workspace)
    text = (workspace / "output" / "build_v1" / "DEPLOYMENT_SUMMARY.md").read_text()
    assert "# Deployment summary: build_v1" in text and build["url"] in text
    assert r"\*shiny\*" in text and r"\[click\](http://evil.example)" in text
    assert "&lt;script&gt;" in text and "<script>" not in text
    assert f"- {markdown_text(resource['name'])} (pulumi-python:dynamic:Resource)" in text
    assert "0.00 USD" in text and "E2E tests: 2 of 2 passed" in text
    assert "Policy pack: passed" in text and "redeploy" in text


def _kept_folders_are_what_was_deployed(client: TestClient, created: dict[str, Any],
                                        v1: dict[str, Any], v2: dict[str, Any]) -> None:
    """Each build's folder is kept in the workspace as it was deployed: build_v2's (failed)
    is still there to inspect, and the site now published is build_v1's."""
    db: Database = client.app.state.tb.db  # type: ignore[attr-defined]
    from tmux_builder.platform.db import SessionRow

    with db.transaction() as tx:
        session = tx.get_one(SessionRow, created["session_id"])
        workspace = Path(session.workspace)
    settings: Settings = client.app.state.tb.settings  # type: ignore[attr-defined]
    kept_v1, kept_v2 = workspace / v1["artifact"], workspace / v2["artifact"]
    assert "version one" in (kept_v1 / "index.html").read_text()
    assert "Coffee Shack" in (kept_v2 / "index.html").read_text()
    published = settings.sites_dir / created["execution_id"]
    assert tree_digest(published) == tree_digest(kept_v1)


def _refused_rollbacks(client: TestClient, created: dict[str, Any]) -> None:
    session, headers = created["session_id"], auth(created["token"])
    other = new_user(client, "other@example.com")
    assert client.post(f"/api/cancel/{other['execution_id']}",
                       headers=auth(other["token"])).status_code == 202, "no pipeline for it"
    answer = client.post(f"/api/sessions/{session}/rollback", json={"build": 1},
                         headers=auth(other["token"]))
    assert answer.status_code == 404, "another user's session is not found"
    minted = client.post("/api/tokens", json={"name": "viewer", "scope": "read"},
                         headers=headers)
    assert minted.status_code == 201, minted.text
    answer = client.post(f"/api/sessions/{session}/rollback", json={"build": 1},
                         headers=auth(minted.json()["token"]))
    assert answer.status_code == 403
    for body, fragment in (({"build": 2}, "did not pass its checks"),
                           ({"build": 7}, "has no build_v7"),
                           ({"build": 0}, ""), ({"build": "1"}, ""), ({"build": True}, ""),
                           ({}, "")):
        answer = client.post(f"/api/sessions/{session}/rollback", json=body, headers=headers)
        assert answer.status_code == 422, (body, answer.text)
        error = answer.json()["error"]
        assert error["field"] == "build" and fragment in error["message"], (body, error)
    answer = client.post("/api/sessions/sess_bad/rollback", json={"build": 1}, headers=headers)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "session_id"
