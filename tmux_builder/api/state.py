"""What the app shares between requests: settings, database, stack engine, agent driver."""

from __future__ import annotations

from dataclasses import dataclass

from tmux_builder.api.ratelimit import RateLimiter
from tmux_builder.platform.agent_driver import AgentDriver
from tmux_builder.platform.db import Database
from tmux_builder.platform.engine import stack_engine
from tmux_builder.platform.settings import Settings
from tmux_builder.stacks import StackEngine


@dataclass
class AppState:
    settings: Settings
    db: Database
    engine: StackEngine
    driver: AgentDriver
    per_user: RateLimiter
    per_address: RateLimiter

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        window = settings.create_limit_window_seconds
        return cls(settings, Database(settings.db_url), stack_engine(settings),
                   AgentDriver(settings), RateLimiter(settings.create_limit_per_user, window),
                   RateLimiter(settings.create_limit_per_address, window))
