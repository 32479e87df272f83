"""Object-store URLs in the form the Pulumi CLI reads them (gocloud.dev's blob URLs), and the
Python clients that open the same bucket with the same options.

The Pulumi CLI 3.259.0 opens its DIY backend with gocloud.dev v0.46 (AWS SDK v2, Azure SDK):
- ``s3://<bucket>[/<prefix>]?region=..&endpoint=..&use_path_style=true&profile=..``; an
  ``endpoint`` (any S3-compatible server) needs ``use_path_style=true``, even for an IP.
  Credentials: ``profile`` from the URL wins, else ``AWS_ACCESS_KEY_ID`` /
  ``AWS_SECRET_ACCESS_KEY``, else the SDK's chain (shared files, SSO, instance role).
- ``azblob://<container>[/<prefix>]?storage_account=..&domain=..&protocol=http&localemu=true``;
  ``localemu`` (or a ``127.0.0.1``/``localhost`` domain) puts the account name in the path
  (``http://127.0.0.1:10000/devstoreaccount1``) as Azurite expects. Credentials:
  ``AZURE_STORAGE_ACCOUNT`` + ``AZURE_STORAGE_KEY``, a SAS token, a connection string, else
  azure-identity's ``DefaultAzureCredential``.
The platform reads its own buckets (Pulumi's lock files, the artifact store) with boto3 and
azure-storage-blob configured by the same rules, so one URL means one bucket to both."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tmux_builder.errors import InvalidInputError, ToolchainError

BLOB_SCHEMES = ("file", "s3", "azblob")
_SECRET_WORDS = ("key", "secret", "token", "password", "sig", "sas", "credential")
_TRUE = {"1", "t", "true", "yes", "on"}


@dataclass(frozen=True)
class BlobURL:
    """A parsed bucket URL: scheme, bucket (or folder for ``file``), key prefix, options."""

    scheme: str
    bucket: str
    prefix: str = ""
    options: Mapping[str, str] = field(default_factory=dict)

    def option(self, name: str, default: str = "") -> str:
        return self.options.get(name, default)

    def flag(self, name: str) -> bool:
        return self.options.get(name, "").strip().lower() in _TRUE


def parse_blob_url(url: str, *, field_name: str = "pulumi_backend_url") -> BlobURL:
    """Split ``url``; refuse what neither Pulumi's DIY backend nor the platform can open."""
    parts = urlsplit(url)
    if parts.scheme not in BLOB_SCHEMES:
        raise InvalidInputError(
            f"{redact_url(url)} is not a bucket URL: use file://, s3:// or azblob://",
            field=field_name)
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    if parts.scheme == "file":
        return BlobURL("file", str(Path(parts.netloc + parts.path).expanduser()), "", options)
    if not parts.netloc:
        raise InvalidInputError(f"{redact_url(url)} names no bucket", field=field_name)
    prefix = parts.path.strip("/")
    return BlobURL(parts.scheme, parts.netloc, f"{prefix}/" if prefix else "", options)


def redact_url(url: str) -> str:
    """``url`` fit for a message: no user info, no value of a secret-looking option."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    if "@" in parts.netloc:
        netloc = f"****@{netloc}"
    query = [(k, "****" if any(w in k.lower() for w in _SECRET_WORDS) else v)
             for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe=":/"),
                       parts.fragment))


def _missing(package: str, extra: str) -> ToolchainError:
    return ToolchainError(f"reading an {extra.upper()} bucket needs {package}: "
                          f"pip install -e .[{extra}]", field=package)


def s3_client(url: BlobURL, env: Mapping[str, str]) -> Any:
    """A boto3 S3 client for ``url`` with the credentials gocloud would pick from ``env``."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:
        raise _missing("boto3", "aws") from exc
    profile = url.option("profile") or None
    keys: dict[str, str] = {}
    if profile is None and env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        keys = {"aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
                "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"]}
        if env.get("AWS_SESSION_TOKEN"):
            keys["aws_session_token"] = env["AWS_SESSION_TOKEN"]
    region = (url.option("region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
              or "us-east-1")
    session = boto3.session.Session(profile_name=profile, region_name=region, **keys)
    path_style = url.flag("use_path_style") or url.flag("s3ForcePathStyle")
    config = Config(s3={"addressing_style": "path" if path_style else "auto"},
                    retries={"max_attempts": 5, "mode": "standard"},
                    connect_timeout=10, read_timeout=60)
    return session.client("s3", endpoint_url=url.option("endpoint") or None, config=config)


def azure_account_url(url: BlobURL, env: Mapping[str, str]) -> str:
    """The service URL gocloud's ``NewDefaultServiceURL`` builds for ``url``."""
    account = url.option("storage_account") or env.get("AZURE_STORAGE_ACCOUNT", "")
    if not account:
        raise InvalidInputError("an azblob:// URL needs storage_account= or "
                                "AZURE_STORAGE_ACCOUNT", field="storage_account")
    domain = url.option("domain") or env.get("AZURE_STORAGE_DOMAIN") or "blob.core.windows.net"
    protocol = url.option("protocol") or env.get("AZURE_STORAGE_PROTOCOL") or "https"
    if protocol not in ("http", "https"):
        raise InvalidInputError(f"invalid protocol {protocol!r}", field="protocol")
    local = url.flag("localemu") or env.get("AZURE_STORAGE_IS_LOCAL_EMULATOR", "") in _TRUE
    if local or domain.startswith(("127.0.0.1", "localhost")):
        return f"{protocol}://{domain}/{account}"
    if url.flag("cdn"):
        return f"{protocol}://{domain}"
    return f"{protocol}://{account}.{domain}"


def azure_container(url: BlobURL, env: Mapping[str, str]) -> Any:
    """An azure-storage-blob ``ContainerClient`` with the credential gocloud would use."""
    try:
        from azure.storage.blob import ContainerClient
    except ImportError as exc:
        raise _missing("azure-storage-blob", "azure") from exc
    connection = (env.get("AZURE_STORAGE_CONNECTION_STRING")
                  or env.get("AZURE_STORAGEBLOB_CONNECTIONSTRING"))
    credential: Any
    if env.get("AZURE_STORAGE_ACCOUNT") and env.get("AZURE_STORAGE_KEY"):
        credential = {"account_name": env["AZURE_STORAGE_ACCOUNT"],
                      "account_key": env["AZURE_STORAGE_KEY"]}
    elif env.get("AZURE_STORAGE_SAS_TOKEN"):
        credential = env["AZURE_STORAGE_SAS_TOKEN"]
    elif connection:
        return ContainerClient.from_connection_string(connection, url.bucket)
    else:
        try:
            from azure.identity import DefaultAzureCredential
        except ImportError as exc:
            raise _missing("azure-identity", "azure") from exc
        credential = DefaultAzureCredential()
    return ContainerClient(azure_account_url(url, env), url.bucket, credential=credential)
