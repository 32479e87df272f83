"""Request rate limits counted in the database, so that every API host counts alike (SPEC
section 15): a limit cannot be got around by sending each request to another host.

Each (scope, key) has one row per fixed window holding its hits. A hit is counted with one
upsert (``INSERT ... ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits``), which takes
the row's lock on PostgreSQL and the write lock on SQLite, so two hosts counting at once are
serialised. The rate is the sliding-window estimate: the previous window's hits weighted by
how much of it still overlaps the last ``window`` seconds, plus the current window's. A hit
that would pass a limit is not counted (the transaction is rolled back), so refused requests
do not lock a client out for longer. Time is the database's clock on PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, Index, Integer, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from tmux_builder.platform.db.database import Database
from tmux_builder.platform.db.models import Base
from tmux_builder.platform.db.stack_locks import database_now


class RateLimitWindow(Base):
    """Hits of one key in one fixed window of a scope (``creations:address``, ...)."""

    __tablename__ = "rate_limit_windows"
    __table_args__ = (Index("ix_rate_limit_windows_start", "scope", "window_start_ms"),)

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    window_start_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` hits of ``key`` in any ``window_seconds``; ``field`` names what a
    refusal is about (``client_address``, ``email``)."""

    scope: str
    key: str
    limit: int
    window_seconds: float
    field: str


@dataclass(frozen=True)
class Refusal:
    limit: Limit
    retry_after: int  # whole seconds, at least 1


class _Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal


def count_hit(db: Database, limits: Sequence[Limit]) -> Refusal | None:
    """Count one hit against every limit in one transaction. When one of them would pass
    its limit nothing is counted and its refusal is returned (the first, in order)."""
    first_hits: list[Limit] = []
    try:
        with db.transaction() as tx:
            now_ms = database_now(tx).timestamp() * 1000
            for limit in limits:
                if _count(tx, limit, now_ms) == 1:
                    first_hits.append(limit)
    except _Refused as refused:
        return refused.refusal
    for limit in first_hits:  # a key's first hit in a window clears its scope's old windows
        _forget_old_windows(db, limit, now_ms)
    return None


def _window_ms(limit: Limit) -> int:
    return max(int(limit.window_seconds * 1000), 1)


def _count(tx: Session, limit: Limit, now_ms: float) -> int:
    width = _window_ms(limit)
    start = int(now_ms // width) * width
    insert = (postgresql.insert if tx.get_bind().dialect.name == "postgresql"
              else sqlite.insert)(RateLimitWindow)
    hits: int = tx.execute(
        insert.values(scope=limit.scope, key=limit.key, window_start_ms=start, hits=1)
        .on_conflict_do_update(index_elements=["scope", "key", "window_start_ms"],
                               set_={"hits": RateLimitWindow.hits + 1})
        .returning(RateLimitWindow.hits)
    ).scalar_one()
    previous = tx.scalar(select(RateLimitWindow.hits).where(
        RateLimitWindow.scope == limit.scope, RateLimitWindow.key == limit.key,
        RateLimitWindow.window_start_ms == start - width)) or 0
    elapsed = (now_ms - start) / width
    if previous * (1 - elapsed) + hits > limit.limit:
        raise _Refused(Refusal(limit, _retry_after(limit, previous, hits - 1, elapsed)))
    return hits


def _retry_after(limit: Limit, previous: int, current: int, elapsed: float) -> int:
    """Seconds until one more hit fits (in window units first): in this window once the
    previous window's weight has dropped enough; else in the next one, once this window's
    hits (then the previous) weigh little enough."""
    room = limit.limit - 1 - current
    if room >= 0:
        wait = max(1 - room / previous - elapsed, 0.0) if previous else 0.0
    else:
        wait = (1 - elapsed) + max(1 - (limit.limit - 1) / current, 0.0)
    return max(1, math.ceil(wait * limit.window_seconds))


def _forget_old_windows(db: Database, limit: Limit, now_ms: float) -> None:
    width = _window_ms(limit)
    oldest_kept = int(now_ms // width) * width - width
    with db.transaction() as tx:
        tx.execute(delete(RateLimitWindow).where(RateLimitWindow.scope == limit.scope,
                                                 RateLimitWindow.window_start_ms < oldest_kept))
