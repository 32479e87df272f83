"""The API against a real server with real workers: create -> 9/9 with a URL; SSE events in
order ending with the final state; chat + redeploy -> build_v2; DELETE tears it all down."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import libtmux
import pytest

from tests.api.conftest import auth
from tests.support.waiting import wait_until
from tmux_builder.api.app import create_app
from tmux_builder.domain import FINAL_EXECUTION_STATUSES as FINAL
from tmux_builder.platform.agent.driver import tmux_session_name
from tmux_builder.platform.core.settings import Settings
from tmux_builder.stacks.workspace import engine_env

pytestmark = [pytest.mark.slow, pytest.mark.db]


def _events(base: str, execution_id: str, token: str) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    with httpx.stream("GET", f"{base}/api/events/{execution_id}", headers=auth(token),
                      timeout=300) as response:
        assert response.status_code == 200
        name = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and name:
                events.append((name, json.loads(line.split(":", 1)[1])))
                if name == "end":
                    break
    return events


def _wait_done(base: str, execution_id: str, token: str) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        status = httpx.get(f"{base}/api/status/{execution_id}", headers=auth(token)).json()
        return dict(status) if status["status"] in FINAL else None

    return wait_until(ended, timeout=300, interval=0.5, what=f"execution {execution_id}")


def test_create_follow_chat_redeploy_teardown(server: str, api_settings: Settings) -> None:
    created = httpx.post(f"{server}/api/create-user", json={
        "email": "flow@example.com", "phone": "+15550100", "host_provider": "local",
        "site_type": "static", "requirements": 'A site for a florist called "Petal Post" with '
        "a pink theme, a gallery and a contact form."}).json()
    token, execution_id = created["token"], created["execution_id"]

    events = _events(server, execution_id, token)
    assert events[-1][0] == "end" and events[-1][1]["status"] == "completed"
    assert events[-1][1]["completed_steps"] == 9 and events[-1][1]["deployed_url"]
    completed = [d["number"] for name, d in events if name == "step" and d["status"] == "completed"]
    assert completed == list(range(1, 10)), "steps complete in order"
    percents = [d["percent"] for name, d in events if name == "status"]
    assert percents == sorted(percents) and percents[-1] == 100
    replay = _events(server, execution_id, token)
    assert [e for e in replay if e[0] == "step" and e[1]["status"] == "completed"] == [
        e for e in events if e[0] == "step" and e[1]["status"] == "completed"], "replayed"

    url = events[-1][1]["deployed_url"]
    assert "Petal Post" in httpx.get(url).text
    shot = httpx.get(f"{server}/api/screenshot/{execution_id}?thumbnail=true", headers=auth(token))
    assert shot.status_code == 200 and shot.content[:4] == b"\x89PNG"

    assert httpx.post(f"{server}/api/chat/{execution_id}", headers=auth(token),
                      json={"message": 'change the title to "Bloom Box"'}).status_code == 202
    def answered() -> dict[str, Any] | None:
        history = httpx.get(f"{server}/api/chat/{execution_id}/history",
                            headers=auth(token)).json()
        return history if any(m["role"] == "agent" for m in history["messages"]) else None

    history = wait_until(answered, timeout=120, interval=0.5, what="the agent's reply")
    assert "offline-agent" in history["pane"] or history["pane"]
    redeploy = httpx.post(f"{server}/api/redeploy/{execution_id}", headers=auth(token))
    assert redeploy.status_code == 202 and redeploy.json()["run"] == 2
    status = _wait_done(server, execution_id, token)
    assert status["status"] == "completed", status["error"]
    assert [b["label"] for b in status["builds"]] == ["build_v1", "build_v2"]
    assert "Bloom Box" in httpx.get(status["deployed_url"]).text

    user_id, session_id = created["user_id"], created["session_id"]
    stacks = httpx.get(f"{server}/api/users/{user_id}/stacks", headers=auth(token)).json()
    assert [s["name"] for s in stacks] == [f"{user_id}_{session_id}"]
    gone = httpx.delete(f"{server}/api/sessions/{session_id}", headers=auth(token))
    assert gone.status_code == 202, gone.text

    def torn_down() -> dict[str, Any] | None:
        answer = httpx.get(f"{server}{gone.json()['status_url']}", headers=auth(token)).json()
        return dict(answer) if answer["job_status"] in ("done", "failed") else None

    teardown = wait_until(torn_down, timeout=120, interval=0.5, what="the teardown job")
    assert teardown["torn_down"] and teardown["details"]["stack"] == "destroyed", teardown
    engine = server and create_app(api_settings).state.tb.engine
    listing = subprocess.run([str(engine.config.pulumi_binary), "stack", "ls", "--json"],
                             cwd=engine.config.work_dir, env=engine_env(engine.config),
                             capture_output=True, text=True, check=True)
    assert json.loads(listing.stdout) == []
    tmux = libtmux.Server(socket_name=api_settings.tmux_socket)
    assert not (tmux.is_alive() and tmux.has_session(tmux_session_name(execution_id)))
    archives = list((api_settings.data_dir / "archives").glob("*.tar.gz"))
    assert len(archives) == 1 and session_id in archives[0].name
    assert not Path(api_settings.users_dir / user_id / "sessions" / session_id).exists()
    assert httpx.get(url).status_code == 404
