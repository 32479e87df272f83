"""Attacks on identity: knowing someone's email and phone number opens nothing. A second
registration of an identity (either route, any case or phone format) without that user's
token gets 409 and mints nothing; with it, a session and still no new token. A lost token
comes back only through a one-time code mailed to the account (a real SMTP server on
loopback) or from the operator (CLI or admin route)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.api.conftest import ADMIN_TOKEN, Mailbox, auth, new_user, row_counts
from tmux_builder.api.app import create_app
from tmux_builder.platform.accounts.recovery import MAX_FAILED_ATTEMPTS
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import RecoveryCode

pytestmark = [pytest.mark.slow, pytest.mark.db]

OWNER = {"email": "victim@example.com", "phone": "+1 555 0100"}
VARIANTS = [
    {"email": "victim@example.com", "phone": "+1 555 0100"},
    {"email": "VICTIM@Example.COM", "phone": "+1 555 0100"},
    {"email": "victim@example.com", "phone": "+15550100"},
    {"email": "Victim@example.com", "phone": "+1 (555) 010-0"},
    {"email": "victim@EXAMPLE.com", "phone": "+1.555.0100"},
]
REQUEST = "A site about a bakery with a menu and a contact form."


def _body(route: str, identity: dict[str, str]) -> dict[str, Any]:
    if route == "/api/register":
        return {**identity, "initial_request": REQUEST}
    return {**identity, "host_provider": "local", "site_type": "static", "requirements": REQUEST}


@pytest.fixture
def attack_client(api_settings: Settings) -> Any:
    relaxed = api_settings.model_copy(update={"create_limit_per_user": 1000,
                                              "create_limit_per_address": 1000})
    with TestClient(create_app(relaxed), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("route", ["/api/create-user", "/api/register"])
def test_takeover_without_the_token_gets_409_and_mints_nothing(attack_client: TestClient,
                                                                route: str) -> None:
    owner = new_user(attack_client, OWNER["email"], phone=OWNER["phone"])
    attacker = new_user(attack_client, "attacker@evil.test")
    for identity in VARIANTS:
        for headers in ({}, auth(attacker["token"])):
            before = row_counts(attack_client)
            response = attack_client.post(route, json=_body(route, identity), headers=headers)
            assert response.status_code == 409, (identity, response.text)
            error = response.json()["error"]
            assert error["code"] == "identity_exists" and error["field"] == "email"
            assert "token" not in response.json()
            for hint in ("Authorization: Bearer", "/api/auth/recover", "tmux-builder users token"):
                assert hint in error["message"]
            assert row_counts(attack_client) == before, "nothing written, nothing minted"
    sessions = attack_client.get(f"/api/user/{owner['user_id']}/sessions",
                                 headers=auth(owner["token"])).json()
    assert len(sessions) == 1


@pytest.mark.parametrize("route", ["/api/create-user", "/api/register"])
def test_the_owner_adds_a_session_and_nothing_is_minted(attack_client: TestClient,
                                                        route: str) -> None:
    owner = new_user(attack_client, OWNER["email"], phone=OWNER["phone"])
    for identity in VARIANTS[1:3]:
        before = row_counts(attack_client)
        response = attack_client.post(route, json=_body(route, identity),
                                      headers=auth(owner["token"]))
        assert response.status_code == 201, response.text
        assert response.json()["token"] is None
        after = row_counts(attack_client)
        assert after["Token"] == before["Token"], "no new token"
        assert after["SessionRow"] == before["SessionRow"] + 1
    sessions = attack_client.get(f"/api/user/{owner['user_id']}/sessions",
                                 headers=auth(owner["token"])).json()
    assert len(sessions) == 3


def test_a_bad_or_read_only_token_on_creation_writes_nothing(attack_client: TestClient) -> None:
    owner = new_user(attack_client, OWNER["email"], phone=OWNER["phone"])
    reader = attack_client.post("/api/tokens", json={"name": "reader", "scope": "read"},
                                headers=auth(owner["token"])).json()["token"]
    before = row_counts(attack_client)
    body = _body("/api/create-user", OWNER)
    assert attack_client.post("/api/create-user", json=body,
                              headers=auth("tb_forged")).status_code == 401
    assert attack_client.post("/api/create-user", json=body,
                              headers=auth(reader)).status_code == 403
    new_identity = {**body, "email": "fresh@example.com"}
    assert attack_client.post("/api/create-user", json=new_identity,
                              headers=auth("tb_forged")).status_code == 401
    assert row_counts(attack_client) == before


def test_simultaneous_first_registrations_make_one_user_and_one_token(
        attack_client: TestClient) -> None:
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def register() -> None:
        barrier.wait()
        response = attack_client.post("/api/register", json=_body("/api/register", OWNER))
        statuses.append(response.status_code)

    threads = [threading.Thread(target=register) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 5, statuses
    counts = row_counts(attack_client)
    assert (counts["User"], counts["Token"], counts["SessionRow"]) == (1, 1, 1)


# --- recovery by email --------------------------------------------------------------------

@pytest.fixture
def mail_client(mail_settings: Settings) -> Any:
    with TestClient(create_app(mail_settings), raise_server_exceptions=False) as client:
        yield client


def test_a_recovered_code_works_once(mail_client: TestClient, mailbox: Mailbox) -> None:
    owner = new_user(mail_client, OWNER["email"], phone=OWNER["phone"])
    asked = mail_client.post("/api/auth/recover", json={"email": "VICTIM@example.com"})
    assert asked.status_code == 202 and asked.headers["cache-control"] == "no-store"
    [code] = mailbox.codes_for(OWNER["email"])
    assert mailbox.received[0]["Subject"] == "Your tmux-builder sign-in code"

    db = mail_client.app.state.tb.db  # type: ignore[attr-defined]
    with db.transaction() as tx:
        stored = tx.scalars(select(RecoveryCode.code_hash)).one()
    assert code not in stored and stored.startswith("scrypt$"), "only a salted hash is kept"

    verified = mail_client.post("/api/auth/verify", json={"email": OWNER["email"], "code": code})
    assert verified.status_code == 200, verified.text
    assert verified.headers["cache-control"] == "no-store"
    issued = verified.json()
    assert issued["user_id"] == owner["user_id"] and issued["scope"] == "write"
    sessions = mail_client.get(f"/api/user/{owner['user_id']}/sessions",
                               headers=auth(issued["token"]))
    assert sessions.status_code == 200 and len(sessions.json()) == 1

    before = row_counts(mail_client)
    again = mail_client.post("/api/auth/verify", json={"email": OWNER["email"], "code": code})
    assert again.status_code == 401 and again.json()["error"]["field"] == "code"
    assert row_counts(mail_client)["Token"] == before["Token"], "a used code mints nothing"


def test_recover_answers_alike_whether_or_not_the_address_exists(
        mail_client: TestClient, mailbox: Mailbox) -> None:
    new_user(mail_client, OWNER["email"], phone=OWNER["phone"])
    known = mail_client.post("/api/auth/recover", json={"email": OWNER["email"]})
    unknown = mail_client.post("/api/auth/recover", json={"email": "nobody@example.com"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert [m["X-Envelope-To"] for m in mailbox.received] == [OWNER["email"]]
    assert row_counts(mail_client)["RecoveryCode"] == 1
    wrong = mail_client.post("/api/auth/verify", json={"email": "nobody@example.com",
                                                       "code": "12345678"})
    bad = mail_client.post("/api/auth/verify", json={"email": OWNER["email"], "code": "1234567x"})
    assert wrong.json() == bad.json() and wrong.status_code == bad.status_code == 401


def test_expired_replaced_and_guessed_codes_are_refused(mail_settings: Settings,
                                                        mailbox: Mailbox) -> None:
    roomy = mail_settings.model_copy(update={"auth_limit_per_window": 100})
    with TestClient(create_app(roomy)) as client:
        new_user(client, OWNER["email"], phone=OWNER["phone"])
        db = client.app.state.tb.db  # type: ignore[attr-defined]

        def fresh_code() -> str:
            assert client.post("/api/auth/recover", json=OWNER).status_code == 202
            return mailbox.codes_for(OWNER["email"])[-1]

        def verify(code: str) -> int:
            return client.post("/api/auth/verify",
                               json={"email": OWNER["email"], "code": code}).status_code

        replaced = fresh_code()
        latest = fresh_code()
        assert verify(replaced) == 401, "a newer code replaces the older one"

        with db.transaction() as tx:
            tx.execute(update(RecoveryCode).values(
                expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        assert verify(latest) == 401, "expired"

        guessed = fresh_code()
        wrong = f"{(int(guessed) + 1) % 10**8:08d}"
        for _ in range(MAX_FAILED_ATTEMPTS):
            assert verify(wrong) == 401
        assert verify(guessed) == 401, "too many wrong guesses kill the code"
        assert verify(fresh_code()) == 200


def test_recovery_is_rate_limited_per_email_and_address(mail_client: TestClient,
                                                        mailbox: Mailbox) -> None:
    limit = mail_client.app.state.tb.settings.auth_limit_per_window  # type: ignore[attr-defined]
    for _ in range(limit):
        assert mail_client.post("/api/auth/recover",
                                json={"email": "nobody@example.com"}).status_code == 202
    limited = mail_client.post("/api/auth/recover", json={"email": "nobody@example.com"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    for attempt in range(limit):
        assert mail_client.post("/api/auth/verify", json={
            "email": "nobody@example.com", "code": f"{attempt:08d}"}).status_code == 401
    assert mail_client.post("/api/auth/verify", json={
        "email": "nobody@example.com", "code": "99999999"}).status_code == 429


def test_without_smtp_recovery_points_to_the_operator(client: TestClient) -> None:
    new_user(client, OWNER["email"], phone=OWNER["phone"])
    before = row_counts(client)
    response = client.post("/api/auth/recover", json={"email": OWNER["email"]})
    assert response.status_code == 503
    assert "tmux-builder users token" in response.json()["error"]["message"]
    assert row_counts(client) == before


# --- the operator ---------------------------------------------------------------------

def test_operator_issues_a_token_from_the_cli(client: TestClient, api_settings: Settings) -> None:
    owner = new_user(client, OWNER["email"], phone=OWNER["phone"])
    env = {**os.environ, "TMUX_BUILDER_DATA_DIR": str(api_settings.data_dir)}
    if api_settings.database_url:
        env["TMUX_BUILDER_DATABASE_URL"] = api_settings.database_url
    issued = subprocess.run(
        [sys.executable, "-m", "tmux_builder.cli", "users", "token", "Victim@Example.com",
         "--scope", "read", "--name", "support desk"],
        env=env, capture_output=True, text=True, timeout=120, check=True)
    token = issued.stdout.strip().splitlines()[-1]
    assert owner["user_id"] in issued.stdout and token.startswith("tb_")
    assert client.get(f"/api/user/{owner['user_id']}/sessions",
                      headers=auth(token)).status_code == 200
    assert client.post(f"/api/cancel/{owner['execution_id']}",
                       headers=auth(token)).status_code == 403, "the read scope holds"
    unknown = subprocess.run(
        [sys.executable, "-m", "tmux_builder.cli", "users", "token", "nobody@example.com"],
        env=env, capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and "no account" in unknown.stdout


def test_operator_issues_a_token_through_the_admin_route(client: TestClient) -> None:
    owner = new_user(client, OWNER["email"], phone=OWNER["phone"])
    new_user(client, OWNER["email"], phone="+44 20 7946 0000")
    route = "/api/admin/tokens"
    assert client.post(route, json={"email": OWNER["email"]}).status_code == 401
    assert client.post(route, json={"email": OWNER["email"]},
                       headers=auth(owner["token"])).status_code == 401
    admin = auth(ADMIN_TOKEN)
    two = client.post(route, json={"email": OWNER["email"]}, headers=admin)
    assert two.status_code == 409 and two.json()["error"]["field"] == "phone"
    assert client.post(route, json={"email": "nobody@example.com"},
                       headers=admin).status_code == 404
    issued = client.post(route, json=OWNER, headers=admin)
    assert issued.status_code == 201 and issued.headers["cache-control"] == "no-store"
    assert issued.json()["user_id"] == owner["user_id"]
    assert client.get(f"/api/status/{owner['execution_id']}",
                      headers=auth(issued.json()["token"])).status_code == 200
