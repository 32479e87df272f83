"""Bad input answers 4xx with a JSON body naming the field and the rule; never a 500, and
the database holds nothing new."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth, new_user, row_counts

pytestmark = pytest.mark.db

GOOD = {"email": "ann@example.com", "phone": "+1 555 0100", "host_provider": "local",
        "site_type": "static", "requirements": "A portfolio site for a photographer."}
REGISTER = {"email": "ann@example.com", "phone": "+1 555 0100",
            "initial_request": "A portfolio site for a photographer."}


def _cases(good: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    cases = []
    for field in good:
        cases.append((f"{field} missing", {k: v for k, v in good.items() if k != field}, field))
        cases.append((f"{field} wrong type", {**good, field: 12345}, field))
        cases.append((f"{field} too long", {**good, field: "x" * 20001}, field))
    cases.append(("unknown provider", {**good, "host_provider": "gcp"}, "host_provider"))
    cases.append(("unknown site type", {**good, "site_type": "cms"}, "site_type"))
    cases.append(("bad email", {**good, "email": "not-an-email"}, "email"))
    cases.append(("bad phone", {**good, "phone": "call me maybe"}, "phone"))
    cases.append(("blank requirements", {**good, "requirements": "          "}, "requirements"))
    cases.append(("extra field", {**good, "admin": True}, "admin"))
    cases.append(("ttl_days boolean", {**good, "ttl_days": True}, "ttl_days"))
    cases.append(("ttl_days numeric string", {**good, "ttl_days": "3"}, "ttl_days"))
    cases.append(("ttl_days too large", {**good, "ttl_days": 91}, "ttl_days"))
    return cases


def _assert_names(response: Any, field: str) -> None:
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["field"] == field or (field == "requirements" and error["field"] in
                                       ("requirements", "initial_request")), error
    assert error["rule"], error


@pytest.mark.parametrize(("name", "body", "field"),
                         [c for c in _cases(GOOD) if not c[0].startswith(("host_provider missing",
                                                                           "site_type missing"))])
def test_create_user_bad_input(client: TestClient, name: str, body: dict[str, Any],
                               field: str) -> None:
    before = row_counts(client)
    _assert_names(client.post("/api/create-user", json=body), field)
    assert row_counts(client) == before, f"{name} wrote something"


@pytest.mark.parametrize(("name", "body", "field"), _cases(REGISTER)[:9])
def test_register_bad_input(client: TestClient, name: str, body: dict[str, Any],
                            field: str) -> None:
    before = row_counts(client)
    _assert_names(client.post("/api/register", json=body), field)
    assert row_counts(client) == before, f"{name} wrote something"


def test_other_bodies_and_ids(client: TestClient) -> None:
    owner = new_user(client, "ann@example.com")
    headers = auth(owner["token"])
    execution, session = owner["execution_id"], owner["session_id"]
    before = row_counts(client)
    for body, field in (({}, "message"), ({"message": 5}, "message"),
                        ({"message": "x" * 4001}, "message"), ({"message": ""}, "message")):
        _assert_names(client.post(f"/api/chat/{execution}", json=body, headers=headers), field)
    for body, field in (({}, "days"), ({"days": "soon"}, "days"), ({"days": 0}, "days"),
                        ({"days": 365}, "days")):
        _assert_names(client.post(f"/api/sessions/{session}/extend", json=body,
                                  headers=headers), field)
    for path, field in (("/api/status/not-an-id", "execution_id"),
                        ("/api/status/..%2F..%2Fetc", "execution_id"),
                        (f"/api/user/{execution}/sessions", "user_id"),
                        ("/api/sessions/sess_bad/extend", "session_id")):
        method = "POST" if path.endswith("extend") else "GET"
        response = client.request(method, path, json={"days": 1}, headers=headers)
        assert response.status_code in (404, 422), (path, response.text)
        if response.status_code == 422:
            assert response.json()["error"]["field"] == field
    assert row_counts(client) == before


def test_creation_is_rate_limited_per_user(client: TestClient) -> None:
    first = client.post("/api/create-user", json=GOOD)
    assert first.status_code == 201
    owner = auth(first.json()["token"])
    for _ in range(4):
        assert client.post("/api/create-user", json=GOOD, headers=owner).status_code == 201
    limited = client.post("/api/create-user", json=GOOD, headers=owner)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.json()["error"]["field"] == "email"
    other = client.post("/api/create-user", json={**GOOD, "email": "other@example.com"})
    assert other.status_code == 201
