"""Tokens people manage, attacked: revoked, rotated-away and expired tokens get 401 on every
route; a read token reads but cannot chat, redeploy, cancel, extend, tear down or mint a
stronger token (403, nothing changed); another user's token ids answer 404; no answer ever
carries a token's hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.api.conftest import auth, new_user, row_counts
from tmux_builder.api.app import create_app
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import SessionRow, Token

pytestmark = [pytest.mark.slow, pytest.mark.db]


def _reads(owner: dict[str, Any]) -> list[tuple[str, str]]:
    execution, user = owner["execution_id"], owner["user_id"]
    return [("GET", f"/api/status/{execution}"), ("GET", f"/api/events/{execution}"),
            ("GET", f"/api/chat/{execution}/history"), ("GET", f"/api/user/{user}/sessions"),
            ("GET", f"/api/users/{user}/stacks"), ("GET", f"/api/session/{user}/status"),
            ("GET", "/api/tokens")]


def _writes(owner: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    execution, session, user = owner["execution_id"], owner["session_id"], owner["user_id"]
    return [
        ("POST", f"/api/chat/{execution}", {"message": "make it blue"}),
        ("POST", f"/api/session/{user}/refine", {"message": "make it blue"}),
        ("POST", f"/api/redeploy/{execution}", None),
        ("POST", f"/api/cancel/{execution}", None),
        ("POST", f"/api/sessions/{session}/extend", {"days": 1}),
        ("DELETE", f"/api/sessions/{session}", None),
        ("POST", "/api/tokens", {"name": "stronger", "scope": "write"}),
        ("PATCH", "/api/tokens/1", {"name": "renamed"}),
        ("POST", "/api/tokens/1/rotate", None),
        ("DELETE", "/api/tokens/1", None),
    ]


def _snapshot(client: TestClient, owner: dict[str, Any]) -> tuple[Any, ...]:
    db = client.app.state.tb.db  # type: ignore[attr-defined]
    with db.transaction() as tx:
        session = tx.get_one(SessionRow, owner["session_id"])
        tokens = [(t.name, t.scope, t.revoked_at) for t in tx.scalars(select(Token))]
        return (row_counts(client), session.status, session.expires_at, tokens,
                session.executions[0].cancel_requested)


def test_a_read_token_reads_but_changes_nothing(client: TestClient) -> None:
    owner = new_user(client, "owner@example.com")
    reader = client.post("/api/tokens", json={"name": "dashboard on the wall", "scope": "read"},
                         headers=auth(owner["token"]))
    assert reader.status_code == 201 and reader.json()["scope"] == "read"
    headers = auth(reader.json()["token"])
    for method, path in _reads(owner):
        if path.startswith("/api/events/"):
            continue  # a queued execution's stream never ends; its read is checked live
        assert client.request(method, path, headers=headers).status_code == 200, path
    before = _snapshot(client, owner)
    for method, path, body in _writes(owner):
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["field"] == "authorization"
    assert _snapshot(client, owner) == before, "a read token changed something"


def test_revoked_and_rotated_tokens_get_401_everywhere(client: TestClient) -> None:
    owner = new_user(client, "owner@example.com")
    first = auth(owner["token"])
    spare = client.post("/api/tokens", json={"name": "spare"}, headers=first).json()
    rotated = client.post(f"/api/tokens/{spare['id']}/rotate", headers=first)
    assert rotated.status_code == 201
    successor = rotated.json()
    assert (successor["name"], successor["scope"]) == ("spare", "write")
    assert successor["token"] != spare["token"]

    revoked = client.delete("/api/tokens/1", headers=auth(successor["token"]))
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    for dead in (spare["token"], owner["token"]):
        for method, path in _reads(owner):
            assert client.request(method, path, headers=auth(dead)).status_code == 401, path
        for method, path, body in _writes(owner):
            response = client.request(method, path, json=body, headers=auth(dead))
            assert response.status_code == 401, (method, path)
    live = client.get("/api/tokens", headers=auth(successor["token"])).json()
    assert [(t["name"], t["state"], t["current"]) for t in live] == [
        ("first session", "revoked", False), ("spare", "revoked", False),
        ("spare", "active", True)]
    assert client.post(f"/api/tokens/{spare['id']}/rotate",
                       headers=auth(successor["token"])).status_code == 409


def test_expired_tokens_get_401(api_settings: Settings) -> None:
    capped = api_settings.model_copy(update={"token_ttl_days": 1})
    with TestClient(create_app(capped)) as client:
        owner = new_user(client, "owner@example.com")
        listed = client.get("/api/tokens", headers=auth(owner["token"])).json()
        assert listed[0]["expires_at"] is not None, "the setting gives every token a lifetime"
        too_long = client.post("/api/tokens", json={"name": "forever", "expires_in_days": 30},
                               headers=auth(owner["token"]))
        assert too_long.status_code == 422
        assert too_long.json()["error"]["field"] == "expires_in_days"
        short = client.post("/api/tokens", json={"name": "short", "expires_in_days": 0.5},
                            headers=auth(owner["token"])).json()
        db = client.app.state.tb.db  # type: ignore[attr-defined]
        with db.transaction() as tx:
            tx.execute(update(Token).where(Token.id == short["id"]).values(
                expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        for method, path in _reads(owner):
            assert client.request(method, path,
                                  headers=auth(short["token"])).status_code == 401, path
        listed = client.get("/api/tokens", headers=auth(owner["token"])).json()
        assert [t["state"] for t in listed] == ["active", "expired"]


def test_token_ids_of_another_user_are_404_and_names_are_checked(client: TestClient) -> None:
    alice = new_user(client, "alice@example.com")
    bob = new_user(client, "bob@example.com")
    alice_token_id = client.get("/api/tokens", headers=auth(alice["token"])).json()[0]["id"]
    for method, path, body in (("PATCH", f"/api/tokens/{alice_token_id}", {"name": "mine"}),
                               ("DELETE", f"/api/tokens/{alice_token_id}", None),
                               ("POST", f"/api/tokens/{alice_token_id}/rotate", None),
                               ("DELETE", "/api/tokens/999999", None)):
        response = client.request(method, path, json=body, headers=auth(bob["token"]))
        assert response.status_code == 404, (method, path, response.text)
    assert client.get(f"/api/status/{alice['execution_id']}",
                      headers=auth(alice["token"])).status_code == 200, "alice untouched"
    for body, field in (({"name": ""}, "name"), ({"name": "x" * 65}, "name"),
                        ({"name": "tab\there"}, "name"), ({"name": "ok", "scope": "admin"},
                                                          "scope"),
                        ({"name": "ok", "expires_in_days": 0}, "expires_in_days")):
        response = client.post("/api/tokens", json=body, headers=auth(bob["token"]))
        assert response.status_code == 422 and response.json()["error"]["field"] == field, body
    renamed = client.patch(f"/api/tokens/{alice_token_id}", json={"name": " phone "},
                           headers=auth(alice["token"]))
    assert renamed.status_code == 200 and renamed.json()["name"] == "phone"
    for path in ("/api/tokens/0", "/api/tokens/abc", "/api/tokens/99999999999"):
        assert client.delete(path, headers=auth(bob["token"])).status_code == 422, path


def test_no_answer_carries_a_hash_and_live_tokens_are_capped(api_settings: Settings) -> None:
    capped = api_settings.model_copy(update={"max_tokens_per_user": 3})
    with TestClient(create_app(capped)) as client:
        owner = new_user(client, "owner@example.com")
        headers = auth(owner["token"])
        made = [client.post("/api/tokens", json={"name": f"t{i}"}, headers=headers)
                for i in range(3)]
        assert [r.status_code for r in made] == [201, 201, 409]
        assert made[2].json()["error"]["field"] == "tokens"
        db = client.app.state.tb.db  # type: ignore[attr-defined]
        with db.transaction() as tx:
            hashes = list(tx.scalars(select(Token.token_hash)))
        listing = client.get("/api/tokens", headers=headers).text
        assert not any(h in listing or h in r.text for h in hashes for r in made)
        assert owner["token"] not in listing, "a listed token never shows its secret"


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "tb_x",
                                    "Bearer tb_x tb_y", "Bearer " + "a" * 5000])
def test_malformed_authorization_headers_get_401(client: TestClient, header: str) -> None:
    owner = new_user(client, "owner@example.com")
    response = client.get(f"/api/status/{owner['execution_id']}",
                          headers={"Authorization": header})
    assert response.status_code == 401, response.text
