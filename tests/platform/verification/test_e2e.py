"""The E2E runner on real pytest files, one of them driving the system Chromium."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.platform.verification.conftest import PageServer
from tmux_builder.errors import InvalidInputError
from tmux_builder.platform.verification import run_e2e_tests

pytestmark = pytest.mark.slow

PASSING = '''
import os

import pytest
from playwright.sync_api import sync_playwright

URL = os.environ["SITE_URL"]


def test_heading_in_a_real_browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ["CHROMIUM_PATH"], headless=True,
            args=["--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page()
        page.goto(URL)
        assert page.locator("h1").inner_text() == "Colourful page"
        browser.close()


def test_no_platform_secrets():
    assert "TMUX_BUILDER_SECRET_TOKEN" not in os.environ
    allowed = {"PATH", "HOME", "LANG", "PYTHONPATH", "SITE_URL", "CHROMIUM_PATH",
               "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}
    assert set(os.environ) - allowed <= {"PYTEST_CURRENT_TEST", "PYTEST_VERSION"}


def test_no_installed_plugin_is_loaded(pytestconfig):
    assert os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] == "1"
    assert not pytestconfig.pluginmanager.has_plugin("hypothesispytest")


@pytest.mark.skip(reason="not this time")
def test_skipped():
    pass
'''

FAILING = '''
def test_fine():
    assert True


def test_wrong_title():
    assert "Old title" == "New title"
'''

SLOW = '''
import subprocess
import time


def test_sleeps():
    subprocess.Popen(["sleep", "60"])
    subprocess.Popen(["sleep", "61"], start_new_session=True)
    time.sleep(60)
'''


def write(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_passing_file(
    page_server: PageServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMUX_BUILDER_SECRET_TOKEN", "do-not-leak")
    test_file = write(tmp_path / "deployment" / "tests", "e2e_test.py", PASSING)

    result = run_e2e_tests(test_file, page_server.url("/"), tmp_path / "e2e", timeout=60)

    assert result.passed, result.reason
    assert (result.total, result.failed, result.skipped) == (4, 0, 1)
    assert result.report_path is not None and result.report_path.is_file()
    saved = json.loads(result.results_path.read_text())
    assert saved["counts"] == {"total": 4, "passed": 3, "failed": 0, "skipped": 1}
    outcomes = {test["name"]: test["outcome"] for test in saved["tests"]}
    assert outcomes == {"test_heading_in_a_real_browser": "passed",
                        "test_no_platform_secrets": "passed",
                        "test_no_installed_plugin_is_loaded": "passed", "test_skipped": "skipped"}
    assert not (test_file.parent / ".pytest_cache").exists()


def test_failing_file(page_server: PageServer, tmp_path: Path) -> None:
    test_file = write(tmp_path / "tests", "e2e_test.py", FAILING)

    result = run_e2e_tests(test_file, page_server.url("/"), tmp_path / "e2e", timeout=60)

    assert not result.passed
    assert (result.total, result.failed, result.skipped) == (2, 1, 0)
    assert result.reason == "1 of 2 tests failed: test_wrong_title"
    saved = json.loads(result.results_path.read_text())
    assert saved["passed"] is False and saved["counts"]["passed"] == 1
    failed = [test for test in saved["tests"] if test["outcome"] == "failed"]
    assert failed[0]["name"] == "test_wrong_title" and "Old title" in failed[0]["message"]


def test_timeout_kills_the_run(page_server: PageServer, tmp_path: Path) -> None:
    test_file = write(tmp_path / "tests", "e2e_test.py", SLOW)

    result = run_e2e_tests(test_file, page_server.url("/"), tmp_path / "e2e", timeout=2)

    assert not result.passed and result.reason == "timed out after 2 s"
    assert result.duration < 10
    # the autouse fixture of tests/conftest.py fails the test if either sleep survived
    assert json.loads(result.results_path.read_text())["reason"] == "timed out after 2 s"


def test_missing_file_is_a_failed_result(page_server: PageServer, tmp_path: Path) -> None:
    result = run_e2e_tests(tmp_path / "nope.py", page_server.url("/"), tmp_path / "e2e")

    assert not result.passed and result.total == 0 and result.report_path is None
    assert result.reason is not None and "does not exist" in result.reason
    assert json.loads(result.results_path.read_text())["passed"] is False


def test_file_without_tests(page_server: PageServer, tmp_path: Path) -> None:
    test_file = write(tmp_path / "tests", "e2e_test.py", "X = 1\n")
    result = run_e2e_tests(test_file, page_server.url("/"), tmp_path / "e2e", timeout=60)
    assert not result.passed and result.reason == "no tests were collected"


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as caught:
        run_e2e_tests(tmp_path / "t.py", "localhost", tmp_path, timeout=5)
    assert caught.value.field == "url"
    with pytest.raises(InvalidInputError) as caught:
        run_e2e_tests(tmp_path / "t.py", "http://127.0.0.1/", tmp_path, timeout=0)
    assert caught.value.field == "timeout"
