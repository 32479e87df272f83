"""Log events of an execution, in the database (what the progress stream replays and
follows) and in the workspace's ``logs/pipeline.log``, and debug ids that find the full log
of a failure."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

from tmux_builder.platform.db import Database, LogEvent


def new_debug_id() -> str:
    return f"dbg_{secrets.token_hex(6)}"


def log_event(db: Database, execution_id: str, source: str, message: str, *,
              level: str = "info", debug_id: str | None = None,
              log_file: Path | None = None) -> None:
    event = LogEvent(execution_id=execution_id, source=source, message=message, level=level,
                     debug_id=debug_id, at=datetime.now(UTC))
    with db.transaction() as tx:
        tx.add(event)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a", encoding="utf-8") as handle:
            tag = f" [{debug_id}]" if debug_id else ""
            handle.write(f"{event.at:%Y-%m-%dT%H:%M:%SZ} {level:<5} {source}{tag}: {message}\n")
