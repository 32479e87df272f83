"""API fixtures: the real app on a real SQLite file (TestClient), the real app served by
uvicorn on loopback, a real SMTP server on loopback, and users made through the API."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import libtmux
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient
from playwright.sync_api import Page, sync_playwright
from pydantic import SecretStr
from sqlalchemy import func, select

from tests.api.live_server import serving
from tests.conftest import free_port
from tests.support.waiting import wait_until
from tmux_builder.api.app import create_app
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import (
    ChatMessage,
    Execution,
    Job,
    RecoveryCode,
    SessionRow,
    Token,
    User,
)
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.platform.verification.browser import CHROMIUM_ARGS, CHROMIUM_PATH

ADMIN_TOKEN = "admin-test-token-123456"
CODE_IN_MAIL = re.compile(r"sign-in code is (\d{8})")


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


def row_counts(client: TestClient) -> dict[str, int]:
    """Rows per table of the app behind ``client``: "nothing written" is these unchanged."""
    db = client.app.state.tb.db  # type: ignore[attr-defined]
    with db.transaction() as tx:
        return {m.__name__: tx.scalar(select(func.count()).select_from(m)) or 0
                for m in (User, Token, SessionRow, Execution, Job, ChatMessage, RecoveryCode)}


@pytest.fixture
def server(api_settings: Settings) -> Iterator[str]:
    """The real app with one worker, served by uvicorn on a free loopback port."""
    configured = api_settings.model_copy(update={"workers": 1, "api_port": free_port(),
                                                 "reaper_interval_seconds": 3600})
    with serving(create_app(configured, serve_workers=True), configured) as base:
        yield base
    stop_site_server_background(configured)
    tmux = libtmux.Server(socket_name=configured.tmux_socket)
    if tmux.is_alive():
        tmux.kill()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where a browser test saves its pages as PNGs: the test's own temporary folder (pytest
    keeps the last runs' folders under its base temp, to look at)."""
    folder = tmp_path / "pages"
    folder.mkdir()
    return folder


@pytest.fixture
def page() -> Iterator[Page]:
    """A real Chromium page; fails the test on any JavaScript error."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True,
                                             args=list(CHROMIUM_ARGS))
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        context.close()
        browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


@dataclass
class Mailbox:
    """What a real SMTP server on loopback received."""

    port: int
    received: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.received.append(message)
        return "250 OK"

    def codes_for(self, address: str) -> list[str]:
        return [CODE_IN_MAIL.search(str(m.get_payload())).group(1)  # type: ignore[union-attr]
                for m in self.received if m["X-Envelope-To"] == address]

    def wait_for_code(self, address: str, timeout: float = 15) -> str:
        """The newest code mailed to ``address``; a live server mails after it answers."""
        codes = wait_until(lambda: self.codes_for(address), timeout=timeout,
                           what=f"a mail to {address}")
        return codes[-1]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def mail_settings(api_settings: Settings, mailbox: Mailbox) -> Settings:
    return api_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": mailbox.port,
                                           "smtp_security": "none"})
