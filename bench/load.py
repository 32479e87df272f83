"""Load on loopback while pipelines run: session creation and status polling at fixed rates
from a second process for a bounded time; prints throughput, p50/p99 latency, errors and the
server's memory. ``--sessions`` pipelines are kept running for the whole window (a new one
starts when one ends) and the pipelines that ended in it are counted. Starts ``tmux-builder
serve`` (the API apart from its worker processes) with a temporary data folder, and with
``--layout threads`` or ``both`` the layout before issue 16 (workers as threads of the API
process) for comparison; the load is bounded in count and time and stops by itself.

Usage: python bench/load.py [--sessions 3] [--workers N] [--poll-rate 20] [--create-rate 0.5]
       [--seconds 30] [--layout processes|threads|both]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet import FINAL, serving
from fleet import create as create_session

REQUIREMENTS = 'A site called "Load {i}" with a gallery and a contact form.'


def create(client: httpx.Client, base: str, i: int) -> tuple[str, str]:
    return create_session(client, base, i, REQUIREMENTS.format(i=i))


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


class Feeder(threading.Thread):
    """Keeps ``len(targets)`` pipelines in flight: a new session replaces each that ends."""

    def __init__(self, base: str, targets: list[tuple[str, str]]) -> None:
        super().__init__(daemon=True)
        self.base, self.running = base, list(targets)
        self.ended: dict[str, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=30) as client:
            serial = 10_000
            while not self.stop.wait(0.5):
                for i, (execution_id, token) in enumerate(self.running):
                    status = client.get(f"{self.base}/api/status/{execution_id}",
                                        headers={"Authorization": f"Bearer {token}"})
                    outcome = status.json().get("status")
                    if outcome in FINAL:
                        self.ended[outcome] = self.ended.get(outcome, 0) + 1
                        serial += 1
                        self.running[i] = create(client, self.base, serial)


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


def run(layout: str, sessions: int, workers: int, poll_rate: float, create_rate: float,
        seconds: float) -> dict[str, float]:
    memory: list[int] = []
    with serving(layout, workers) as server, httpx.Client(timeout=30) as client:
        targets = [create(client, server.base, i) for i in range(sessions)]
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        loader = multiprocessing.Process(target=load_process, args=(
            server.base, targets, poll_rate, create_rate, seconds, queue))
        feeder = Feeder(server.base, targets)
        loader.start()
        feeder.start()
        while loader.is_alive() and queue.empty():
            memory.append(tree_rss(server.pid))
            time.sleep(1)
        polls, creations, errors = queue.get(timeout=seconds + 120)
        loader.join()
        feeder.stop.set()
        feeder.join()
    shape = ("the API and its workers as threads of one process" if layout == "threads"
             else f"the API process supervising {workers} worker processes")
    print(f"{layout}: load for {seconds:.0f}s with {sessions} pipelines running throughout "
          f"({shape}); pipelines that ended in it: {feeder.ended or 'none'}")
    print(f"  status polling: {len(polls)} requests ({len(polls) / seconds:.1f}/s), "
          f"{percentiles(polls)}, errors {errors['poll']}")
    if create_rate > 0:
        print(f"  creations: {len(creations)} ({len(creations) / seconds:.2f}/s), "
              f"{percentiles(creations)}, errors {errors['create']}")
    if memory:
        print(f"  server memory (RSS of its process tree): start {memory[0] / 2**20:.0f} MiB, "
              f"peak {max(memory) / 2**20:.0f} MiB, end {memory[-1] / 2**20:.0f} MiB")
    ordered = sorted(polls)
    return {"p99": ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000 if ordered else 0.0,
            "errors": float(errors["poll"])}


def main(default_create_rate: float = 0.5) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None,
                        help="workers (processes or threads); default: one per session")
    parser.add_argument("--poll-rate", type=float, default=20)
    parser.add_argument("--create-rate", type=float, default=default_create_rate)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--layout", choices=["processes", "threads", "both"],
                        default="processes")
    args = parser.parse_args()
    layouts = ["threads", "processes"] if args.layout == "both" else [args.layout]
    figures = {layout: run(layout, args.sessions, args.workers or args.sessions,
                           args.poll_rate, args.create_rate, args.seconds)
               for layout in layouts}
    if len(figures) == 2:
        before, after = figures["threads"], figures["processes"]
        print(f"status p99: before (threads) {before['p99']:.1f} ms, after (processes) "
              f"{after['p99']:.1f} ms (goal < 25 ms, 0 errors); errors "
              f"{before['errors']:.0f} / {after['errors']:.0f}")


if __name__ == "__main__":
    main()
