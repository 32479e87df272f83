"""The dashboard's account pages in a real Chromium against a real server and a real SMTP
server on loopback: a taken identity is refused on the sign-in page with the way back in;
the tokens page lists, creates (shown once), renames, rotates and revokes tokens, and what
it does holds against the API; a lost token comes back through the emailed code. Pages are
saved as PNGs in the test's temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.conftest import Mailbox, auth
from tests.api.live_server import serving
from tests.conftest import free_port
from tmux_builder.api.app import create_app
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.verification.browser import CHROMIUM_PATH

EMAIL, PHONE = "tokens@example.com", "+1 555 0150"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM_PATH).exists(),
                       reason=f"no Chromium at {CHROMIUM_PATH}"),
    pytest.mark.slow,
]


@pytest.fixture
def base(mail_settings: Settings) -> Iterator[str]:
    """The app without workers (sessions stay queued: these pages need no pipeline)."""
    configured = mail_settings.model_copy(update={"api_port": free_port()})
    with serving(create_app(configured), configured) as url:
        yield url


def _row(page: Page, index: int):  # type: ignore[no-untyped-def]
    return page.locator("#tokens-table tbody tr.token-row").nth(index)


def test_tokens_page_and_recovery_in_the_browser(base: str, page: Page, shots: Path,
                                                 mailbox: Mailbox) -> None:
    owner = httpx.post(f"{base}/api/create-user", json={
        "email": EMAIL, "phone": PHONE, "host_provider": "local", "site_type": "static",
        "requirements": "A small site about tea with a contact form."}).json()

    page.goto(f"{base}/")
    form = page.locator("#create-form")
    form.locator("[name=email]").fill(EMAIL.upper())
    form.locator("[name=phone]").fill("+1 (555) 015-0")
    form.locator("[name=requirements]").fill("Someone else's site, taken over.")
    form.get_by_role("button", name="Build my site").click()
    expect(page.locator("#create-error")).to_contain_text("an account already exists")
    expect(page.locator("#create-error")).to_contain_text("/api/auth/recover")

    signin = page.locator("#signin-form")
    signin.locator("[name=user_id]").fill(owner["user_id"])
    signin.locator("[name=token]").fill(owner["token"])
    signin.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/app")
    page.get_by_role("link", name="Tokens").click()
    page.wait_for_url(f"{base}/app/tokens")
    expect(page.locator("#tokens-table tbody tr.token-row")).to_have_count(1)
    expect(_row(page, 0).locator(".current-mark")).to_be_visible()

    maker = page.locator("#token-form")
    maker.locator("[name=name]").fill("ci reader")
    maker.locator("[name=scope]").select_option("read")
    maker.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_be_visible()
    reader = page.locator("#new-token-value").inner_text()
    expect(page.locator("#tokens-table tbody tr.token-row")).to_have_count(2)
    expect(_row(page, 1).locator(".token-scope")).to_have_text("read")
    status_url = f"{base}/api/status/{owner['execution_id']}"
    assert httpx.get(status_url, headers=auth(reader)).status_code == 200
    cancel_url = f"{base}/api/cancel/{owner['execution_id']}"
    assert httpx.post(cancel_url, headers=auth(reader)).status_code == 403

    page.once("dialog", lambda dialog: dialog.accept("wall display"))
    _row(page, 1).get_by_role("button", name="Rename").click()
    expect(_row(page, 1).locator(".token-name")).to_have_text("wall display")

    _row(page, 1).get_by_role("button", name="Rotate").click()
    expect(page.locator("#tokens-table tbody tr.token-row")).to_have_count(3)
    expect(page.locator("#new-token-value")).not_to_have_text(reader)
    successor = page.locator("#new-token-value").inner_text()
    assert httpx.get(status_url, headers=auth(reader)).status_code == 401, "rotated away"
    assert httpx.get(status_url, headers=auth(successor)).status_code == 200
    expect(_row(page, 1)).to_have_attribute("data-state", "revoked")
    expect(_row(page, 2).locator(".token-name")).to_have_text("wall display")

    page.once("dialog", lambda dialog: dialog.accept())
    _row(page, 2).get_by_role("button", name="Revoke").click()
    expect(_row(page, 2)).to_have_attribute("data-state", "revoked")
    expect(page.locator("#new-token")).to_be_hidden()
    assert httpx.get(status_url, headers=auth(successor)).status_code == 401, "revoked"
    page.screenshot(path=shots / "tokens.png", full_page=True)

    page.evaluate("sessionStorage.clear()")
    page.goto(f"{base}/")
    recover = page.locator("#recover-form")
    recover.locator("[name=email]").fill(EMAIL)
    recover.get_by_role("button", name="Email me a code").click()
    expect(page.locator("#verify-form")).to_be_visible()
    expect(page.locator("#recover-sent")).to_contain_text("sign-in code")
    code = mailbox.wait_for_code(EMAIL)
    page.locator("#verify-form [name=code]").fill(code)
    page.locator("#verify-form").get_by_role("button", name="Sign in with the code").click()
    page.wait_for_url(f"{base}/app")
    expect(page.locator(".session-card")).to_have_count(1)

    page.goto(f"{base}/app/tokens")
    recovered = page.locator("#tokens-table tbody tr.token-row").filter(has_text="this tab")
    expect(recovered.locator(".token-name")).to_have_text("recovered by email")
    recovered.get_by_role("button", name="Rotate").click()
    expect(page.locator("#new-token")).to_be_visible()
    rotated = page.locator("#new-token-value").inner_text()
    assert page.evaluate("sessionStorage.getItem('tb.token')") == rotated, "the tab keeps up"
    page.reload()
    expect(page.locator("#tokens-table tbody tr.token-row")).to_have_count(5)
    page.screenshot(path=shots / "tokens-recovered.png", full_page=True)
