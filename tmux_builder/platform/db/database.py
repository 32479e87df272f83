"""Engine, sessions and migrations. Every multi-row change runs in one transaction
(``with db.transaction() as tx: ...``); migrations are applied when the database opens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from filelock import FileLock
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from tmux_builder.platform.core.private_files import private_dir, private_file

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK_KEY = 0x746D7862  # "tmxb": the advisory lock every migrating process takes
_migrating = threading.Lock()  # Alembic's ``context``/``op`` proxies are process-global
_migrated: set[str] = set()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if path:
            if not path.parent.exists():
                private_dir(path.parent)
            private_file(path)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_path(url: str) -> Path | None:
    path = url.split("///", 1)[-1] if url.startswith("sqlite") else ""
    return Path(path) if path and path != ":memory:" else None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision, one migrator at a time: threads of
    this process wait on a lock, other processes on a PostgreSQL advisory lock (or a file lock
    beside a SQLite file). Each URL is migrated once per process."""
    from alembic import command  # imported here: a read-only open never needs Alembic
    from alembic.config import Config

    url = engine.url.render_as_string(hide_password=False)
    sqlite_file = _sqlite_path(url)
    in_memory = url.startswith("sqlite") and sqlite_file is None
    with _migrating:
        if url in _migrated and (sqlite_file is None or sqlite_file.exists()):
            return
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        file_lock = (FileLock(f"{sqlite_file}.migrate.lock") if sqlite_file
                     else nullcontext())
        with file_lock, engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        if not in_memory:
            _migrated.add(url)


class Database:
    def __init__(self, url: str, *, apply_migrations: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if apply_migrations:
            migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error."""
        with self._sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
