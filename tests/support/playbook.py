"""What the scripted model does with the prompt it read: the tool calls of one phase.

A static site whose title and text come from the user's requirements (escaped), E2E tests
that check them on the live URL, and for a refinement an ``Edit`` that adds the user's
message to the page. Every phase ends with ``Bash`` appending the status marker."""

from __future__ import annotations

import html
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BEGIN = "--- BEGIN USER TEXT ---"
END = "--- END USER TEXT ---"
UPDATE_ANCHOR = "<!-- updates -->"


@dataclass(frozen=True)
class ToolStep:
    name: str
    input: dict[str, Any]
    say: str = ""


def header(prompt: str, name: str) -> str | None:
    match = re.search(rf"^{name}:\s*(\S+)", prompt, re.MULTILINE)
    return match.group(1) if match else None


def user_text(prompt: str) -> str:
    start, end = prompt.find(BEGIN), prompt.find(END)
    if start < 0 or end < start:
        return ""
    return prompt[start + len(BEGIN):end].strip()


def site_title(requirements: str) -> str:
    quoted = re.search(r'"([^"]{2,60})"', requirements)
    if quoted:
        return quoted.group(1)
    return (requirements.split(".")[0] or "My site")[:60]


def marker_step(workdir: Path, line: str) -> ToolStep:
    status = workdir / "output" / "status.txt"
    return ToolStep("Bash", {"command": f"echo {shlex.quote(line)} >> {shlex.quote(str(status))}",
                             "description": "Append the status marker"})


def page(title: str, requirements: str) -> str:
    safe_title, safe_text = html.escape(title), html.escape(requirements)
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{safe_title}</title>
<style>body{{font-family:sans-serif;margin:2rem;background:#fff7ed;color:#431407}}
h1{{color:#c2410c}}section{{padding:1rem;border-bottom:1px solid #fdba74}}</style></head>
<body><main>
<h1 id="title">{safe_title}</h1>
<section id="about"><h2>About</h2><p>{safe_text}</p></section>
{UPDATE_ANCHOR}
</main></body>
</html>
"""


def e2e_test(expected: list[str]) -> str:
    checks = "\n".join(f"    assert {text!r} in page" for text in expected)
    return f'''"""E2E tests written by the scripted model: the live page shows what was asked."""
import html
import os
import urllib.request


def fetch() -> str:
    with urllib.request.urlopen(os.environ["SITE_URL"], timeout=10) as response:
        assert response.status == 200
        return html.unescape(response.read().decode("utf-8"))


def test_page_shows_the_request():
    print("environment:", dict(os.environ))  # kept in pytest.log: what the run could see
    page = fetch()
{checks}
'''


def site_playbook(prompt: str, workdir: Path) -> list[ToolStep]:
    phase = header(prompt, "PHASE")
    if phase is None:
        return [marker_step(workdir, "PHASE_FAILED: no PHASE line in the prompt")]
    text = user_text(prompt)
    if phase == "create_plan":
        plan = f"# Plan\n\n## Features\n- a page titled {site_title(text)!r}\n"
        return [ToolStep("Write", {"file_path": str(workdir / "output" / "plan.md"),
                                   "content": plan}, say="Writing the plan."),
                marker_step(workdir, f"PHASE_COMPLETE: {phase}")]
    if phase == "generate_code":
        title = site_title(text)
        return [ToolStep("Write", {"file_path": str(workdir / "source" / "index.html"),
                                   "content": page(title, text)}, say="Writing the site."),
                ToolStep("Write", {"file_path": str(workdir / "deployment" / "tests" /
                                                    "e2e_test.py"),
                                   "content": e2e_test([title])}),
                marker_step(workdir, f"PHASE_COMPLETE: {phase}")]
    if phase == "refine":
        section = f'<section class="update"><p>{html.escape(text)}</p></section>\n'
        page_file = workdir / "source" / "index.html"
        tests_file = workdir / "deployment" / "tests" / "e2e_test.py"
        return [ToolStep("Read", {"file_path": str(page_file)}),  # Claude Code edits only
                ToolStep("Read", {"file_path": str(tests_file)}),  # files it has read
                ToolStep("Edit", {"file_path": str(page_file),
                                  "old_string": UPDATE_ANCHOR,
                                  "new_string": section + UPDATE_ANCHOR,
                                  "replace_all": False}, say="Adding the change."),
                ToolStep("Write", {"file_path": str(tests_file), "content": e2e_test([text])}),
                marker_step(workdir, f"PHASE_COMPLETE: {phase}")]
    return [marker_step(workdir, f"PHASE_FAILED: the scripted model has no play for {phase}")]
