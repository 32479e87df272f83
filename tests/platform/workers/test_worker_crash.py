"""Kill -9 the worker process during generate_code and during deploy: a new worker finishes
the execution, no completed step runs twice, and the stack is not left locked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import libtmux
import pytest

from tests.platform import scripted_agents
from tests.support.waiting import wait_until
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.sessions.creation import SessionRequest, create_session
from tmux_builder.platform.sessions.status import execution_status
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.platform.workers.worker import Worker
from tmux_builder.stacks.recovery import backend_lock_files

pytestmark = [pytest.mark.slow, pytest.mark.db]


@pytest.fixture
def crash_platform(settings: Settings, tmp_path: Path) -> Iterator[tuple[Database, Settings]]:
    agent = tmp_path / "slow_agent.py"
    agent.write_text(scripted_agents.slow_static_site(code_seconds=4), encoding="utf-8")
    configured = settings.model_copy(update={
        "tmux_socket": f"tb-crash-{tmp_path.name[-12:]}", "job_lease_seconds": 3,
        "agent_command": f"{sys.executable} -u {agent}"})
    yield Database(configured.db_url), configured
    stop_site_server_background(configured)
    server = libtmux.Server(socket_name=configured.tmux_socket)
    if server.is_alive():
        server.kill()


def _worker_process(settings: Settings) -> subprocess.Popen[bytes]:
    env = {**os.environ,
           "TMUX_BUILDER_DATA_DIR": str(settings.data_dir),
           "TMUX_BUILDER_DATABASE_URL": settings.db_url,
           "TMUX_BUILDER_SITES_PORT": str(settings.sites_port),
           "TMUX_BUILDER_TMUX_SOCKET": settings.tmux_socket,
           "TMUX_BUILDER_JOB_LEASE_SECONDS": str(settings.job_lease_seconds),
           "TMUX_BUILDER_AGENT_COMMAND": settings.agent_command or ""}
    return subprocess.Popen([sys.executable, "-m", "tmux_builder.cli", "worker", "--count", "1"],
                            env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.parametrize("kill_during", ["generate_code", "deploy"])
def test_new_worker_finishes_after_a_kill(
    crash_platform: tuple[Database, Settings], kill_during: str
) -> None:
    db, settings = crash_platform
    created = create_session(db, settings, SessionRequest(
        "crash@example.com", "+15550100", "local", "static", "A slow but steady page."))
    worker = _worker_process(settings)
    engine = stack_engine(settings)

    def reached() -> bool:
        assert worker.poll() is None, "the worker died before the kill"
        return execution_status(db, created.execution_id).current_step_name == kill_during

    wait_until(reached, timeout=120, what=f"step {kill_during}")
    if kill_during == "deploy":  # kill while the Pulumi update holds the backend's lock
        wait_until(lambda: backend_lock_files(engine.config, created.stack_name), timeout=60,
                   what="the Pulumi update to start")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    # The survivor's clock runs one lease ahead: the dead worker's lease has expired for it.
    lease = timedelta(seconds=settings.job_lease_seconds + 1)
    survivor = Worker.create(db, settings)
    survivor.clock = lambda: datetime.now(UTC) + lease
    assert survivor.run_once(), "the dead worker's job was not claimable after its lease"
    status = execution_status(db, created.execution_id)
    assert status.status == "completed", status.error
    completed = Counter(s.number for s in status.steps if s.status == "completed")
    assert all(count == 1 for count in completed.values()) and len(completed) == 9
    interrupted = [s.name for s in status.steps if s.status == "interrupted"]
    assert interrupted == [kill_during]
    assert not backend_lock_files(engine.config, created.stack_name)
    assert not any(r.update_in_progress for r in engine.list_stacks())
    engine.destroy(created.stack_name)
