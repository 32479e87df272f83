"""``make demo``: one request, the whole 9-step pipeline on the embedded defaults (local
target, offline agent in tmux, SQLite, file backend), with a worker run in this process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tmux_builder.domain import Provider, SiteType, user_id_for
from tmux_builder.platform.core.private_files import prepare_data_dir
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.sessions.creation import CreatedSession, SessionRequest, create_session
from tmux_builder.platform.sessions.status import ExecutionState, execution_status
from tmux_builder.platform.workers.worker import run_pool

DEMO_REQUEST = SessionRequest(
    email="demo@tmux-builder.local",
    phone="+10000000000",
    host_provider=Provider.local,
    site_type=SiteType.static,
    requirements=(
        'A website for a neighbourhood bakery called "Sweet Crumbs" with a warm orange theme, '
        "an about section, a menu listing sourdough bread, croissants, cinnamon rolls and "
        "lemon tart, a photo gallery, opening hours, and a contact form."
    ),
)


def run_demo(db: Database, settings: Settings,
             on_progress: Callable[[ExecutionState], None] | None = None,
             timeout: float = 900) -> tuple[CreatedSession, ExecutionState]:
    prepare_data_dir(settings)
    # The operator runs the demo on their own machine: a second run reuses the demo account.
    demo_user = user_id_for(DEMO_REQUEST.email, DEMO_REQUEST.phone)
    created = create_session(db, settings, DEMO_REQUEST, signed_in_as=demo_user)
    stop = threading.Event()
    threads = run_pool(db, settings, stop, count=1)
    deadline = time.monotonic() + timeout
    try:
        while True:
            status = execution_status(db, created.execution_id)
            if on_progress is not None:
                on_progress(status)
            if status.finished or time.monotonic() > deadline:
                return created, status
            time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
