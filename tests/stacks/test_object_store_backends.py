"""Every stack operation against the Pulumi CLI's object-store backends, for real: ``s3://`` on
moto's S3 server and ``azblob://`` on Azurite, both on loopback. The state lives in the bucket
(nothing under the data folder), stack tags and plain ``pulumi stack ls --tag`` work, a killed
up leaves Pulumi's lock object in the bucket and ``recover`` clears it, a cancel stops an up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import copy_sample, make_facts
from tests.stacks.test_recovery import wait_for
from tests.support.object_stores import backend_settings
from tmux_builder.errors import StackOperationError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.sites.deployments import deploy_site, site_target
from tmux_builder.pulumi_programs import build_program
from tmux_builder.stacks import StackEngine
from tmux_builder.stacks.recovery import backend_lock_files, state_blobs

pytestmark = pytest.mark.slow

DEPLOY_SCRIPT = """
import json, os, sys
from datetime import datetime, timedelta
from pathlib import Path
from tmux_builder.platform.sites.deployments import SessionFacts, deploy_site
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.core.settings import Settings
settings = Settings()
facts = json.loads(sys.argv[1])
facts = SessionFacts(**{**facts, "created_at": datetime.fromisoformat(facts["created_at"]),
                        "ttl": timedelta(days=5)})
deploy_site(settings, stack_engine(settings), facts, Path(sys.argv[2]))
"""


@pytest.fixture(params=["s3", "azblob"])
def object_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    server = request.getfixturevalue("s3_server" if request.param == "s3" else "azurite_server")
    return backend_settings(settings, server)


def _settings_env(settings: Settings) -> dict[str, str]:
    """``settings`` as the environment of a child process (secrets included, unlike JSON)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX_BUILDER_")}
    for name, value in settings.model_dump(exclude_none=True).items():
        if isinstance(value, list):
            continue
        plain = getattr(settings, name)
        text = plain.get_secret_value() if hasattr(plain, "get_secret_value") else str(value)
        env[f"TMUX_BUILDER_{name.upper()}"] = text
    return env


def _slow_app(tmp_path: Path, name: str) -> Path:
    source = copy_sample("python_app", tmp_path / name)
    app = source / "app.py"
    app.write_text("import time\ntime.sleep(600)\n" + app.read_text(), encoding="utf-8")
    return source


def test_every_operation_on_an_object_store(
    object_settings: Settings, site_server: str, tmp_path: Path
) -> None:
    engine = stack_engine(object_settings)
    facts = make_facts()
    stack = facts.stack_name
    source = copy_sample("static_site", tmp_path / "source")

    first = deploy_site(object_settings, engine, facts, source)
    assert first.changes.get("create") == 2
    assert "Fresh bread" in httpx.get(first.outputs["url"]).text
    assert not object_settings.state_dir.exists(), "the state is in the bucket, not on disk"
    blobs = state_blobs(engine.config)
    assert blobs is not None
    assert f".pulumi/stacks/tmux-builder/{stack}.json" in blobs.keys(".pulumi/stacks/")

    assert engine.tags(stack)["UserGUID"] == facts.user_id
    listed = subprocess.run(
        [str(engine.config.pulumi_binary), "stack", "ls", "--json", "--tag",
         f"UserGUID={facts.user_id}"],
        cwd=engine.config.work_dir, env=engine.environment(), capture_output=True, text=True,
        check=True)
    assert [s["name"] for s in json.loads(listed.stdout)] == [stack]
    [record] = engine.list_stacks(prefix=stack)
    assert record.resource_count == 3 and not record.update_in_progress
    summary = engine.summary(stack)  # no state files here: the CLI's own list
    assert summary is not None and summary.resource_count == 3

    program = build_program(site_target(object_settings, facts, source))
    assert engine.preview(stack, program).changes == {"same": 2}
    assert engine.refresh(stack).changes == {"same": 2}
    assert engine.outputs(stack)["url"] == first.outputs["url"]
    assert len(engine.export(stack).resources) == 3
    assert [h.kind for h in engine.history(stack)] == ["refresh", "update"]
    assert engine.cancel(stack) is False, "nothing runs, nothing to cancel"

    engine.destroy(stack)
    assert not engine.exists(stack)
    assert httpx.get(first.outputs["url"]).status_code == 404
    assert not backend_lock_files(engine.config, stack)
    assert f".pulumi/stacks/tmux-builder/{stack}.json" not in blobs.keys(".pulumi/stacks/")


def _update_running(stack_name: str) -> bool:
    """Whether a ``pulumi up`` of ``stack_name`` is running."""
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if process.info.get("name") == "pulumi" and "up" in cmdline and any(
                stack_name in part for part in cmdline):
            return True
    return False


def test_cancel_stops_an_up_on_an_object_store(
    object_settings: Settings, tmp_path: Path
) -> None:
    quick = object_settings.model_copy(update={"app_start_timeout_seconds": 5})
    engine = stack_engine(quick)
    facts = make_facts(site_type="dynamic")
    errors: list[BaseException] = []

    def deploy() -> None:
        try:
            deploy_site(quick, engine, facts, _slow_app(tmp_path, "slow"))
        except BaseException as exc:  # asserted in the test thread
            errors.append(exc)

    thread = threading.Thread(target=deploy)
    thread.start()
    # the update's own lock: `pulumi stack init` takes one too, and may be gone by the cancel
    wait_for(lambda: backend_lock_files(engine.config, facts.stack_name)
             and _update_running(facts.stack_name))
    assert engine.cancel(facts.stack_name) is True
    thread.join(timeout=120)
    assert len(errors) == 1 and isinstance(errors[0], StackOperationError), errors
    assert not backend_lock_files(engine.config, facts.stack_name), "a cancel unlocks the stack"
    engine.destroy(facts.stack_name)


def test_recover_after_kill_on_an_object_store(
    object_settings: Settings, tmp_path: Path
) -> None:
    engine = stack_engine(object_settings)
    facts = make_facts(site_type="dynamic")
    fact_json = json.dumps({"user_id": facts.user_id, "session_id": facts.session_id,
                            "provider": "local", "site_type": "dynamic",
                            "created_at": facts.created_at.isoformat()})
    worker = subprocess.Popen(
        [sys.executable, "-c", DEPLOY_SCRIPT, fact_json, str(_slow_app(tmp_path, "slow"))],
        env=_settings_env(object_settings), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log_file = object_settings.apps_dir / facts.stack_name / "logs" / "app.log"
    wait_for(lambda: log_file.exists() and backend_lock_files(engine.config, facts.stack_name))
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    for orphan in psutil.process_iter(["cwd"]):
        if (orphan.info.get("cwd") or "").startswith(str(object_settings.apps_dir)):
            orphan.kill()
    [left] = backend_lock_files(engine.config, facts.stack_name)
    assert left.pid > 0 and left.hostname == os.uname().nodename

    report = engine.recover(facts.stack_name)
    assert report.cleared_locks == [left.name]
    assert report.cleared_pending_operations >= 1
    assert not backend_lock_files(engine.config, facts.stack_name)

    result = deploy_site(object_settings, engine, facts,
                         copy_sample("python_app", tmp_path / "good"))
    assert "Python sample" in httpx.get(result.outputs["url"]).text
    engine.destroy(facts.stack_name)


def test_the_engine_names_no_secret(object_settings: Settings) -> None:
    engine: StackEngine = stack_engine(object_settings)
    secret = (object_settings.pulumi_backend_secret_access_key
              or object_settings.pulumi_backend_storage_key)
    assert secret is not None
    value = secret.get_secret_value()
    assert value in engine.environment().values(), "the engine gets the backend's credential"
    assert value not in repr(engine.config) and value not in repr(object_settings)
    assert value not in (engine.config.work_dir / "Pulumi.yaml").read_text()
