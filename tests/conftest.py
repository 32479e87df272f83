"""Fixtures that build real objects in temporary folders: settings, a real stack engine on a
file backend, a real site server, and sample sites. The session fails when it leaves a
process, a tmux server or a listening port behind (``tests/support/leftovers.py``)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir
from tenacity import retry, stop_after_attempt, wait_fixed

from tests.support import leftovers
from tmux_builder.domain import new_session_id, user_id_for
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.sites.deployments import SessionFacts
from tmux_builder.platform.sites.server import site_server_thread
from tmux_builder.stacks import StackEngine

# Property tests keep no example database in the checkout: the suite leaves no file behind.
hypothesis_settings.register_profile("suite", database=None)
hypothesis_settings.load_profile("suite")

SAMPLES = Path(__file__).parent / "samples"
_GROUPS_BEFORE = pytest.StashKey[set[Path]]()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


POSTGRES_ADMIN_URL = os.environ.get("TMUX_BUILDER_TEST_POSTGRES_URL")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str | None]:
    """None (SQLite under the data folder) unless the suite runs on PostgreSQL, where every
    test gets a database of its own, dropped afterwards."""
    if not POSTGRES_ADMIN_URL:
        yield None
        return
    import psycopg

    name = f"tb_{uuid.uuid4().hex[:16]}"
    admin = POSTGRES_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    drop_database(admin, name)


@retry(stop=stop_after_attempt(5), wait=wait_fixed(1), reraise=True)
def drop_database(admin_url: str, name: str) -> None:
    """Drop a test's database, retried: a server process may still be leaving it."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", sites_port=free_port(), app_start_timeout_seconds=30,
        database_url=database_url,
    )


@pytest.fixture
def engine(settings: Settings) -> StackEngine:
    return stack_engine(settings)


@pytest.fixture
def site_server(settings: Settings) -> Iterator[str]:
    with site_server_thread(settings.sites_dir, settings.sites_host, settings.sites_port) as base:
        yield base


def make_facts(site_type: str = "static", provider: str = "local", email: str = "a@example.com",
               phone: str = "+1 555 0100") -> SessionFacts:
    return SessionFacts(
        user_id=user_id_for(email, phone),
        session_id=new_session_id(),
        provider=provider,
        site_type=site_type,
        created_at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
        ttl=timedelta(days=5),
    )


@pytest.fixture
def facts() -> SessionFacts:
    return make_facts()


def copy_sample(name: str, dest: Path) -> Path:
    import shutil

    shutil.copytree(SAMPLES / name, dest)
    return dest


@pytest.fixture(autouse=True)
def no_leftover_apps(tmp_path: Path) -> Iterator[None]:
    """After each test, fail on (and stop) any app process still running from its folder."""
    yield
    leftovers = _processes_inside(tmp_path)
    _, alive = psutil.wait_procs(leftovers, timeout=5)
    for process in alive:
        process.kill()
    assert not alive, f"processes left running: {[p.info for p in alive]}"


def _processes_inside(folder: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["pid", "cwd", "cmdline", "status"]):
        cwd = process.info.get("cwd") or ""
        if cwd.startswith(str(folder)) and process.info.get("status") != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def pytest_sessionstart(session: pytest.Session) -> None:
    """Mark this session: every process it starts inherits the mark. Hypothesis keeps its
    caches in the session's temporary folder, not in the checkout."""
    os.environ[leftovers.MARK] = uuid.uuid4().hex
    session.config.stash[_GROUPS_BEFORE] = leftovers.worker_cpu_groups()
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        set_hypothesis_home_dir(factory.getbasetemp() / "hypothesis")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when anything this session started is still running (after a grace
    period for what is just exiting); what is found is reported and stopped."""
    mark = os.environ.get(leftovers.MARK)
    factory = getattr(session.config, "_tmp_path_factory", None)
    if not mark or factory is None or hasattr(session.config, "workerinput"):
        return
    basetemp = factory.getbasetemp()
    found = leftovers.find_leftovers(mark, basetemp)
    if found:
        _, found = psutil.wait_procs(found, timeout=5)
    groups = leftovers.worker_cpu_groups() - session.config.stash.get(_GROUPS_BEFORE, set())
    if not found and not groups:
        return
    described = leftovers.describe(found)
    leftovers.stop(found)
    leftovers.release_groups(groups)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"the test session left {len(described)} process(es) running (now stopped):",
             *(f"  {item}" for item in described),
             *(f"  worker cpu cgroup {group} (now released)" for group in sorted(groups))]
    if reporter is not None:
        reporter.write_sep("=", "leftovers", red=True)
        for line in lines:
            reporter.write_line(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
