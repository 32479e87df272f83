"""Cloud resource names within provider limits, unique across 10,000 user/session pairs."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable

import pytest

from tmux_builder.pulumi_programs.naming import (
    AZURE_STORAGE_MAX,
    FRONT_DOOR_ENDPOINT_MAX,
    S3_BUCKET_MAX,
    resource_name,
)

PAIRS = 10_000
S3_RULE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
STORAGE_RULE = re.compile(r"^[a-z0-9]{3,24}$")
FRONT_DOOR_RULE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$")
Pair = tuple[str, str]


def _session(rng: random.Random) -> str:
    stamp = f"2026{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}_{rng.randint(0, 235959):06d}"
    return f"sess_{stamp}_{rng.getrandbits(16):04x}"


def random_pairs(seed: int) -> list[Pair]:
    rng = random.Random(seed)
    return [(str(uuid.UUID(int=rng.getrandbits(128), version=4)), _session(rng))
            for _ in range(PAIRS)]


def crowded_pairs(seed: int) -> list[Pair]:
    """Worst case for truncation: one user, sessions in the same second, so every name
    shares its whole kept prefix and only the hash can tell them apart."""
    rng = random.Random(seed)
    user = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return [(user, f"sess_20260301_123000_{n:06d}x") for n in range(PAIRS)]


KINDS: dict[str, tuple[Callable[[str, str], str], re.Pattern[str], int]] = {
    "s3-bucket": (lambda g, s: resource_name(g, s, "artifacts", max_len=S3_BUCKET_MAX),
                  S3_RULE, S3_BUCKET_MAX),
    "storage-account": (lambda g, s: resource_name(g, s, "web", max_len=AZURE_STORAGE_MAX,
                                                   alphanumeric=True),
                        STORAGE_RULE, AZURE_STORAGE_MAX),
    "front-door-endpoint": (lambda g, s: resource_name(g, s, max_len=FRONT_DOOR_ENDPOINT_MAX),
                            FRONT_DOOR_RULE, FRONT_DOOR_ENDPOINT_MAX),
}


@pytest.mark.parametrize("pairs", [random_pairs(6), crowded_pairs(7)], ids=["random", "crowded"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_names_fit_the_limit_and_never_collide(kind: str, pairs: list[Pair]) -> None:
    make, rule, limit = KINDS[kind]
    names = [make(user, session) for user, session in pairs]
    too_long = [n for n in names if len(n) > limit]
    invalid = [n for n in names if not rule.match(n)]
    assert too_long == [] and invalid == []
    assert len(set(names)) == len(pairs), f"{len(pairs) - len(set(names))} collisions"


def test_names_are_stable_and_lowercase() -> None:
    user, session = "3F2A9C1E-7B44-4D2E-9A51-0C6E2D8B1F07", "sess_20260301_123000_AB12"
    for make, _, _ in KINDS.values():
        assert make(user, session) == make(user, session)
        assert make(user, session) == make(user, session).lower()
