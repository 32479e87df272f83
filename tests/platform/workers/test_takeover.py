"""Taking over a session from a lost host: the new host (its own data folder) replaces its
copy of the workspace with the newest snapshot in the shared store, logs the move, and the
work goes on after the snapshot's step; with no snapshot it starts over."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tmux_builder.domain import JobKind
from tmux_builder.platform.agent.driver import AgentDriver
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.workspaces import workspace_path
from tmux_builder.platform.db import Database, LogEvent
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.pipeline.runner import Pipeline
from tmux_builder.platform.queue.jobs import ClaimedJob
from tmux_builder.platform.sessions.creation import SessionRequest, create_session
from tmux_builder.platform.store import open_store
from tmux_builder.platform.workers.takeover import take_over

pytestmark = pytest.mark.db


def _host(settings: Settings, name: str, tmp_path: Path) -> Settings:
    """Another host: its own data folder and tmux socket, the same database and store."""
    return settings.model_copy(update={
        "host_name": name, "data_dir": tmp_path / name, "database_url": settings.db_url,
        "store_url": settings.resolved_store_url, "tmux_socket": f"tb-take-{tmp_path.name[-8:]}"})


def _job(execution_id: str, moved_from: str | None) -> ClaimedJob:
    return ClaimedJob(1, execution_id, JobKind.pipeline, {"run": 1}, 2, moved_from)


def _messages(db: Database, execution_id: str) -> list[str]:
    with db.transaction() as tx:
        return [e.message for e in tx.scalars(select(LogEvent).where(
            LogEvent.execution_id == execution_id, LogEvent.source == "takeover"))]


def test_the_new_host_restores_the_newest_snapshot(settings: Settings, tmp_path: Path) -> None:
    db = Database(settings.db_url)
    created = create_session(db, settings, SessionRequest(
        "take@example.com", "+15550100", "local", "static", "A page about owls."))
    host_a = _host(settings, "host-a", tmp_path)
    old = workspace_path(host_a.users_dir, created.user_id, created.session_id)
    (old / "source").mkdir(parents=True)
    (old / "output").mkdir()
    (old / "output/plan.md").write_text("# plan\n", encoding="utf-8")
    store = open_store(host_a)
    store.snapshot(created.user_id, created.session_id, old, phase="create_plan", host="host-a")
    (old / "source/index.html").write_text("<h1>Owls</h1>", encoding="utf-8")
    store.snapshot(created.user_id, created.session_id, old, phase="generate_code",
                   host="host-a")

    host_b = _host(settings, "host-b", tmp_path)
    stale = workspace_path(host_b.users_dir, created.user_id, created.session_id)
    (stale / "source").mkdir(parents=True)
    (stale / "source/stale.html").write_text("old copy", encoding="utf-8")
    pipeline = Pipeline(db, host_b, stack_engine(host_b), AgentDriver(host_b))

    assert take_over(pipeline.services, _job(created.execution_id, None)) is None
    assert (stale / "source/stale.html").exists(), "nothing moved: the workspace is left alone"

    moved = take_over(pipeline.services, _job(created.execution_id, "host-a"))
    assert moved is not None and moved.restart_after == 5
    assert moved.snapshot_id is not None and moved.snapshot_id.endswith("-generate_code")
    assert (stale / "source/index.html").read_text(encoding="utf-8") == "<h1>Owls</h1>"
    assert not (stale / "source/stale.html").exists(), "the stale copy is replaced"
    assert _messages(db, created.execution_id) == [
        "moved from host host-a to host host-b: restored the snapshot after generate_code, "
        "going on from step 6"]
    db.dispose()


def test_with_no_snapshot_the_work_starts_over(settings: Settings, tmp_path: Path) -> None:
    db = Database(settings.db_url)
    created = create_session(db, settings, SessionRequest(
        "fresh@example.com", "+15550100", "local", "static", "A page about larks."))
    host_b = _host(settings, "host-b", tmp_path)
    pipeline = Pipeline(db, host_b, stack_engine(host_b), AgentDriver(host_b))
    moved = take_over(pipeline.services, _job(created.execution_id, "host-a"))
    assert moved is not None and (moved.restart_after, moved.snapshot_id) == (0, None)
    assert _messages(db, created.execution_id) == [
        "moved from host host-a to host host-b: no snapshot yet, starting over from step 1"]
    db.dispose()
