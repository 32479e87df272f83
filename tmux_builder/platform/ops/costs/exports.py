"""Stack exports for the cost report. On a ``file://`` backend the checkpoint files are read
directly (the same deployment ``pulumi stack export`` prints, without a CLI start per stack);
any other backend, or a checkpoint that cannot be read, goes through ``StackEngine.export``."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tmux_builder.errors import NotFoundError
from tmux_builder.stacks import PROJECT_NAME, StackEngine

EXPORT_THREADS = 8


def _checkpoint(state_dir: Path, stack_name: str) -> dict[str, Any] | None:
    folder = state_dir / ".pulumi" / "stacks" / PROJECT_NAME
    for path, opener in ((folder / f"{stack_name}.json", open),
                         (folder / f"{stack_name}.json.gz", gzip.open)):
        if path.is_file():
            with opener(path, "rt", encoding="utf-8") as handle:
                document = json.load(handle)
            latest = (document.get("checkpoint") or {}).get("latest")
            return {"version": document.get("version"), "deployment": latest or {}}
    return None


def _export(engine: StackEngine, stack_name: str) -> dict[str, Any] | None:
    state_dir = engine.config.file_state_dir
    if state_dir is not None:
        try:
            found = _checkpoint(state_dir, stack_name)
        except (OSError, ValueError):
            found = None
        if found is not None:
            return found
    try:
        return engine.export(stack_name).document()
    except NotFoundError:
        return None


def stack_exports(engine: StackEngine, names: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(stack name, export) of each stack that still exists, a few at a time."""
    with ThreadPoolExecutor(max_workers=EXPORT_THREADS) as pool:
        for name, export in zip(names, pool.map(lambda n: _export(engine, n), names),
                                strict=True):
            if export is not None:
                yield name, export
