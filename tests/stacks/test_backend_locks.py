"""What ``recover`` may clear of Pulumi's own lock in a bucket: never a live holder's. A lock of
another host stays with the one-host file lock; with the database lock (every host takes it)
it goes only when it predates this hold by more than a lease. A lock nobody can clear makes
an up fail as busy after the retries, naming the other holder."""

from __future__ import annotations

import json
import socket
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import copy_sample, make_facts
from tests.support.object_stores import S3Server, backend_settings
from tmux_builder.errors import StackBusyError
from tmux_builder.platform.core.engine import engine_config
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.sites.deployments import deploy_site
from tmux_builder.stacks import StackEngine
from tmux_builder.stacks.recovery import backend_lock_files, lock_prefix, state_blobs

pytestmark = pytest.mark.slow


def _foreign_lock(engine: StackEngine, stack: str, age: timedelta) -> str:
    """Write the lock object another host's ``pulumi`` would write, ``age`` ago."""
    blobs = state_blobs(engine.config)
    assert blobs is not None
    key = f"{lock_prefix(engine.config, stack)}{uuid.uuid4()}.json"
    stamp = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"  # Go's form
    blobs.write(key, json.dumps({"pid": 4242, "username": "ops", "hostname": "other-host",
                                 "timestamp": stamp}).encode())
    return key.rpartition("/")[2]


def test_another_hosts_lock_is_cleared_only_when_proven_gone(
    settings: Settings, s3_server: S3Server, tmp_path: Path
) -> None:
    on_s3 = backend_settings(settings, s3_server)
    shared = stack_engine(on_s3)
    one_host = StackEngine(engine_config(on_s3))
    assert shared.locks.spans_hosts and not one_host.locks.spans_hosts
    facts = make_facts()
    stack = facts.stack_name
    deploy_site(on_s3, shared, facts, copy_sample("static_site", tmp_path / "source"))

    old = _foreign_lock(shared, stack, timedelta(hours=1))
    kept = one_host.recover(stack, refresh=False)
    assert kept.live_locks == [old] and not kept.cleared_locks, \
        "a host-local lock proves nothing about another host"
    cleared = shared.recover(stack, refresh=False)
    assert cleared.cleared_locks == [old], "older than our hold by more than a lease: gone"

    fresh = _foreign_lock(shared, stack, timedelta(seconds=0))
    assert shared.recover(stack, refresh=False).live_locks == [fresh]
    with pytest.raises(StackBusyError, match="other-host"):
        deploy_site(on_s3, shared, facts, tmp_path / "source")
    assert [lock.name for lock in backend_lock_files(shared.config, stack)] == [fresh]

    state_blobs(shared.config).delete(f"{lock_prefix(shared.config, stack)}{fresh}")  # type: ignore[union-attr]
    shared.destroy(stack)


def test_a_dead_engines_lock_on_a_stack_not_yet_created_is_cleared(
    settings: Settings, engine: StackEngine, tmp_path: Path
) -> None:
    """An engine killed while `pulumi stack init` held the lock leaves a lock and no stack:
    the next deploy clears the dead process's lock and creates the stack."""
    facts = make_facts()
    stack = facts.stack_name
    blobs = state_blobs(engine.config)
    assert blobs is not None and not engine.exists(stack)
    dead = _dead_local_pid()
    key = f"{lock_prefix(engine.config, stack)}{uuid.uuid4()}.json"
    blobs.write(key, json.dumps({"pid": dead, "username": "root", "hostname": socket.gethostname(),
                                 "timestamp": datetime.now(UTC).isoformat()}).encode())

    deploy_site(settings, engine, facts, copy_sample("static_site", tmp_path / "source"))
    assert engine.exists(stack)
    assert not backend_lock_files(engine.config, stack), "the dead engine's lock is gone"
    engine.destroy(stack)


def _dead_local_pid() -> int:
    """The pid of a process of this host that has exited (and been reaped)."""
    probe = subprocess.Popen(["true"])
    probe.wait()
    return probe.pid
