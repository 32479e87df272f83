"""The data folder is the operator's alone (0700) and the SQLite file too (0600): tokens,
codes and every user's requests live there."""

from __future__ import annotations

import os
from pathlib import Path

from tmux_builder.platform.core.settings import Settings

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it 0700, also when it already existed."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    path.chmod(PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with 0600 unless it exists, and make it 0600 either way. SQLite
    gives its -wal and -shm files the mode of the database file. An existing file is never
    opened: closing any descriptor of a SQLite file drops every POSIX lock this process holds
    on it, under the feet of its open connections (stale reads of a WAL database)."""
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
        os.close(descriptor)
    path.chmod(PRIVATE_FILE)
    return path


def prepare_data_dir(settings: Settings) -> Path:
    return private_dir(settings.data_dir)
