"""Real object-store servers on loopback for the tests: moto's S3 server (``moto[server]``,
a dev dependency) and Azurite's blob service (npm, installed by ``make setup`` into the
toolchain cache). Each runs as a process of its own with its files in a temp folder, and is
stopped by its pid.

Azurite's development account is public and documented
(https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key);
moto accepts any key, but the AWS SDK needs one or it asks the instance metadata service."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from tests.conftest import free_port
from tmux_builder.platform.core.settings import Settings
from tmux_builder.stacks.npm_packages import find_npm_package
from tmux_builder.stacks.toolchain import AZURITE

AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
               "K1SZFPTOtr/KBHBeksoGMGw==")
MOTO_KEY_ID = "testing-key-id"
MOTO_SECRET = "testing-secret"  # moto checks nothing; the SDK only needs a key to sign with
_START_TIMEOUT = 60


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    _stop(process)
    raise RuntimeError(f"{url} did not answer in {_START_TIMEOUT}s")


@contextmanager
def _server(command: list[str], url: str, folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    try:
        _wait_until_up(process, url, log)
        yield process
    finally:
        _stop(process)


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    pid: int

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": MOTO_KEY_ID, "AWS_SECRET_ACCESS_KEY": MOTO_SECRET}

    def new_bucket(self) -> str:
        import boto3

        name = f"tb-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                     aws_access_key_id=MOTO_KEY_ID,
                     aws_secret_access_key=MOTO_SECRET).create_bucket(Bucket=name)
        return name

    def url(self, bucket: str, prefix: str = "") -> str:
        path = f"/{prefix}" if prefix else ""
        return (f"s3://{bucket}{path}?endpoint={self.endpoint}&use_path_style=true"
                "&region=us-east-1&response_checksum_validation=when_required")


@dataclass(frozen=True)
class AzuriteServer:
    host: str
    pid: int

    def env(self) -> dict[str, str]:
        return {"AZURE_STORAGE_ACCOUNT": AZURITE_ACCOUNT, "AZURE_STORAGE_KEY": AZURITE_KEY}

    def new_container(self) -> str:
        from azure.storage.blob import BlobServiceClient

        name = f"tb-{uuid.uuid4().hex[:12]}"
        BlobServiceClient(f"http://{self.host}/{AZURITE_ACCOUNT}",
                          credential={"account_name": AZURITE_ACCOUNT,
                                      "account_key": AZURITE_KEY}).create_container(name)
        return name

    def url(self, container: str, prefix: str = "") -> str:
        path = f"/{prefix}" if prefix else ""
        return f"azblob://{container}{path}?localemu=true&protocol=http&domain={self.host}"


@contextmanager
def moto_s3_server(folder: Path) -> Iterator[S3Server]:
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    endpoint = f"http://127.0.0.1:{port}"
    with _server(command, endpoint, folder) as process:
        yield S3Server(endpoint, process.pid)


def azurite_command(toolchain_dir: Path) -> Path | None:
    return find_npm_package(toolchain_dir, AZURITE)


@contextmanager
def azurite_blob_server(folder: Path, toolchain_dir: Path) -> Iterator[AzuriteServer]:
    binary = azurite_command(toolchain_dir)
    if binary is None:
        raise RuntimeError("Azurite is not installed: run `make setup`")
    port = free_port()
    command = [str(binary), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--loose",
               "--skipApiVersionCheck", "--disableTelemetry", "--location",
               str(folder / "data")]
    with _server(command, f"http://127.0.0.1:{port}", folder) as process:
        yield AzuriteServer(f"127.0.0.1:{port}", process.pid)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One moto S3 server for the session; each test makes its own bucket."""
    with moto_s3_server(tmp_path_factory.mktemp("moto")) as server:
        yield server


@pytest.fixture(scope="session")
def azurite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzuriteServer]:
    """One Azurite blob service for the session; each test makes its own container."""
    toolchain = Settings().toolchain_dir
    if azurite_command(toolchain) is None:
        pytest.skip("Azurite is not installed: run `make setup` (tmux-builder setup-toolchain)")
    with azurite_blob_server(tmp_path_factory.mktemp("azurite"), toolchain) as server:
        yield server


def backend_settings(settings: Settings, server: S3Server | AzuriteServer) -> Settings:
    """``settings`` with its Pulumi state in a fresh bucket (under a prefix) of ``server``."""
    if isinstance(server, S3Server):
        return settings.model_copy(update={
            "pulumi_backend_url": server.url(server.new_bucket(), "state"),
            "pulumi_backend_access_key_id": MOTO_KEY_ID,
            "pulumi_backend_secret_access_key": SecretStr(MOTO_SECRET)})
    return settings.model_copy(update={
        "pulumi_backend_url": server.url(server.new_container(), "state"),
        "pulumi_backend_storage_account": AZURITE_ACCOUNT,
        "pulumi_backend_storage_key": SecretStr(AZURITE_KEY)})
