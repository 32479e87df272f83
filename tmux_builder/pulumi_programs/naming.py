"""Resource names (SPEC section 5): ``tmux-{guid8}-{session_short}[-suffix]``, lowercase,
within each provider's limit; truncation appends a short hash so two sessions never collide."""

from __future__ import annotations

import hashlib
import re

S3_BUCKET_MAX = 63
AZURE_STORAGE_MAX = 24
FRONT_DOOR_ENDPOINT_MAX = 50
DEFAULT_MAX = 63
_HASH_LEN = 8


def session_short(session_id: str) -> str:
    """``sess_20261122_023800_ab12`` -> ``20261122023800ab12``."""
    return re.sub(r"[^a-z0-9]", "", session_id.lower().removeprefix("sess_"))


def resource_name(
    user_guid: str,
    session_id: str,
    suffix: str = "",
    *,
    max_len: int = DEFAULT_MAX,
    alphanumeric: bool = False,
) -> str:
    """The name of one resource of one session, truncated with a hash when too long."""
    guid8 = re.sub(r"[^a-z0-9]", "", user_guid.lower())[:8]
    parts = ["tmux", guid8, session_short(session_id)]
    if suffix:
        parts.append(suffix.lower())
    separator = "" if alphanumeric else "-"
    name = separator.join(parts)
    if alphanumeric:
        name = re.sub(r"[^a-z0-9]", "", name)
    if len(name) <= max_len:
        return name
    digest = hashlib.sha256(f"{user_guid}|{session_id}|{suffix}".encode()).hexdigest()[:_HASH_LEN]
    keep = max_len - len(digest) - len(separator)
    return f"{name[:keep].rstrip('-')}{separator}{digest}"
