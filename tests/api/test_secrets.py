"""Secrets never reach logs, API responses, stack exports, the data folder or the agent's
environment: the admin token, user tokens, the Pulumi passphrase and cloud credentials. The
model credential reaches the Claude Code process and nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import libtmux
import psutil
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.api.conftest import ADMIN_TOKEN, auth, new_user
from tests.support.model_server import RunningModel
from tmux_builder.api.app import create_app
from tmux_builder.platform.agent.claude_code import find_claude_code
from tmux_builder.platform.agent.driver import tmux_session_name
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.platform.workers.worker import Worker

pytestmark = pytest.mark.slow

AWS_SECRET = "aws-secret-key-0123456789abcdef"
AZURE_SECRET = "azure-client-secret-fedcba9876543210"


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    monkeypatch.setenv("ARM_CLIENT_SECRET", AZURE_SECRET)
    monkeypatch.setenv("TMUX_BUILDER_ADMIN_TOKEN", ADMIN_TOKEN)


MODEL_CREDENTIAL = "model-credential-for-the-agent-only-7c1d9e"


@contextmanager
def _serving(settings: Settings) -> Iterator[tuple[TestClient, Settings]]:
    """The app, then everything it started stopped: site server, tmux."""
    with TestClient(create_app(settings)) as client:
        yield client, settings
    stop_site_server_background(settings)
    server = libtmux.Server(socket_name=settings.tmux_socket)
    if server.is_alive():
        server.kill()


@pytest.fixture
def running(api_settings: Settings, secret_env: None) -> Iterator[tuple[TestClient, Settings]]:
    with _serving(api_settings) as served:
        yield served


def _agent_processes(settings: Settings, execution_id: str) -> list[psutil.Process]:
    server = libtmux.Server(socket_name=settings.tmux_socket)
    session = server.sessions.get(session_name=tmux_session_name(execution_id))
    pane = session.active_pane
    assert pane is not None and pane.pane_pid
    root = psutil.Process(int(pane.pane_pid))
    return [root, *root.children(recursive=True)]


def _environ(process: psutil.Process) -> str:
    return Path(f"/proc/{process.pid}/environ").read_bytes().decode(errors="replace")


def _build_site(client: TestClient, settings: Settings) -> tuple[dict[str, str], dict[str, str]]:
    owner = new_user(client, "secret@example.com", requirements=(
        'A site called "Quiet Place" with an about section and a contact form.'))
    worker = Worker.create(client.app.state.tb.db, settings)  # type: ignore[attr-defined]
    while worker.run_once():
        pass
    passphrase = settings.passphrase_file.read_text(encoding="utf-8").strip()
    secrets = {"admin token": ADMIN_TOKEN, "user token": owner["token"],
               "passphrase": passphrase, "aws secret": AWS_SECRET, "azure secret": AZURE_SECRET}
    return owner, secrets


def _responses(client: TestClient, owner: dict[str, str]) -> list[str]:
    execution_id = owner["execution_id"]
    bodies = [client.get(path, headers=auth(owner["token"])).text for path in (
        f"/api/status/{execution_id}", f"/api/events/{execution_id}",
        f"/api/chat/{execution_id}/history", f"/api/user/{owner['user_id']}/sessions",
        f"/api/users/{owner['user_id']}/stacks", f"/api/session/{owner['user_id']}/status",
        "/healthz", "/openapi.json")]
    status = json.loads(bodies[0])
    assert status["status"] == "completed", status["error"]
    stack = f"{owner['user_id']}_{owner['session_id']}"
    bodies.append(json.dumps(client.app.state.tb.engine.export(stack).document()))  # type: ignore[attr-defined]
    return bodies


def _data_files(settings: Settings) -> list[Path]:
    files = [p for p in settings.data_dir.rglob("*")
             if p.is_file() and not p.is_symlink() and p != settings.passphrase_file]
    assert len(files) > 20
    return files


def _destroy(client: TestClient, owner: dict[str, str]) -> None:
    stack = f"{owner['user_id']}_{owner['session_id']}"
    client.app.state.tb.engine.destroy(stack)  # type: ignore[attr-defined]


def test_no_secret_leaks_anywhere(running: tuple[TestClient, Settings]) -> None:
    client, settings = running
    owner, secrets = _build_site(client, settings)
    execution_id = owner["execution_id"]

    bodies = _responses(client, owner)
    environments = [_environ(p) for p in _agent_processes(settings, execution_id)]
    assert environments and all("PATH=" in env for env in environments)
    files = _data_files(settings)
    for name, secret in secrets.items():
        for text in bodies + environments:
            assert secret not in text, f"{name} leaked into a response, export or agent env"
        for path in files:
            assert secret.encode() not in path.read_bytes(), f"{name} leaked into {path}"
    _destroy(client, owner)


@pytest.fixture
def claude_running(api_settings: Settings, secret_env: None,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Settings]]:
    """The platform with the claude profile against the scripted model; the credential is in
    the platform's own environment too, as a deployment would set it."""
    if find_claude_code(api_settings.toolchain_dir) is None:
        pytest.skip("Claude Code is not installed (run `make setup`)")
    monkeypatch.setenv("TMUX_BUILDER_MODEL_CREDENTIAL", MODEL_CREDENTIAL)
    with RunningModel() as model:
        configured = api_settings.model_copy(update={
            "agent_profile": "claude", "model_base_url": model.base_url,
            "model_credential": SecretStr(MODEL_CREDENTIAL), "model_name": "scripted-model",
            "model_max_retries": 0})
        with _serving(configured) as served:
            yield served


def test_model_credential_reaches_claude_code_and_nothing_else(
        claude_running: tuple[TestClient, Settings]) -> None:
    client, settings = claude_running
    owner, secrets = _build_site(client, settings)
    bodies = _responses(client, owner)
    processes = _agent_processes(settings, owner["execution_id"])
    claude = [p for p in processes if p.name().startswith("claude")]
    assert claude, [p.name() for p in processes]
    environ = _environ(claude[0])
    keys = {item.split("=", 1)[0] for item in environ.split("\0") if item}
    assert f"ANTHROPIC_AUTH_TOKEN={MODEL_CREDENTIAL}" in environ.split("\0")
    assert not any(k.startswith(("TMUX_BUILDER", "AWS", "ARM")) for k in keys), keys
    for name, secret in secrets.items():
        assert secret not in environ, f"{name} reached Claude Code"

    command_lines = []
    for process in psutil.process_iter(["cmdline"]):
        command_lines.append(" ".join(process.info.get("cmdline") or []))
    assert command_lines and not any(MODEL_CREDENTIAL in line for line in command_lines)
    e2e_logs = list(settings.data_dir.rglob("pytest.log"))
    assert e2e_logs and "environment:" in e2e_logs[0].read_text()
    for path in _data_files(settings):  # logs, the E2E run's environment, config seeds
        data = path.read_bytes()
        assert MODEL_CREDENTIAL.encode() not in data, f"the credential leaked into {path}"
        assert MODEL_CREDENTIAL[-20:].encode() not in data, f"part of it leaked into {path}"
    for text in bodies:
        assert MODEL_CREDENTIAL not in text
    _destroy(client, owner)
