"""``tmux-builder serve`` as a real process: the API in its own process, supervising worker
processes. A worker killed with SIGKILL in the middle of a pipeline is replaced (and says
so in the log), the session still completes, and stopping serve leaves nothing running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import libtmux
import psutil
import pytest
from sqlalchemy import select

from tests.api.live_server import wait_until_healthy
from tests.conftest import free_port
from tests.platform import scripted_agents
from tests.support.waiting import wait_until
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.settings_env import child_environment
from tmux_builder.platform.db import Database, Job
from tmux_builder.platform.sessions.status import execution_status
from tmux_builder.platform.workers.cpu_group import GROUP_PREFIX, find_cpu_hierarchy

pytestmark = [pytest.mark.slow, pytest.mark.db]


@pytest.fixture
def serve_settings(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    agent = tmp_path / "slow_agent.py"
    agent.write_text(scripted_agents.slow_static_site(code_seconds=4), encoding="utf-8")
    configured = settings.model_copy(update={
        "api_port": free_port(), "tmux_socket": f"tb-serve-{tmp_path.name[-12:]}",
        "agent_command": f"{sys.executable} -u {agent}", "job_lease_seconds": 3,
        "serve_worker_processes": 2, "worker_restart_backoff_seconds": 0.5,
        "worker_stop_grace_seconds": 5, "reaper_interval_seconds": 3600})
    yield configured
    tmux = libtmux.Server(socket_name=configured.tmux_socket)
    if tmux.is_alive():
        tmux.kill()


def _workers(serve: psutil.Process) -> list[int]:
    """The live worker processes serve started (a killed one is a zombie until reaped)."""
    found = []
    for child in serve.children():
        try:
            if "worker" in child.cmdline():
                found.append(child.pid)
        except psutil.Error:  # a zombie or gone
            continue
    return sorted(found)


def _worker_group(pid: int) -> str | None:
    """The worker CPU group ``pid`` is in (None: in none; only on hosts that allow one)."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        name = line.rsplit("/", 1)[-1]
        if name.startswith(GROUP_PREFIX):
            return name
    return None


def _lease_owner_pid(db: Database, execution_id: str) -> int | None:
    with db.transaction() as tx:
        owner = tx.scalar(select(Job.lease_owner).where(Job.execution_id == execution_id,
                                                        Job.status == "running"))
    return int(owner.split(":")[1]) if owner else None


def test_a_killed_worker_is_replaced_and_the_session_completes(serve_settings: Settings,
                                                               tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen([sys.executable, "-m", "tmux_builder.cli", "serve"],
                                 env=child_environment(serve_settings), stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    process = psutil.Process(serve.pid)
    try:
        base = f"http://127.0.0.1:{serve_settings.api_port}"
        wait_until_healthy(base, attempts=600)
        first = wait_until(lambda: len(w := _workers(process)) == 2 and w, timeout=60,
                           what="two worker processes")
        assert serve.pid not in first
        created = httpx.post(f"{base}/api/create-user", timeout=30, json={
            "email": "serve@example.com", "phone": "+15550100", "host_provider": "local",
            "site_type": "static", "requirements": "A slow but steady page."}).json()
        execution_id = created["execution_id"]
        db = Database(serve_settings.db_url)
        wait_until(lambda: execution_status(db, execution_id).current_step_name
                   == "generate_code", timeout=120, what="the pipeline to reach generate_code")
        victim = wait_until(lambda: _lease_owner_pid(db, execution_id), timeout=30,
                            what="the worker running the job")
        assert victim in first, "the job runs in a supervised worker, not in the API process"
        os.kill(victim, signal.SIGKILL)
        replaced = wait_until(lambda: len(w := _workers(process)) == 2 and victim not in w
                              and w, timeout=60, what="the killed worker to be replaced")
        assert set(first) - {victim} <= set(replaced)
        hierarchy = find_cpu_hierarchy()
        if hierarchy is not None and os.access(hierarchy.directory, os.W_OK):
            # the new one too, moved in by the supervisor just after it spawned it
            name = wait_until(lambda: len(g := {_worker_group(pid) for pid in replaced}) == 1
                              and None not in g and g.pop(), timeout=10,
                              what="both workers in one cpu group")
            group = hierarchy.directory / name
        status = wait_until(lambda: (s := execution_status(db, execution_id)).status
                            in {"completed", "failed"} and s, timeout=300,
                            what="the session to finish")
        assert status.status == "completed", status.error
        assert [s.name for s in status.steps if s.status == "interrupted"] == ["generate_code"]
        db.dispose()
        tree = [process, *process.children(recursive=True)]
    finally:
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=60)
    assert code == -signal.SIGTERM  # uvicorn shuts down gracefully, then re-raises it
    _, alive = psutil.wait_procs(tree, timeout=10)
    assert not alive, f"left running after serve stopped: {alive}"
    text = log.read_text(encoding="utf-8", errors="replace")
    assert f"(pid {victim}) exited with signal SIGKILL" in text
    assert "worker processes stopped" in text and "Application shutdown complete" in text
    if hierarchy is not None and os.access(hierarchy.directory, os.W_OK):
        assert f"worker processes run in cgroup {group}" in text
        assert not group.exists()
