"""Logging, configured once per process (``serve``, ``worker`` and the other commands): one
line per event on stdout carrying the execution id it concerns (``-`` when none), as text or,
with ``TMUX_BUILDER_LOG_FORMAT=json``, as JSON lines. Secret settings never reach a line:
their values are masked by a filter on the handler."""

from __future__ import annotations

import json
import logging
import logging.config
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from tmux_builder.platform.core.settings import Settings

_execution: ContextVar[str] = ContextVar("execution_id", default="-")
MASK = "***"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(execution_id)s] %(message)s"


@contextmanager
def execution_context(execution_id: str) -> Iterator[None]:
    """Every line logged by this thread inside the block names ``execution_id``."""
    token = _execution.set(execution_id)
    try:
        yield
    finally:
        _execution.reset(token)


class ExecutionFilter(logging.Filter):
    """Adds ``execution_id`` to each record and masks the settings' secret values."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "execution_id"):
            record.execution_id = _execution.get()
        if self.secrets:
            message = record.getMessage()
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                message = message.replace(secret, MASK)
                if record.exc_text:
                    record.exc_text = record.exc_text.replace(secret, MASK)
            record.msg, record.args = message, None
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "execution_id": getattr(record, "execution_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["error"] = record.exc_text
        return json.dumps(line)


def secret_values(settings: Settings) -> tuple[str, ...]:
    fields = (settings.model_credential, settings.admin_token, settings.azure_cost_token,
              settings.smtp_password)
    return tuple(field.get_secret_value() for field in fields if field is not None)


def logging_config(settings: Settings, stream: TextIO | None = None) -> dict[str, Any]:
    formatter: dict[str, Any] = ({"()": JsonLines} if settings.log_format == "json"
                                 else {"format": TEXT_FORMAT})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"execution": {"()": ExecutionFilter, "secrets": secret_values(settings)}},
        "formatters": {"line": formatter},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "line",
                                "filters": ["execution"], "stream": stream or sys.stdout}},
        "root": {"level": settings.log_level, "handlers": ["stdout"]},
        "loggers": {name: {"level": "WARNING"} for name in ("httpx", "httpcore")},
    }


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Set up the process's logging (called once by each command that runs for a while)."""
    logging.config.dictConfig(logging_config(settings, stream))
