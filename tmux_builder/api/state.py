"""What the app shares between requests: settings, database, stack engine, agent driver,
the rate limits (counted in the database), the open streams (in memory) and the progress
notifications progress streams wait on."""

from __future__ import annotations

from dataclasses import dataclass

from tmux_builder.api.progress import ProgressWaiters
from tmux_builder.api.ratelimit import KeyedLimit, StreamSlots
from tmux_builder.platform.agent.driver import AgentDriver
from tmux_builder.platform.core.private_files import prepare_data_dir
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.db.stack_engine import stack_engine
from tmux_builder.platform.store import ArtifactStore, open_store
from tmux_builder.stacks import StackEngine


@dataclass
class AppState:
    settings: Settings
    db: Database
    engine: StackEngine
    driver: AgentDriver
    store: ArtifactStore
    creation: KeyedLimit
    recovery: KeyedLimit
    code_checks: KeyedLimit
    streams: StreamSlots
    progress: ProgressWaiters

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        prepare_data_dir(settings)
        db = Database(settings.db_url)
        auth = (settings.auth_limit_per_window, settings.auth_limit_per_window,
                settings.auth_limit_window_seconds)
        return cls(settings, db, stack_engine(settings), AgentDriver(settings),
                   open_store(settings),
                   KeyedLimit(db, settings.create_limit_per_user,
                              settings.create_limit_per_address,
                              settings.create_limit_window_seconds, "creations"),
                   KeyedLimit(db, *auth, "recovery requests"),
                   KeyedLimit(db, *auth, "code checks"),
                   StreamSlots(settings.max_streams_per_user),
                   ProgressWaiters(db, settings))
