"""The creation limits are counted in the database: two API hosts (two app objects on one
database) share the count, so switching host does not reset it, for the identity and for the
client address alike; the recovery limits too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tmux_builder.api.app import create_app
from tmux_builder.platform.core.settings import Settings

pytestmark = pytest.mark.db

GOOD = {"email": "ann@example.com", "phone": "+1 555 0100", "host_provider": "local",
        "site_type": "static", "requirements": "A portfolio site for a photographer."}


@pytest.fixture
def two_hosts(api_settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    limited = api_settings.model_copy(update={"create_limit_per_user": 2,
                                              "create_limit_per_address": 3})
    with TestClient(create_app(limited)) as host_a, TestClient(create_app(limited)) as host_b:
        assert host_a.app is not host_b.app
        yield host_a, host_b


def test_switching_host_does_not_reset_the_identity_limit(
        two_hosts: tuple[TestClient, TestClient]) -> None:
    host_a, host_b = two_hosts
    first = host_a.post("/api/create-user", json=GOOD)
    assert first.status_code == 201
    owner = auth(first.json()["token"])
    assert host_b.post("/api/create-user", json=GOOD, headers=owner).status_code == 201
    for host in (host_a, host_b):
        refused = host.post("/api/create-user", json=GOOD, headers=owner)
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["field"] == "email"
        assert int(refused.headers["Retry-After"]) >= 1


def test_switching_host_does_not_reset_the_address_limit(
        two_hosts: tuple[TestClient, TestClient]) -> None:
    host_a, host_b = two_hosts
    statuses = [host.post("/api/create-user", json={**GOOD, "email": f"u{i}@example.com"})
                .status_code for i, host in enumerate((host_a, host_b, host_a, host_b))]
    assert statuses == [201, 201, 201, 429]
    refused = host_a.post("/api/create-user", json={**GOOD, "email": "u9@example.com"})
    assert refused.json()["error"]["field"] == "client_address"


def test_recovery_requests_are_counted_across_hosts(api_settings: Settings) -> None:
    mail = api_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 9,
                                           "auth_limit_per_window": 2})
    with TestClient(create_app(mail)) as host_a, TestClient(create_app(mail)) as host_b:
        body = {"email": "nobody@example.com"}
        assert host_a.post("/api/auth/recover", json=body).status_code == 202
        assert host_b.post("/api/auth/recover", json=body).status_code == 202
        assert host_a.post("/api/auth/recover", json=body).status_code == 429
        assert host_b.post("/api/auth/recover", json=body).status_code == 429
