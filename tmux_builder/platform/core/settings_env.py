"""Settings handed to a child process of the platform (a supervised worker) through its
environment: every setting as the ``TMUX_BUILDER_`` variable that reads back to the same
value, secrets included (``model_dump_json`` would mask them). Variables of settings that
are unset here are removed, so the child cannot pick up a value the parent did not use."""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from tmux_builder.platform.core.settings import Settings

PREFIX = "TMUX_BUILDER_"


def _as_text(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return ",".join(_as_text(item) for item in value)
    if isinstance(value, Path):
        return str(value)
    return str(value)


def settings_environment(settings: Settings) -> dict[str, str]:
    """``{TMUX_BUILDER_<NAME>: value}`` for every setting that has a value."""
    return {f"{PREFIX}{name.upper()}": _as_text(value)
            for name in Settings.model_fields
            if (value := getattr(settings, name)) is not None}


def child_environment(settings: Settings,
                      base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default this process's environment) with its setting variables replaced by
    ``settings``; other variables (``PATH``, test marks) are kept."""
    setting_names = {f"{PREFIX}{name.upper()}" for name in Settings.model_fields}
    kept = {key: value for key, value in (os.environ if base is None else base).items()
            if key not in setting_names}
    return {**kept, **settings_environment(settings)}
