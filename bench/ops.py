"""Operations at scale: ``stacks ls --user`` (the stack index) and the cost report over 1,000
stacks, against plain ``pulumi stack ls`` on the same file backend; prints the ratios.

The 1,000 stacks are generated states (a local static site's three resources each, with
stack tags) written straight into the backend, and indexed like deployed stacks.

Usage: python bench/ops.py [--stacks N] [--users N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.platform.ops.states import (
    custom_resource,
    provider_ref,
    provider_resource,
    stack_resource,
    write_stack_state,
)
from tmux_builder.domain import new_session_id, user_id_for
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.ops.costs.report import cost_report
from tmux_builder.platform.ops.stack_entries import IndexEntry
from tmux_builder.platform.ops.stack_index import list_stack_index, record_stack
from tmux_builder.stacks import StackEngine, stack_name_for, user_stack_prefix
from tmux_builder.stacks.workspace import engine_env


def generate(settings: Settings, db: Database, stacks: int, users: int) -> list[str]:
    user_ids = [user_id_for(f"user{n}@example.com", "+1 555 0100") for n in range(users)]
    created = datetime.now(UTC) - timedelta(days=2)
    for n in range(stacks):
        user = user_ids[n % users]
        session = new_session_id(created + timedelta(seconds=n))
        name = stack_name_for(user, session)
        provider = provider_resource(name, "pulumi-python", "default", {}, created)
        write_stack_state(settings.state_dir, name, [
            stack_resource(name, created), provider,
            custom_resource(name, "pulumi-python:dynamic:Resource", "site",
                            {"site_dir": str(settings.sites_dir / name)},
                            provider_ref(provider), created),
        ], {"UserGUID": user, "SessionID": session, "HostProvider": "local",
            "SiteType": "static"})
        record_stack(db, IndexEntry(name, user, session, "local", "static", 3, created,
                                    settings.site_url(name), created + timedelta(days=5)))
    return user_ids


def plain_stack_ls(engine: StackEngine, prefix: str) -> list[str]:
    out = subprocess.run([str(engine.config.pulumi_binary), "stack", "ls", "--json"],
                         cwd=engine.config.work_dir, env=engine_env(engine.config),
                         capture_output=True, text=True, check=True)
    return [e["name"] for e in json.loads(out.stdout) if e["name"].startswith(prefix)]


def cli_stacks_ls(settings: Settings, user: str) -> list[str]:
    env = {"TMUX_BUILDER_DATA_DIR": str(settings.data_dir), "HOME": str(Path.home()),
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "tmux_builder.cli", "stacks", "ls", "--user",
                          user, "--json"], env=env, capture_output=True, text=True, check=True)
    return [row["name"] for row in json.loads(out.stdout)]


def timed(run: Callable[[], Any], runs: int) -> tuple[float, Any]:
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder) / "data")
        db = Database(settings.db_url)
        engine = stack_engine(settings)
        started = time.perf_counter()
        users = generate(settings, db, args.stacks, args.users)
        print(f"generated {args.stacks} stacks for {args.users} users in "
              f"{time.perf_counter() - started:.1f}s")
        user = users[0]
        prefix = user_stack_prefix(user)

        plain, plain_names = timed(lambda: plain_stack_ls(engine, prefix), args.runs)
        index, index_rows = timed(lambda: list_stack_index(db, user), args.runs)
        cli, cli_names = timed(lambda: cli_stacks_ls(settings, user), args.runs)
        assert sorted(plain_names) == sorted(r.name for r in index_rows) == sorted(cli_names)
        cost, report = timed(lambda: cost_report(db, settings, engine, ["UserGUID"],
                                                 actual=False), 1)
        assert sum(row["resources"] for row in report.rows) == args.stacks

        print(f"plain `pulumi stack ls` + prefix filter: {plain:.3f}s "
              f"({len(plain_names)} of {args.stacks} stacks)")
        print(f"stack index query (list_stack_index):   {index:.4f}s  "
              f"ratio {index / plain:.3f}")
        print(f"`tmux-builder stacks ls --user` (CLI):   {cli:.3f}s  ratio {cli / plain:.2f}")
        print(f"cost report over {args.stacks} stacks:       {cost:.1f}s  "
              f"ratio {cost / plain:.1f} (checkpoints read from the file backend, "
              f"{len(report.rows)} groups)")


if __name__ == "__main__":
    main()
