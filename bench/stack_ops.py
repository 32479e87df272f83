"""Time a bare Pulumi up of the local static program against ``StackEngine.up`` (the project's
layer: validation, per-stack lock, stack tags, event mapping), for a first deploy and for a
no-change redeploy, and print the ratios. The policy pack is off on both sides of the ratios;
its own cost is measured apart (the same ``StackEngine.up`` with the pack on).

The bare run drives the same ``pulumi up`` through the Automation API with no platform code
around it. A plain CLI ``pulumi up`` of a Python program would also need the
``pulumi-language-python`` host, whose Go module the proxy here refuses; the Automation API
runs the same engine, serving the program itself (``pulumi up --client``).

Usage: python bench/stack_ops.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pulumi import automation as auto

from tmux_builder.domain import new_session_id, user_id_for
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.sites.deployments import STACK_TAG_KEYS, SessionFacts, site_target
from tmux_builder.pulumi_programs import build_program
from tmux_builder.stacks.workspace import workspace_options

SAMPLE_SITE = Path(__file__).parent / "sample_site"


def timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    figures: dict[str, list[float]] = {k: [] for k in (
        "bare first", "project first", "bare redeploy", "project redeploy",
        "policy first", "policy redeploy")}
    with tempfile.TemporaryDirectory(prefix="bench-stack-ops-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", sites_port=18081, policy_pack=False)
        engine = stack_engine(settings)
        policed = stack_engine(settings.model_copy(update={"policy_pack": True}))
        for run in range(runs):
            facts = [SessionFacts(user_id_for(f"bench{run}-{i}@x.y", "1"), new_session_id(),
                                  "local", "static", datetime.now(UTC), timedelta(days=1))
                     for i in range(3)]
            bare_facts, project_facts, policy_facts = facts
            bare_program = build_program(site_target(settings, bare_facts, SAMPLE_SITE))
            options = workspace_options(engine.config, bare_program)
            stack = auto.create_or_select_stack(bare_facts.stack_name, engine.config.project_name,
                                                bare_program, opts=options)
            figures["bare first"].append(timed(lambda s=stack: s.up(color="never")))
            figures["bare redeploy"].append(timed(lambda s=stack: s.up(color="never")))

            target = site_target(settings, project_facts, SAMPLE_SITE)
            tags = {k: target.tags.as_dict()[k] for k in STACK_TAG_KEYS}

            def project_up(t=target, tg=tags) -> None:  # type: ignore[no-untyped-def]
                engine.up(t.stack_name, build_program(t), tags=tg)

            figures["project first"].append(timed(project_up))
            figures["project redeploy"].append(timed(project_up))

            policy_target = site_target(settings, policy_facts, SAMPLE_SITE)

            def policy_up(t=policy_target, tg=tags) -> None:  # type: ignore[no-untyped-def]
                policed.up(t.stack_name, build_program(t), tags=tg)

            figures["policy first"].append(timed(policy_up))
            figures["policy redeploy"].append(timed(policy_up))
            for done in facts:
                engine.destroy(done.stack_name)

    median = {k: statistics.median(v) for k, v in figures.items()}
    print(f"runs: {runs} (median seconds)")
    for key, value in median.items():
        print(f"  {key:<18} {value:6.2f}s   (all: {', '.join(f'{x:.2f}' for x in figures[key])})")
    first_ratio = median["project first"] / median["bare first"]
    print(f"ratio first deploy       project/bare = {first_ratio:.2f}")
    print("ratio no-change redeploy project/bare = "
          f"{median['project redeploy'] / median['bare redeploy']:.2f}")
    print("policy pack, first deploy    = "
          f"+{median['policy first'] - median['project first']:.2f}s")
    print("policy pack, no-change redeploy = "
          f"+{median['policy redeploy'] - median['project redeploy']:.2f}s")


if __name__ == "__main__":
    main()
