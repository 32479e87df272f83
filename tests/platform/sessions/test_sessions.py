"""Bad requests are refused, naming the field, before anything is written."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tmux_builder.domain import user_id_for
from tmux_builder.errors import IdentityTakenError, InvalidInputError
from tmux_builder.platform.accounts.tokens import hash_token
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, Execution, Job, SessionRow, Token, User
from tmux_builder.platform.sessions.creation import SessionRequest, create_session
from tmux_builder.platform.sessions.requests import send_chat

pytestmark = pytest.mark.db

GOOD = SessionRequest("Ann@Example.com", "+1 555 0100", "local", "static",
                      "A portfolio site for a photographer with a gallery.")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"host_provider": "gcp"}, "host_provider"),
        ({"site_type": "wordpress"}, "site_type"),
        ({"requirements": "   "}, "requirements"),
        ({"requirements": "x" * 20001}, "requirements"),
        ({"ttl_days": 0}, "ttl_days"),
    ],
)
def test_bad_requests_name_the_field_and_write_nothing(
    settings: Settings, tmp_path: Path, change: dict, field: str
) -> None:
    db = Database(settings.db_url)
    with pytest.raises(InvalidInputError) as error:
        create_session(db, settings, replace(GOOD, **change))
    assert error.value.field == field
    with db.transaction() as tx:
        for model in (User, Token, SessionRow, Execution, Job):
            assert tx.scalar(select(func.count()).select_from(model)) == 0


def test_same_person_one_user_many_sessions(settings: Settings, tmp_path: Path) -> None:
    db = Database(settings.db_url)
    a = create_session(db, settings, GOOD)
    b = create_session(db, settings, replace(GOOD, email="ann@example.com"),
                       signed_in_as=a.user_id)
    assert a.user_id == b.user_id == user_id_for("ann@example.com", "+15550100")
    assert a.session_id != b.session_id and a.token and b.token is None
    assert (a.expires_at - a.created_at).days == 5
    with db.transaction() as tx:
        assert tx.scalar(select(func.count()).select_from(User)) == 1
        hashes = set(tx.scalars(select(Token.token_hash)))
    assert hashes == {hash_token(a.token)}, "one token, stored hashed; the second mints none"


@pytest.mark.parametrize("signed_in_as", [None, user_id_for("bob@example.com", "+15550100")])
def test_existing_identity_without_its_user_is_refused(settings: Settings,
                                                        signed_in_as: str | None) -> None:
    db = Database(settings.db_url)
    create_session(db, settings, GOOD)
    before = _counts(db)
    with pytest.raises(IdentityTakenError) as error:
        create_session(db, settings, replace(GOOD, email="ANN@example.COM", phone="+1 (555) 01-00"),
                       signed_in_as=signed_in_as)
    assert error.value.field == "email" and "recover" in error.value.message
    assert _counts(db) == before, "nothing written, nothing minted"


def _counts(db: Database) -> dict[str, int]:
    with db.transaction() as tx:
        return {model.__name__: tx.scalar(select(func.count()).select_from(model)) or 0
                for model in (User, Token, SessionRow, Execution, Job)}


def test_chat_is_refused_while_work_is_queued(settings: Settings, tmp_path: Path) -> None:
    db = Database(settings.db_url)
    created = create_session(db, settings, GOOD)
    with pytest.raises(InvalidInputError) as error:
        send_chat(db, created.execution_id, "  ")
    assert error.value.field == "message"
    from tmux_builder.errors import StackBusyError

    with pytest.raises(StackBusyError):
        send_chat(db, created.execution_id, "make it blue")
