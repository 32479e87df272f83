"""The supervisor of ``serve``'s worker processes, on real processes standing in for
workers: a killed one is replaced (after its backoff), a stop sends SIGTERM and SIGKILLs
what ignores it after the grace, with everything the worker started; the settings reach the
children through their environment, secrets included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from pydantic import SecretStr

from tests.support.waiting import wait_until
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.settings_env import child_environment
from tmux_builder.platform.workers.supervisor import WorkerSupervisor, restart_delay

pytestmark = pytest.mark.slow

SLEEPER = "import time\nwhile True: time.sleep(1)\n"
STUBBORN = ("import signal, subprocess, sys, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
            "while True: time.sleep(1)\n")


def _supervisor(settings: Settings, script: str, count: int = 2) -> WorkerSupervisor:
    return WorkerSupervisor(settings, count, command=lambda _: [sys.executable, "-c", script])


def _tree(pids: list[int]) -> list[psutil.Process]:
    found = []
    for pid in pids:
        root = psutil.Process(pid)
        found += [root, *root.children(recursive=True)]
    return found


def test_backoff_doubles_and_is_capped() -> None:
    assert [restart_delay(1, n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert restart_delay(1, 30) == 60


def test_a_killed_worker_is_replaced_and_a_stop_leaves_nothing(settings: Settings) -> None:
    configured = settings.model_copy(update={"worker_restart_backoff_seconds": 0.2,
                                             "worker_stop_grace_seconds": 5})
    supervisor = _supervisor(configured, SLEEPER)
    supervisor.start()
    try:
        first = supervisor.pids()
        assert len(first) == 2
        os.kill(first[0], signal.SIGKILL)
        replaced = wait_until(lambda: (p := supervisor.pids()) and len(p) == 2
                              and first[0] not in p and p, timeout=15,
                              what="the killed worker to be replaced")
        assert first[1] in replaced and supervisor.restarts() == 1
        assert {psutil.Process(pid).nice() for pid in replaced} == {configured.worker_nice}
        children = _tree(replaced)
    finally:
        supervisor.stop()
    assert not [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert supervisor.pids() == []


def test_a_worker_that_keeps_dying_is_restarted_ever_later(settings: Settings) -> None:
    configured = settings.model_copy(update={"worker_restart_backoff_seconds": 0.3})
    supervisor = _supervisor(configured, "raise SystemExit(3)", count=1)
    started = time.monotonic()
    supervisor.start()
    try:
        wait_until(lambda: supervisor.restarts() >= 3, timeout=20, what="three restarts")
    finally:
        supervisor.stop()
    # 0.3 + 0.6 + 1.2 s of backoff at least before the third restart
    assert time.monotonic() - started >= 2.1


def test_what_ignores_sigterm_is_killed_with_its_children(settings: Settings) -> None:
    configured = settings.model_copy(update={"worker_stop_grace_seconds": 1})
    supervisor = _supervisor(configured, STUBBORN, count=1)
    supervisor.start()
    tree = wait_until(lambda: len(t := _tree(supervisor.pids())) == 2 and t, timeout=15,
                      what="the worker and its child")
    started = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - started >= 1  # it was given its grace
    gone, alive = psutil.wait_procs(tree, timeout=5)
    assert not alive and len(gone) == 2


def test_children_get_the_settings_secrets_included(settings: Settings, tmp_path: Path) -> None:
    configured = settings.model_copy(update={
        "model_credential": SecretStr("sk-test-credential"), "trusted_proxies": ["10.0.0.0/8"],
        "sandbox": False, "serve_worker_processes": 3})
    env = child_environment(configured, base={"PATH": "/usr/bin", "TMUX_BUILDER_AWS_REGION":
                                              "eu-west-1", "TMUX_BUILDER_TEST_SESSION": "x"})
    assert "TMUX_BUILDER_AWS_REGION" not in env  # unset here: not inherited either
    assert env["TMUX_BUILDER_TEST_SESSION"] == "x" and env["PATH"] == "/usr/bin"
    saved = {k: v for k, v in os.environ.items() if k.startswith("TMUX_BUILDER_")}
    try:
        for key in saved:
            del os.environ[key]
        os.environ.update({k: v for k, v in env.items() if k.startswith("TMUX_BUILDER_")})
        rebuilt = Settings(_env_file=None)  # type: ignore[call-arg]
    finally:
        for key in [k for k in os.environ if k.startswith("TMUX_BUILDER_")]:
            del os.environ[key]
        os.environ.update(saved)
    assert rebuilt == configured
    assert rebuilt.model_credential is not None
    assert rebuilt.model_credential.get_secret_value() == "sk-test-credential"


PARENT = ("import os, subprocess, sys, time\n"
          "child = subprocess.Popen([sys.executable, '-m', 'tmux_builder.cli', 'worker',\n"
          "                          '--count', '1', '--supervised-by', str(os.getpid())],\n"
          "                         start_new_session=True, stdout=subprocess.DEVNULL,\n"
          "                         stderr=subprocess.DEVNULL)\n"
          "print(child.pid, flush=True)\n"
          "time.sleep(600)\n")


def test_a_worker_whose_supervisor_was_killed_stops_by_itself(settings: Settings) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE,
                              env=child_environment(settings), text=True)
    assert parent.stdout is not None
    worker = psutil.Process(int(parent.stdout.readline()))
    wait_until(lambda: any(t.id for t in worker.threads()) and len(worker.threads()) > 2,
               timeout=30, what="the worker's threads (parent watch, worker) to start")
    parent.kill()  # SIGKILL: the supervisor gets no chance to stop it
    parent.wait(timeout=10)
    gone, alive = psutil.wait_procs([worker], timeout=30)
    for process in alive:
        process.kill()
    assert gone and not alive, "the orphaned worker kept running"
