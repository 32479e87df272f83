"""Migrations on a fresh database (SQLite file, or PostgreSQL when the suite runs on it) stay
correct when several threads and several processes open it at the same moment."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from sqlalchemy import inspect, text

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Base, Database

pytestmark = pytest.mark.db

OPEN_AND_COUNT = (
    "import sys\n"
    "from sqlalchemy import text\n"
    "from tmux_builder.platform.db import Database\n"
    "db = Database(sys.argv[1])\n"
    "with db.transaction() as tx:\n"
    "    print(tx.execute(text('SELECT count(*) FROM alembic_version')).scalar_one())\n"
)


@pytest.mark.slow  # starts processes
def test_threads_and_processes_open_a_fresh_database_at_once(settings: Settings) -> None:
    url = settings.db_url
    processes = [subprocess.Popen([sys.executable, "-c", OPEN_AND_COUNT, url],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]
    errors: list[BaseException] = []

    def open_database() -> None:
        try:
            Database(url).dispose()
        except BaseException as error:  # collected and asserted in the test thread
            errors.append(error)

    threads = [threading.Thread(target=open_database) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    outputs = [process.communicate(timeout=120) for process in processes]
    assert not errors, errors
    assert [(p.returncode, out.strip()) for p, (out, _) in zip(processes, outputs, strict=True)] \
        == [(0, "1")] * 3, [err for _, err in outputs]

    db = Database(url)
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with db.transaction() as tx:
        assert tx.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    db.dispose()
