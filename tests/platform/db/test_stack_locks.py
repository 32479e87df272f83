"""The per-stack lock in the database (SQLite, or PostgreSQL when the suite runs on it): one
holder at a time across threads, processes and hosts; the busy error names the holder; a
lapsed lease or a dead holder on this host is taken over; a held lease is renewed; a lost one
stops the operation. Two hosts (separate data folders and processes) sharing one database and
one S3 backend never run two engines on one stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import update

from tests.conftest import copy_sample, make_facts
from tests.support.hosts import host_environment
from tests.support.object_stores import S3Server, backend_settings
from tmux_builder.errors import StackBusyError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Base, Database
from tmux_builder.platform.db.stack_locks import (
    DatabaseStackLocks,
    StackLockRow,
    database_stack_locks,
)

pytestmark = [pytest.mark.slow, pytest.mark.db]

STACK = "5bdb1993-6eec-541e-ba2a-9f0d3e032d78_sess_20261130_120000_abcd"

HOST_SCRIPT = """
import json, sys, time
from datetime import datetime, timedelta
from pathlib import Path
from tmux_builder.errors import StackBusyError
from tmux_builder.platform.sites.deployments import SessionFacts, deploy_site
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.core.settings import Settings
settings = Settings()
facts = json.loads(sys.argv[1])
facts = SessionFacts(**{**facts, "created_at": datetime.fromisoformat(facts["created_at"]),
                        "ttl": timedelta(days=5)})
engine = stack_engine(settings)
events = []
print("ready", flush=True)
while not Path(sys.argv[3]).exists():
    time.sleep(0.01)
try:
    deploy_site(settings, engine, facts, Path(sys.argv[2]),
                on_event=lambda event: events.append(time.time()))
    outcome = {"ok": True}
except StackBusyError as error:
    outcome = {"ok": False, "error": str(error)}
print(json.dumps({**outcome, "window": [min(events), max(events)] if events else None}),
      flush=True)
"""


@pytest.fixture
def db(settings: Settings) -> Any:
    database = Database(settings.db_url)
    yield database
    database.dispose()


def _locks(db: Database, host: str, **kwargs: float) -> DatabaseStackLocks:
    return DatabaseStackLocks(db, host, **kwargs)


def test_the_schema_matches_the_model(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_object": lambda item, name, kind, *_: (
                (name if kind == "table" else getattr(item.table, "name", None))
                == "stack_locks")})
        assert compare_metadata(context, Base.metadata) == []


def test_one_holder_at_a_time_and_the_busy_error_names_it(db: Database) -> None:
    host_a, host_b = _locks(db, "host-a"), _locks(db, "host-b")
    with host_a.hold(STACK, "up") as hold:
        assert (hold.host, hold.pid, hold.operation) == ("host-a", os.getpid(), "up")
        assert host_b.holder(STACK) == hold
        busy = pytest.raises(StackBusyError, match=r"busy: up by pid \d+ on host host-a")
        with busy, host_b.hold(STACK, "destroy"):
            pass
        with pytest.raises(StackBusyError), host_a.hold(STACK, "refresh"):
            pass  # another thread or operation of the same process waits its turn too
    assert host_b.holder(STACK) is None
    with host_b.hold(STACK, "destroy") as second:
        assert second.host == "host-b"


def test_a_waiting_holder_gets_the_stack_when_it_is_released(db: Database) -> None:
    first, patient = _locks(db, "host-a"), _locks(db, "host-b", timeout_seconds=30)
    released = threading.Event()

    def hold_briefly() -> None:
        with first.hold(STACK, "up"):
            time.sleep(1)
        released.set()

    thread = threading.Thread(target=hold_briefly)
    thread.start()
    while first.holder(STACK) is None:
        time.sleep(0.01)
    with patient.hold(STACK, "refresh") as hold:
        assert released.is_set() and hold.host == "host-b"
    thread.join()


def _plant(db: Database, host: str, pid: int, expires_in: float) -> None:
    now = datetime.now(UTC)
    with db.transaction() as tx:
        tx.merge(StackLockRow(stack_name=STACK, holder="someone-else", operation="up",
                              host=host, pid=pid, acquired_at=now - timedelta(minutes=5),
                              expires_at=now + timedelta(seconds=expires_in)))


def test_lapsed_leases_and_dead_local_holders_are_taken_over(db: Database) -> None:
    mine = _locks(db, "host-a")
    _plant(db, "host-b", 4242, expires_in=60)
    with pytest.raises(StackBusyError, match="on host host-b"), mine.hold(STACK, "up"):
        pass
    _plant(db, "host-b", 4242, expires_in=-1)
    with mine.hold(STACK, "up") as hold:
        assert hold.host == "host-a", "a lapsed lease of another host is taken over"
    gone = subprocess.Popen(["true"])
    gone.wait()
    _plant(db, "host-a", gone.pid, expires_in=60)
    with mine.hold(STACK, "up") as hold:
        assert hold.pid == os.getpid(), "a dead holder on this host is taken over at once"


def test_a_held_lease_is_renewed_and_a_lost_one_stops_the_operation(db: Database) -> None:
    holder = _locks(db, "host-a", lease_seconds=1.5)
    lost: list[str] = []
    holder.when_lost(lost.append)
    with holder.hold(STACK, "up") as hold:
        time.sleep(3.5)
        current = holder.holder(STACK)
        assert current is not None and current.expires_at > hold.expires_at, "renewed"
        with pytest.raises(StackBusyError), _locks(db, "host-b").hold(STACK, "up"):
            pass
        with db.transaction() as tx:  # another host took it (as after a long partition)
            tx.execute(update(StackLockRow).where(StackLockRow.stack_name == STACK)
                       .values(holder="thief", host="host-b"))
        deadline = time.monotonic() + 5
        while not lost and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lost == [STACK]
    assert holder.holder(STACK) is not None, "the release leaves the new holder's row alone"


def _host(settings: Settings, name: str, root: Path, db_url: str) -> Settings:
    data = root / name
    (data / "secrets").mkdir(parents=True)
    passphrase = settings.passphrase_file.read_text(encoding="utf-8")
    (data / "secrets" / "pulumi-passphrase").write_text(passphrase, encoding="utf-8")
    (data / "secrets" / "pulumi-passphrase").chmod(0o600)
    return settings.model_copy(update={"data_dir": data, "host_name": name,
                                       "database_url": db_url})


def _host_env(settings: Settings) -> dict[str, str]:
    return host_environment(settings, "pulumi_backend_url", "pulumi_backend_access_key_id",
                            "pulumi_backend_secret_access_key", "stack_lock_timeout_seconds",
                            "sites_port")


def _run_two_hosts(hosts: list[Settings], facts_json: str, source: Path,
                   go: Path) -> list[dict[str, Any]]:
    processes = [subprocess.Popen([sys.executable, "-c", HOST_SCRIPT, facts_json, str(source),
                                   str(go)], env=_host_env(host), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for host in hosts]
    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        go.touch()
        outputs = [process.communicate(timeout=300) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    go.unlink()
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]


def test_two_hosts_never_run_two_engines_on_one_stack(
    settings: Settings, s3_server: S3Server, tmp_path: Path
) -> None:
    shared = backend_settings(settings, s3_server)
    database_stack_locks(shared).db.dispose()  # migrate once, before both hosts start
    shared.passphrase_file.parent.mkdir(parents=True, exist_ok=True)
    shared.passphrase_file.write_text("one passphrase for every host", encoding="utf-8")
    hosts = [_host(shared, name, tmp_path / "hosts", shared.db_url)
             for name in ("host-a", "host-b")]
    facts = make_facts()
    facts_json = json.dumps({"user_id": facts.user_id, "session_id": facts.session_id,
                             "provider": "local", "site_type": "static",
                             "created_at": facts.created_at.isoformat()})
    source = copy_sample("static_site", tmp_path / "source")
    go = tmp_path / "go"

    impatient = _run_two_hosts(hosts, facts_json, source, go)
    winners = [r for r in impatient if r["ok"]]
    [refused] = [r for r in impatient if not r["ok"]]
    assert len(winners) == 1 and refused["window"] is None, "the refused host ran no engine"
    winner_host = hosts[impatient.index(winners[0])].host_name
    assert f"on host {winner_host}" in refused["error"], refused["error"]

    patient = [h.model_copy(update={"stack_lock_timeout_seconds": 120}) for h in hosts]
    results = _run_two_hosts(patient, facts_json, source, go)
    assert all(r["ok"] for r in results), results
    (_, a_end), (b_start, _) = sorted(r["window"] for r in results)
    assert a_end < b_start, "the second engine started after the first one ended"
    assert database_stack_locks(shared).holder(facts.stack_name) is None
