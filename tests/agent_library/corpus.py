"""The request corpus: build each request with the offline agent's real code, serve it over
real HTTP and count, in Chromium, the expected items a reader finds on the page."""

from __future__ import annotations

import colorsys
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from tests.agent_library.support import autonomous_prompt, make_workspace
from tmux_builder.agent_library.offline_agent import run_instruction
from tmux_builder.agent_library.offline_agent.protocol import Workspace

CORPUS_FILE = Path(__file__).with_name("request_corpus.json")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Hue ranges (degrees) and lightness bounds a header colour must fall in to count as the colour.
COLOUR_CHECKS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "red": ((345, 375), (0.2, 0.7)),
    "orange": ((15, 42), (0.3, 0.75)),
    "brown": ((10, 45), (0.08, 0.38)),
    "yellow": ((38, 65), (0.25, 0.8)),
    "gold": ((25, 60), (0.25, 0.75)),
    "green": ((70, 165), (0.15, 0.7)),
    "teal": ((160, 200), (0.15, 0.7)),
    "blue": ((200, 250), (0.2, 0.7)),
    "navy": ((200, 250), (0.08, 0.4)),
    "purple": ((255, 300), (0.15, 0.7)),
    "pink": ((300, 350), (0.3, 0.8)),
}


@dataclass(frozen=True)
class CorpusRequest:
    id: str
    site_type: str
    request: str
    expect: dict[str, Any]


@dataclass
class Score:
    request_id: str
    checks: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def found(self) -> int:
        return sum(ok for _, ok in self.checks)

    @property
    def misses(self) -> list[str]:
        return [name for name, ok in self.checks if not ok]


def load_corpus() -> list[CorpusRequest]:
    data = json.loads(CORPUS_FILE.read_text(encoding="utf-8"))
    return [CorpusRequest(**entry) for entry in data["requests"]]


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def build_site(base: Path, entry: CorpusRequest) -> Path:
    """Run the offline agent's create_plan and generate_code phases on a fresh workspace."""
    root = make_workspace(base / entry.id, site_type=entry.site_type, requirements=entry.request)
    workspace = Workspace(root)
    for phase in ("create_plan", "generate_code"):
        workspace.prompt_file.write_text(autonomous_prompt(root, phase), encoding="utf-8")
        status = run_instruction(workspace)
        assert status == f"PHASE_COMPLETE: {phase}", f"{entry.id}: {status}"
    return root


def runtime_of(workspace: Path) -> str:
    """Decided from the files, as the platform's local target does."""
    source = workspace / "source"
    if (source / "package.json").is_file():
        return "node"
    if (source / "requirements.txt").is_file():
        return "python"
    return "static"


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _rgb(css: str) -> tuple[float, float, float]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)[:3]]
    return numbers[0] / 255, numbers[1] / 255, numbers[2] / 255


def _theme_matches(page: Page, theme: str) -> bool:
    body = _rgb(page.eval_on_selector("body", "e => getComputedStyle(e).backgroundColor"))
    body_light = colorsys.rgb_to_hls(*body)[1]
    if theme == "dark":
        return body_light < 0.3
    if theme == "light":
        return body_light > 0.85
    header = page.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor")
    hue, light, saturation = colorsys.rgb_to_hls(*_rgb(header))
    (low, high), (dim, bright) = COLOUR_CHECKS[theme]
    degrees = hue * 360
    in_range = low <= degrees <= high or low <= degrees + 360 <= high
    return in_range and dim <= light <= bright and saturation > 0.3


def _table_has_row(rows: list[str], cells: list[str]) -> bool:
    return any(all(normalised(cell) in row for cell in cells) for row in rows)


def score_page(page: Page, entry: CorpusRequest) -> Score:
    """One check per expected item; each either is on the page or is not."""
    expect = entry.expect
    score = Score(entry.id)
    title = normalised(expect["title"])
    heading = normalised(" ".join(page.locator("h1").all_inner_texts()))
    score.checks.append((f"title {expect['title']!r}",
                         title in heading and title in normalised(page.title())))
    body = normalised(page.inner_text("body"))
    for item in expect.get("text", []):
        score.checks.append((f"text {item!r}", normalised(item) in body))
    rows = [normalised(row) for row in page.locator("table tr").all_inner_texts()]
    for cells in expect.get("table", []):
        score.checks.append((f"table row {cells!r}", _table_has_row(rows, cells)))
    if "images" in expect:
        loaded = page.eval_on_selector_all(
            "main img", "imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).length")
        score.checks.append((f"{expect['images']} images (found {loaded})",
                             loaded == expect["images"]))
    for label in expect.get("fields", []):
        control = page.locator("form").get_by_label(label, exact=False)
        score.checks.append((f"form field {label!r}", control.count() >= 1))
    links = [normalised(t) for t in page.locator("nav a").all_inner_texts()]
    for label in expect.get("nav", []):
        score.checks.append((f"nav link {label!r}", normalised(label) in links))
    if "theme" in expect:
        score.checks.append((f"theme {expect['theme']}", _theme_matches(page, expect["theme"])))
    return score


def score_url(browser: Browser, url: str, entry: CorpusRequest) -> Score:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        response = page.goto(url, wait_until="load")
        assert response is not None and response.ok, f"{entry.id}: GET {url} failed"
        return score_page(page, entry)
    finally:
        context.close()


def report(scores: list[Score]) -> tuple[float, str]:
    found = sum(s.found for s in scores)
    total = sum(len(s.checks) for s in scores)
    share = found / total if total else 0.0
    lines = [f"request corpus: {found}/{total} expected items on the pages = {share:.1%} "
             f"({len(scores)} requests)"]
    lines += [f"  {s.request_id}: {s.found}/{len(s.checks)}; missing: {'; '.join(s.misses)}"
              for s in scores if s.misses]
    return share, "\n".join(lines)
