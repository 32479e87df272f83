"""The whole 9-step pipeline with real tmux, the offline agent, the real engine, real HTTP,
real Chromium: local static, node and python sites; chat + redeploy makes build_v2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import libtmux
import pytest

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.pipeline.runner import STEPS
from tmux_builder.platform.sessions.creation import SessionRequest, create_session
from tmux_builder.platform.sessions.requests import request_redeploy, send_chat
from tmux_builder.platform.sessions.status import execution_status
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.platform.workers.worker import Worker

pytestmark = pytest.mark.slow


@pytest.fixture
def platform(settings: Settings, tmp_path: Path) -> Iterator[tuple[Database, Settings]]:
    configured = settings.model_copy(update={"tmux_socket": f"tb-pipe-{tmp_path.name[-16:]}"})
    db = Database(configured.db_url)
    yield db, configured
    stop_site_server_background(configured)
    server = libtmux.Server(socket_name=configured.tmux_socket)
    if server.is_alive():
        server.kill()


def _drain(worker: Worker) -> None:
    while worker.run_once():
        pass


REQUESTS = {
    "static": ('A site for a bakery called "Sweet Crumbs" with a warm orange theme, an about '
               "section, a menu listing sourdough, croissants and lemon tart, a photo gallery "
               "and a contact form."),
    "node": ("A node.js site for a bike repair shop called \"Spoke Doctor\" with a blue theme, "
             "a services list of tune-ups, flat repairs and wheel truing, and a contact form."),
    "python": ("A python web app for a book club called \"Page Turners\" with a green theme, "
               "a list of books: Dune, Emma, Ulysses, a testimonials section and a contact form."),
}


@pytest.mark.parametrize("kind", ["static", "node", "python"])
def test_full_run_reaches_nine_of_nine(platform: tuple[Database, Settings], kind: str) -> None:
    db, settings = platform
    site_type = "static" if kind == "static" else "dynamic"
    created = create_session(db, settings, SessionRequest(
        f"{kind}@example.com", "+15550100", "local", site_type, REQUESTS[kind]))
    worker = Worker.create(db, settings)
    _drain(worker)
    status = execution_status(db, created.execution_id)
    assert status.status == "completed", status.error
    assert status.completed_steps == 9 and status.percent == 100
    assert [s.name for s in status.steps] == list(STEPS)
    assert all(s.status == "completed" and s.duration_seconds is not None
               for s in status.steps)
    page = httpx.get(status.deployed_url)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    title = REQUESTS[kind].split('"')[1]
    assert title in page.text
    details = {s.name: s.details for s in status.steps}
    assert Path(details["screenshot"]["path"]).stat().st_size > 1000
    assert details["screenshot"]["colours"] > 2
    assert details["e2e_tests"]["passed"] and details["e2e_tests"]["total"] >= 3
    assert status.builds[0].label == "build_v1"
    store = worker.pipeline.services.store  # what another host serves or resumes from
    kept = {(a.kind, a.name) for a in store.list_artifacts(created.user_id, created.session_id)}
    assert {("screenshots", "build_v1.png"), ("thumbnails", "build_v1.png"),
            ("health", "build_v1.json"), ("e2e", "build_v1-results.json"),
            ("logs", "pipeline.log")} <= kept, kept
    shot = store.get_artifact(created.user_id, created.session_id, "screenshots", "build_v1.png")
    assert shot == Path(details["screenshot"]["path"]).read_bytes()
    snapshots = store.snapshot_ids(created.user_id, created.session_id)
    assert [s.split("-", 1)[1] for s in snapshots] == ["create_plan", "generate_code"]
    assert details["generate_code"]["snapshot"] == snapshots[-1]
    worker.pipeline.engine.destroy(created.stack_name)
    worker.pipeline.driver.stop(created.execution_id)


def test_chat_then_redeploy_changes_the_live_site(platform: tuple[Database, Settings]) -> None:
    db, settings = platform
    created = create_session(db, settings, SessionRequest(
        "chat@example.com", "+15550100", "local", "static", REQUESTS["static"]))
    worker = Worker.create(db, settings)
    _drain(worker)
    url = execution_status(db, created.execution_id).deployed_url
    assert "Sweet Crumbs" in httpx.get(url).text

    send_chat(db, created.execution_id, 'change the title to "Crumb Castle"')
    _drain(worker)
    assert request_redeploy(db, created.execution_id) == 2
    _drain(worker)
    status = execution_status(db, created.execution_id)
    assert status.status == "completed", status.error
    assert [b.label for b in status.builds] == ["build_v1", "build_v2"]
    assert (status.builds[1].pulumi_update or 0) > (status.builds[0].pulumi_update or 0)
    assert [s.number for s in status.steps if s.run == 2] == [6, 7, 8, 9]
    assert "Crumb Castle" in httpx.get(status.deployed_url).text
    worker.pipeline.engine.destroy(created.stack_name)
    worker.pipeline.driver.stop(created.execution_id)
