"""Start-up of a read-only command: ``tmux-builder stacks ls --user U`` (the stack index)
against ``pulumi stack ls --tag UserGUID=U`` on the same file backend, each as a whole
process, median of N runs after one warm-up; prints both and their ratio.

The backend holds generated states (a local static site's three resources each, with stack
tags), indexed like deployed stacks (``bench/ops.py`` makes them).

Usage: python bench/cli_start.py [--stacks N] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ops import generate
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.stacks.workspace import engine_env


def median_seconds(command: list[str], env: dict[str, str], cwd: Path, runs: int) -> float:
    subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=True)  # warm-up
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=True)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stacks", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tb-cli-start-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        db = Database(settings.db_url)
        users = generate(settings, db, args.stacks, 5)
        db.dispose()
        engine = stack_engine(settings)
        user = users[0]
        cli = shutil.which("tmux-builder", path=str(Path(sys.executable).parent))
        platform_env = {**os.environ, "TMUX_BUILDER_DATA_DIR": str(settings.data_dir)}
        ours = median_seconds([cli or "tmux-builder", "stacks", "ls", "--user", user],
                              platform_env, Path(tmp), args.runs)
        plain = median_seconds([str(engine.config.pulumi_binary), "stack", "ls", "--tag",
                                f"UserGUID={user}"], engine_env(engine.config),
                               engine.config.work_dir, args.runs)
        print(f"{args.stacks} stacks, median of {args.runs} whole-process runs")
        print(f"tmux-builder stacks ls --user U:       {ours:.3f}s")
        print(f"pulumi stack ls --tag UserGUID=U:      {plain:.3f}s")
        print(f"ratio: {ours / plain:.2f}")


if __name__ == "__main__":
    main()
