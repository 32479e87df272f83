"""The offline agent listens: the share of expected items found on the served pages of a
corpus of 45 requests (static, node, python) must be at least 90%."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.agent_library.corpus import (
    build_site,
    chromium,
    load_corpus,
    report,
    runtime_of,
    score_url,
)
from tests.agent_library.support import serve_site

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no chromium")
REQUIRED_SHARE = 0.90


def test_corpus_share_of_expected_items_on_the_pages(tmp_path: Path) -> None:
    corpus = load_corpus()
    assert len(corpus) >= 40
    assert {e.site_type for e in corpus} == {"static", "dynamic"}
    scores = []
    with chromium() as browser:
        for entry in corpus:
            workspace = build_site(tmp_path, entry)
            with serve_site(workspace, runtime_of(workspace)) as url:
                scores.append(score_url(browser, url, entry))
    share, text = report(scores)
    print("\n" + text)
    assert share >= REQUIRED_SHARE, text
