"""A process killed in the middle of an up leaves the backend's lock file and pending
operations; ``recover`` clears both and the next up succeeds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import copy_sample, make_facts
from tests.support.waiting import wait_until
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.deployments import deploy_site
from tmux_builder.stacks import StackEngine
from tmux_builder.stacks.recovery import backend_lock_files

pytestmark = pytest.mark.slow

DEPLOY_SCRIPT = """
import json, sys
from datetime import datetime, timedelta
from pathlib import Path
from tmux_builder.platform.sites.deployments import SessionFacts, deploy_site
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.core.settings import Settings
settings = Settings.model_validate_json(sys.argv[1])
facts = SessionFacts(**{**json.loads(sys.argv[2]),
                        "created_at": datetime.fromisoformat(json.loads(sys.argv[2])["created_at"]),
                        "ttl": timedelta(days=5)})
deploy_site(settings, stack_engine(settings), facts, Path(sys.argv[3]))
"""


def wait_for(condition: Callable[[], object], timeout: float = 60) -> None:
    wait_until(condition, timeout=timeout, interval=0.1, what="the stack operation's state")


def _orphaned_analyzers(engine: StackEngine) -> list[psutil.Process]:
    """Policy analyzers running in this engine's pack folder whose engine is gone."""
    packs = {str(pack.path) for pack in engine.config.policy_packs}
    return [p for p in psutil.process_iter(["cmdline", "cwd", "ppid", "status"])
            if "pulumi.policy" in (p.info.get("cmdline") or []) and p.info.get("cwd") in packs
            and p.info.get("ppid") == 1 and p.info.get("status") != psutil.STATUS_ZOMBIE]


def test_recover_after_kill_during_up(
    settings: Settings, engine: StackEngine, tmp_path: Path
) -> None:
    facts = make_facts(site_type="dynamic")
    slow = copy_sample("python_app", tmp_path / "slow")
    app = slow / "app.py"
    app.write_text("import time\ntime.sleep(600)\n" + app.read_text(), encoding="utf-8")
    fact_json = json.dumps({"user_id": facts.user_id, "session_id": facts.session_id,
                            "provider": "local", "site_type": "dynamic",
                            "created_at": facts.created_at.isoformat()})
    worker = subprocess.Popen(
        [sys.executable, "-c", DEPLOY_SCRIPT, settings.model_dump_json(), fact_json, str(slow)],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    log_file = settings.apps_dir / facts.stack_name / "logs" / "app.log"
    wait_for(lambda: log_file.exists() and backend_lock_files(engine.config, facts.stack_name))
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    orphans = [p for p in psutil.process_iter(["cwd"])
               if (p.info.get("cwd") or "").startswith(str(settings.apps_dir))]
    for orphan in orphans:  # the half-started app outlives the killed worker
        orphan.kill()

    assert engine.needs_recovery(facts.stack_name), "seen from the state files alone"
    analyzers = _orphaned_analyzers(engine)
    assert analyzers, "the killed engine's policy analyzer is left running"
    report = engine.recover(facts.stack_name)
    assert {p.pid for p in analyzers} <= set(report.stopped_providers)
    psutil.wait_procs(analyzers, timeout=10)
    assert not _orphaned_analyzers(engine)
    assert report.cleared_locks, "the dead process's backend lock is cleared"
    assert report.cleared_pending_operations >= 1
    assert not backend_lock_files(engine.config, facts.stack_name)
    assert not engine.needs_recovery(facts.stack_name)

    good = copy_sample("python_app", tmp_path / "good")
    result = deploy_site(settings, engine, facts, good)
    assert "Python sample" in httpx.get(result.outputs["url"]).text
    engine.destroy(facts.stack_name)


def test_live_lock_is_never_cleared(
    settings: Settings, engine: StackEngine, tmp_path: Path
) -> None:
    facts = make_facts()
    deploy_site(settings, engine, facts, copy_sample("static_site", tmp_path / "source"))
    state_dir = engine.config.file_state_dir
    assert state_dir is not None
    folder = state_dir / ".pulumi" / "locks" / "organization" / "tmux-builder" / facts.stack_name
    folder.mkdir(parents=True, exist_ok=True)
    live = folder / "live.json"
    live.write_text(json.dumps({"pid": os.getpid(), "hostname": os.uname().nodename,
                                "username": "test", "timestamp": "2026-11-22T00:00:00Z"}))
    report = engine.recover(facts.stack_name, refresh=False)
    assert report.live_locks == ["live.json"] and live.exists()
    live.unlink()
    engine.destroy(facts.stack_name)
