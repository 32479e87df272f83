"""Two worker processes on one queue (PostgreSQL when the suite runs on it): 10 executions,
each run exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import libtmux
import pytest
from sqlalchemy import select

from tests.platform import scripted_agents
from tests.support.waiting import wait_until
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, Job
from tmux_builder.platform.sessions.creation import SessionRequest, create_session
from tmux_builder.platform.sessions.status import execution_status
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.stacks import StackEngine

pytestmark = [pytest.mark.slow, pytest.mark.db]


@pytest.fixture
def quick_settings(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    agent = tmp_path / "agent.py"
    agent.write_text(scripted_agents.slow_static_site(code_seconds=0), encoding="utf-8")
    configured = settings.model_copy(update={
        "tmux_socket": f"tb-multi-{tmp_path.name[-12:]}",
        "agent_command": f"{sys.executable} -u {agent}"})
    yield configured
    stop_site_server_background(configured)
    server = libtmux.Server(socket_name=configured.tmux_socket)
    if server.is_alive():
        server.kill()


def _worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TMUX_BUILDER_DATA_DIR": str(settings.data_dir),
           "TMUX_BUILDER_DATABASE_URL": settings.db_url,
           "TMUX_BUILDER_SITES_PORT": str(settings.sites_port),
           "TMUX_BUILDER_TMUX_SOCKET": settings.tmux_socket,
           "TMUX_BUILDER_AGENT_COMMAND": settings.agent_command or ""}
    return subprocess.Popen([sys.executable, "-m", "tmux_builder.cli", "worker", "--count", "2"],
                            env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_two_worker_processes_run_each_execution_once(
    quick_settings: Settings, engine: StackEngine
) -> None:
    db = Database(quick_settings.db_url)
    created = [create_session(db, quick_settings, SessionRequest(
        f"multi{i}@example.com", "+15550100", "local", "static", "A slow but steady page."))
        for i in range(10)]
    workers = [_worker(quick_settings) for _ in range(2)]
    try:
        def all_ended() -> list[str] | None:
            assert all(w.poll() is None for w in workers), "a worker died"
            states = [execution_status(db, c.execution_id).status for c in created]
            return states if all(s in ("completed", "failed") for s in states) else None

        states = wait_until(all_ended, timeout=420, interval=1, what="all 10 executions")
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    assert states == ["completed"] * 10
    with db.transaction() as tx:
        jobs = tx.scalars(select(Job)).all()
        assert len(jobs) == 10 and all(j.attempts == 1 and j.status == "done" for j in jobs)
        owners = {j.lease_owner.rsplit(":", 1)[0] for j in jobs if j.lease_owner}
    assert len({o.split(":")[1] for o in owners}) == 2, "both processes took work"
    for one in created:
        steps = execution_status(db, one.execution_id).steps
        assert Counter(s.number for s in steps) == Counter(range(1, 10)), "each step once"
        engine.destroy(one.stack_name)
