"""The platform's services as the commands open them (imported inside each command, so that
a command pays only for what it uses)."""

from __future__ import annotations

from tmux_builder.platform.core.settings import get_settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.stacks import StackEngine


def database() -> Database:
    return Database(get_settings().db_url)


def engine() -> StackEngine:
    return stack_engine(get_settings())
