"""A small blob API over a folder, an S3(-compatible) bucket or an Azure container, opened
from the same URL the Pulumi CLI reads (``blob_urls``). Recovery uses it to read and clear
Pulumi's lock files in any DIY backend; the platform's artifact store is built on it.

Keys are ``/``-separated relative names; a key with an empty, ``.`` or ``..`` segment, a
backslash or a control character is refused before any I/O."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from tmux_builder.errors import InvalidInputError
from tmux_builder.stacks.blob_urls import (
    BlobURL,
    azure_container,
    parse_blob_url,
    redact_url,
    s3_client,
)

_BAD_KEY_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")
_MAX_KEY = 1024
_TEMP_MARK = ".tmp-"


def check_key(key: str, *, prefix_ok: bool = False) -> str:
    """``key`` when it is a safe relative name (``prefix_ok``: may be empty or end in ``/``)."""
    body = key[:-1] if prefix_ok and key.endswith("/") else key
    if prefix_ok and body == "":
        return key
    if (not isinstance(key, str) or not body or len(key) > _MAX_KEY or key.startswith("/")
            or _BAD_KEY_CHARS.search(key)
            or any(part in ("", ".", "..") for part in body.split("/"))):
        raise InvalidInputError(f"{key!r} is not a valid object key", field="key")
    return key


class Blobs(Protocol):
    location: str  # where the blobs live, fit for a message (no secrets)

    def keys(self, prefix: str = "") -> list[str]: ...

    def read(self, key: str) -> bytes | None: ...

    def write(self, key: str, data: bytes, content_type: str | None = None) -> None: ...

    def upload(self, key: str, path: Path, content_type: str | None = None) -> None: ...

    def download(self, key: str, path: Path) -> bool: ...

    def delete(self, key: str) -> None: ...


class FolderBlobs:
    """Blobs as files under ``root``: written whole (a temp file renamed), 0600 in 0700
    folders, so a reader never sees half an object."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def keys(self, prefix: str = "") -> list[str]:
        check_key(prefix, prefix_ok=True)
        base = self.root / prefix.rpartition("/")[0]
        if not base.is_dir():
            return []
        found = []
        for path in base.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and key.startswith(prefix) and _TEMP_MARK not in path.name:
                found.append(key)
        return sorted(found)

    def read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def _replace_with(self, key: str, fill: Any) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(prefix=_TEMP_MARK, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                fill(handle)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def write(self, key: str, data: bytes, content_type: str | None = None) -> None:
        self._replace_with(key, lambda handle: handle.write(data))

    def upload(self, key: str, path: Path, content_type: str | None = None) -> None:
        def copy(handle: Any) -> None:
            with path.open("rb") as source:
                shutil.copyfileobj(source, handle)

        self._replace_with(key, copy)

    def download(self, key: str, path: Path) -> bool:
        source = self._path(key)
        if not source.is_file():
            return False
        shutil.copyfile(source, path)
        return True

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class _BucketBlobs:
    """Blobs under the key prefix a bucket URL names (``s3://bucket/<prefix>``)."""

    def __init__(self, url: BlobURL, location: str) -> None:
        self.prefix = url.prefix
        self.location = location

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _list_prefix(self, prefix: str) -> str:
        return self.prefix + check_key(prefix, prefix_ok=True)


class S3Blobs(_BucketBlobs):
    """Blobs in an S3 bucket (AWS or any S3-compatible server), under the URL's prefix."""

    def __init__(self, url: BlobURL, env: Mapping[str, str], location: str) -> None:
        super().__init__(url, location)
        self.client = s3_client(url, env)
        self.bucket = url.bucket

    def keys(self, prefix: str = "") -> list[str]:
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._list_prefix(prefix))
        for page in pages:
            found.extend(item["Key"][len(self.prefix):] for item in page.get("Contents", []))
        return sorted(found)

    def read(self, key: str) -> bytes | None:
        try:
            return bytes(self.client.get_object(Bucket=self.bucket,
                                                Key=self._name(key))["Body"].read())
        except self.client.exceptions.NoSuchKey:
            return None

    def write(self, key: str, data: bytes, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, **extra)

    def upload(self, key: str, path: Path, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        self.client.upload_file(str(path), self.bucket, self._name(key), ExtraArgs=extra)

    def download(self, key: str, path: Path) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.download_file(self.bucket, self._name(key), str(path))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))


class AzureBlobs(_BucketBlobs):
    """Blobs in an Azure Storage container (or Azurite), under the URL's prefix."""

    def __init__(self, url: BlobURL, env: Mapping[str, str], location: str) -> None:
        super().__init__(url, location)
        self.container = azure_container(url, env)

    def keys(self, prefix: str = "") -> list[str]:
        names = self.container.list_blob_names(name_starts_with=self._list_prefix(prefix))
        return sorted(name[len(self.prefix):] for name in names)

    def read(self, key: str) -> bytes | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return bytes(self.container.download_blob(self._name(key)).readall())
        except ResourceNotFoundError:
            return None

    def _settings(self, content_type: str | None) -> Any:
        from azure.storage.blob import ContentSettings

        return ContentSettings(content_type=content_type) if content_type else None

    def write(self, key: str, data: bytes, content_type: str | None = None) -> None:
        self.container.upload_blob(self._name(key), data, overwrite=True,
                                   content_settings=self._settings(content_type))

    def upload(self, key: str, path: Path, content_type: str | None = None) -> None:
        with path.open("rb") as source:
            self.container.upload_blob(self._name(key), source, overwrite=True,
                                       content_settings=self._settings(content_type))

    def download(self, key: str, path: Path) -> bool:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            stream = self.container.download_blob(self._name(key))
        except ResourceNotFoundError:
            return False
        with path.open("wb") as target:
            stream.readinto(target)
        return True

    def delete(self, key: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            self.container.delete_blob(self._name(key))
        except ResourceNotFoundError:
            return


def open_blobs(url: str, env: Mapping[str, str] | None = None, *,
               field_name: str = "pulumi_backend_url") -> Blobs:
    """The blobs of a ``file://``, ``s3://`` or ``azblob://`` URL; ``env`` supplies the
    credentials (default: this process's environment)."""
    parsed = parse_blob_url(url, field_name=field_name)
    env = os.environ if env is None else env
    location = redact_url(url)
    if parsed.scheme == "file":
        return FolderBlobs(Path(parsed.bucket))
    if parsed.scheme == "s3":
        return S3Blobs(parsed, env, location)
    return AzureBlobs(parsed, env, location)
