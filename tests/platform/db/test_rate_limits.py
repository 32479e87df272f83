"""Rate limits counted in the database (SQLite, or PostgreSQL when the suite runs on it):
hits from two connections at once never pass a limit, a refused hit counts nothing, the
refusal says when to come back, and old windows are forgotten."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Base, Database
from tmux_builder.platform.db.rate_limits import Limit, RateLimitWindow, count_hit

pytestmark = pytest.mark.db


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.db_url)
    yield database
    database.dispose()


def _limit(key: str, limit: int, window: float = 60, scope: str = "creations:address",
           field: str = "client_address") -> Limit:
    return Limit(scope, key, limit, window, field)


def test_the_schema_matches_the_model(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_object": lambda item, name, kind, *_: (
                (name if kind == "table" else getattr(item.table, "name", None))
                == RateLimitWindow.__tablename__)})
        assert compare_metadata(context, Base.metadata) == []


def test_hits_from_two_connections_at_once_never_pass_the_limit(settings: Settings) -> None:
    hosts = [Database(settings.db_url), Database(settings.db_url)]  # two pools, one database
    start = threading.Barrier(8)
    passed: list[bool] = []

    def hit(index: int) -> None:
        start.wait()
        for _ in range(5):
            passed.append(count_hit(hosts[index % 2], [_limit("203.0.113.9", 7)]) is None)

    threads = [threading.Thread(target=hit, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(passed) == 40 and passed.count(True) == 7
    with hosts[0].transaction() as tx:
        assert tx.scalar(select(func.sum(RateLimitWindow.hits))) == 7  # refusals not counted
    for host in hosts:
        host.dispose()


def test_a_refused_hit_counts_against_nothing(db: Database) -> None:
    def both(identity: str) -> str | None:
        refusal = count_hit(db, [_limit("198.51.100.7", 3),
                                 _limit(identity, 1, scope="creations:identity", field="email")])
        return None if refusal is None else refusal.limit.field

    assert both("ann") is None
    assert both("ann") == "email"  # refused for the identity: the address is not counted
    assert both("bob") is None
    assert both("cid") is None  # the address's third hit
    assert both("dan") == "client_address"


def test_the_refusal_says_when_one_more_fits(db: Database) -> None:
    limit = _limit("192.0.2.1", 2, window=60)
    assert count_hit(db, [limit]) is None and count_hit(db, [limit]) is None
    refusal = count_hit(db, [limit])
    assert refusal is not None and refusal.limit == limit
    assert 1 <= refusal.retry_after <= 120


def test_a_short_window_frees_up_and_old_windows_are_forgotten(db: Database) -> None:
    limit = _limit("192.0.2.2", 1, window=0.3)
    assert count_hit(db, [limit]) is None
    time.sleep(0.7)  # two windows later the first hit weighs nothing
    assert count_hit(db, [limit]) is None
    with db.transaction() as tx:
        windows = tx.scalars(select(RateLimitWindow.window_start_ms)).all()
    assert len(windows) == 1, "the window before the previous one was deleted"


def test_the_migration_goes_down_and_up(db: Database) -> None:
    """0006 down drops the table (and on PostgreSQL the notification triggers), up again."""
    from alembic import command
    from alembic.config import Config

    from tmux_builder.platform.db.database import MIGRATIONS

    def run(action: str, revision: str) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)

    def tables() -> set[str]:
        return set(inspect(db.engine).get_table_names())

    def triggers() -> int:
        if not db.is_postgres:
            return 0
        with db.engine.connect() as connection:
            return int(connection.execute(text(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'tb_notify_progress'"
            )).scalar_one())

    assert "rate_limit_windows" in tables() and triggers() == (4 if db.is_postgres else 0)
    run("downgrade", "0005")
    assert "rate_limit_windows" not in tables() and triggers() == 0
    run("upgrade", "0006")
    assert "rate_limit_windows" in tables() and triggers() == (4 if db.is_postgres else 0)
