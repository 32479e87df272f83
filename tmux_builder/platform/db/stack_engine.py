"""The platform's stack engine: configured from settings, holding stacks with the lock in the
database so that every host sharing it takes turns on a stack."""

from __future__ import annotations

from tmux_builder.platform.core.engine import engine_config
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db.stack_locks import database_stack_locks
from tmux_builder.stacks import StackEngine


def stack_engine(settings: Settings) -> StackEngine:
    return StackEngine(engine_config(settings), locks=database_stack_locks(settings))
