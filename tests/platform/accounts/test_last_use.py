"""A token's last use is recorded to the minute: the first use and a use a minute later
write it, the polls in between write nothing (a status poll is a read)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tmux_builder.platform.accounts.tokens import authenticate
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, Token
from tmux_builder.platform.sessions.creation import SessionRequest, create_session

pytestmark = pytest.mark.db


def test_last_use_is_written_at_most_once_a_minute(settings: Settings) -> None:
    db = Database(settings.db_url)
    created = create_session(db, settings, SessionRequest(
        "ann@example.com", "+15550100", "local", "static", "A page about tea."))
    assert created.token is not None
    start = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    def last_use() -> datetime | None:
        with db.transaction() as tx:
            return tx.get_one(Token, caller.token_id).last_used_at

    caller = authenticate(db, created.token, now=start)
    assert last_use() == start
    authenticate(db, created.token, now=start + timedelta(seconds=59))
    assert last_use() == start
    authenticate(db, created.token, now=start + timedelta(seconds=61))
    assert last_use() == start + timedelta(seconds=61)
    db.dispose()
