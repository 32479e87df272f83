"""Per-step times of a full pipeline run (local static, offline agent in tmux, real engine,
real Chromium), and the ratio of the whole to its unavoidable parts measured alone: a stack
up of the same source, one screenshot, one E2E run.

Usage: python bench/pipeline.py [--site-type static|dynamic]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import libtmux

from tmux_builder.domain import new_session_id
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.demo import DEMO_REQUEST
from tmux_builder.platform.sessions.creation import create_session
from tmux_builder.platform.sessions.status import execution_status
from tmux_builder.platform.sites.deployments import SessionFacts, deploy_site
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.platform.verification import run_e2e_tests, take_screenshot
from tmux_builder.platform.workers.worker import Worker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--site-type", default="static", choices=["static", "dynamic"])
    site_type = parser.parse_args().site_type
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", sites_port=18090,
                            tmux_socket="tb-bench-pipeline")
        db = Database(settings.db_url)
        request = DEMO_REQUEST.__class__(**{**DEMO_REQUEST.__dict__, "site_type": site_type})
        created = create_session(db, settings, request)
        worker = Worker.create(db, settings)
        started = time.perf_counter()
        worker.run_once()
        whole = time.perf_counter() - started
        status = execution_status(db, created.execution_id)
        print(f"pipeline ({site_type}): {status['status']} in {whole:.2f}s")
        for step in status.steps:
            print(f"  {step['number']}. {step['name']:<20} {step['duration_seconds']:6.2f}s")
        if status.status != "completed":
            raise SystemExit(f"run failed: {status['error']}")

        workspace = Path(tmp) / "data" / "users" / created.user_id / "sessions" / created.session_id
        engine = stack_engine(settings)
        facts = SessionFacts(created.user_id, new_session_id(), "local", site_type,
                             created.created_at, created.expires_at - created.created_at)
        t = time.perf_counter()
        result = deploy_site(settings, engine, facts, workspace / "source")
        up_alone = time.perf_counter() - t
        url = status.deployed_url
        t = time.perf_counter()
        take_screenshot(url, Path(tmp) / "shot")
        shot_alone = time.perf_counter() - t
        t = time.perf_counter()
        run_e2e_tests(workspace / "deployment" / "tests" / "e2e_test.py", url, Path(tmp) / "e2e")
        e2e_alone = time.perf_counter() - t
        parts = up_alone + shot_alone + e2e_alone
        print(f"unavoidable parts: stack up {up_alone:.2f}s + screenshot {shot_alone:.2f}s "
              f"+ e2e {e2e_alone:.2f}s = {parts:.2f}s")
        print(f"ratio whole / unavoidable parts = {whole / parts:.2f}")
        engine.destroy(result.stack_name)
        engine.destroy(created.stack_name)
        stop_site_server_background(settings)
        server = libtmux.Server(socket_name=settings.tmux_socket)
        if server.is_alive():
            server.kill()


if __name__ == "__main__":
    main()
