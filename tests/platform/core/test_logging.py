"""Logging configured once per process: one line per event with the execution id, JSON lines
when asked, secret settings masked (in the message and in a traceback)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from tmux_builder.platform.core.logging import MASK, configure_logging, execution_context
from tmux_builder.platform.core.settings import Settings

SECRET = "sk-very-secret-credential-123"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def _settings(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"model_credential": SecretStr(SECRET), **changes})


def test_json_lines_carry_the_execution_id_and_mask_secrets(
        settings: Settings, restore_logging: None) -> None:
    out = io.StringIO()
    configure_logging(_settings(settings, log_format="json"), stream=out)
    log = logging.getLogger("tmux_builder.test")
    with execution_context("u_sess"):
        log.info("deploying with %s", SECRET)
        try:
            raise ValueError(f"bad credential {SECRET}")
        except ValueError:
            log.exception("step failed")
    log.warning("outside any execution")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(line["level"], line["execution_id"]) for line in lines] == [
        ("info", "u_sess"), ("error", "u_sess"), ("warning", "-")]
    assert lines[0]["message"] == f"deploying with {MASK}"
    assert "ValueError: bad credential ***" in lines[1]["error"]
    assert SECRET not in out.getvalue()


def test_text_lines_name_the_execution(settings: Settings, restore_logging: None) -> None:
    out = io.StringIO()
    configure_logging(_settings(settings), stream=out)
    with execution_context("u_sess"):
        logging.getLogger("tmux_builder.test").info("step 6/9 deploy started")
    (line,) = out.getvalue().splitlines()
    assert line.endswith("INFO tmux_builder.test [u_sess] step 6/9 deploy started")
