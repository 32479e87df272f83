"""What a ``file://`` backend keeps on disk, read (and, for stack tags, written) without
starting a ``pulumi`` process: each CLI start costs 0.1-0.3 s here, and an update needs a
few of them only to learn whether the stack exists, which tags it has and its update number.

The layout is the diy backend's project mode (``.pulumi/meta.yaml`` version 1):
``stacks/<project>/<stack>.json[.gz]`` (checkpoint), ``stacks/<project>/<stack>.pulumi-tags``
(``{"version": 1, "tags": {...}}``, written by ``pulumi stack tag set``) and
``history/<project>/<stack>/*.history.json[.gz]`` (one file per operation). Whatever this
module cannot read with certainty answers None, and the caller asks the CLI instead."""

from __future__ import annotations

import gzip
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TAGS_FORMAT_VERSION = 1
_HISTORY_SUFFIXES = (".history.json", ".history.json.gz", ".history.json.zst")


@dataclass(frozen=True)
class FileState:
    state_dir: Path
    project: str

    @property
    def _root(self) -> Path:
        return self.state_dir / ".pulumi"

    def checkpoint(self, stack_name: str) -> Path | None:
        folder = self._root / "stacks" / self.project
        for suffix in (".json", ".json.gz", ".json.zst"):
            path = folder / f"{stack_name}{suffix}"
            if path.is_file():
                return path
        return None

    def exists(self, stack_name: str) -> bool:
        return self.checkpoint(stack_name) is not None

    def read_checkpoint(self, stack_name: str) -> dict[str, Any] | None:
        path = self.checkpoint(stack_name)
        if path is None or path.suffix == ".zst":
            return None
        try:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError):
            return None
        return document if isinstance(document, dict) else None

    def pending_operations(self, stack_name: str) -> int | None:
        """Operations a killed process left in the state (None: cannot tell)."""
        document = self.read_checkpoint(stack_name)
        if document is None:
            return None
        latest = (document.get("checkpoint") or {}).get("latest") or {}
        return len(latest.get("pending_operations") or ())

    def summary(self, stack_name: str) -> tuple[int, str | None] | None:
        """The stack's resource count and last update time, as ``pulumi stack ls`` reads them
        from the checkpoint (None: cannot tell)."""
        document = self.read_checkpoint(stack_name)
        if document is None:
            return None
        latest = (document.get("checkpoint") or {}).get("latest") or {}
        moment = (latest.get("manifest") or {}).get("time")
        return len(latest.get("resources") or ()), str(moment) if moment else None

    def update_count(self, stack_name: str) -> int:
        folder = self._root / "history" / self.project / stack_name
        try:
            names = os.listdir(folder)
        except OSError:
            return 0
        return sum(1 for name in names if name.endswith(_HISTORY_SUFFIXES))

    def tags_file(self, stack_name: str) -> Path:
        return self._root / "stacks" / self.project / f"{stack_name}.pulumi-tags"

    def read_tags(self, stack_name: str) -> dict[str, str] | None:
        """The stack's tags; {} when it has none; None when the file is not one we know."""
        path = self.tags_file(stack_name)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return None
        if not isinstance(document, dict) or document.get("version") != TAGS_FORMAT_VERSION:
            return None
        tags = document.get("tags") or {}
        return {str(k): str(v) for k, v in tags.items()} if isinstance(tags, dict) else None

    def write_tags(self, stack_name: str, tags: dict[str, str]) -> None:
        """Replace the stack's tags in one atomic write (what ``stack tag set`` does per key)."""
        path = self.tags_file(stack_name)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temp.write_text(json.dumps({"version": TAGS_FORMAT_VERSION, "tags": tags}),
                        encoding="utf-8")
        os.replace(temp, path)
