"""Purging a Front Door endpoint through the ARM REST API (``AFDEndpoints_PurgeContent``),
run by the static program's ``local.Command`` as
``python -m tmux_builder.pulumi_programs.azure.purge --subscription ... --endpoint ...``.

The ``az`` CLI reads only its own login, so with service-principal credentials in ``ARM_*``
(what the preflight and the azure-native provider accept) ``az afd endpoint purge`` failed
after every resource existed. This takes its credential from the same ``ARM_*`` variables the
provider reads, falling back to the Azure CLI login, and waits for the long-running purge.
https://learn.microsoft.com/en-us/rest/api/frontdoor/azurefrontdoorstandardpremium/front-door-endpoints/purge-content"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

MANAGEMENT = "https://management.azure.com"
SCOPE = f"{MANAGEMENT}/.default"
API_VERSION = "2024-02-01"
TIMEOUT_SECONDS = 900.0
_TRUE = {"1", "true", "yes"}


class TokenCredential(Protocol):
    def get_token(self, *scopes: str) -> Any: ...


class PurgeFailed(Exception):
    """The purge was refused or did not finish; the message says how."""


@dataclass(frozen=True)
class PurgeTarget:
    subscription_id: str
    resource_group: str
    profile: str
    endpoint: str
    paths: tuple[str, ...] = ("/*",)

    @property
    def url(self) -> str:
        return (f"{MANAGEMENT}/subscriptions/{self.subscription_id}/resourceGroups/"
                f"{self.resource_group}/providers/Microsoft.Cdn/profiles/{self.profile}/"
                f"afdEndpoints/{self.endpoint}/purge?api-version={API_VERSION}")


def credential_from_env(env: Mapping[str, str]) -> TokenCredential:
    """The credential the azure-native provider would use: a service principal (secret,
    certificate or OIDC token) or managed identity from ``ARM_*``, else the CLI login."""
    from azure.identity import (
        AzureCliCredential,
        CertificateCredential,
        ClientAssertionCredential,
        ClientSecretCredential,
        ManagedIdentityCredential,
    )

    client, tenant = env.get("ARM_CLIENT_ID"), env.get("ARM_TENANT_ID")
    if client and tenant:
        if env.get("ARM_CLIENT_SECRET"):
            return ClientSecretCredential(tenant, client, env["ARM_CLIENT_SECRET"])
        if env.get("ARM_CLIENT_CERTIFICATE_PATH"):
            return CertificateCredential(tenant, client, env["ARM_CLIENT_CERTIFICATE_PATH"],
                                         password=env.get("ARM_CLIENT_CERTIFICATE_PASSWORD"))
        token, token_file = env.get("ARM_OIDC_TOKEN"), env.get("ARM_OIDC_TOKEN_FILE_PATH")
        if token or token_file:
            def assertion() -> str:
                return token or Path(str(token_file)).read_text(encoding="utf-8").strip()

            return ClientAssertionCredential(tenant, client, assertion)
    if env.get("ARM_USE_MSI", "").lower() in _TRUE:
        return ManagedIdentityCredential(client_id=client) if client \
            else ManagedIdentityCredential()
    return AzureCliCredential()


def _retry_after(response: httpx.Response, default: float) -> float:
    try:
        return max(float(response.headers.get("Retry-After", default)), 0.0)
    except ValueError:
        return default


def _error(response: httpx.Response) -> str:
    try:
        body = response.json().get("error", {})
        return f"{body.get('code', '')}: {body.get('message', '')}".strip(": ")
    except ValueError:
        return response.text[:300]


def purge(target: PurgeTarget, credential: TokenCredential, client: httpx.Client, *,
          poll_seconds: float = 5.0, timeout: float = TIMEOUT_SECONDS) -> str:
    """Start the purge and wait until the operation succeeds; return its final status."""
    headers = {"Authorization": f"Bearer {credential.get_token(SCOPE).token}"}
    started = client.post(target.url, json={"contentPaths": list(target.paths)},
                          headers=headers)
    if started.status_code == 200:
        return "Succeeded"
    if started.status_code != 202:
        raise PurgeFailed(f"purge of {target.endpoint} refused with HTTP "
                          f"{started.status_code}: {_error(started)}")
    monitor = started.headers.get("Azure-AsyncOperation") or started.headers.get("Location")
    if not monitor:
        return "Accepted"
    deadline = time.monotonic() + timeout
    wait = _retry_after(started, poll_seconds)
    while time.monotonic() < deadline:
        time.sleep(wait)
        answer = client.get(monitor, headers=headers)
        if answer.status_code == 202:
            wait = _retry_after(answer, poll_seconds)
            continue
        if answer.status_code != 200:
            raise PurgeFailed(f"purge status of {target.endpoint}: HTTP {answer.status_code}: "
                              f"{_error(answer)}")
        status = str((answer.json() if answer.content else {}).get("status", "Succeeded"))
        if status in ("Succeeded", "Failed", "Canceled"):
            if status != "Succeeded":
                raise PurgeFailed(f"purge of {target.endpoint} ended {status}")
            return status
        wait = _retry_after(answer, poll_seconds)
    raise PurgeFailed(f"purge of {target.endpoint} did not finish within {timeout:g} s")


def command(target: PurgeTarget) -> list[str]:
    """The command line the program's ``local.Command`` runs (this interpreter)."""
    return [sys.executable, "-m", "tmux_builder.pulumi_programs.azure.purge",
            "--subscription", target.subscription_id, "--resource-group", target.resource_group,
            "--profile", target.profile, "--endpoint", target.endpoint,
            *[arg for path in target.paths for arg in ("--path", path)]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Purge an Azure Front Door endpoint.")
    parser.add_argument("--subscription", required=True)
    parser.add_argument("--resource-group", required=True)
    parser.add_argument("--profile", required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--path", action="append", dest="paths")
    args = parser.parse_args(argv)
    target = PurgeTarget(args.subscription, args.resource_group, args.profile, args.endpoint,
                         tuple(args.paths or ["/*"]))
    try:
        with httpx.Client(timeout=60) as client:
            status = purge(target, credential_from_env(os.environ), client)
    except (PurgeFailed, httpx.HTTPError) as error:
        print(f"front door purge failed: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a credential that cannot get a token names itself
        print(f"front door purge failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"purged {', '.join(target.paths)} on {target.endpoint}: {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
