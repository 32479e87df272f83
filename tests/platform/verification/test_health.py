"""The health check against real pages served on a local port."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.platform.verification.conftest import PageServer
from tmux_builder.errors import InvalidInputError
from tmux_builder.platform.verification import check_health, save_result

pytestmark = pytest.mark.slow

FAST: dict[str, Any] = {"attempts": 3, "first_wait": 0.01, "max_wait": 0.05, "timeout": 2.0}


def test_good_page_passes_first_time(page_server: PageServer, tmp_path: Path) -> None:
    result = check_health(page_server.url("/"), **FAST)
    assert result.passed and result.reason is None
    assert result.status_code == 200 and result.attempts == 1
    assert result.content_type is not None and result.content_type.startswith("text/html")
    assert result.body_bytes is not None and result.body_bytes > 100

    saved = json.loads(save_result(result, tmp_path / "out" / "health.json").read_text())
    assert saved == result.to_dict() and saved["passed"] is True


def test_retries_until_the_site_is_up(page_server: PageServer) -> None:
    result = check_health(page_server.url("/warming-up"), **FAST)
    assert result.passed and result.attempts == 3


def test_server_error_fails_with_status(page_server: PageServer) -> None:
    result = check_health(page_server.url("/error"), **FAST)
    assert not result.passed and result.status_code == 500 and result.attempts == 3
    assert result.reason == "the site answered HTTP 500 after 3 attempts"


def test_tiny_body_fails(page_server: PageServer) -> None:
    result = check_health(page_server.url("/tiny"), **FAST)
    assert not result.passed and result.body_bytes == 20
    assert result.reason is not None and "body is 20 bytes, expected more than 100" in result.reason


def test_non_html_fails(page_server: PageServer) -> None:
    result = check_health(page_server.url("/json"), **FAST)
    assert not result.passed and result.status_code == 200
    assert result.reason is not None
    assert "content-type is application/json, expected text/html" in result.reason


def test_closed_port_fails_without_raising() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = check_health(f"http://127.0.0.1:{port}/", **FAST)
    assert not result.passed and result.status_code is None
    assert result.reason == "connection refused (3 attempts)"
    assert result.seconds < 2


@pytest.mark.parametrize(
    ("url", "options", "field"),
    [
        ("ftp://example.com/", {}, "url"),
        ("not a url", {}, "url"),
        ("http://127.0.0.1/", {"attempts": 0}, "attempts"),
        ("http://127.0.0.1/", {"timeout": 0}, "timeout"),
    ],
)
def test_bad_arguments_are_refused(url: str, options: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_health(url, **options)
    assert caught.value.field == field
