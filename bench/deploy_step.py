"""The deploy step's own bookkeeping around `StackEngine.up`, before and after issue 17 part B,
on a deployed local static site (real engine, file backend; the up itself is not timed):

- before: `exists` + `recover` (a refresh on every redeploy) + `list_stacks` (every stack of
  the backend) for the stack index, with 20 other stacks in the backend;
- after: `needs_recovery` (the state files, no CLI start) + `summary` (the stack's checkpoint).

Usage: python bench/deploy_step.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tmux_builder.domain import new_session_id, user_id_for
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.sites.deployments import SessionFacts, deploy_site
from tmux_builder.pulumi_programs.local.files import unpublish

SAMPLE_SITE = Path(__file__).parent / "sample_site"
OTHER_STACKS = 20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="bench-deploy-step-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", sites_port=18082, policy_pack=False)
        engine = stack_engine(settings)
        facts = [SessionFacts(user_id_for(f"step{i}@x.y", "1"), new_session_id(), "local",
                              "static", datetime.now(UTC), timedelta(days=1))
                 for i in range(OTHER_STACKS + 1)]
        for each in facts:
            deploy_site(settings, engine, each, SAMPLE_SITE)
        stack = facts[0].stack_name

        def before() -> None:
            if engine.exists(stack):
                engine.recover(stack)
            next(r for r in engine.list_stacks(prefix=stack) if r.name == stack)

        def after() -> None:
            if engine.needs_recovery(stack) and engine.exists(stack):
                engine.recover(stack, refresh=False)
            engine.summary(stack)

        figures: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(runs):
            for name, action in (("before", before), ("after", after)):
                started = time.perf_counter()
                action()
                figures[name].append(time.perf_counter() - started)
        for each in facts:
            engine.destroy(each.stack_name)
            unpublish(settings.sites_dir / each.stack_name)
    medians = {name: statistics.median(values) for name, values in figures.items()}
    for name, values in figures.items():
        print(f"{name:>6}: median {medians[name]:.3f} s  (min {min(values):.3f}, "
              f"max {max(values):.3f}, {runs} runs)")
    print(f"saved per deploy: {medians['before'] - medians['after']:.3f} s")


if __name__ == "__main__":
    main()
