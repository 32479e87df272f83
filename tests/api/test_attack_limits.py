"""Limits on every request, attacked: an oversized body (declared or chunked) gets 413 before
the app reads it; control characters get 422 naming the field; a non-ASCII bearer gets 401;
X-Forwarded-For is believed only from a configured proxy; open streams per user are capped
(429); token answers are never cached; the data folder and database file are private; no
answer tells where the server keeps its files. Nothing is written by a refused request."""

from __future__ import annotations

import json
import os
import socket
import stat
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import libtmux
import pytest
from fastapi.testclient import TestClient
from tenacity import retry, stop_after_delay, wait_fixed

from tests.api.conftest import ADMIN_TOKEN, auth, new_user, row_counts
from tests.api.live_server import serving
from tests.conftest import free_port
from tmux_builder.api.app import create_app
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.platform.workers.worker import Worker

pytestmark = pytest.mark.slow

SMALL_BODY = 4096
GOOD = {"email": "ann@example.com", "phone": "+1 555 0100", "host_provider": "local",
        "site_type": "static", "requirements": "A portfolio site for a photographer."}


@pytest.fixture
def live_settings(api_settings: Settings) -> Settings:
    return api_settings.model_copy(update={"api_port": free_port(), "max_body_bytes": SMALL_BODY,
                                           "max_streams_per_user": 2})


@pytest.fixture
def live(live_settings: Settings) -> Iterator[tuple[str, TestClient]]:
    """The app served by uvicorn (no workers: executions stay queued), plus a TestClient on
    the same app for counting rows."""
    app = create_app(live_settings)
    with serving(app, live_settings) as base, TestClient(app) as counter:
        yield base, counter


def _raw_exchange(base: str, request: bytes, chunks: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    """Send ``request`` (and ``chunks``) on a raw socket; the status line and headers back."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        for chunk in chunks:
            conn.sendall(chunk)
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = conn.recv(65536)
            if not data:
                break
            answer += data
    return answer


def test_a_declared_oversized_body_is_refused_before_it_is_sent(
        live: tuple[str, TestClient]) -> None:
    base, counter = live
    before = row_counts(counter)
    head = (b"POST /api/create-user HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n")
    answer = _raw_exchange(base, head)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"connection: close" in answer.lower()
    assert row_counts(counter) == before


def test_a_chunked_oversized_body_is_refused(live: tuple[str, TestClient]) -> None:
    base, counter = live
    before = row_counts(counter)
    head = (b"POST /api/create-user HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * 1024
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    answer = _raw_exchange(base, head, [chunk] * (SMALL_BODY // 1024 + 2))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert row_counts(counter) == before

    fits = json.dumps(GOOD).encode()
    small = httpx.post(f"{base}/api/create-user", content=iter([fits[:20], fits[20:]]),
                       headers={"Content-Type": "application/json"})
    assert small.status_code == 201, "a chunked body under the limit still works"


def test_oversized_bodies_through_the_app_write_nothing(client: TestClient) -> None:
    limit = client.app.state.tb.settings.max_body_bytes  # type: ignore[attr-defined]
    before = row_counts(client)
    padded = {**GOOD, "requirements": "x" * (limit + 1)}
    declared = client.post("/api/create-user", json=padded)
    chunked = client.post("/api/create-user", content=iter([b"{", b" " * limit, b"}"]),
                          headers={"Content-Type": "application/json"})
    for response in (declared, chunked):
        assert response.status_code == 413, response.text
        assert response.json()["error"]["field"] == "body"
    assert row_counts(client) == before


@pytest.mark.parametrize(("route", "body", "field"), [
    ("/api/create-user", {**GOOD, "requirements": "A site about tea\x00 and cake."},
     "requirements"),
    ("/api/create-user", {**GOOD, "requirements": "A site about tea\x1b[31m and cake."},
     "requirements"),
    ("/api/create-user", {**GOOD, "requirements": "A site about tea\x85 and cake."},
     "requirements"),
    ("/api/create-user", {**GOOD, "email": "ann@example.com\n"}, "email"),
    ("/api/create-user", {**GOOD, "phone": "+1 555 0100\x00"}, "phone"),
    ("/api/register", {"email": "ann@example.com", "phone": "+1 555 0100",
                       "initial_request": "A portfolio\x07 site for a photographer."},
     "initial_request"),
    ("/api/auth/recover", {"email": "ann@example.com\r\nBcc: all@example.com"}, "email"),
])
def test_control_characters_are_refused_naming_the_field(client: TestClient, route: str,
                                                         body: dict[str, Any],
                                                         field: str) -> None:
    before = row_counts(client)
    response = client.post(route, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert row_counts(client) == before


def test_control_characters_in_chat_and_token_names(client: TestClient) -> None:
    owner = new_user(client, "ann@example.com",
                     requirements="A site about tea.\n\tWith a menu\r\nand a contact form.")
    before = row_counts(client)
    headers = auth(owner["token"])
    for path, body, field in ((f"/api/chat/{owner['execution_id']}",
                               {"message": "make it \x00blue"}, "message"),
                              (f"/api/session/{owner['user_id']}/refine",
                               {"message": "\x08\x08\x08"}, "message"),
                              ("/api/tokens", {"name": "lap\x00top"}, "name"),
                              ("/api/tokens/1", {"name": "lap\ntop"}, "name")):
        method = "PATCH" if path == "/api/tokens/1" else "POST"
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"]["field"] == field
        assert response.json()["error"]["rule"] == "control_characters"
    assert row_counts(client) == before


def test_non_ascii_bearer_tokens_get_401(live: tuple[str, TestClient]) -> None:
    base, counter = live
    owner = new_user(counter, "ann@example.com")
    for value in ("Bearer tökén".encode(), "Bearer ☃".encode(), b"Bearer \xff\xfe",
                  ("Bearer " + owner["token"] + "é").encode()):
        headers = {"Authorization": value}
        for method, path in (("GET", f"/api/status/{owner['execution_id']}"),
                             ("GET", "/api/tokens"), ("GET", "/api/admin/stacks"),
                             ("POST", "/api/admin/reap")):
            response = httpx.request(method, base + path, headers=headers)
            assert response.status_code == 401, (value, path, response.text)
        created = httpx.post(f"{base}/api/create-user", json={**GOOD, "email": "b@example.com"},
                             headers=headers)
        assert created.status_code == 401
    assert httpx.get(f"{base}/api/admin/stacks",
                     headers=auth(ADMIN_TOKEN)).status_code == 200


def _create_as(base: str, index: int, forwarded: str) -> httpx.Response:
    return httpx.post(f"{base}/api/create-user", headers={"X-Forwarded-For": forwarded},
                      json={**GOOD, "email": f"user{index}@example.com"})


def test_forwarded_for_from_an_untrusted_peer_is_ignored(live_settings: Settings) -> None:
    limited = live_settings.model_copy(update={"create_limit_per_address": 2})
    with serving(create_app(limited), limited) as base:
        statuses = [_create_as(base, i, f"203.0.113.{i}").status_code for i in range(3)]
    assert statuses == [201, 201, 429], "a spoofed X-Forwarded-For does not reset the limit"


def test_forwarded_for_from_a_trusted_proxy_is_the_client(live_settings: Settings) -> None:
    proxied = live_settings.model_copy(update={"create_limit_per_address": 2,
                                               "trusted_proxies": ["127.0.0.1"]})
    with serving(create_app(proxied), proxied) as base:
        distinct = [_create_as(base, i, f"203.0.113.{i}").status_code for i in range(3)]
        same = [_create_as(base, 10 + i, "198.51.100.7").status_code for i in range(3)]
    assert distinct == [201, 201, 201]
    assert same == [201, 201, 429]


def test_open_streams_per_user_are_capped(live: tuple[str, TestClient]) -> None:
    base, counter = live
    owner = new_user(counter, "ann@example.com")
    other = new_user(counter, "bob@example.com")
    reader = counter.post("/api/tokens", json={"name": "r", "scope": "read"},
                          headers=auth(owner["token"])).json()["token"]
    url = f"{base}/api/events/{owner['execution_id']}"
    with httpx.Client(timeout=10) as http, ExitStack() as streams:
        opened = [streams.enter_context(http.stream("GET", url, headers=auth(token)))
                  for token in (owner["token"], reader)]
        assert [r.status_code for r in opened] == [200, 200]
        refused = http.get(url, headers=auth(owner["token"]))
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert refused.json()["error"]["field"] == "streams"
        theirs = streams.enter_context(http.stream(
            "GET", f"{base}/api/events/{other['execution_id']}", headers=auth(other["token"])))
        assert theirs.status_code == 200, "another user's streams are counted apart"
        opened[0].close()

        @retry(stop=stop_after_delay(10), wait=wait_fixed(0.2), reraise=True)
        def reopen() -> httpx.Response:
            response = streams.enter_context(http.stream("GET", url,
                                                         headers=auth(owner["token"])))
            assert response.status_code == 200, response.status_code
            return response

        assert reopen().status_code == 200, "a closed stream gives its slot back"


def test_answers_carrying_tokens_are_not_cached(client: TestClient) -> None:
    created = client.post("/api/create-user", json=GOOD)
    registered = client.post("/api/register", json={
        "email": "reg@example.com", "phone": "+1 555 0100",
        "initial_request": "A portfolio site for a photographer."})
    headers = auth(created.json()["token"])
    minted = client.post("/api/tokens", json={"name": "laptop"}, headers=headers)
    rotated = client.post(f"/api/tokens/{minted.json()['id']}/rotate", headers=headers)
    listed = client.get("/api/tokens", headers=headers)
    refused = client.post("/api/create-user", json=GOOD)
    for response in (created, registered, minted, rotated, listed, refused):
        assert response.headers["cache-control"] == "no-store", response.request.url
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.skipif(bool(os.environ.get("TMUX_BUILDER_TEST_POSTGRES_URL")),
                    reason="the database file is SQLite's; PostgreSQL keeps its own files")
def test_the_data_folder_and_database_file_are_private(api_settings: Settings) -> None:
    api_settings.data_dir.mkdir(parents=True, mode=0o755)
    api_settings.data_dir.chmod(0o755)
    with TestClient(create_app(api_settings)) as client:
        new_user(client, "ann@example.com")
    database = api_settings.data_dir / "tmux-builder.db"
    assert stat.S_IMODE(api_settings.data_dir.stat().st_mode) == 0o700
    files = [database, *database.parent.glob("tmux-builder.db-*")]
    assert len(files) >= 2, "the WAL file exists after a write"
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {
        f.name: 0o600 for f in files}


def _server_roots(settings: Settings, tmp_path: Path) -> list[str]:
    roots = {str(settings.data_dir), str(tmp_path), str(tmp_path.resolve()), str(Path.home()),
             str(Path(__file__).resolve().parents[2]), str(settings.toolchain_dir),
             os.path.realpath(settings.data_dir)}
    if sys.prefix != sys.base_prefix:
        roots.add(sys.prefix)
    return sorted(roots)


@pytest.fixture
def pipeline_client(api_settings: Settings) -> Iterator[TestClient]:
    """The app and, through its worker, the site server and a tmux server: all stopped after."""
    try:
        with TestClient(create_app(api_settings)) as client:
            yield client
    finally:
        stop_site_server_background(api_settings)
        tmux = libtmux.Server(socket_name=api_settings.tmux_socket)
        if tmux.is_alive():
            tmux.kill()


def test_no_answer_carries_a_server_path(pipeline_client: TestClient, api_settings: Settings,
                                         tmp_path: Path) -> None:
    client = pipeline_client
    owner = new_user(client, "paths@example.com")
    worker = Worker.create(client.app.state.tb.db, api_settings)  # type: ignore[attr-defined]
    while worker.run_once():
        pass
    execution, user = owner["execution_id"], owner["user_id"]
    headers, admin = auth(owner["token"]), auth(ADMIN_TOKEN)
    status = client.get(f"/api/status/{execution}", headers=headers)
    assert status.json()["status"] == "completed", status.json()["error"]
    screenshot = next(s for s in status.json()["steps"] if s["name"] == "screenshot")
    assert screenshot["details"]["path"].startswith("<data>/users/"), "redacted, not lost"
    answers = [status] + [client.get(path, headers=headers) for path in (
        f"/api/events/{execution}", f"/api/chat/{execution}/history",
        f"/api/user/{user}/sessions", f"/api/users/{user}/stacks",
        f"/api/session/{user}/status", "/api/tokens", "/healthz", "/openapi.json")]
    answers += [client.get(path, headers=admin) for path in (
        "/api/admin/stacks", "/api/admin/orphans", "/api/admin/cost",
        "/api/admin/cost/history")]
    answers.append(client.post("/api/admin/reap", params={"dry_run": True}, headers=admin))
    answers.append(client.get(f"/api/status/{execution[:-4]}ffff", headers=headers))
    sites = f"http://{api_settings.sites_host}:{api_settings.sites_port}"
    answers.append(httpx.get(f"{sites}/_site_server/health"))
    deleted = client.delete(f"/api/sessions/{owner['session_id']}", headers=headers)
    assert deleted.status_code == 202, deleted.text
    while worker.run_once():
        pass
    answers.append(client.get(deleted.json()["status_url"], headers=headers))
    assert answers[-1].json()["torn_down"], answers[-1].text
    roots = _server_roots(api_settings, tmp_path)
    for response in answers:
        assert response.status_code < 500, response.text
        for root in roots:
            assert root not in response.text, f"{root} in {response.request.url}"
