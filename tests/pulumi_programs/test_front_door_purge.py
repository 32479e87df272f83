"""The Front Door purge: the credential comes from the same ARM_* variables the provider
reads (the old `az afd endpoint purge` ignored them), the REST call and its long-running
operation are followed on recorded answers, and failures are named."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.identity import (
    AzureCliCredential,
    CertificateCredential,
    ClientAssertionCredential,
    ClientSecretCredential,
    ManagedIdentityCredential,
)

from tmux_builder.pulumi_programs.azure.purge import (
    API_VERSION,
    SCOPE,
    PurgeFailed,
    PurgeTarget,
    credential_from_env,
    main,
    purge,
)

TARGET = PurgeTarget("00000000-0000-4000-8000-000000000001", "tmux-platform-westeurope-rg",
                     "tmux-platform-fd-westeurope-0", "tmux-3f2a9c1e-site")
MONITOR = "https://management.azure.com/operations/purge-1?api-version=2024-02-01"


@dataclass
class Token:
    token: str


class FixedCredential:
    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str) -> Token:
        self.scopes.append(scopes)
        return Token("recorded-token")


def client(answers: list[httpx.Response], seen: list[httpx.Request]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    return httpx.Client(transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(("env", "kind"), [
    ({"ARM_CLIENT_ID": "c", "ARM_TENANT_ID": "t", "ARM_CLIENT_SECRET": "s"},
     ClientSecretCredential),
    ({"ARM_CLIENT_ID": "c", "ARM_TENANT_ID": "t", "ARM_OIDC_TOKEN": "jwt"},
     ClientAssertionCredential),
    ({"ARM_USE_MSI": "true"}, ManagedIdentityCredential),
    ({}, AzureCliCredential),
])
def test_credential_follows_the_providers_variables(env: dict[str, str], kind: type) -> None:
    assert isinstance(credential_from_env(env), kind)


def test_certificate_credential(tmp_path: Path) -> None:
    pytest.importorskip("cryptography", reason="azure-identity reads certificates with it")
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sp")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    pem = tmp_path / "sp.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
                    + cert.public_bytes(serialization.Encoding.PEM))
    env = {"ARM_CLIENT_ID": "c", "ARM_TENANT_ID": "t", "ARM_CLIENT_CERTIFICATE_PATH": str(pem)}
    assert isinstance(credential_from_env(env), CertificateCredential)


def test_purge_waits_for_the_long_running_operation() -> None:
    seen: list[httpx.Request] = []
    credential = FixedCredential()
    answers = [
        httpx.Response(202, headers={"Azure-AsyncOperation": MONITOR, "Retry-After": "0"}),
        httpx.Response(200, json={"status": "InProgress"}, headers={"Retry-After": "0"}),
        httpx.Response(200, json={"status": "Succeeded"}),
    ]
    with client(answers, seen) as http:
        assert purge(TARGET, credential, http, poll_seconds=0) == "Succeeded"
    start, *polls = seen
    assert start.method == "POST"
    assert str(start.url) == (
        "https://management.azure.com/subscriptions/00000000-0000-4000-8000-000000000001/"
        "resourceGroups/tmux-platform-westeurope-rg/providers/Microsoft.Cdn/profiles/"
        f"tmux-platform-fd-westeurope-0/afdEndpoints/tmux-3f2a9c1e-site/purge"
        f"?api-version={API_VERSION}")
    assert json.loads(start.content) == {"contentPaths": ["/*"]}
    assert start.headers["Authorization"] == "Bearer recorded-token"
    assert [str(p.url) for p in polls] == [MONITOR, MONITOR]
    assert credential.scopes == [(SCOPE,)]


@pytest.mark.parametrize(("answers", "message"), [
    ([httpx.Response(403, json={"error": {"code": "AuthorizationFailed",
                                          "message": "no purge permission"}})],
     "refused with HTTP 403: AuthorizationFailed: no purge permission"),
    ([httpx.Response(202, headers={"Location": MONITOR, "Retry-After": "0"}),
      httpx.Response(200, json={"status": "Failed"})], "ended Failed"),
    ([httpx.Response(202, headers={"Location": MONITOR, "Retry-After": "0"}),
      httpx.Response(500, text="boom")], "HTTP 500"),
])
def test_failures_are_named(answers: list[httpx.Response], message: str) -> None:
    with client(answers, []) as http, pytest.raises(PurgeFailed, match=message):
        purge(TARGET, FixedCredential(), http, poll_seconds=0)


def test_command_line_failure_exits_non_zero(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise PurgeFailed("purge of e refused with HTTP 403")

    monkeypatch.setattr("tmux_builder.pulumi_programs.azure.purge.purge", refuse)
    code = main(["--subscription", "s", "--resource-group", "g", "--profile", "p",
                 "--endpoint", "e"])
    assert code == 1
    assert "front door purge failed: purge of e refused with HTTP 403" in capsys.readouterr().err
