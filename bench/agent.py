"""The agent phases of a full run: per-phase time of the claude profile (the real Claude Code,
sandboxed, in tmux) against the scripted model, the offline profile beside it, and the
driver's own overhead: from the moment the agent appended its status marker to the moment the
step (or the chat reply) was recorded in the database. Goal: under 1 s.

Usage: python bench/agent.py [--profiles claude,offline]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import libtmux
from pydantic import SecretStr
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.model_server import RunningModel
from tmux_builder.platform.agent.driver import AgentDriver, PhaseResult
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import ChatMessage, Database, StepRecord
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.demo import DEMO_REQUEST
from tmux_builder.platform.pipeline.runner import Pipeline
from tmux_builder.platform.sessions.creation import create_session
from tmux_builder.platform.sessions.requests import send_chat
from tmux_builder.platform.sessions.status import execution_status
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.platform.workers.worker import Worker, new_worker_id

AGENT_STEPS = ("create_plan", "generate_code")


class TimedDriver(AgentDriver):
    """Notes, for each phase, when the marker landed in status.txt and how long it took."""

    marks: list[tuple[str, float, float]]

    def run_phase(self, execution_id: str, workspace: Path, phase: str, prompt: str,
                  **options: Any) -> PhaseResult:
        result = super().run_phase(execution_id, workspace, phase, prompt, **options)
        written = (workspace / "output" / "status.txt").stat().st_mtime
        self.marks.append((phase, written, result.seconds))
        return result


def run_profile(profile: str, base: Path, model_url: str) -> dict[str, Any]:
    settings = Settings(data_dir=base / profile, sites_port=18091,
                        tmux_socket=f"tb-bench-agent-{profile}", agent_profile=profile,
                        model_base_url=model_url, model_credential=SecretStr("bench-credential"),
                        model_name="scripted-model", model_max_retries=0)
    db = Database(settings.db_url)
    driver = TimedDriver(settings)
    driver.marks = []
    worker = Worker(db, settings, Pipeline(db, settings, stack_engine(settings), driver),
                    new_worker_id(settings.host_name))
    created = create_session(db, settings, DEMO_REQUEST)
    started = time.perf_counter()
    worker.run_once()
    whole = time.perf_counter() - started
    status = execution_status(db, created.execution_id)
    if status.status != "completed":
        raise SystemExit(f"{profile}: the run failed: {status['error']}")
    send_chat(db, created.execution_id, "Make the theme green.")  # both profiles know it
    worker.run_once()
    with db.transaction() as tx:
        ended = {r.name: r.ended_at.timestamp() for r in tx.scalars(
            select(StepRecord).where(StepRecord.execution_id == created.execution_id))}
        reply = tx.scalars(select(ChatMessage).where(
            ChatMessage.execution_id == created.execution_id,
            ChatMessage.role == "agent")).one()
        ended["refine"] = reply.created_at.timestamp()
    steps = {s.name: s.duration_seconds for s in status.steps}
    phases = [(phase, seconds, ended[phase] - written) for phase, written, seconds in driver.marks]
    stack_engine(settings).destroy(created.stack_name)
    stop_site_server_background(settings)
    server = libtmux.Server(socket_name=settings.tmux_socket)
    if server.is_alive():
        server.kill()
    db.dispose()
    return {"whole": whole, "steps": steps, "phases": phases}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", default="claude,offline")
    profiles = parser.parse_args().profiles.split(",")
    with tempfile.TemporaryDirectory(prefix="bench-agent-") as tmp, RunningModel() as model:
        results = {p: run_profile(p, Path(tmp), model.base_url) for p in profiles}
        requests = len(model.model.requests)
    print(f"scripted model answered {requests} requests")
    print(f"{'profile':<8} {'phase':<14} {'step (s)':>9} {'agent (s)':>10} "
          f"{'marker->recorded (s)':>21}")
    overheads = []
    for profile, result in results.items():
        for phase, seconds, overhead in result["phases"]:
            step = result["steps"].get(phase)
            step_text = f"{step:9.2f}" if step is not None else f"{'(chat)':>9}"
            print(f"{profile:<8} {phase:<14} {step_text} {seconds:10.2f} {overhead:21.3f}")
            overheads.append(overhead)
        print(f"{profile:<8} {'whole run':<14} {result['whole']:9.2f}")
    worst = max(overheads)
    print(f"driver overhead: median {statistics.median(overheads):.3f}s, worst {worst:.3f}s "
          f"(goal < 1 s: {'met' if worst < 1 else 'NOT met'})")


if __name__ == "__main__":
    main()
