"""Argument checks shared by the verification steps."""

from __future__ import annotations

from urllib.parse import urlsplit

from tmux_builder.errors import InvalidInputError


def require_http_url(url: str, *, field: str = "url") -> str:
    """Return ``url`` if it is an absolute http(s) URL with a host, else raise."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"expected an http(s) URL with a host, got {url!r}", field=field)
    return url


def require_positive(value: float, field: str) -> None:
    if value <= 0:
        raise InvalidInputError(f"must be greater than 0, got {value}", field=field)
