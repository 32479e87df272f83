"""The per-stack lock in the database, so that every host sees it (SPEC section 15).

One row per held stack: holder (a random token per hold), operation, host, pid, acquired_at,
expires_at. Taking the lock is one statement, ``INSERT ... ON CONFLICT (stack_name) DO UPDATE
... WHERE stack_locks.expires_at < now``, on SQLite and PostgreSQL alike: a free stack is
inserted, a lapsed lease is taken over, a live one is left as it is; reading the row back says
who won. The holder renews its lease every third of it from a thread of its own and deletes
the row when done; a holder that dies stops renewing and its lease lapses (on its own host,
where its pid can be checked, a dead holder's row is taken over at once). A holder that
cannot renew before its lease ends has lost the stack: the engine's ``when_lost`` callback
stops its Pulumi operation. Time is the database's own on PostgreSQL (``now()``), so hosts
with skewed clocks agree; SQLite lives on one host and uses its clock."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db.database import Database
from tmux_builder.platform.db.models import Base
from tmux_builder.stacks.locks import LeaseLost, LockHold, busy_error
from tmux_builder.stacks.recovery import process_is_running

log = logging.getLogger(__name__)
_FIRST_POLL = 0.05
_LONGEST_POLL = 1.0


class StackLockRow(Base):
    """Who holds a stack's operation lock, until when."""

    __tablename__ = "stack_locks"

    stack_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(36))
    operation: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


def database_now(session: Session) -> datetime:
    """The database's clock on PostgreSQL, this host's on SQLite (one host)."""
    if session.get_bind().dialect.name == "postgresql":
        moment: datetime = session.execute(select(func.now())).scalar_one()
        return moment.astimezone(UTC)
    return datetime.now(UTC)


def _as_hold(row: StackLockRow) -> LockHold:
    return LockHold(row.stack_name, row.operation, row.host, row.pid,
                    row.acquired_at.timestamp(), row.expires_at.timestamp())


class _Renewal:
    """Keeps one hold's lease alive until stopped; reports a lease it could not keep."""

    def __init__(self, locks: DatabaseStackLocks, hold: LockHold, token: str) -> None:
        self.locks, self.hold, self.token = locks, hold, token
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name=f"stack-lock-{hold.stack_name}")

    def _run(self) -> None:
        interval = self.locks.lease_seconds / 3
        valid_until = time.monotonic() + self.locks.lease_seconds
        while not self.stopped.wait(interval):
            try:
                if self.locks.renew(self.hold.stack_name, self.token):
                    valid_until = time.monotonic() + self.locks.lease_seconds
                    continue
            except Exception:  # a database hiccup: try again until the lease runs out
                log.warning("could not renew the lock of %s", self.hold.stack_name,
                            exc_info=True)
                if time.monotonic() < valid_until:
                    continue
            log.error("lost the lock of %s", self.hold.stack_name)
            self.locks.lease_lost(self.hold.stack_name)
            return


class DatabaseStackLocks:
    """``StackLock`` in the platform's database: one lock for every host that shares it."""

    spans_hosts = True

    def __init__(self, db: Database, host: str, timeout_seconds: float = 0.0,
                 lease_seconds: float = 30.0) -> None:
        self.db = db
        self.host = host
        self.timeout_seconds = timeout_seconds
        self.lease_seconds: float = lease_seconds
        self._mine: dict[str, LockHold] = {}
        self._callbacks: list[LeaseLost] = []

    def _insert(self, session: Session) -> Any:
        dialect = session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(StackLockRow)

    def try_acquire(self, stack_name: str, operation: str, token: str) -> LockHold | None:
        """One compare-and-set: the hold when this token now owns the stack, else None."""
        with self.db.transaction() as tx:
            now = database_now(tx)
            values = {"holder": token, "operation": operation, "host": self.host,
                      "pid": os.getpid(), "acquired_at": now,
                      "expires_at": now + timedelta(seconds=self.lease_seconds)}
            insert = self._insert(tx).values(stack_name=stack_name, **values)
            tx.execute(insert.on_conflict_do_update(
                index_elements=["stack_name"],
                set_={name: insert.excluded[name] for name in values},
                where=StackLockRow.expires_at < now,
            ))
            row = tx.get(StackLockRow, stack_name, populate_existing=True)
            if row is not None and self._holder_died_here(row):
                tx.execute(update(StackLockRow).where(StackLockRow.stack_name == stack_name,
                                                      StackLockRow.holder == row.holder)
                           .values(**values))
                row = tx.get(StackLockRow, stack_name, populate_existing=True)
            return _as_hold(row) if row is not None and row.holder == token else None

    def _holder_died_here(self, row: StackLockRow) -> bool:
        return (row.host == self.host and row.pid != os.getpid()
                and not process_is_running(row.pid))

    def renew(self, stack_name: str, token: str) -> bool:
        with self.db.transaction() as tx:
            now = database_now(tx)
            result = tx.execute(
                update(StackLockRow)
                .where(StackLockRow.stack_name == stack_name, StackLockRow.holder == token,
                       StackLockRow.expires_at >= now)
                .values(expires_at=now + timedelta(seconds=self.lease_seconds)))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def release(self, stack_name: str, token: str) -> None:
        with self.db.transaction() as tx:
            tx.execute(delete(StackLockRow).where(StackLockRow.stack_name == stack_name,
                                                  StackLockRow.holder == token))

    def holder(self, stack_name: str) -> LockHold | None:
        with self.db.transaction() as tx:
            row = tx.get(StackLockRow, stack_name)
            if row is None or row.expires_at < database_now(tx):
                return None
            return _as_hold(row)

    def held_here(self, stack_name: str) -> LockHold | None:
        return self._mine.get(stack_name)

    def when_lost(self, callback: LeaseLost) -> None:
        self._callbacks.append(callback)

    def lease_lost(self, stack_name: str) -> None:
        for callback in self._callbacks:
            callback(stack_name)

    @contextmanager
    def hold(self, stack_name: str, operation: str,
             timeout_seconds: float | None = None) -> Iterator[LockHold]:
        wait = self.timeout_seconds if timeout_seconds is None else timeout_seconds
        deadline = time.monotonic() + wait
        token = str(uuid.uuid4())
        pause = _FIRST_POLL
        while (hold := self.try_acquire(stack_name, operation, token)) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise busy_error(stack_name, self.holder(stack_name))
            time.sleep(min(pause, left))
            pause = min(pause * 1.5, _LONGEST_POLL)
        renewal = _Renewal(self, hold, token)
        self._mine[stack_name] = hold
        renewal.thread.start()
        try:
            yield hold
        finally:
            renewal.stopped.set()
            renewal.thread.join()
            self._mine.pop(stack_name, None)
            self.release(stack_name, token)


def database_stack_locks(settings: Settings) -> DatabaseStackLocks:
    """The platform's stack lock: in the database every host of the platform shares."""
    return DatabaseStackLocks(Database(settings.db_url), settings.host_name,
                              settings.stack_lock_timeout_seconds,
                              settings.stack_lock_lease_seconds)
