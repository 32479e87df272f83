"""Every per-user route needs its owner's token: another user's ids answer 404, exactly like
ids that do not exist, and no token answers 401."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ADMIN_TOKEN, auth, new_user

pytestmark = [pytest.mark.slow, pytest.mark.db]


def _per_user_routes(owner: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    execution, session, user = owner["execution_id"], owner["session_id"], owner["user_id"]
    return [
        ("GET", f"/api/status/{execution}", None),
        ("GET", f"/api/events/{execution}", None),
        ("GET", f"/api/screenshot/{execution}", None),
        ("POST", f"/api/chat/{execution}", {"message": "make it blue"}),
        ("GET", f"/api/chat/{execution}/history", None),
        ("POST", f"/api/redeploy/{execution}", None),
        ("POST", f"/api/cancel/{execution}", None),
        ("GET", f"/api/user/{user}/sessions", None),
        ("GET", f"/api/users/{user}/stacks", None),
        ("DELETE", f"/api/sessions/{session}", None),
        ("POST", f"/api/sessions/{session}/extend", {"days": 1}),
        ("GET", f"/api/session/{user}/status", None),
        ("POST", f"/api/session/{user}/refine", {"message": "make it blue"}),
    ]


def test_other_users_ids_answer_404_and_no_token_401(client: TestClient) -> None:
    alice = new_user(client, "alice@example.com")
    bob = new_user(client, "bob@example.com")
    for method, path, body in _per_user_routes(alice):
        as_bob = client.request(method, path, json=body, headers=auth(bob["token"]))
        assert as_bob.status_code == 404, (method, path, as_bob.text)
        assert as_bob.json()["error"]["message"] == "not found"
        anonymous = client.request(method, path, json=body)
        assert anonymous.status_code == 401, (method, path)
        forged = client.request(method, path, json=body, headers=auth("tb_forged"))
        assert forged.status_code == 401, (method, path)
    status = client.get(f"/api/status/{alice['execution_id']}", headers=auth(alice["token"]))
    assert status.status_code == 200 and status.json()["status"] == "queued"


def test_unknown_ids_look_like_other_users_ids(client: TestClient) -> None:
    alice = new_user(client, "alice@example.com")
    missing = alice["execution_id"][:-4] + "ffff"
    response = client.get(f"/api/status/{missing}", headers=auth(alice["token"]))
    assert response.status_code == 404 and response.json()["error"]["message"] == "not found"


def test_admin_token_is_not_a_user_token(client: TestClient) -> None:
    alice = new_user(client, "alice@example.com")
    response = client.get(f"/api/status/{alice['execution_id']}", headers=auth(ADMIN_TOKEN))
    assert response.status_code == 401


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/api/create-user" in spec["paths"] and "/api/events/{execution_id}" in spec["paths"]
    assert client.get("/docs").status_code == 200
