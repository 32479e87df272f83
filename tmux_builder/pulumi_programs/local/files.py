"""Content digests and atomic publication of a folder.

A published folder is a symlink ``<root>/<name>`` to ``<root>/.releases/<name>/<release>``.
A new release is copied completely beside the old one and the link is swapped with one
``rename``, so a reader sees either the whole old site or the whole new one, never a mix."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

SKIPPED_DIRS = frozenset({".git", "node_modules", "__pycache__", ".venv", "venv"})


def iter_site_files(root: Path) -> list[Path]:
    """Regular files below ``root`` in a stable order; symlinks and tool folders are skipped
    so a source tree can never publish something outside itself."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIPPED_DIRS and not Path(dirpath, d).is_symlink()
        )
        for filename in sorted(filenames):
            path = Path(dirpath, filename)
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return found


def tree_digest(root: Path, names: list[str] | None = None) -> str:
    """SHA-256 over relative paths and contents (of every file, or only of ``names``)."""
    digest = hashlib.sha256()
    files = iter_site_files(root) if names is None else [root / n for n in names]
    for path in files:
        if not path.is_file():
            continue
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def releases_dir(link: Path) -> Path:
    return link.parent / ".releases" / link.name


def publish_tree(source: Path, link: Path) -> str:
    """Copy ``source`` into a fresh release and point ``link`` at it atomically."""
    if not source.is_dir():
        raise FileNotFoundError(f"source folder {source} does not exist")
    releases = releases_dir(link)
    releases.mkdir(parents=True, exist_ok=True)
    staging = releases / f".staging-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        for path in iter_site_files(source):
            target = staging / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        digest = tree_digest(staging)
        release = releases / f"{digest[:16]}-{uuid.uuid4().hex[:8]}"
        staging.rename(release)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_link(link, release)
    for old in releases.iterdir():
        if old != release:
            shutil.rmtree(old, ignore_errors=True)
    return digest


def swap_link(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` with a single rename; a real folder in the way is removed."""
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    temp_link = link.parent / f".{link.name}.{uuid.uuid4().hex}.link"
    temp_link.symlink_to(target, target_is_directory=True)
    os.replace(temp_link, link)


def published_digest(link: Path) -> str | None:
    """Digest of what is served at ``link`` now, or None when nothing is there."""
    if not link.is_dir():
        return None
    return tree_digest(link)


def unpublish(link: Path) -> None:
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    releases = releases_dir(link)
    shutil.rmtree(releases, ignore_errors=True)
    prune_empty_dirs(releases.parent, levels=2)


def prune_empty_dirs(folder: Path, levels: int) -> None:
    """Remove ``folder`` and then up to ``levels - 1`` of its parents while they are empty."""
    for _ in range(levels):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
