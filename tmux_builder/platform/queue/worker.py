"""Workers: claim a job, keep its lease alive, run it, record the end. ``tmux-builder
worker`` runs a pool of them (threads; different stacks deploy in parallel)."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass

from tmux_builder.platform.agent.driver import AgentDriver
from tmux_builder.platform.core.engine import stack_engine
from tmux_builder.platform.core.event_log import log_event
from tmux_builder.platform.core.private_files import prepare_data_dir
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, Execution
from tmux_builder.platform.pipeline.runner import REDEPLOY_FIRST_STEP, LeaseLost, Pipeline
from tmux_builder.platform.queue.jobs import ClaimedJob, claim, finish, heartbeat


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Worker:
    db: Database
    settings: Settings
    pipeline: Pipeline
    worker_id: str

    @classmethod
    def create(cls, db: Database, settings: Settings) -> Worker:
        pipeline = Pipeline(db, settings, stack_engine(settings), AgentDriver(settings))
        return cls(db, settings, pipeline, new_worker_id())

    def run_once(self) -> bool:
        """Claim and run one job; False when the queue had nothing for us."""
        job = claim(self.db, self.worker_id, self.settings.job_lease_seconds)
        if job is None:
            return False
        self.process(job)
        return True

    def process(self, job: ClaimedJob) -> None:
        if job.attempts > self.settings.job_max_attempts:
            self._give_up(job)
            return
        lease_lost = threading.Event()
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job, stop, lease_lost),
                                daemon=True)
        beat.start()
        try:
            status = self._run(job, lease_lost)
        except LeaseLost:
            return
        finally:
            stop.set()
            beat.join(timeout=5)
        finish(self.db, job.id, self.worker_id, "done" if status != "failed" else "failed")

    def _run(self, job: ClaimedJob, lease_lost: threading.Event) -> str:
        if job.kind == "pipeline":
            return self.pipeline.run_steps(job.execution_id, int(job.payload.get("run", 1)), 1,
                                           lease_lost)
        if job.kind == "redeploy":
            return self.pipeline.run_steps(job.execution_id, int(job.payload["run"]),
                                           REDEPLOY_FIRST_STEP, lease_lost)
        if job.kind == "refine":
            self.pipeline.refine(job.execution_id, int(job.payload["chat_id"]))
            return "done"
        raise ValueError(f"unknown job kind {job.kind!r}")

    def _heartbeat(self, job: ClaimedJob, stop: threading.Event,
                   lease_lost: threading.Event) -> None:
        interval = max(self.settings.job_lease_seconds / 3, 0.5)
        while not stop.wait(interval):
            if not heartbeat(self.db, job.id, self.worker_id, self.settings.job_lease_seconds):
                lease_lost.set()
                return

    def _give_up(self, job: ClaimedJob) -> None:
        reason = (f"the job was interrupted {job.attempts - 1} times (its worker stopped); "
                  "giving up")
        with self.db.transaction() as tx:
            execution = tx.get(Execution, job.execution_id)
            if execution is not None and job.kind != "refine":
                execution.status = "failed"
                execution.error_message = reason
        finish(self.db, job.id, self.worker_id, "failed", reason)
        log_event(self.db, job.execution_id, "worker", reason, level="error")

    def run_forever(self, stop: threading.Event, idle_wait: float = 0.5) -> None:
        while not stop.is_set():
            if not self.run_once():
                stop.wait(idle_wait)


def run_pool(db: Database, settings: Settings, stop: threading.Event,
             count: int | None = None) -> list[threading.Thread]:
    prepare_data_dir(settings)
    threads = []
    for index in range(count or settings.workers):
        worker = Worker.create(db, settings)
        thread = threading.Thread(target=worker.run_forever, args=(stop,),
                                  name=f"worker-{index}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads
