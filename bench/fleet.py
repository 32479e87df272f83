"""What the load benches share: ``tmux-builder serve`` (or the old layout, the API with its
workers as threads in one process: ``bench/inprocess_serve.py``) started on loopback with a
temporary data folder and stopped by its process group; sessions created and followed over
HTTP."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.api.live_server import wait_until_healthy

LAYOUTS = {
    "processes": [sys.executable, "-m", "tmux_builder.cli", "serve"],
    "threads": [sys.executable, str(Path(__file__).parent / "inprocess_serve.py")],
}
FINAL = ("completed", "failed", "cancelled")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base: str
    pid: int


def wait_for_workers(base: str, admin_token: str, count: int, timeout: float = 300) -> None:
    """Until ``count`` workers beat in the queue view: figures then count sessions, not the
    workers' start-up (each imports the platform, about a CPU-second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = httpx.get(f"{base}/api/admin/queue", timeout=30,
                         headers={"Authorization": f"Bearer {admin_token}"}).json()
        if sum(len(host["workers"]) for host in view["hosts"]) >= count:
            return
        time.sleep(0.2)
    raise TimeoutError(f"{count} workers did not start within {timeout:.0f}s")


@contextmanager
def serving(layout: str, workers: int, **settings: str) -> Iterator[Server]:
    """A server of ``layout`` with ``workers`` workers, returned once they all beat;
    ``settings`` are extra ``TMUX_BUILDER_<NAME>`` values."""
    admin_token = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        port = free_port()
        env = {**os.environ, "TMUX_BUILDER_DATA_DIR": str(Path(tmp) / "data"),
               "TMUX_BUILDER_ADMIN_TOKEN": admin_token,
               "TMUX_BUILDER_API_PORT": str(port), "TMUX_BUILDER_SITES_PORT": str(free_port()),
               "TMUX_BUILDER_TMUX_SOCKET": f"tb-bench-{os.getpid()}",
               "TMUX_BUILDER_WORKERS": str(workers),
               "TMUX_BUILDER_CREATE_LIMIT_PER_ADDRESS": "100000",
               "TMUX_BUILDER_CREATE_LIMIT_PER_USER": "100000",
               **{f"TMUX_BUILDER_{k.upper()}": v for k, v in settings.items()}}
        server = subprocess.Popen(LAYOUTS[layout], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base, attempts=600)
            if env.get("TMUX_BUILDER_SERVE_WORKER_PROCESSES") != "0":
                wait_for_workers(base, admin_token, workers)
            yield Server(base, server.pid)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=120)
            subprocess.run(["tmux", "-L", env["TMUX_BUILDER_TMUX_SOCKET"], "kill-server"],
                           check=False, capture_output=True)


def create(client: httpx.Client, base: str, i: int, requirements: str) -> tuple[str, str]:
    """A new session for user ``i``: its execution id and token."""
    created = client.post(f"{base}/api/create-user", json={
        "email": f"load{i}@example.com", "phone": "+15550100", "host_provider": "local",
        "site_type": "static", "requirements": requirements})
    created.raise_for_status()
    body = created.json()
    return body["execution_id"], body["token"]


def wait_all_final(client: httpx.Client, base: str, targets: list[tuple[str, str]],
                   timeout: float) -> dict[str, str]:
    """Poll until every execution has a final status; their statuses."""
    deadline = time.monotonic() + timeout
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        for execution_id, token in targets:
            if statuses.get(execution_id) in FINAL:
                continue
            answer = client.get(f"{base}/api/status/{execution_id}",
                                headers={"Authorization": f"Bearer {token}"})
            statuses[execution_id] = answer.json()["status"]
        if all(statuses.get(e) in FINAL for e, _ in targets):
            return statuses
        time.sleep(0.5)
    raise TimeoutError(f"not finished after {timeout:.0f}s: {statuses}")
