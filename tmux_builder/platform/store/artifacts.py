"""The shared store: what one host makes and any host must serve or resume from.

Artifacts (screenshots, thumbnails, E2E reports, health results, logs) and workspace
snapshots, per user and session, in a folder (the default, ``<data_dir>/store``) or an
S3-compatible bucket (``TMUX_BUILDER_STORE_URL``). The two differ only in the ``Blobs``
underneath; every key is built from validated ids (``keys``)."""

from __future__ import annotations

import mimetypes
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tmux_builder.errors import InvalidInputError, NotFoundError, TmuxBuilderError
from tmux_builder.platform.core.private_files import private_dir
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.store.keys import (
    artifact_key,
    session_prefix,
    snapshot_key,
    validate_kind,
    validate_phase,
    validate_snapshot_id,
)
from tmux_builder.platform.store.snapshots import Manifest, pack_workspace, unpack_snapshot
from tmux_builder.stacks.blob_urls import parse_blob_url
from tmux_builder.stacks.blobs import Blobs, FolderBlobs, open_blobs

STORE_SCHEMES = ("file", "s3")


class StoreError(TmuxBuilderError):
    """The store could not be reached or refused an operation."""


@contextmanager
def _reaching(what: str) -> Iterator[None]:
    """Turn whatever the store's client raises (OS, boto3, network) into ``StoreError``."""
    try:
        yield
    except TmuxBuilderError:
        raise
    except Exception as error:  # the clients raise many kinds; each is the store failing
        raise StoreError(f"the shared store could not {what}: {error}") from error


@dataclass(frozen=True)
class Artifact:
    kind: str
    name: str


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: str
    phase: str
    manifest: Manifest


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


class ArtifactStore:
    def __init__(self, blobs: Blobs, max_snapshot_bytes: int) -> None:
        self.blobs = blobs
        self.max_snapshot_bytes = max_snapshot_bytes

    @property
    def location(self) -> str:
        return self.blobs.location

    def put_artifact(self, user_id: str, session_id: str, kind: str, name: str,
                     content: bytes | Path) -> str:
        """Store ``content`` (bytes or a file) as the artifact; returns its key."""
        key = artifact_key(user_id, session_id, kind, name)
        with _reaching(f"store the {kind} artifact {name}"):
            if isinstance(content, Path):
                self.blobs.upload(key, content, _content_type(name))
            else:
                self.blobs.write(key, content, _content_type(name))
        return key

    def get_artifact(self, user_id: str, session_id: str, kind: str, name: str) -> bytes:
        key = artifact_key(user_id, session_id, kind, name)
        with _reaching(f"read the {kind} artifact {name}"):
            data = self.blobs.read(key)
        if data is None:
            raise NotFoundError(f"no {kind} artifact {name}", field="name")
        return data

    def list_artifacts(self, user_id: str, session_id: str,
                       kind: str | None = None) -> list[Artifact]:
        prefix = f"{session_prefix(user_id, session_id)}artifacts/"
        if kind is not None:
            prefix += f"{validate_kind(kind)}/"
        found = []
        for key in self.blobs.keys(prefix):
            kind_name = key.removeprefix(f"{session_prefix(user_id, session_id)}artifacts/")
            found_kind, _, name = kind_name.partition("/")
            found.append(Artifact(found_kind, name))
        return found

    def snapshot(self, user_id: str, session_id: str, workspace: Path, *, phase: str,
                 host: str) -> SnapshotInfo:
        """Pack the workspace after ``phase`` and store it (archive, then its manifest: a
        snapshot is listed only once both are there)."""
        moment = datetime.now(UTC)
        snapshot_id = f"{moment:%Y%m%dT%H%M%S%f}-{validate_phase(phase)}"
        facts: dict[str, Any] = {"user_id": user_id, "session_id": session_id, "phase": phase,
                                 "host": host, "created_at": moment.isoformat()}
        with (tempfile.TemporaryDirectory(prefix="tb-snapshot-") as scratch,
              _reaching(f"store the snapshot after {phase}")):
            archive = Path(scratch) / "snapshot.tar.gz"
            manifest = pack_workspace(workspace, archive, facts, self.max_snapshot_bytes)
            self.blobs.upload(snapshot_key(user_id, session_id, snapshot_id, ".tar.gz"),
                              archive, "application/gzip")
            self.blobs.write(snapshot_key(user_id, session_id, snapshot_id, ".json"),
                             manifest.to_json(), "application/json")
        return SnapshotInfo(snapshot_id, phase, manifest)

    def snapshot_ids(self, user_id: str, session_id: str) -> list[str]:
        """Complete snapshots (manifest stored), oldest first."""
        prefix = f"{session_prefix(user_id, session_id)}snapshots/"
        with _reaching("list the snapshots"):
            keys = self.blobs.keys(prefix)
        return sorted(key.removeprefix(prefix).removesuffix(".json")
                      for key in keys if key.endswith(".json"))

    def restore(self, user_id: str, session_id: str, dest: Path,
                snapshot_id: str | None = None) -> SnapshotInfo:
        """Unpack a snapshot (default the newest) into the empty folder ``dest``."""
        if snapshot_id is None:
            ids = self.snapshot_ids(user_id, session_id)
            if not ids:
                raise NotFoundError(f"session {session_id} has no snapshot", field="session_id")
            snapshot_id = ids[-1]
        validate_snapshot_id(snapshot_id)
        with tempfile.TemporaryDirectory(prefix="tb-restore-") as scratch:
            archive = Path(scratch) / "snapshot.tar.gz"
            with _reaching(f"read the snapshot {snapshot_id}"):
                found = self.blobs.download(snapshot_key(user_id, session_id, snapshot_id,
                                                         ".tar.gz"), archive)
            if not found:
                raise NotFoundError(f"no snapshot {snapshot_id}", field="snapshot_id")
            manifest = unpack_snapshot(archive, dest, self.max_snapshot_bytes,
                                       {"user_id": user_id, "session_id": session_id})
        return SnapshotInfo(snapshot_id, str(manifest.facts.get("phase", "")), manifest)

    def delete_session(self, user_id: str, session_id: str) -> int:
        """Remove everything of one session (at teardown); returns how many objects."""
        keys = self.blobs.keys(session_prefix(user_id, session_id))
        for key in keys:
            self.blobs.delete(key)
        return len(keys)


def open_store(settings: Settings) -> ArtifactStore:
    """The store the settings name: ``<data_dir>/store`` or ``TMUX_BUILDER_STORE_URL``."""
    url = settings.resolved_store_url
    parsed = parse_blob_url(url, field_name="store_url")
    if parsed.scheme not in STORE_SCHEMES:
        raise InvalidInputError("the store is a folder (file://) or an S3 bucket (s3://)",
                                field="store_url")
    if parsed.scheme == "file":
        return ArtifactStore(FolderBlobs(private_dir(Path(parsed.bucket))),
                             settings.store_max_snapshot_bytes)
    env: dict[str, str] = {}
    if settings.store_access_key_id and settings.store_secret_access_key:
        env = {"AWS_ACCESS_KEY_ID": settings.store_access_key_id,
               "AWS_SECRET_ACCESS_KEY": settings.store_secret_access_key.get_secret_value()}
    return ArtifactStore(open_blobs(url, env or None, field_name="store_url"),
                         settings.store_max_snapshot_bytes)
