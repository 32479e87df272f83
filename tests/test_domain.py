from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tmux_builder.domain import (
    execution_id_for,
    new_session_id,
    user_id_for,
    validate_session_id,
    validate_user_id,
)
from tmux_builder.errors import InvalidInputError


def test_same_person_same_user_id() -> None:
    a = user_id_for(" Alice@Example.com ", "+1 (555) 010-0000")
    assert a == user_id_for("alice@example.com", "+15550100000")
    assert a != user_id_for("alice@example.com", "+15550100001")
    assert validate_user_id(a) == a


def test_session_ids_do_not_collide_within_a_second() -> None:
    moment = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
    ids = {new_session_id(moment) for _ in range(50)}
    assert len(ids) > 40 and all(i.startswith("sess_20261122_100000_") for i in ids)
    assert validate_session_id(next(iter(ids)))


@pytest.mark.parametrize("bad", ["", "sess_1", "../etc", "sess_20261122_100000_zzzz"])
def test_bad_session_ids(bad: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        validate_session_id(bad)
    assert error.value.field == "session_id"


def test_execution_id_checks_both_parts() -> None:
    user = user_id_for("a@b.c", "1")
    session = "sess_20261122_100000_abcd"
    assert execution_id_for(user, session) == f"{user}_{session}"
    with pytest.raises(InvalidInputError):
        execution_id_for("not-a-uuid", "sess_20261122_100000_abcd")
