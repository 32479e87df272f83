"""Workers: claim a job, keep its lease alive, run its handler, record the end. A job that
raises fails (its execution too, with the reason and a debug id) and the worker goes on;
trouble claiming or finishing is logged and retried after a pause. ``tmux-builder worker``
runs a pool of them (threads; different stacks deploy in parallel) and beats for its host
(``queue.hosts``): a session's later jobs stay on the host that holds its workspace while
that host is alive, and a job that moves a session here first restores its snapshot
(``takeover``)."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tmux_builder.domain import JobKind, JobStatus
from tmux_builder.platform.agent.driver import AgentDriver
from tmux_builder.platform.core.logging import execution_context
from tmux_builder.platform.core.private_files import prepare_data_dir
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.pipeline.context import LeaseLost
from tmux_builder.platform.pipeline.event_log import log_event, new_debug_id
from tmux_builder.platform.pipeline.records import fail_execution
from tmux_builder.platform.pipeline.runner import Pipeline
from tmux_builder.platform.queue.hosts import beat, forget_workers
from tmux_builder.platform.queue.jobs import ClaimedJob, claim, finish, heartbeat, utc_now
from tmux_builder.platform.workers.handlers import EXECUTION_KINDS, HANDLERS, JobOutcome, JobRun
from tmux_builder.platform.workers.takeover import take_over

log = logging.getLogger(__name__)
SOURCE = "worker"


def new_worker_id(host: str) -> str:
    """``<host>:<pid>:<random>``, at most 80 characters (a long host name is cut)."""
    tail = f":{os.getpid()}:{uuid.uuid4().hex[:6]}"
    return host[:80 - len(tail)] + tail


@dataclass
class Worker:
    db: Database
    settings: Settings
    pipeline: Pipeline
    worker_id: str
    clock: Callable[[], datetime] = field(default=utc_now)  # leases are counted on it
    current_job: int | None = None  # what the host's heartbeat reports

    @classmethod
    def create(cls, db: Database, settings: Settings) -> Worker:
        pipeline = Pipeline(db, settings, stack_engine(settings), AgentDriver(settings))
        return cls(db, settings, pipeline, new_worker_id(settings.host_name))

    def run_once(self) -> bool:
        """Claim and run one job; False when the queue had nothing for us."""
        job = claim(self.db, self.worker_id, self.settings.job_lease_seconds,
                    now=self.clock(), host=self.settings.host_name)
        if job is None:
            return False
        self.current_job = job.id
        try:
            with execution_context(job.execution_id):
                self.process(job)
        finally:
            self.current_job = None
        return True

    def process(self, job: ClaimedJob) -> None:
        if job.attempts > self.settings.job_max_attempts:
            self._give_up(job)
            return
        log.info("job %s (%s) started, attempt %s", job.id, job.kind, job.attempts)
        lease_lost = threading.Event()
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job, stop, lease_lost),
                                name=f"heartbeat-{job.id}", daemon=True)
        beat.start()
        try:
            outcome = self._run(job, lease_lost)
        except LeaseLost:
            log.warning("job %s: lease lost, another worker owns it now", job.id)
            return
        except Exception as error:  # a bad job fails; the worker goes on
            outcome = self._failed(job, error)
        finally:
            stop.set()
            beat.join(timeout=5)
        finish(self.db, job.id, self.worker_id, outcome.status, outcome.error, outcome.result)
        log.info("job %s (%s) %s", job.id, job.kind, outcome.status)

    def _run(self, job: ClaimedJob, lease_lost: threading.Event) -> JobOutcome:
        try:
            handler = HANDLERS[JobKind(job.kind)]
        except ValueError:
            raise ValueError(f"unknown job kind {job.kind!r}") from None
        moved = take_over(self.pipeline.services, job)
        return handler(job, JobRun(self.pipeline, lease_lost,
                                   moved.restart_after if moved else None))

    def _failed(self, job: ClaimedJob, error: Exception) -> JobOutcome:
        """Record an exception of a job: logged with its traceback, the execution failed with
        the reason and a debug id that finds the log line."""
        debug_id = new_debug_id()
        reason = f"internal error in the {job.kind} job: {error!r}"
        log.exception("job %s (%s) failed [%s]", job.id, job.kind, debug_id)
        self._record_failure(job, reason, debug_id,
                             fail=job.kind not in {JobKind.teardown, JobKind.reap})
        return JobOutcome(JobStatus.failed, reason)

    def _record_failure(self, job: ClaimedJob, reason: str, debug_id: str | None, *,
                        fail: bool) -> None:
        try:
            if fail:
                fail_execution(self.db, job.execution_id, reason, debug_id)
            log_event(self.db, job.execution_id, SOURCE, reason, level="error",
                      debug_id=debug_id)
        except Exception:  # the database itself may be the trouble; the log line stays
            log.exception("job %s: could not record its failure", job.id)

    def _heartbeat(self, job: ClaimedJob, stop: threading.Event,
                   lease_lost: threading.Event) -> None:
        interval = max(self.settings.job_lease_seconds / 3, 0.5)
        while not stop.wait(interval):
            try:
                alive = heartbeat(self.db, job.id, self.worker_id,
                                  self.settings.job_lease_seconds, now=self.clock())
            except Exception:  # a missed beat is retried; the lease outlives a few
                log.exception("job %s: heartbeat failed", job.id)
                continue
            if not alive:
                lease_lost.set()
                return

    def _give_up(self, job: ClaimedJob) -> None:
        reason = (f"the job was interrupted {job.attempts - 1} times (its worker stopped); "
                  "giving up")
        log.error("job %s (%s): %s", job.id, job.kind, reason)
        self._record_failure(job, reason, None, fail=job.kind in EXECUTION_KINDS)
        finish(self.db, job.id, self.worker_id, JobStatus.failed, reason)

    def run_forever(self, stop: threading.Event, idle_wait: float = 0.5) -> None:
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # claiming or finishing failed: log, pause, go on
                log.exception("worker %s: the queue could not be read or written",
                              self.worker_id)
                busy = False
            if not busy:
                stop.wait(idle_wait)


def beat_for_host(db: Database, settings: Settings, workers: list[Worker]) -> None:
    """One heartbeat of this host and its workers (the job each holds)."""
    beat(db, settings.host_name, settings.host_lease_seconds, utc_now(),
         sites_url=settings.sites_base_url,
         workers={worker.worker_id: worker.current_job for worker in workers})


def _beat_until(db: Database, settings: Settings, workers: list[Worker],
                stop: threading.Event) -> None:
    while not stop.wait(settings.host_lease_seconds / 3):
        try:
            beat_for_host(db, settings, workers)
        except Exception:  # a missed beat is retried; the host lease outlives a few
            log.exception("host %s: heartbeat failed", settings.host_name)
    try:
        forget_workers(db, [worker.worker_id for worker in workers])
    except Exception:  # stopping anyway; the rows only show a stale last beat
        log.exception("host %s: could not drop its workers' rows", settings.host_name)


def run_pool(db: Database, settings: Settings, stop: threading.Event,
             count: int | None = None) -> list[threading.Thread]:
    """Start the workers (threads, returned) and the host's heartbeat (its first beat before
    any worker claims, so this host's pins hold from the start)."""
    prepare_data_dir(settings)
    workers = [Worker.create(db, settings) for _ in range(count or settings.workers)]
    beat_for_host(db, settings, workers)
    threading.Thread(target=_beat_until, args=(db, settings, workers, stop),
                     name="host-heartbeat", daemon=True).start()
    threads = []
    for index, worker in enumerate(workers):
        thread = threading.Thread(target=worker.run_forever, args=(stop,),
                                  name=f"worker-{index}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads
