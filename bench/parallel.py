"""Sessions in parallel: the same N requests (default 8) once one after another (one worker
process) and once all at once (N worker processes), each through ``tmux-builder serve`` on
loopback with a temporary data folder. Prints both wall times, whether every session
succeeded, and the ratio of the parallel wall time to the serial sum (goal at most 0.6 on
this 2-core machine). Prints figures; asserts nothing.

With ``--think-seconds S`` the agent is the offline one behind a pause of S seconds per
instruction (``bench/thinking_agent.py``), standing in for a model's answer time: the offline
agent answers at once, so without it a session is CPU work from end to end.

Usage: python bench/parallel.py [--sessions 8] [--timeout 1800] [--think-seconds 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet import create, serving, wait_all_final

REQUESTS = [
    'A site called "Tea Corner" with opening hours and a contact form.',
    'A portfolio for "Ana Photo" with a gallery of 6 images.',
    'A bakery page called "Crumbs" with prices: bread 3 EUR, cake 12 EUR, tart 5 EUR.',
    'A dark themed page for "Night Runners", a running club, with a sign-up form.',
    'A page for "Green Thumb" garden services with a table of services and prices.',
    'A landing page called "Pixel Forge" with navigation and a newsletter form.',
    'A page for "Harbor Books" listing (poetry, history, travel) and our address.',
    'A simple page called "Quiet Cabin" for a holiday cabin with a gallery of 4 images.',
]


def run(sessions: int, workers: int, timeout: float,
        think_seconds: float) -> tuple[float, Counter[str]]:
    """Wall time from the first creation until every session has ended; their outcomes."""
    agent = (f"{sys.executable} {Path(__file__).parent / 'thinking_agent.py'} {think_seconds}"
             if think_seconds else None)
    settings = {"agent_command": agent} if agent else {}
    with serving("processes", workers, **settings) as server, \
            httpx.Client(timeout=60) as client:
        started = time.monotonic()
        targets = [create(client, server.base, i, REQUESTS[i % len(REQUESTS)])
                   for i in range(sessions)]
        statuses = wait_all_final(client, server.base, targets, timeout)
        return time.monotonic() - started, Counter(statuses.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--think-seconds", type=float, default=0)
    args = parser.parse_args()
    serial, serial_outcomes = run(args.sessions, 1, args.timeout, args.think_seconds)
    print(f"serial: {args.sessions} sessions one after another (1 worker process): "
          f"{serial:.1f} s, {dict(serial_outcomes)}")
    parallel, parallel_outcomes = run(args.sessions, args.sessions, args.timeout,
                                      args.think_seconds)
    print(f"parallel: {args.sessions} sessions at once ({args.sessions} worker processes): "
          f"{parallel:.1f} s, {dict(parallel_outcomes)}")
    succeeded = serial_outcomes["completed"] == parallel_outcomes["completed"] == args.sessions
    print(f"ratio parallel / serial sum: {parallel / serial:.2f} (goal <= 0.6); all "
          f"succeeded: {succeeded}")


if __name__ == "__main__":
    main()
