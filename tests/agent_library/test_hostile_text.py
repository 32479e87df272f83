"""User text is data, never code: hostile titles, list items, headings, form labels, nav
labels and details go through every template (HTML, JS, Python, site.json, package.json,
SVG, plan); the generated code stays valid, the generated E2E run passes and the hostile text
shows on the page as text."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.agent_library.corpus import chromium, normalised
from tests.agent_library.support import (
    AgentProcess,
    autonomous_prompt,
    make_workspace,
    refinement_prompt,
    run_e2e,
    serve_site,
)
from tmux_builder.agent_library.offline_agent.parsing import parse_requirements
from tmux_builder.agent_library.offline_agent.spec import NavLink, SiteSpec, make_fields

pytestmark = [
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no chromium"),
    pytest.mark.slow,
]

ISSUE_TITLE = 'x""" if undefined_name else """y'
HOSTILE = [
    ISSUE_TITLE,
    "</script><script>window.pwned = 1</script>",
    "<img src=x onerror=\"window.pwned = 2\">",
    "{{ 7 * 7 }} {% raw %} ${7 * 7} #{7}",
    "`whoami` and $(id)",
    "back\\slash \\n \\x00 \\u2028 C:\\temp\\",
    "it's \"quoted\" '''triple''' \"\"\"too\"\"\"",
    "<!-- --> ]]> <![CDATA[ x ]]> &amp; &lt;b&gt;",
    "line one\nline two\r\n\ttabbed",
    "emoji \U0001f600 and \u2028 separator",
]
BASE_REQUEST = ("A site called Base Cafe with a menu (tea, cake), a table of hours (Mon 9-5, "
                "Tue 9-5), a gallery of 2 photos, a booking form with name and email, "
                "navigation (Home, Menu) and address: 1 Main Street.")


def hostile_spec(site_type: str) -> SiteSpec:
    """The spec of BASE_REQUEST with hostile text in every place user text can go."""
    spec = parse_requirements(BASE_REQUEST, site_type=site_type, host_provider="local")
    spec.title = ISSUE_TITLE
    spec.tagline = HOSTILE[1]
    menu, hours, booking = spec.section("menu"), spec.section("hours"), spec.section("booking")
    assert menu is not None and hours is not None and booking is not None
    menu.items = list(HOSTILE)
    menu.heading = HOSTILE[2]
    hours.items = [f"{text} - {HOSTILE[(n + 3) % len(HOSTILE)]}" for n, text in
                   enumerate(HOSTILE[:4])]
    booking.heading = HOSTILE[3]
    booking.fields = make_fields([HOSTILE[4], HOSTILE[6], "Name", HOSTILE[7]])
    contact = spec.section("contact")
    assert contact is not None
    contact.details = [f"Address: {HOSTILE[5]}", HOSTILE[8]]
    spec.nav = [NavLink(HOSTILE[9], "menu"), NavLink(HOSTILE[2], "top")]
    return spec


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def assert_generated_code_is_valid(workspace: Path, spec: SiteSpec) -> None:
    source = workspace / "source"
    root = source / "public" if spec.dynamic else source
    tests = (workspace / "deployment" / "tests" / "e2e_test.py").read_text()
    module = ast.parse(tests)
    names = {t.id for node in ast.walk(module) if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    assert "undefined_name" not in {n.id for n in ast.walk(module) if isinstance(n, ast.Name)}
    assert "FACTS" in names
    facts_literal = next(node.value for node in module.body if isinstance(node, ast.Assign)
                         and any(getattr(t, "id", "") == "FACTS" for t in node.targets))
    facts = json.loads(ast.literal_eval(facts_literal.args[0]))  # type: ignore[attr-defined]
    assert facts["title"] == ISSUE_TITLE and facts["lists"]["menu"] == HOSTILE
    parser = _Scripts()
    parser.feed((root / "index.html").read_text())
    assert parser.scripts == [{"src": "forms.js"}], parser.scripts
    assert parser.handlers == []
    for image in (root / "img").glob("*.svg"):
        ElementTree.fromstring(image.read_text())
    node = shutil.which("node")
    for script in [root / "forms.js", *([source / "server.js"] if spec.runtime == "node"
                                        else [])]:
        if node:
            subprocess.run([node, "--check", str(script)], check=True, capture_output=True)
        assert "pwned" not in script.read_text()
    if spec.dynamic:
        site = json.loads((source / "site.json").read_text())
        assert site["title"] == ISSUE_TITLE
        for program in ("app.py", "server.js"):
            if (source / program).exists():
                assert "undefined_name" not in (source / program).read_text()
    if spec.runtime == "python":
        ast.parse((source / "app.py").read_text())
    if spec.runtime == "node":
        package = json.loads((source / "package.json").read_text())
        assert package["description"].endswith(ISSUE_TITLE)
    plan = (workspace / "output" / "plan.md").read_text()
    prose = re.sub(r"^(`{3,})text\n.*?^\1$", "", plan, flags=re.S | re.M)
    assert prose.count("```") == 0, "a code fence was broken"
    assert "<script>" not in prose and "<img" not in prose


def assert_shown_as_text(url: str) -> None:
    with chromium() as browser:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url, wait_until="load")
        assert normalised(page.title()) == normalised(ISSUE_TITLE)
        assert page.inner_text("h1") == ISSUE_TITLE
        assert page.evaluate("typeof window.pwned") == "undefined" and not dialogs
        menu = [normalised(t) for t in page.locator("section#menu li").all_inner_texts()]
        assert menu == [normalised(t) for t in HOSTILE]
        assert page.locator("section#menu h2").inner_text() == HOSTILE[2]
        form = page.locator("form#booking-form")
        for label in (HOSTILE[4], HOSTILE[6], HOSTILE[7]):
            assert form.get_by_label(label, exact=True).count() == 1, label
        body = normalised(page.inner_text("body"))
        for text in HOSTILE:
            assert normalised(text) in body, text
        page.close()


@pytest.mark.parametrize("site_type", ["static", "dynamic"])
def test_hostile_spec_builds_valid_code_and_passes_its_e2e(tmp_path: Path,
                                                           site_type: str) -> None:
    workspace = make_workspace(tmp_path, site_type=site_type, requirements=BASE_REQUEST)
    agent = AgentProcess(workspace)
    assert agent.run(autonomous_prompt(workspace, "create_plan")) == "PHASE_COMPLETE: create_plan"
    spec = hostile_spec(site_type)
    (workspace / "state" / "site_spec.json").write_text(spec.to_json())
    (workspace / "output" / "plan.md").unlink()
    assert agent.run(autonomous_prompt(workspace, "generate_code")) == (
        "PHASE_COMPLETE: generate_code")
    assert agent.close()[0] == 0
    assert_generated_code_is_valid(workspace, spec)
    with serve_site(workspace, spec.runtime) as url:
        result = run_e2e(workspace, url)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "failed" not in result.stdout and "error" not in result.stdout.lower()
        assert_shown_as_text(url)


def test_hostile_request_and_refinement_stay_text(tmp_path: Path) -> None:
    """Through the agent's own reading: hostile list items and form labels in the request,
    the issue's title through a chat refinement."""
    request = ("A node app called Hostile Test with a menu (</script><script>window.pwned=1"
               "</script>, {{ 7*7 }}, ${7*7}, `whoami` now, back\\slash \\n, it's \"quoted\") "
               "and a booking form with name, <b>party</b> size, {{ label }} and \"\"\" triple.")
    workspace = make_workspace(tmp_path, site_type="dynamic", requirements=request)
    agent = AgentProcess(workspace)
    assert agent.run(autonomous_prompt(workspace, "generate_code")) == (
        "PHASE_COMPLETE: generate_code")
    assert agent.run(refinement_prompt(workspace, f"change the title to {ISSUE_TITLE}")) == (
        "PHASE_COMPLETE: refine")
    assert agent.close()[0] == 0
    spec = SiteSpec.from_dict(json.loads((workspace / "state" / "site_spec.json").read_text()))
    assert spec.title == ISSUE_TITLE
    menu, booking = spec.section("menu"), spec.section("booking")
    assert menu is not None and booking is not None
    assert menu.items == ["</script><script>window.pwned=1</script>", "{{ 7*7 }}", "${7*7}",
                          "`whoami` now", "Back\\slash \\n", 'It\'s "quoted"']
    assert [f.label for f in booking.fields] == ["Name", "<b>party</b> size", "{{ label }}",
                                                 '""" triple']
    ast.parse((workspace / "deployment" / "tests" / "e2e_test.py").read_text())
    with serve_site(workspace, "node") as url:
        result = run_e2e(workspace, url)
        assert result.returncode == 0, result.stdout + result.stderr
        with chromium() as browser:
            page = browser.new_page()
            page.goto(url, wait_until="load")
            assert page.inner_text("h1") == ISSUE_TITLE
            assert page.evaluate("typeof window.pwned") == "undefined"
            items = page.locator("section#menu li").all_inner_texts()
            assert [normalised(i) for i in items] == [normalised(i) for i in menu.items]
            labels = page.locator("form#booking-form label").all_inner_texts()
            assert labels == [f.label for f in booking.fields]
            page.close()
