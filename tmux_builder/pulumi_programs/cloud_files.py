"""What the cloud programs upload: one object per site file (with content type and hashes)
or one zip artifact of a dynamic app's source."""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import pulumi

from tmux_builder.pulumi_programs.local.files import iter_site_files, tree_digest

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Pages are revalidated on every visit (a redeploy shows at once; the CDN is purged or
# invalidated when content changes); other files may be kept for an hour.
PAGE_CACHE_CONTROL = "no-cache"
ASSET_CACHE_CONTROL = "public, max-age=3600"
PAGE_SUFFIXES = (".html", ".htm")
_EXTRA_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".webmanifest":
                "application/manifest+json", ".wasm": "application/wasm", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class SiteFile:
    key: str
    path: Path
    content_type: str
    sha256: str
    md5_base64: str


def content_type(path: Path) -> str:
    """The Content-Type a browser needs; text types get an explicit UTF-8 charset."""
    guessed = _EXTRA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    if guessed is None:
        return DEFAULT_CONTENT_TYPE
    if guessed.startswith("text/") or guessed in {"application/json", "image/svg+xml"}:
        return f"{guessed}; charset=utf-8"
    return guessed


def cache_control(key: str) -> str:
    return PAGE_CACHE_CONTROL if key.lower().endswith(PAGE_SUFFIXES) else ASSET_CACHE_CONTROL


def site_files(root: Path) -> list[SiteFile]:
    found: list[SiteFile] = []
    for path in iter_site_files(root):
        data = path.read_bytes()
        found.append(SiteFile(
            key=path.relative_to(root).as_posix(),
            path=path,
            content_type=content_type(path),
            sha256=hashlib.sha256(data).hexdigest(),
            md5_base64=base64.b64encode(hashlib.md5(data).digest()).decode(),
        ))
    return found


@dataclass(frozen=True)
class Artifact:
    """The zip of a dynamic app; ``digest`` is the source tree's content hash, so the same
    source always gives the same object key and boot script."""

    archive: pulumi.AssetArchive
    digest: str

    @property
    def key(self) -> str:
        return f"releases/{self.digest[:16]}.zip"


def source_artifact(root: Path) -> Artifact:
    """The same file selection as a static upload (tool folders and symlinks are skipped);
    the engine zips the archive when it uploads the object."""
    files = iter_site_files(root)
    assets: dict[str, pulumi.Asset | pulumi.Archive] = {
        path.relative_to(root).as_posix(): pulumi.FileAsset(str(path)) for path in files
    }
    return Artifact(archive=pulumi.AssetArchive(assets), digest=tree_digest(root))
