"""Stack states written straight into a file backend (``.pulumi/stacks/<project>/<stack>.json``
plus its ``.pulumi-tags``), so that ``pulumi stack ls`` and ``pulumi stack export`` serve them
like any other stack: cloud stacks recorded from mock runs, and the bench's 1,000 stacks."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pulumi

from tmux_builder.stacks import PROJECT_NAME

PULUMI_VERSION = "v3.259.0"
SIG_KEY = "4dabf18193072939515e22adb298388d"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def plain(value: Any) -> Any:
    """A registered input as a state stores it (assets as Pulumi's signed asset objects)."""
    if isinstance(value, pulumi.asset.FileAsset):
        return {SIG_KEY: ASSET_SIG, "path": str(value.path)}
    if isinstance(value, pulumi.asset.StringAsset):
        return {SIG_KEY: ASSET_SIG, "text": value.text}
    if isinstance(value, pulumi.asset.AssetArchive):
        return {SIG_KEY: ARCHIVE_SIG, "assets": plain(dict(value.assets))}
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        return {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(plain(value["value"]))}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def urn(stack: str, typ: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT_NAME}::{typ}::{name}"


def stack_resource(stack: str, created: datetime) -> dict[str, Any]:
    return {"urn": urn(stack, "pulumi:pulumi:Stack", f"{PROJECT_NAME}-{stack}"),
            "custom": False, "type": "pulumi:pulumi:Stack", "outputs": {},
            "created": _time(created), "modified": _time(created)}


def provider_resource(stack: str, package: str, name: str, inputs: dict[str, Any],
                      created: datetime) -> dict[str, Any]:
    stack_urn = urn(stack, "pulumi:pulumi:Stack", f"{PROJECT_NAME}-{stack}")
    return {"urn": urn(stack, f"pulumi:providers:{package}", name), "custom": True,
            "id": hashlib.sha256(f"{stack}{package}{name}".encode()).hexdigest()[:32],
            "type": f"pulumi:providers:{package}", "inputs": plain(inputs),
            "outputs": plain(inputs),
            "parent": stack_urn, "created": _time(created), "modified": _time(created)}


def provider_ref(provider: dict[str, Any]) -> str:
    return f"{provider['urn']}::{provider['id']}"


def custom_resource(stack: str, typ: str, name: str, inputs: dict[str, Any], provider: str,
                    created: datetime) -> dict[str, Any]:
    return {"urn": urn(stack, typ, name), "custom": True,
            "id": hashlib.sha256(f"{stack}{typ}{name}".encode()).hexdigest()[:20],
            "type": typ, "inputs": plain(inputs), "outputs": plain(inputs),
            "parent": urn(stack, "pulumi:pulumi:Stack", f"{PROJECT_NAME}-{stack}"),
            "provider": provider, "created": _time(created), "modified": _time(created)}


def write_stack_state(state_dir: Path, stack: str, resources: list[dict[str, Any]],
                      tags: dict[str, str]) -> Path:
    folder = state_dir / ".pulumi" / "stacks" / PROJECT_NAME
    folder.mkdir(parents=True, exist_ok=True)
    checkpoint = {
        "version": 3,
        "checkpoint": {
            "stack": f"organization/{PROJECT_NAME}/{stack}",
            "latest": {
                "manifest": {"time": _time(datetime.now(UTC)),
                             "magic": hashlib.sha256(PULUMI_VERSION.encode()).hexdigest(),
                             "version": PULUMI_VERSION},
                "resources": resources,
            },
        },
    }
    path = folder / f"{stack}.json"
    path.write_text(json.dumps(checkpoint), encoding="utf-8")
    (folder / f"{stack}.pulumi-tags").write_text(json.dumps({"version": 1, "tags": tags}),
                                                 encoding="utf-8")
    return path


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
