"""Times the stack operations of one local static site on each Pulumi state backend: the file
backend, ``s3://`` on moto's S3 server and ``azblob://`` on Azurite (both on loopback, started
and stopped here). Prints first up, no-change up, refresh, ``stack ls`` and destroy per
backend (median of ``--runs``) and each object store's ratio to the file backend.

    python bench/backends.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import SAMPLES, free_port, make_facts
from tests.support.object_stores import (
    azurite_blob_server,
    backend_settings,
    moto_s3_server,
)
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.sites.deployments import deploy_site

STEPS = ("first up", "no-change up", "refresh", "stack ls", "destroy")


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def one_run(settings: Settings) -> dict[str, float]:
    engine = stack_engine(settings)
    facts = make_facts()
    source = SAMPLES / "static_site"
    return {
        "first up": _timed(lambda: deploy_site(settings, engine, facts, source)),
        "no-change up": _timed(lambda: deploy_site(settings, engine, facts, source)),
        "refresh": _timed(lambda: engine.refresh(facts.stack_name)),
        "stack ls": _timed(lambda: engine.list_stacks()),
        "destroy": _timed(lambda: engine.destroy(facts.stack_name)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="tb-bench-backends-") as temp, ExitStack() as stack:
        root = Path(temp)
        base = Settings(data_dir=root / "data", sites_port=free_port())
        s3 = stack.enter_context(moto_s3_server(root / "moto"))
        azurite = stack.enter_context(azurite_blob_server(root / "azurite", base.toolchain_dir))
        backends = {"file": base, "s3 (moto)": backend_settings(base, s3),
                    "azblob (Azurite)": backend_settings(base, azurite)}
        for name, settings in backends.items():
            runs = [one_run(settings) for _ in range(args.runs)]
            results[name] = {step: statistics.median(r[step] for r in runs) for step in STEPS}
    print(f"median of {args.runs} runs, seconds")
    print(f"{'backend':<24}" + "".join(f"{step:>14}" for step in STEPS))
    for name, figures in results.items():
        print(f"{name:<24}" + "".join(f"{figures[step]:>14.2f}" for step in STEPS))
    for name in list(results)[1:]:
        ratios = [results[name][s] / results["file"][s] for s in STEPS]
        print(f"{name + ' / file':<24}" + "".join(f"{r:>13.2f}x" for r in ratios))


if __name__ == "__main__":
    main()
