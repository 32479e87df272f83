"""Which runtime a dynamic site needs and how to start it (SPEC section 3)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

RuntimeKind = Literal["node", "python"]

NODE_ENTRIES = ("server.js", "index.js", "app.js")
PYTHON_ENTRIES = ("app.py", "main.py", "server.py")


@dataclass(frozen=True)
class AppRuntime:
    kind: RuntimeKind
    dependency_files: tuple[str, ...]
    entry: str | None

    def start_command(self, deps_dir: Path) -> list[str]:
        """The command that starts the app from its own folder; it must listen on $PORT."""
        if self.kind == "node":
            return ["npm", "start", "--silent"] if self.entry is None else ["node", self.entry]
        return [str(deps_dir / "venv" / "bin" / "python"), "-u", str(self.entry)]


def detect_runtime(source_dir: Path) -> AppRuntime | None:
    """``package.json`` -> node, ``requirements.txt`` -> python, otherwise None (static)."""
    package_json = source_dir / "package.json"
    if package_json.is_file():
        try:
            manifest = json.loads(package_json.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"package.json is not valid JSON: {exc}") from exc
        has_start = bool(manifest.get("scripts", {}).get("start"))
        entry = None if has_start else _first_existing(source_dir, (manifest.get("main") or "",
                                                                      *NODE_ENTRIES))
        if not has_start and entry is None:
            raise ValueError("package.json has no start script and no server.js/index.js/app.js")
        names = ("package.json", "package-lock.json")
        files = tuple(f for f in names if (source_dir / f).is_file())
        return AppRuntime("node", files, entry)
    if (source_dir / "requirements.txt").is_file():
        entry = _first_existing(source_dir, PYTHON_ENTRIES)
        if entry is None:
            raise ValueError("requirements.txt found but no app.py, main.py or server.py")
        return AppRuntime("python", ("requirements.txt",), entry)
    return None


def _first_existing(folder: Path, names: tuple[str, ...]) -> str | None:
    for name in names:
        if name and (folder / name).is_file():
            return name
    return None
