"""API fixtures: the real app on a real SQLite file (TestClient), and users made through it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libtmux
import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.api.live_server import wait_until_healthy
from tests.conftest import free_port
from tmux_builder.api.app import create_app
from tmux_builder.platform.settings import Settings
from tmux_builder.platform.site_server import stop_site_server_background

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


@pytest.fixture
def server(api_settings: Settings) -> Iterator[str]:
    """The real app with one worker, served by uvicorn on a free loopback port."""
    configured = api_settings.model_copy(update={"workers": 1, "api_port": free_port(),
                                                 "reaper_interval_seconds": 3600})
    app = create_app(configured, serve_workers=True)
    config = uvicorn.Config(app, host="127.0.0.1", port=configured.api_port, log_level="warning")
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{configured.api_port}"
    wait_until_healthy(base)
    yield base
    runner.should_exit = True
    thread.join(timeout=60)
    stop_site_server_background(configured)
    tmux = libtmux.Server(socket_name=configured.tmux_socket)
    if tmux.is_alive():
        tmux.kill()
