"""The dashboard in a real Chromium against a real server with a real worker: create a session
from the sign-in page, watch the progress bar reach 9/9 without reloading, see the screenshot,
chat, redeploy to build_v2, tear down, sign in again with the token; the admin page shows the
stacks. Each page is saved as a PNG in the test's temporary folder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.conftest import ADMIN_TOKEN, auth
from tests.support.waiting import wait_until
from tmux_builder.domain import FINAL_EXECUTION_STATUSES
from tmux_builder.platform.verification.browser import CHROMIUM_PATH

PIPELINE_TIMEOUT_MS = 180_000
REQUEST = 'A one-page site for a tea shop called "Leaf Lane" with opening hours and a contact form.'

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM_PATH).exists(),
                       reason=f"no Chromium at {CHROMIUM_PATH}"),
    pytest.mark.slow,
]


def _image_loaded(page: Page, selector: str) -> None:
    page.wait_for_function(
        "s => { const img = document.querySelector(s); return img && img.complete "
        "&& img.naturalWidth > 0; }", arg=selector, timeout=PIPELINE_TIMEOUT_MS)


def test_user_flow_in_the_browser(server: str, page: Page, shots: Path) -> None:
    page.goto(f"{server}/")
    expect(page.get_by_role("heading", name="Start a new site")).to_be_visible()
    page.screenshot(path=shots / "signin.png", full_page=True)

    form = page.locator("#create-form")
    form.locator("[name=email]").fill("browser@example.com")
    form.locator("[name=phone]").fill("+1 555 0142")
    form.locator("[name=host_provider]").select_option("local")
    form.locator("[name=site_type]").select_option("static")
    form.locator("[name=requirements]").fill(REQUEST)
    form.get_by_role("button", name="Build my site").click()
    page.wait_for_url("**/app/sessions/*")
    execution_id = page.url.rsplit("/", 1)[1]

    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url)
            if frame == page.main_frame else None)
    page.evaluate("window.__stayed = true")
    expect(page.locator("#credentials")).to_be_visible()
    expect(page.locator("#progress-count")).to_have_text("9/9", timeout=PIPELINE_TIMEOUT_MS)
    expect(page.locator("#status-badge")).to_have_text("completed")
    assert navigations == [] and page.evaluate("window.__stayed === true"), "no reload"
    assert page.locator('.segment[data-state="completed"]').count() == 9
    expect(page.locator("#logs li").first).to_be_visible()

    site = page.locator("#site-url")
    expect(site).to_have_attribute("href", re.compile(r"^http://127\.0\.0\.1:\d+/"))
    assert "Leaf Lane" in httpx.get(site.get_attribute("href") or "").text
    _image_loaded(page, "#shot-thumb")
    expect(page.locator('#builds [data-label="build_v1"]')).to_be_visible()
    page.screenshot(path=shots / "session.png", full_page=True)

    page.locator("#shot-open").click()
    _image_loaded(page, "#shot-full")
    page.locator("#shot-dialog").get_by_role("button", name="Close").click()
    expect(page.locator("#shot-dialog")).not_to_be_visible()

    page.locator("#chat-input").fill('change the title to "Bloom Box"')
    page.locator("#chat-send").click()
    expect(page.locator('.chat-message[data-role="user"]')).to_have_count(1)
    expect(page.locator('.chat-message[data-role="agent"]')).to_have_count(
        1, timeout=PIPELINE_TIMEOUT_MS)

    expect(page.locator("#redeploy-btn")).to_be_enabled()
    page.locator("#redeploy-btn").click()
    expect(page.locator('#builds [data-label="build_v2"]')).to_be_visible(
        timeout=PIPELINE_TIMEOUT_MS)
    expect(page.locator("#status-badge")).to_have_text("completed", timeout=PIPELINE_TIMEOUT_MS)
    expect(page.locator("#progress-count")).to_have_text("9/9")
    assert "Bloom Box" in httpx.get(page.locator("#site-url").get_attribute("href") or "").text

    page.set_viewport_size({"width": 375, "height": 812})
    expect(page.locator("#progress")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "no sideways scroll"
    page.screenshot(path=shots / "session-375px.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#teardown-btn").click()
    expect(page.locator("#torn-down")).to_be_visible(timeout=120_000)
    expect(page.locator("#status-badge")).to_have_text("torn down")
    expect(page.locator("#redeploy-btn")).to_be_disabled()
    assert navigations == [], "the whole session ran without a reload"

    page.goto(f"{server}/app")
    expect(page.locator(".session-card")).to_have_count(1)
    expect(page.locator(".session-card code")).to_have_text(execution_id.split("_", 1)[1])
    page.screenshot(path=shots / "sessions.png", full_page=True)

    user_id = page.evaluate("sessionStorage.getItem('tb.user')")
    token = page.evaluate("sessionStorage.getItem('tb.token')")
    page.evaluate("sessionStorage.clear()")
    page.goto(f"{server}/app")
    page.wait_for_url(f"{server}/")
    signin = page.locator("#signin-form")
    signin.locator("[name=user_id]").fill(user_id)
    signin.locator("[name=token]").fill("not-my-token")
    signin.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-error")).to_have_text("That token is not valid.")
    signin.locator("[name=token]").fill(token)
    signin.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server}/app")
    expect(page.locator(".session-card")).to_have_count(1)


def test_admin_page_in_the_browser(server: str, page: Page, shots: Path) -> None:
    created = httpx.post(f"{server}/api/create-user", json={
        "email": "admin-view@example.com", "phone": "+1 555 0177", "host_provider": "local",
        "site_type": "static", "requirements": REQUEST}).json()
    def ended() -> dict[str, Any] | None:
        status = httpx.get(f"{server}/api/status/{created['execution_id']}",
                           headers=auth(created["token"])).json()
        return dict(status) if status["status"] in FINAL_EXECUTION_STATUSES else None

    status = wait_until(ended, timeout=PIPELINE_TIMEOUT_MS / 1000, interval=0.5,
                        what="the pipeline")
    assert status["status"] == "completed", status["error"]

    page.goto(f"{server}/admin")
    page.locator("#admin-form [name=admin_token]").fill("not-the-admin-token")
    page.locator("#admin-form").get_by_role("button", name="Load").click()
    expect(page.locator("#admin-error")).to_have_text("That admin token is not valid.")

    page.locator("#admin-form [name=admin_token]").fill(ADMIN_TOKEN)
    page.locator("#admin-form").get_by_role("button", name="Load").click()
    table = page.locator(".stacks-table")
    expect(table).to_have_count(1)
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(created["session_id"])
    expect(page.locator(".user-group h3")).to_contain_text(created["user_id"])
    expect(page.locator("#orphans-count")).to_contain_text("found")
    _image_loaded(page, "#cost-chart")
    page.screenshot(path=shots / "admin.png", full_page=True)
