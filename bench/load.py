"""Load on loopback while pipelines run: session creation and status polling at fixed rates
from a second process for a bounded time; prints throughput, p50/p99 latency, errors and the
server's memory. Starts ``tmux-builder serve`` with a temporary data folder; the load is
bounded in count and time and stops by itself.

Usage: python bench/load.py [--sessions 3] [--poll-rate 20] [--create-rate 0.5] [--seconds 30]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.api.live_server import wait_until_healthy

REQUIREMENTS = 'A site called "Load {i}" with a gallery and a contact form.'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create(client: httpx.Client, base: str, i: int) -> tuple[str, str]:
    created = client.post(f"{base}/api/create-user", json={
        "email": f"load{i}@example.com", "phone": "+15550100", "host_provider": "local",
        "site_type": "static", "requirements": REQUIREMENTS.format(i=i)})
    created.raise_for_status()
    body = created.json()
    return body["execution_id"], body["token"]


def paced(rate: float, seconds: float, action, out: list[float]) -> int:  # type: ignore[no-untyped-def]
    """Call ``action(i)`` ``rate`` times a second for ``seconds``; latencies go to ``out``;
    returns the error count."""
    errors, interval = 0, 1.0 / rate
    deadline = time.monotonic() + seconds
    next_at, i = time.monotonic(), 0
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            action(i)
        except (httpx.HTTPError, KeyError):
            errors += 1
        out.append(time.perf_counter() - started)
        i += 1
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    return errors


def load_process(base: str, targets: list[tuple[str, str]], poll_rate: float,
                 create_rate: float, seconds: float, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """The second process: a polling thread and, when asked, a creating thread."""
    polls: list[float] = []
    creations: list[float] = []
    errors = {"poll": 0, "create": 0}
    with httpx.Client(timeout=10) as client:
        def poll(i: int) -> None:
            execution_id, token = targets[i % len(targets)]
            response = client.get(f"{base}/api/status/{execution_id}",
                                  headers={"Authorization": f"Bearer {token}"})
            response.raise_for_status()

        def creator() -> None:
            errors["create"] = paced(create_rate, seconds,
                                     lambda i: create(client, base, 1000 + i), creations)

        thread = threading.Thread(target=creator) if create_rate > 0 else None
        if thread:
            thread.start()
        errors["poll"] = paced(poll_rate, seconds, poll, polls)
        if thread:
            thread.join()
    out.put((polls, creations, errors))


def tree_rss(pid: int) -> int:
    root = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]
               if p.is_running())


def percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return (f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms")


def run(sessions: int, poll_rate: float, create_rate: float, seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        port = free_port()
        env = {**os.environ, "TMUX_BUILDER_DATA_DIR": str(Path(tmp) / "data"),
               "TMUX_BUILDER_API_PORT": str(port), "TMUX_BUILDER_SITES_PORT": str(free_port()),
               "TMUX_BUILDER_TMUX_SOCKET": f"tb-load-{os.getpid()}",
               "TMUX_BUILDER_WORKERS": "2", "TMUX_BUILDER_CREATE_LIMIT_PER_ADDRESS": "100000",
               "TMUX_BUILDER_CREATE_LIMIT_PER_USER": "100000"}
        server = subprocess.Popen([sys.executable, "-m", "tmux_builder.cli", "serve"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        memory: list[int] = []
        try:
            wait_until_healthy(base)
            with httpx.Client(timeout=30) as client:
                targets = [create(client, base, i) for i in range(sessions)]
            queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
            loader = multiprocessing.Process(target=load_process, args=(
                base, targets, poll_rate, create_rate, seconds, queue))
            loader.start()
            while loader.is_alive() and queue.empty():
                memory.append(tree_rss(server.pid))
                time.sleep(1)
            polls, creations, errors = queue.get(timeout=seconds + 120)
            loader.join()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
            subprocess.run(["tmux", "-L", env["TMUX_BUILDER_TMUX_SOCKET"], "kill-server"],
                           check=False, capture_output=True)
    print(f"load for {seconds:.0f}s with {sessions} pipelines started first "
          f"(server + 2 workers in one process tree)")
    print(f"  status polling: {len(polls)} requests ({len(polls) / seconds:.1f}/s), "
          f"{percentiles(polls)}, errors {errors['poll']}")
    if create_rate > 0:
        print(f"  creations: {len(creations)} ({len(creations) / seconds:.2f}/s), "
              f"{percentiles(creations)}, errors {errors['create']}")
    if memory:
        print(f"  server memory (RSS of its process tree): start {memory[0] / 2**20:.0f} MiB, "
              f"peak {max(memory) / 2**20:.0f} MiB, end {memory[-1] / 2**20:.0f} MiB")


def main(default_create_rate: float = 0.5) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--poll-rate", type=float, default=20)
    parser.add_argument("--create-rate", type=float, default=default_create_rate)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    run(args.sessions, args.poll_rate, args.create_rate, args.seconds)


if __name__ == "__main__":
    main()
