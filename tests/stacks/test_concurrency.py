"""Never two operations on one stack at once (threads and processes); different stacks run
in parallel."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import copy_sample, make_facts
from tmux_builder.errors import StackBusyError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.sites.deployments import deploy_site
from tmux_builder.stacks import StackEngine

pytestmark = pytest.mark.slow


def test_busy_stack_fails_clearly_in_the_same_process(
    settings: Settings, engine: StackEngine, tmp_path: Path
) -> None:
    facts = make_facts()
    source = copy_sample("static_site", tmp_path / "source")
    with engine.locks.hold(facts.stack_name, "up"), pytest.raises(StackBusyError) as busy:
        deploy_site(settings, engine, facts, source)
    assert "busy" in str(busy.value) and "up by pid" in str(busy.value)
    assert busy.value.field == "stack_name"
    assert not engine.exists(facts.stack_name), "a refused operation creates nothing"


def test_busy_stack_across_processes_then_waits(settings: Settings, tmp_path: Path) -> None:
    facts = make_facts()
    source = copy_sample("static_site", tmp_path / "source")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom tmux_builder.platform.db.stack_locks import "
         "database_stack_locks\nfrom tmux_builder.platform.core.settings import Settings\n"
         "settings = Settings.model_validate_json(sys.argv[1])\n"
         "with database_stack_locks(settings).hold(sys.argv[2], 'refresh'):\n"
         "    print('held', flush=True); time.sleep(float(sys.argv[3]))",
         settings.model_dump_json(), facts.stack_name, "3"],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    impatient = stack_engine(settings)
    with pytest.raises(StackBusyError, match="refresh by pid"):
        deploy_site(settings, impatient, facts, source)
    patient = stack_engine(settings.model_copy(update={"stack_lock_timeout_seconds": 60}))
    result = deploy_site(settings, patient, facts, source)
    assert holder.wait(timeout=10) == 0
    assert result.changes.get("create") == 2
    patient.destroy(facts.stack_name)


def test_two_stacks_up_in_parallel(
    settings: Settings, engine: StackEngine, tmp_path: Path, site_server: str
) -> None:
    facts = [make_facts(email=f"user{i}@example.com") for i in range(2)]
    source = copy_sample("static_site", tmp_path / "source")
    windows: dict[str, tuple[float, float]] = {}
    errors: list[BaseException] = []

    def deploy(one: object) -> None:
        try:
            started = time.monotonic()
            deploy_site(settings, engine, one, source)  # type: ignore[arg-type]
            windows[one.stack_name] = (started, time.monotonic())  # type: ignore[attr-defined]
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=deploy, args=(f,)) for f in facts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    (a_start, a_end), (b_start, b_end) = windows.values()
    assert a_start < b_end and b_start < a_end, "the two ups overlapped in time"
    for one in facts:
        assert httpx.get(f"{site_server}/{one.stack_name}/").status_code == 200
        engine.destroy(one.stack_name)
