"""The CrossGuard policy pack run on every preview and up: the standard tags on every
taggable resource, and the security rules of the cloud programs (private buckets, Origin
Access Control, key-only SSH, instance sizes from an allow-list).

This folder is the pack (``PulumiPolicy.yaml``, ``__main__.py``); the engine starts it with
the ``pulumi-analyzer-policy-python`` launcher. ``rules`` holds the checks as plain functions,
so the tests run them over the resources the mocked cloud programs register."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

PACK_DIR = Path(__file__).resolve().parent
PACK_NAME = "tmux-builder"
SIZES_POLICY = "allowed-instance-sizes"


def pack_config(allowed_sizes: Sequence[str]) -> dict[str, dict[str, list[str]]]:
    """The pack's configuration (the ``--policy-pack-config`` document)."""
    return {SIZES_POLICY: {"allowed": sorted(set(allowed_sizes))}}
