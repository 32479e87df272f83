"""A platform whose agent is a small scripted program (run in tmux in place of the offline
agent): settings for it, stopped afterwards (site server, tmux server); and a worker drained
in the test's own thread."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import libtmux

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.server import stop_site_server_background
from tmux_builder.platform.workers.worker import Worker


@contextmanager
def scripted_platform(settings: Settings, tmp_path: Path, script: str, name: str,
                      **updates: Any) -> Iterator[Settings]:
    """Settings whose agent runs ``script``, on a tmux socket of its own."""
    path = tmp_path / f"{name}_agent.py"
    path.write_text(script, encoding="utf-8")
    configured = settings.model_copy(update={
        "tmux_socket": f"tb-{name}-{tmp_path.name[-12:]}",
        "agent_command": f"{sys.executable} -u {path}", **updates})
    try:
        yield configured
    finally:
        stop_site_server_background(configured)
        server = libtmux.Server(socket_name=configured.tmux_socket)
        if server.is_alive():
            server.kill()


def drain(worker: Worker) -> None:
    """Run queued jobs until none is left."""
    while worker.run_once():
        pass
