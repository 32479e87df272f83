"""API fixtures: the real app on a real SQLite file (TestClient), and users made through it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tmux_builder.api.app import create_app
from tmux_builder.platform.settings import Settings

ADMIN_TOKEN = "admin-test-token-123456"


@pytest.fixture
def api_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"admin_token": SecretStr(ADMIN_TOKEN),
                                       "tmux_socket": f"tb-api-{tmp_path.name[-12:]}"})


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as test_client:
        yield test_client


def new_user(client: TestClient, email: str, **overrides: Any) -> dict[str, Any]:
    body = {"email": email, "phone": "+1 555 0100", "host_provider": "local",
            "site_type": "static", "requirements": "A small site about tea with a contact form."}
    response = client.post("/api/create-user", json={**body, **overrides})
    assert response.status_code == 201, response.text
    return dict(response.json())


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
