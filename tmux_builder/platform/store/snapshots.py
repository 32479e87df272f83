"""A workspace packed into one ``tar.gz`` with a manifest, and unpacked into an empty folder.

Packing keeps regular files, folders and symlinks that stay inside the workspace (stored
relative); it leaves out sockets, pipes, devices, symlinks that point out, and
``state/claude-config`` (Claude Code's per-session config: it names part of a model
credential and is rebuilt for every agent start). The manifest (every file's size and
SHA-256, what was left out and why) is the archive's first member and also stored beside it.

Unpacking trusts nothing in the archive: every member is checked before anything is written
(no absolute or climbing names, no hard links, no devices or pipes, symlinks only to places
inside the folder, at most ``max_bytes`` unpacked), Python's ``data`` extraction filter checks
each again as it is written (resolving symlinks already made), and every file is compared with
the manifest. It unpacks into a staging folder that is renamed into place only when all of it
is right: a refused snapshot leaves nothing behind."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import tarfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from tmux_builder.errors import InvalidInputError

MANIFEST_NAME = ".tmux-builder-snapshot.json"
FORMAT = 1
EXCLUDED = ("state/claude-config",)
_CHUNK = 1 << 20


@dataclass
class Manifest:
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> size, sha256
    links: dict[str, str] = field(default_factory=dict)  # path -> relative target
    folders: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> why
    facts: dict[str, Any] = field(default_factory=dict)  # user, session, phase, host, time

    @property
    def total_bytes(self) -> int:
        return sum(int(entry["size"]) for entry in self.files.values())

    def to_json(self) -> bytes:
        return json.dumps({"format": FORMAT, **self.facts, "files": self.files,
                           "links": self.links, "folders": self.folders,
                           "skipped": self.skipped}, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        raw = json.loads(data)
        if raw.get("format") != FORMAT:
            raise InvalidInputError(f"unknown snapshot format {raw.get('format')!r}",
                                    field="snapshot")
        facts = {k: v for k, v in raw.items()
                 if k not in ("format", "files", "links", "folders", "skipped")}
        return cls(dict(raw["files"]), dict(raw["links"]), list(raw["folders"]),
                   dict(raw["skipped"]), facts)


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _inside_link(root: Path, link: Path) -> str | None:
    """The link's target relative to its folder when it resolves inside ``root``, else None."""
    target = os.readlink(link)
    if os.path.isabs(target):
        return None
    resolved = Path(os.path.normpath(link.parent / target))
    if resolved != root and root not in resolved.parents:
        return None
    return os.path.relpath(resolved, link.parent)


def _walk(root: Path, manifest: Manifest, max_bytes: int) -> list[tuple[str, Path]]:
    """Fill ``manifest`` from the workspace; the (name, path) pairs to archive, in order."""
    members: list[tuple[str, Path]] = []
    for folder, dirnames, filenames in os.walk(root):
        base = Path(folder)
        for name in sorted([*dirnames, *filenames]):
            path = base / name
            rel = path.relative_to(root).as_posix()
            if rel in EXCLUDED:
                manifest.skipped[rel] = "platform-private"
                if name in dirnames:
                    dirnames.remove(name)
                continue
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                target = _inside_link(root, path)
                if target is None:
                    manifest.skipped[rel] = "symlink leaves the workspace"
                else:
                    manifest.links[rel] = target
                    members.append((rel, path))
            elif stat.S_ISDIR(mode):
                manifest.folders.append(rel)
                members.append((rel, path))
            elif stat.S_ISREG(mode):
                manifest.files[rel] = {"size": path.stat().st_size, "sha256": _digest(path)}
                members.append((rel, path))
            else:
                manifest.skipped[rel] = "not a file, folder or link"
        dirnames.sort()
        dirnames[:] = [d for d in dirnames if not (base / d).is_symlink()]
    if manifest.total_bytes > max_bytes:
        raise InvalidInputError(f"the workspace holds {manifest.total_bytes} bytes, more than "
                                f"the {max_bytes} a snapshot may", field="snapshot")
    return members


def pack_workspace(root: Path, archive: Path, facts: dict[str, Any],
                   max_bytes: int) -> Manifest:
    """Write ``root`` into ``archive`` (tar.gz); returns its manifest."""
    root = root.resolve()
    if not root.is_dir():
        raise InvalidInputError(f"no workspace at {root.name}", field="workspace")
    manifest = Manifest(facts=facts)
    members = _walk(root, manifest, max_bytes)
    with tarfile.open(archive, "w:gz") as tar:
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size, info.mode = len(data), 0o600
        tar.addfile(info, io.BytesIO(data))
        for name, path in members:
            entry = tar.gettarinfo(str(path), arcname=name)
            entry.uid = entry.gid = 0
            entry.uname = entry.gname = ""
            if entry.issym():
                entry.linkname = manifest.links[name]
            if entry.isreg():
                with path.open("rb") as handle:
                    tar.addfile(entry, handle)
            else:
                tar.addfile(entry)
    return manifest


def _refuse(member: str, why: str) -> InvalidInputError:
    return InvalidInputError(f"snapshot member {member!r} {why}", field="snapshot")


def _check_member(member: tarfile.TarInfo, manifest: Manifest) -> None:
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts or member.name in ("", "."):
        raise _refuse(member.name, "leaves the folder")
    if member.islnk():
        raise _refuse(member.name, "is a hard link")
    if member.issym():
        target = PurePosixPath(os.path.normpath(name.parent / member.linkname))
        if os.path.isabs(member.linkname) or target.parts[:1] == ("..",):
            raise _refuse(member.name, "links outside the folder")
        if manifest.links.get(member.name) != member.linkname:
            raise _refuse(member.name, "is not in the manifest")
    elif member.isreg():
        if member.name not in manifest.files or manifest.files[member.name]["size"] != member.size:
            raise _refuse(member.name, "does not match the manifest")
    elif not member.isdir():
        raise _refuse(member.name, "is a device, pipe or other special file")


def _read_manifest(tar: tarfile.TarFile) -> tuple[Manifest, list[tarfile.TarInfo]]:
    members = tar.getmembers()
    if not members or members[0].name != MANIFEST_NAME or not members[0].isreg():
        raise InvalidInputError("the archive has no snapshot manifest", field="snapshot")
    handle = tar.extractfile(members[0])
    assert handle is not None
    return Manifest.from_json(handle.read()), members[1:]


def unpack_snapshot(archive: Path, dest: Path, max_bytes: int,
                    expected: dict[str, Any] | None = None) -> Manifest:
    """Unpack ``archive`` into ``dest`` (absent or empty); all of it or nothing. ``expected``
    facts (user, session) must match the manifest's."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InvalidInputError(f"{dest.name} is not an empty folder", field="dest")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".restore-{uuid.uuid4().hex}"
    try:
        with tarfile.open(archive, "r:gz") as tar:
            manifest, members = _read_manifest(tar)
            for name, value in (expected or {}).items():
                if manifest.facts.get(name) != value:
                    raise InvalidInputError(f"the snapshot belongs to another {name}",
                                            field="snapshot")
            total = 0
            for member in members:
                _check_member(member, manifest)
                total += member.size if member.isreg() else 0
                if total > max_bytes:
                    raise _refuse(member.name, f"takes the snapshot past {max_bytes} bytes")
            staging.mkdir(mode=0o700)
            tar.extractall(staging, members=members, filter="data")
        missing = set(manifest.files) - {m.name for m in members if m.isreg()}
        if missing:
            raise _refuse(sorted(missing)[0], "is in the manifest but not in the archive")
        for rel, entry in manifest.files.items():
            if _digest(staging / rel) != entry["sha256"]:
                raise _refuse(rel, "does not match its SHA-256 in the manifest")
        if dest.exists():
            dest.rmdir()
        os.replace(staging, dest)
    except tarfile.FilterError as exc:
        raise InvalidInputError(f"snapshot refused: {exc}", field="snapshot") from exc
    except (tarfile.TarError, EOFError, OSError, ValueError, KeyError) as exc:
        raise InvalidInputError(f"the snapshot cannot be read: {exc}", field="snapshot") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
