"""Server paths out of answers: the data folder, the toolchain cache, the installation and the
home folder become short markers (``<data>/users/...``), so no answer tells a caller where
the server keeps its files."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import tmux_builder
from tmux_builder.platform.core.settings import Settings

_NAME_CHAR = rb"[\w.-]"


def server_roots(settings: Settings) -> dict[str, str]:
    """Each folder to hide (as written and as resolved) and its marker."""
    install = Path(tmux_builder.__file__).resolve().parents[1]
    named = [(settings.data_dir, "<data>"), (settings.toolchain_dir, "<toolchain>"),
             (install, "<install>"), (Path.home(), "~")]
    if sys.prefix != sys.base_prefix:
        named.append((Path(sys.prefix), "<venv>"))
    roots: dict[str, str] = {}
    for path, marker in named:
        for form in {os.path.abspath(path), os.path.realpath(path)}:
            if len(Path(form).parts) >= 2:  # never the filesystem root itself
                roots.setdefault(form, marker)
    return roots


class PathRedactor:
    def __init__(self, roots: dict[str, str]) -> None:
        ordered = sorted(roots, key=len, reverse=True)
        self._markers = {root.encode(): roots[root].encode() for root in ordered}
        alternatives = b"|".join(re.escape(root.encode()) for root in ordered)
        self._pattern = re.compile(b"(?<!" + _NAME_CHAR + b")(?:" + alternatives + b")(?!"
                                   + _NAME_CHAR + b")")

    @classmethod
    def for_settings(cls, settings: Settings) -> PathRedactor:
        return cls(server_roots(settings))

    def bytes(self, data: bytes) -> bytes:
        return self._pattern.sub(lambda match: self._markers[match.group(0)], data)

    def text(self, data: str) -> str:
        return self.bytes(data.encode()).decode()
