"""Sites apart, in a real Chromium: every user's static site is served from the site
server's one origin, so without the sandbox one user's page script could read what another
user's page stored. Page A (one stack) writes localStorage and a cookie; page B (another
user's stack) tries to read them and to reach into A through a frame. Served by the site
server, A's writes are refused and B reads nothing; the same pages served plainly from one
origin (the control) do leak, which proves the check can see a leak."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from tests.conftest import free_port
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.server import SITE_SANDBOX
from tmux_builder.platform.verification.browser import CHROMIUM_ARGS, CHROMIUM_PATH
from tmux_builder.pulumi_programs.local.files import publish_tree

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM_PATH).exists(),
                       reason=f"no Chromium at {CHROMIUM_PATH}"),
    pytest.mark.slow,
]

STACK_A = "3f2a9c1e-7b44-5d2e-9a51-0c6e2d8b1f07_sess_20261130_100000_aaaa"
STACK_B = "9b1d7e22-4c3a-5f10-8e2b-7a6c5d4e3f21_sess_20261130_100000_bbbb"
SECRET = "secret-of-A"
REPORT = """
    function report(results) {{
      document.getElementById("out").textContent = JSON.stringify(results);
    }}
    function attempt(run) {{
      try {{ return String(run()); }} catch (error) {{ return error.name; }}
    }}
"""
PAGE_A = f"""<!doctype html><html><head><meta charset="utf-8"><title>Site A</title></head>
<body><h1>Site A</h1><pre id="out">pending</pre>
<form id="f"><input name="who" value="visitor"><button>Send</button></form><p id="thanks"></p>
<script>{REPORT}
  document.getElementById("f").addEventListener("submit", function (event) {{
    event.preventDefault();
    document.getElementById("thanks").textContent = "Thank you, " + event.target.who.value;
  }});
  report({{
    localStorage: attempt(function () {{ localStorage.setItem("shared", "{SECRET}");
                                       return localStorage.getItem("shared"); }}),
    cookie: attempt(function () {{ document.cookie = "shared={SECRET}; path=/";
                                 return document.cookie; }}),
  }});
</script></body></html>"""
PAGE_B = f"""<!doctype html><html><head><meta charset="utf-8"><title>Site B</title></head>
<body><h1>Site B</h1><pre id="out">pending</pre>
<iframe id="other" src="/{STACK_A}/"></iframe>
<script>{REPORT}
  var frame = document.getElementById("other");
  frame.addEventListener("load", function () {{
    report({{
      localStorage: attempt(function () {{ return localStorage.getItem("shared"); }}),
      cookie: attempt(function () {{ return document.cookie; }}),
      frame: attempt(function () {{ return frame.contentWindow.document.body.innerText; }}),
    }});
  }});
</script></body></html>"""


def _write_site(folder: Path, html: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(html, encoding="utf-8")
    return folder


@pytest.fixture
def sources(tmp_path: Path) -> dict[str, Path]:
    return {STACK_A: _write_site(tmp_path / "src-a", PAGE_A),
            STACK_B: _write_site(tmp_path / "src-b", PAGE_B)}


@contextmanager
def plain_server(sources: dict[str, Path]) -> Iterator[str]:
    """The control: the same pages from one origin with no protective header."""
    app = Starlette(routes=[Mount(f"/{stack}", StaticFiles(directory=folder, html=True))
                            for stack, folder in sources.items()])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/{STACK_A}/")
                break
            except httpx.HTTPError:
                threading.Event().wait(0.1)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True,
                                              args=list(CHROMIUM_ARGS))
        yield launched
        launched.close()


def _visit(browser: Browser, base: str) -> tuple[dict[str, str], dict[str, str], str]:
    """A's report, then B's (same browser profile, as one visitor), and A's form result."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{base}/{STACK_A}/")
        page.wait_for_function("document.getElementById('out').textContent !== 'pending'")
        a = json.loads(page.inner_text("#out"))
        page.get_by_role("button", name="Send").click()
        thanks = page.inner_text("#thanks")
        page.goto(f"{base}/{STACK_B}/")
        page.wait_for_function("document.getElementById('out').textContent !== 'pending'")
        b = json.loads(page.inner_text("#out"))
        return a, b, thanks
    finally:
        context.close()


def test_one_sites_script_cannot_read_anothers_storage(
        settings: Settings, site_server: str, sources: dict[str, Path],
        browser: Browser) -> None:
    for stack, folder in sources.items():
        publish_tree(folder, settings.sites_dir / stack)
    page = httpx.get(f"{site_server}/{STACK_A}/")
    assert page.headers["content-security-policy"] == SITE_SANDBOX
    assert "allow-same-origin" not in SITE_SANDBOX
    assert page.headers["x-content-type-options"] == "nosniff"
    missing = httpx.get(f"{site_server}/{STACK_A}/missing.html")
    assert missing.status_code == 404 and missing.headers["x-content-type-options"] == "nosniff"

    with plain_server(sources) as plain:
        a_plain, b_plain, _ = _visit(browser, plain)
    assert a_plain["localStorage"] == SECRET, a_plain
    assert b_plain["localStorage"] == SECRET and SECRET in b_plain["cookie"], (
        "the control must leak, or this test could not see a leak")
    assert SECRET in b_plain["frame"]

    a, b, thanks = _visit(browser, site_server)
    assert thanks == "Thank you, visitor", "scripts and forms still work in the sandbox"
    assert a == {"localStorage": "SecurityError", "cookie": "SecurityError"}, a
    assert b["localStorage"] == "SecurityError", b
    assert b["frame"] == "SecurityError", b
    assert SECRET not in "".join(b.values()), b
