"""The passphrase of the passphrase secrets provider: generated on first use, kept 0600."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def ensure_passphrase(path: Path) -> Path:
    """Create the passphrase file once (never overwritten: it decrypts every stack's secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        return path
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(32))
    return path
