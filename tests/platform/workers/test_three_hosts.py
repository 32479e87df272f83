"""Three hosts in one test (SPEC section 15): an API host and two worker hosts, each a process
tree of its own with its own data folder, tmux server and site server, sharing one database
(the SQLite file, or PostgreSQL under ``make test-postgres``), one S3-API server (moto) as the
store and as the Pulumi state backend.

Six sessions; one worker host is killed with SIGKILL (its workers, its site server and its
tmux server with the agents) while sessions pinned to it are mid-way. Every session
completes on the other host, the moved ones saying so; a chat on a session that finished on
the lost host works from its snapshot and the redeploy that follows is served by the
survivor; the API host, which has no workspace at all, serves every screenshot from the
store; no stack is left locked, in the database or in the backend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import libtmux
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from tests.api.live_server import wait_until_healthy
from tests.conftest import free_port
from tests.platform import scripted_agents
from tests.support.hosts import host_environment
from tests.support.object_stores import MOTO_KEY_ID, MOTO_SECRET, S3Server, backend_settings
from tests.support.waiting import wait_until
from tmux_builder.platform.core.engine import engine_config
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.stack_locks import StackLockRow
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.stacks.recovery import backend_lock_files

pytestmark = [pytest.mark.slow, pytest.mark.db]

LEASE = 6  # job, host and stack-lock leases: a lost host's sessions move after it
PAGE = b"slow but steady"
API_HOST = (
    "import uvicorn\n"
    "from tmux_builder.api.app import create_app, server_config\n"
    "from tmux_builder.platform.core.settings import Settings\n"
    "settings = Settings()\n"
    "uvicorn.Server(server_config(create_app(settings), settings, log_level='warning')).run()\n"
)


@dataclass
class Host:
    settings: Settings
    process: subprocess.Popen[bytes]

    @property
    def name(self) -> str:
        return self.settings.host_name

    def kill(self) -> None:
        """The host is lost: its workers, its site server and its agents, all at once."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        stop_site_server_background(self.settings)
        server = libtmux.Server(socket_name=self.settings.tmux_socket)
        if server.is_alive():
            server.kill()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self.kill()


HOST_SETTINGS = ("pulumi_backend_url", "pulumi_backend_access_key_id",
                 "pulumi_backend_secret_access_key", "store_url", "store_access_key_id",
                 "store_secret_access_key", "sites_port", "api_port", "tmux_socket",
                 "agent_command", "job_lease_seconds", "host_lease_seconds",
                 "stack_lock_lease_seconds", "stack_lock_timeout_seconds")


def _host_settings(shared: Settings, root: Path, name: str) -> Settings:
    data = root / name
    (data / "secrets").mkdir(parents=True)
    secret = data / "secrets" / "pulumi-passphrase"
    secret.write_text("one passphrase for every host", encoding="utf-8")
    secret.chmod(0o600)
    return shared.model_copy(update={
        "data_dir": data, "database_url": shared.db_url, "host_name": name,
        "sites_port": free_port(),
        "api_port": free_port(), "tmux_socket": f"tb-3h-{name}-{root.parent.name[-8:]}"})


def _start(settings: Settings, command: list[str]) -> subprocess.Popen[bytes]:
    log = (settings.data_dir / "host.log").open("ab")
    with log:
        return subprocess.Popen(command, env=host_environment(settings, *HOST_SETTINGS),
                                start_new_session=True,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


@contextmanager
def three_hosts(shared: Settings, root: Path) -> Iterator[tuple[str, list[Host]]]:
    with ExitStack() as stack:
        api = _host_settings(shared, root, "api-host")
        api_process = _start(api, [sys.executable, "-c", API_HOST])
        stack.callback(Host(api, api_process).stop)
        workers = []
        for name in ("host-a", "host-b"):
            settings = _host_settings(shared, root, name)
            host = Host(settings, _start(settings, [sys.executable, "-m", "tmux_builder.cli",
                                                    "worker", "--count", "3"]))
            stack.callback(host.stop)
            workers.append(host)
        base = f"http://{api.api_host}:{api.api_port}"
        wait_until_healthy(base)
        yield base, workers


@dataclass(frozen=True)
class Created:
    execution_id: str
    session_id: str
    token: str


def _create(client: httpx.Client, i: int) -> Created:
    answer = client.post("/api/create-user", json={
        "email": f"three{i}@example.com", "phone": "+15550100", "host_provider": "local",
        "site_type": "static", "requirements": f"A slow but steady page number {i}."})
    assert answer.status_code in (200, 201), answer.text
    body = answer.json()
    return Created(body["execution_id"], body["session_id"], body["token"])


def _status(client: httpx.Client, one: Created) -> dict[str, Any]:
    answer = client.get(f"/api/status/{one.execution_id}",
                        headers={"Authorization": f"Bearer {one.token}"})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _all_ended(client: httpx.Client, sessions: list[Created], hosts: list[Host]) -> Any:
    for host in hosts:
        assert host.process.poll() is None, f"{host.name} died"
    states = [_status(client, one) for one in sessions]
    if all(s["status"] in ("completed", "failed", "cancelled") for s in states):
        return states
    return None


def test_three_hosts_survive_a_lost_worker_host(
    settings: Settings, s3_server: S3Server, tmp_path: Path
) -> None:
    agent = tmp_path / "agent.py"
    agent.write_text(scripted_agents.slow_static_site(code_seconds=6), encoding="utf-8")
    shared = backend_settings(settings, s3_server).model_copy(update={
        "store_url": s3_server.url(s3_server.new_bucket(), "store"),
        "store_access_key_id": MOTO_KEY_ID, "store_secret_access_key": SecretStr(MOTO_SECRET),
        "agent_command": f"{sys.executable} -u {agent}", "job_lease_seconds": LEASE,
        "host_lease_seconds": LEASE, "stack_lock_lease_seconds": LEASE,
        "stack_lock_timeout_seconds": 60})
    Database(shared.db_url).dispose()  # migrate once, before the hosts start

    with three_hosts(shared, tmp_path / "hosts") as (base, (host_a, host_b)), \
            httpx.Client(base_url=base, timeout=30) as client:
        first = _create(client, 0)
        done = wait_until(lambda: _all_ended(client, [first], [host_a, host_b]),
                          timeout=300, interval=1, what="the first session")
        assert done[0]["status"] == "completed", done[0]["error"]
        lost, survivor = ((host_a, host_b) if done[0]["host"] == host_a.name
                          else (host_b, host_a))
        others = [_create(client, i) for i in range(1, 6)]

        def lost_host_mid_way() -> list[str] | None:
            states = [_status(client, one) for one in others]
            busy = [s["session_id"] for s in states
                    if s["host"] == lost.name and s["status"] == "running"
                    and s["current_step"] >= 5]
            return busy if busy and all(s["host"] for s in states) else None

        moving = wait_until(lost_host_mid_way, timeout=300, interval=0.5,
                            what=f"a session mid-way on {lost.name}")
        lost.kill()

        # a chat on the session that finished on the lost host, then a redeploy
        headers = {"Authorization": f"Bearer {first.token}"}
        chat = client.post(f"/api/chat/{first.execution_id}", headers=headers,
                           json={"message": "Make the title larger."})
        assert chat.status_code == 202, chat.text

        def replied() -> list[dict[str, Any]] | None:
            history = client.get(f"/api/chat/{first.execution_id}/history", headers=headers)
            messages: list[dict[str, Any]] = history.json()["messages"]
            return messages if any(m["role"] == "agent" for m in messages) else None

        messages = wait_until(replied, timeout=300, interval=1, what="the agent's reply")
        assert messages[-1]["content"].startswith("Done: the site is updated"), messages

        def redeployed() -> httpx.Response | None:  # 409 until the refine job has finished
            answer = client.post(f"/api/redeploy/{first.execution_id}", headers=headers)
            return None if answer.status_code == 409 else answer

        redeploy = wait_until(redeployed, timeout=60, interval=0.5, what="the redeploy")
        assert redeploy.status_code == 202, redeploy.text

        everyone = [first, *others]
        states = wait_until(lambda: _all_ended(client, everyone, [survivor]),
                            timeout=600, interval=1, what="every session")
        assert [s["status"] for s in states] == ["completed"] * 6, \
            [(s["session_id"], s["error"]) for s in states]
        survivor_sites = survivor.settings.sites_base_url
        for state in states:
            if state["session_id"] in moving or state["session_id"] == first.session_id:
                assert state["host"] == survivor.name
                assert state["host_note"] == \
                    f"moved from host {lost.name} to host {survivor.name}", state
            if state["host"] == survivor.name:
                assert state["deployed_url"].startswith(survivor_sites + "/"), state
                page = httpx.get(state["deployed_url"], timeout=30)
                assert page.status_code == 200 and PAGE in page.content
        assert [b["label"] for b in states[0]["builds"]] == ["build_v1", "build_v2"]

        for one in everyone:  # the API host has no workspace: every image comes from the store
            for thumbnail in ("false", "true"):
                shot = client.get(f"/api/screenshot/{one.execution_id}",
                                  params={"thumbnail": thumbnail},
                                  headers={"Authorization": f"Bearer {one.token}"})
                assert shot.status_code == 200 and shot.content.startswith(b"\x89PNG"), \
                    (one.execution_id, shot.status_code)
        assert not (tmp_path / "hosts" / "api-host" / "users").exists()

    db = Database(shared.db_url)
    with db.transaction() as tx:
        assert tx.scalars(select(StackLockRow)).all() == [], "a stack is left locked"
    db.dispose()
    config = engine_config(survivor.settings)
    for state in states:
        stack = f"{state['user_id']}_{state['session_id']}"
        assert backend_lock_files(config, stack) == [], f"Pulumi's lock is left on {stack}"
