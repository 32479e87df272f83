"""``PublishedFolder``: a folder published atomically under a local root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from tmux_builder.pulumi_programs.local.files import publish_tree, published_digest, unpublish

_REPLACE_KEYS = ("target_dir",)
_UPDATE_KEYS = ("digest", "source_dir", "tags")


class PublishedFolderProvider(ResourceProvider):
    """Create/update publish ``source_dir`` at ``target_dir``; read reports what is on disk."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        digest = publish_tree(Path(props["source_dir"]), Path(props["target_dir"]))
        return CreateResult(id_=props["target_dir"], outs={**props, "digest": digest})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in _REPLACE_KEYS if olds.get(k) != news.get(k)]
        changed = replaces or [k for k in _UPDATE_KEYS if olds.get(k) != news.get(k)]
        return DiffResult(
            changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces)
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        digest = publish_tree(Path(news["source_dir"]), Path(news["target_dir"]))
        return UpdateResult(outs={**news, "digest": digest})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        digest = published_digest(Path(props["target_dir"]))
        if digest is None:
            return ReadResult(id_="", outs={})
        return ReadResult(id_=id_, outs={**props, "digest": digest})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        unpublish(Path(props["target_dir"]))


class PublishedFolder(Resource):
    """A copy of ``source_dir`` served from ``target_dir``; ``digest`` is the content hash."""

    digest: pulumi.Output[str]
    target_dir: pulumi.Output[str]
    tags: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        *,
        source_dir: str,
        target_dir: str,
        digest: str,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "source_dir": source_dir,
            "target_dir": target_dir,
            "digest": digest,
            "tags": tags,
        }
        super().__init__(PublishedFolderProvider(), name, props, opts)
