"""Bucket URLs read the way the Pulumi CLI (gocloud.dev) reads them, secrets kept out of
messages, and object keys that could climb out of a bucket prefix or folder refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmux_builder.errors import InvalidInputError
from tmux_builder.stacks.blob_urls import azure_account_url, parse_blob_url, redact_url
from tmux_builder.stacks.blobs import FolderBlobs, check_key


def test_urls_split_into_bucket_prefix_and_options() -> None:
    s3 = parse_blob_url("s3://state/tb/prod?endpoint=http://127.0.0.1:9000&use_path_style=true")
    assert (s3.scheme, s3.bucket, s3.prefix) == ("s3", "state", "tb/prod/")
    assert s3.option("endpoint") == "http://127.0.0.1:9000" and s3.flag("use_path_style")
    assert parse_blob_url("file:///srv/state").bucket == "/srv/state"
    for bad in ("https://api.pulumi.com", "s3://", "gs://bucket"):
        with pytest.raises(InvalidInputError) as refused:
            parse_blob_url(bad)
        assert refused.value.field == "pulumi_backend_url"


def test_azure_service_urls_follow_gocloud() -> None:
    env = {"AZURE_STORAGE_ACCOUNT": "acct"}
    assert azure_account_url(parse_blob_url("azblob://c"), env) \
        == "https://acct.blob.core.windows.net"
    assert azure_account_url(parse_blob_url(
        "azblob://c?localemu=true&protocol=http&domain=127.0.0.1:10000"), env) \
        == "http://127.0.0.1:10000/acct"
    assert azure_account_url(parse_blob_url("azblob://c?storage_account=other"), {}) \
        == "https://other.blob.core.windows.net"
    with pytest.raises(InvalidInputError, match="storage_account"):
        azure_account_url(parse_blob_url("azblob://c"), {})


def test_messages_never_carry_a_secret() -> None:
    shown = redact_url("azblob://c?sas_token=abc123&protocol=http")
    assert "abc123" not in shown and "protocol=http" in shown
    assert "hunter2" not in redact_url("s3://user:hunter2@bucket?region=eu-west-1")


def test_keys_that_climb_are_refused_before_any_io(tmp_path: Path) -> None:
    blobs = FolderBlobs(tmp_path / "root")
    for key in ("../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "a/./b", "", "nul\x00"):
        with pytest.raises(InvalidInputError):
            blobs.write(key, b"x")
    assert check_key("a/b/", prefix_ok=True) == "a/b/" and check_key("", prefix_ok=True) == ""
    blobs.write("a/b.json", b"{}")
    assert blobs.keys("a/") == ["a/b.json"] and blobs.read("a/b.json") == b"{}"
    assert not (tmp_path / "x").exists()
