"""Secrets never reach logs, API responses, stack exports, the data folder or the agent's
environment: the admin token, user tokens, the Pulumi passphrase and cloud credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import libtmux
import psutil
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ADMIN_TOKEN, auth, new_user
from tmux_builder.api.app import create_app
from tmux_builder.platform.agent_driver import tmux_session_name
from tmux_builder.platform.settings import Settings
from tmux_builder.platform.site_server import stop_site_server_background
from tmux_builder.platform.worker import Worker

AWS_SECRET = "aws-secret-key-0123456789abcdef"
AZURE_SECRET = "azure-client-secret-fedcba9876543210"


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    monkeypatch.setenv("ARM_CLIENT_SECRET", AZURE_SECRET)
    monkeypatch.setenv("TMUX_BUILDER_ADMIN_TOKEN", ADMIN_TOKEN)


@pytest.fixture
def running(api_settings: Settings, secret_env: None) -> Iterator[tuple[TestClient, Settings]]:
    with TestClient(create_app(api_settings)) as client:
        yield client, api_settings
    stop_site_server_background(api_settings)
    server = libtmux.Server(socket_name=api_settings.tmux_socket)
    if server.is_alive():
        server.kill()


def _agent_environments(settings: Settings, execution_id: str) -> list[str]:
    server = libtmux.Server(socket_name=settings.tmux_socket)
    session = server.sessions.get(session_name=tmux_session_name(execution_id))
    pane = session.active_pane
    assert pane is not None and pane.pane_pid
    root = psutil.Process(int(pane.pane_pid))
    return [Path(f"/proc/{p.pid}/environ").read_bytes().decode(errors="replace")
            for p in [root, *root.children(recursive=True)]]


def test_no_secret_leaks_anywhere(running: tuple[TestClient, Settings]) -> None:
    client, settings = running
    owner = new_user(client, "secret@example.com", requirements=(
        'A site called "Quiet Place" with an about section and a contact form.'))
    token, execution_id = owner["token"], owner["execution_id"]
    worker = Worker.create(client.app.state.tb.db, settings)  # type: ignore[attr-defined]
    while worker.run_once():
        pass
    passphrase = settings.passphrase_file.read_text(encoding="utf-8").strip()
    secrets = {"admin token": ADMIN_TOKEN, "user token": token, "passphrase": passphrase,
               "aws secret": AWS_SECRET, "azure secret": AZURE_SECRET}

    headers = auth(token)
    bodies = [client.get(path, headers=headers).text for path in (
        f"/api/status/{execution_id}", f"/api/events/{execution_id}",
        f"/api/chat/{execution_id}/history", f"/api/user/{owner['user_id']}/sessions",
        f"/api/users/{owner['user_id']}/stacks", f"/api/session/{owner['user_id']}/status",
        "/healthz", "/openapi.json")]
    status = json.loads(bodies[0])
    assert status["status"] == "completed", status["error"]
    stack = f"{owner['user_id']}_{owner['session_id']}"
    bodies.append(json.dumps(client.app.state.tb.engine.export(stack)))  # type: ignore[attr-defined]
    environments = _agent_environments(settings, execution_id)
    assert environments and all("PATH=" in env for env in environments)

    files = [p for p in settings.data_dir.rglob("*")
             if p.is_file() and not p.is_symlink() and p != settings.passphrase_file]
    assert len(files) > 20
    for name, secret in secrets.items():
        for text in bodies + environments:
            assert secret not in text, f"{name} leaked into a response, export or agent env"
        for path in files:
            assert secret.encode() not in path.read_bytes(), f"{name} leaked into {path}"
    client.app.state.tb.engine.destroy(stack)  # type: ignore[attr-defined]
