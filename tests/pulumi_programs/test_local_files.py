"""Atomic publication: a link swapped in one rename, symlinks in a source never published."""

from __future__ import annotations

import os
from pathlib import Path

from tmux_builder.pulumi_programs.local.files import (
    publish_tree,
    published_digest,
    releases_dir,
    tree_digest,
    unpublish,
)


def _site(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(text, encoding="utf-8")
    (folder / "css").mkdir(exist_ok=True)
    (folder / "css" / "a.css").write_text("body{}", encoding="utf-8")
    return folder


def test_publish_swaps_whole_releases(tmp_path: Path) -> None:
    link = tmp_path / "sites" / "stack1"
    first = publish_tree(_site(tmp_path / "v1", "one"), link)
    assert link.is_symlink() and (link / "index.html").read_text() == "one"
    assert published_digest(link) == first == tree_digest(tmp_path / "v1")
    old_release = link.resolve()
    second = publish_tree(_site(tmp_path / "v2", "two"), link)
    assert second != first and (link / "index.html").read_text() == "two"
    assert not old_release.exists(), "the previous release is removed after the swap"
    assert len(list(releases_dir(link).iterdir())) == 1
    unpublish(link)
    assert not link.exists() and not releases_dir(link).exists()
    assert published_digest(link) is None


def test_symlinks_and_tool_folders_are_not_published(tmp_path: Path) -> None:
    source = _site(tmp_path / "src", "hi")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not publish", encoding="utf-8")
    os.symlink(secret, source / "leak.txt")
    (source / "node_modules").mkdir()
    (source / "node_modules" / "x.js").write_text("x", encoding="utf-8")
    link = tmp_path / "sites" / "s"
    publish_tree(source, link)
    published = {p.relative_to(link).as_posix() for p in link.rglob("*") if p.is_file()}
    assert published == {"index.html", "css/a.css"}
