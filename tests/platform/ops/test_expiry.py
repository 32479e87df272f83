"""Expiry and reaping with real local stacks: the server's reaper tears an expired session
down completely (stack, tmux, site, app process) and archives its workspace; a destroy that
fails is retried with backoff and reported, and one bad session never stops the others."""

from __future__ import annotations

import json
import tarfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import libtmux
import psutil
import pytest
from sqlalchemy import select

from tests.platform.ops.sessions import deployed_session
from tests.platform.ops.test_stack_listing import run_cli
from tests.support.waiting import wait_until
from tmux_builder.errors import StackOperationError
from tmux_builder.platform.agent.driver import AgentDriver
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, Job, SessionRow
from tmux_builder.platform.ops.reaper import reap_expired, run_reaper
from tmux_builder.platform.ops.stack_index import list_stack_index
from tmux_builder.platform.ops.teardown import teardown_session
from tmux_builder.platform.sessions.creation import SessionRequest, create_session
from tmux_builder.platform.workers.worker import run_pool
from tmux_builder.stacks import StackEngine

pytestmark = [pytest.mark.slow, pytest.mark.db]

AGENT = "sh -c 'echo agent ready; exec sleep 300'"


@pytest.fixture
def ops_settings(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    socket = f"tb-ops-{tmp_path.name[-20:]}"
    yield settings.model_copy(update={"tmux_socket": socket, "reaper_interval_seconds": 0.5,
                                      "teardown_backoff_seconds": 0.05})
    server = libtmux.Server(socket_name=socket)
    if server.is_alive():
        server.kill()


def session_row(db: Database, session_id: str) -> SessionRow:
    with db.transaction() as tx:
        row = tx.get(SessionRow, session_id)
        assert row is not None
        return row


def processes_under(folder: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cwd", "status"]):
        cwd = process.info.get("cwd") or ""
        if cwd.startswith(str(folder)) and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def test_server_reaper_leaves_nothing_but_the_archive(ops_settings: Settings,
                                                      engine: StackEngine) -> None:
    settings = ops_settings
    db = Database(settings.db_url)
    created = deployed_session(db, settings, engine, "exp@example.com", sample="node_app",
                               ttl_days=3 / 86400)
    workspace = Path(session_row(db, created.session_id).workspace)
    driver = AgentDriver(settings, command=AGENT)
    driver.ensure_agent(created.execution_id, workspace)
    assert driver.is_running(created.execution_id)
    assert processes_under(settings.apps_dir / created.stack_name)

    with db.transaction() as tx:  # deployed above, as its pipeline job would have
        for job in tx.scalars(select(Job).where(Job.execution_id == created.execution_id)):
            job.status = "done"
    stop = threading.Event()
    reaper = threading.Thread(target=run_reaper, args=(db, settings, stop), daemon=True)
    reaper.start()
    workers = run_pool(db, settings, stop, count=1)  # the reaper queues, a worker tears down
    try:
        wait_until(lambda: session_row(db, created.session_id).status == "torn_down",
                   timeout=90, interval=0.25, what="the reaper's teardown of the session")
    finally:
        stop.set()
        for thread in [reaper, *workers]:
            thread.join(timeout=60)

    row = session_row(db, created.session_id)
    assert row.torn_down_at is not None
    assert not engine.exists(created.stack_name)
    assert not driver.is_running(created.execution_id)
    assert not (settings.apps_dir / created.stack_name).exists()
    assert not (settings.sites_dir / created.stack_name).exists()
    assert not processes_under(settings.data_dir)
    assert not workspace.exists()
    assert list_stack_index(db) == []
    with db.transaction() as tx:
        assert {(job.kind, job.status) for job in tx.scalars(select(Job))} == {
            ("pipeline", "done"), ("reap", "done")}
    archive = settings.archive_dir / f"{created.user_id}_{created.session_id}.tar.gz"
    with tarfile.open(archive) as tar:
        assert f"{created.session_id}/source/package.json" in tar.getnames()
    again = teardown_session(db, settings, engine, driver, created.session_id, reason="again")
    assert again.torn_down and again.already_torn_down


class FlakyDestroy:
    """Wraps the engine's destroy: the first ``failures[stack]`` calls for a stack fail."""

    def __init__(self, engine: StackEngine, failures: dict[str, int]) -> None:
        self.real: Callable[..., Any] = engine.destroy
        self.failures = failures
        self.calls: dict[str, int] = {}

    def __call__(self, stack_name: str, **kwargs: Any) -> Any:
        self.calls[stack_name] = self.calls.get(stack_name, 0) + 1
        if self.calls[stack_name] <= self.failures.get(stack_name, 0):
            raise StackOperationError(f"injected failure {self.calls[stack_name]}")
        return self.real(stack_name, **kwargs)


def test_destroy_is_retried_and_one_bad_session_never_stops_the_others(
    ops_settings: Settings, engine: StackEngine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = ops_settings
    db = Database(settings.db_url)
    stuck = deployed_session(db, settings, engine, "stuck@example.com")
    flaky = deployed_session(db, settings, engine, "flaky@example.com")
    destroy = FlakyDestroy(engine, {stuck.stack_name: 99, flaky.stack_name: 2})
    monkeypatch.setattr(engine, "destroy", destroy)
    later = datetime.now(UTC) + timedelta(days=6)

    dry = reap_expired(db, settings, engine, AgentDriver(settings), now=later, dry_run=True)
    assert {r.session_id for r in dry} == {stuck.session_id, flaky.session_id}
    assert destroy.calls == {} and not any(r.torn_down for r in dry)

    reports = {r.session_id: r for r in reap_expired(db, settings, engine,
                                                      AgentDriver(settings), now=later)}
    bad, good = reports[stuck.session_id], reports[flaky.session_id]
    assert not bad.torn_down and bad.stack == "failed"
    assert bad.destroy_attempts == settings.teardown_attempts
    assert "injected failure 3" in bad.errors[0]
    assert session_row(db, stuck.session_id).status == "active"
    assert good.torn_down and good.stack == "destroyed" and good.destroy_attempts == 3
    assert [e.split(":")[0] for e in good.attempt_errors] == ["attempt 1", "attempt 2"]
    assert json.loads(json.dumps(good.to_dict()))["destroy_attempts"] == 3
    assert not engine.exists(flaky.stack_name)

    monkeypatch.setattr(engine, "destroy", destroy.real)
    finished = teardown_session(db, settings, engine, AgentDriver(settings), stuck.session_id,
                                reason="operator")
    assert finished.torn_down and not engine.exists(stuck.stack_name)


def test_reap_cli_dry_run_lists_expired_sessions(settings: Settings) -> None:
    db = Database(settings.db_url)
    past = datetime.now(UTC) - timedelta(days=2)
    created = create_session(db, settings, SessionRequest(
        "old@example.com", "+1 555 0100", "local", "static", "an old site nobody visits",
        1), now=past)
    listed = run_cli(settings, "reap", "--dry-run", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [r["session_id"] for r in json.loads(listed.stdout)] == [created.session_id]
    assert session_row(db, created.session_id).status == "active"
