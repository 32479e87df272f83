"""Crash test: start N sessions, kill -9 the server or a worker at random moments, restart it,
repeat; then let the work finish and count what is left.

Printed at the end: executions by outcome (a failed one must carry a reason), stacks still
locked or holding pending operations, tmux sessions, site folders and app processes without
a live session. Everything runs on loopback with a temporary data folder.

Usage: python bench/crash.py [--sessions 10] [--kills 50] [--seed 1]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import libtmux
import psutil
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.api.live_server import wait_until_healthy
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, SessionRow
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.sessions.status import execution_status
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.stacks.recovery import backend_lock_files

FINAL = ("completed", "failed", "cancelled")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Fleet:
    """The server and one worker process, each restartable after a kill."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        command = ["serve"] if name == "server" else ["worker", "--count", "2"]
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "tmux_builder.cli", *command], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    self.kill(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="bench-crash-"))
    api_port, sites_port = free_port(), free_port()
    socket_name = f"tb-crash-{os.getpid()}"
    env = {**os.environ, "TMUX_BUILDER_DATA_DIR": str(tmp / "data"),
           "TMUX_BUILDER_API_PORT": str(api_port), "TMUX_BUILDER_SITES_PORT": str(sites_port),
           "TMUX_BUILDER_TMUX_SOCKET": socket_name, "TMUX_BUILDER_WORKERS": "2",
           "TMUX_BUILDER_JOB_LEASE_SECONDS": "4", "TMUX_BUILDER_JOB_MAX_ATTEMPTS": "25",
           "TMUX_BUILDER_CREATE_LIMIT_PER_ADDRESS": "10000"}
    settings = Settings(data_dir=tmp / "data", sites_port=sites_port, tmux_socket=socket_name)
    fleet = Fleet(env)
    fleet.start("server")
    fleet.start("worker")
    base = f"http://127.0.0.1:{api_port}"
    wait_until_healthy(base)
    kinds = ["static", "dynamic"]
    for i in range(args.sessions):
        response = httpx.post(f"{base}/api/create-user", json={
            "email": f"crash{i}@example.com", "phone": "+15550100", "host_provider": "local",
            "site_type": kinds[i % 2],
            "requirements": f'A site called "Crash {i}" with a gallery and a contact form.'})
        response.raise_for_status()
    db = Database(settings.db_url)
    with db.transaction() as tx:
        executions = [e.id for s in tx.scalars(select(SessionRow)) for e in s.executions]

    started = time.monotonic()
    kills = Counter[str]()
    while sum(kills.values()) < args.kills:
        time.sleep(rng.uniform(0.3, 3.0))
        victim = rng.choice(["server", "worker"])
        fleet.kill(victim)
        kills[victim] += 1
        fleet.start(victim)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        states = [execution_status(db, e).status for e in executions]
        if all(s in FINAL for s in states):
            break
        time.sleep(2)
    elapsed = time.monotonic() - started
    fleet.stop_all()

    engine = stack_engine(settings)
    statuses = [execution_status(db, e) for e in executions]
    outcomes = Counter(s.status for s in statuses)
    failed_without_reason = sum(1 for s in statuses if s.status == "failed" and not s.error)
    stacks = engine.list_stacks()
    locked = sum(1 for r in stacks if backend_lock_files(engine.config, r.name))
    in_progress = sum(1 for r in stacks if r.update_in_progress)
    pending = sum(1 for r in stacks
                  if engine.export(r.name).pending_operations)
    stack_names = {r.name for r in stacks}
    with db.transaction() as tx:
        live = {s.stack_name for s in tx.scalars(select(SessionRow)) if s.status == "active"}
    server = libtmux.Server(socket_name=socket_name)
    tmux_names = [s.session_name for s in server.sessions] if server.is_alive() else []
    stray_tmux = [n for n in tmux_names if n.removeprefix("tb_") not in live]
    stray_sites = [p.name for p in settings.sites_dir.glob("*")
                   if not p.name.startswith(".") and p.name not in stack_names]
    stray_apps = [p for p in psutil.process_iter(["cwd"])
                  if (p.info.get("cwd") or "").startswith(str(settings.apps_dir))
                  and not any(name in (p.info.get("cwd") or "") for name in stack_names)]
    print(f"crash bench: {args.sessions} sessions, {sum(kills.values())} kills "
          f"(server {kills['server']}, worker {kills['worker']}), {elapsed:.0f}s")
    print(f"  executions: {dict(outcomes)}; lost (not final): "
          f"{sum(1 for s in statuses if s.status not in FINAL)}; "
          f"failed without a reason: {failed_without_reason}")
    print(f"  stacks: {len(stacks)}; locked {locked}; update in progress {in_progress}; "
          f"pending operations {pending}")
    print(f"  left without a live session: tmux {len(stray_tmux)}, site folders "
          f"{len(stray_sites)}, app processes {len(stray_apps)}")
    for record in stacks:
        engine.destroy(record.name)
    for proc in stray_apps:
        proc.kill()
    if server.is_alive():
        server.kill()
    stop_site_server_background(settings)
    shutil.rmtree(tmp, ignore_errors=True)  # the figures are printed; the data folder goes


if __name__ == "__main__":
    main()
