"""Standard tags and resource names shared by every program."""

from __future__ import annotations

from datetime import UTC, datetime

from tmux_builder.pulumi_programs.naming import resource_name, session_short
from tmux_builder.pulumi_programs.tags import STANDARD_TAG_KEYS, StandardTags

USER = "ee130495-5e37-5628-85f0-f33f71179827"
SESSION = "sess_20261122_025036_bfb6"


def test_standard_tags_are_complete_and_stable() -> None:
    created = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    tags = StandardTags(USER, SESSION, f"{USER}_{SESSION}", "static", "local", "dev",
                        created, datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    first = tags.as_dict()
    assert tuple(first) == STANDARD_TAG_KEYS
    assert first["Project"] == "tmux-builder" and first["CostCenter"] == "user-sites"
    assert first["CreatedBy"] == "tmux-builder-automation"
    assert first["CreatedAt"] == "2026-11-22T10:00:00Z"
    assert first["ExpiresAt"] == "2026-11-27T10:00:00Z"
    assert tags.as_dict() == first


def test_resource_name_shape_and_truncation() -> None:
    assert session_short(SESSION) == "20261122025036bfb6"
    assert resource_name(USER, SESSION) == "tmux-ee130495-20261122025036bfb6"
    assert resource_name(USER, SESSION, "Site") == "tmux-ee130495-20261122025036bfb6-site"
    short = resource_name(USER, SESSION, "a-rather-long-suffix-for-the-endpoint", max_len=40)
    assert len(short) == 40 and short.startswith("tmux-ee130495-")
    other = resource_name(USER, "sess_20261122_025036_bfb7",
                          "a-rather-long-suffix-for-the-endpoint", max_len=40)
    assert short != other, "truncated names keep a hash of the whole name"
    compact = resource_name(USER, SESSION, "web", max_len=24, alphanumeric=True)
    assert compact.isalnum() and compact.islower() and len(compact) <= 24
