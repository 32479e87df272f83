"""Estimated cost of each resource of a stack export: its type and inputs give the priced
items, its tags (own, provider default tags, then the stack's facts) give the groups, its
creation time gives the cost to date."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tmux_builder.platform.ops.costs.prices import PriceTable

GROUP_TAGS = ("UserGUID", "SessionID", "HostProvider", "SiteType")
LOCAL_TYPE_PREFIX = "pulumi-python:dynamic:"
Items = list[tuple[str, float]]


@dataclass(frozen=True)
class ResourceCost:
    stack_name: str
    urn: str
    type: str
    tags: dict[str, str]
    created_at: datetime | None
    items: tuple[tuple[str, float], ...]
    monthly_usd: float
    to_date_usd: float
    unpriced: tuple[str, ...] = ()

    def group(self, key: str) -> str:
        return self.tags.get(key, "unknown")


def _hourly(table: PriceTable, key: str) -> tuple[str, float]:
    return key, table.hours_per_month


def _s3_bucket(table: PriceTable, _inputs: dict[str, Any]) -> Items:
    a = table.assumptions
    return [("aws_s3_storage_gb_month", a["s3_storage_gb"]),
            ("aws_s3_get_per_1000", a["s3_get_requests"] / 1000),
            ("aws_s3_put_per_1000", a["s3_put_requests"] / 1000)]


def _cloudfront(table: PriceTable, _inputs: dict[str, Any]) -> Items:
    a = table.assumptions
    return [("aws_cloudfront_transfer_gb", a["cloudfront_transfer_gb"]),
            ("aws_cloudfront_https_per_10000", a["cloudfront_requests"] / 10000)]


def _ec2(table: PriceTable, inputs: dict[str, Any]) -> Items:
    size = str(inputs.get("instanceType", "t3.micro")).replace(".", "_")
    root = inputs.get("rootBlockDevice") or {}
    items = [_hourly(table, f"aws_ec2_{size}_hour"),
             (f"aws_ebs_{root.get('volumeType', 'gp3')}_gb_month",
              float(root.get("volumeSize") or table.assumptions["ebs_root_gb"]))]
    if inputs.get("associatePublicIpAddress", True):
        items.append(_hourly(table, "aws_public_ipv4_hour"))
    return items


def _storage_account(table: PriceTable, _inputs: dict[str, Any]) -> Items:
    a = table.assumptions
    return [("azure_storage_hot_lrs_gb_month", a["azure_storage_gb"]),
            ("azure_storage_read_per_10000", a["azure_read_operations"] / 10000)]


def _cdn_profile(_table: PriceTable, inputs: dict[str, Any]) -> Items:
    sku = (inputs.get("sku") or {}).get("name", "")
    return [("azure_front_door_standard_month", 1.0)] if sku == "Standard_AzureFrontDoor" else [
        (f"azure_cdn_{sku.lower()}_month", 1.0)]


_DISKS = {"StandardSSD_LRS": "azure_managed_disk_standard_ssd_e4_month"}


def _vm(table: PriceTable, inputs: dict[str, Any]) -> Items:
    size = str((inputs.get("hardwareProfile") or {}).get("vmSize", "Standard_B1s"))
    disk = ((inputs.get("storageProfile") or {}).get("osDisk") or {}).get("managedDisk") or {}
    kind = disk.get("storageAccountType", "StandardSSD_LRS")
    return [_hourly(table, f"azure_vm_{size.lower().removeprefix('standard_')}_hour"),
            (_DISKS.get(kind, f"azure_managed_disk_{kind.lower()}_month"), 1.0)]


def _public_ip(table: PriceTable, _inputs: dict[str, Any]) -> Items:
    return [_hourly(table, "azure_public_ip_standard_hour")]


def _eip(table: PriceTable, _inputs: dict[str, Any]) -> Items:
    return [_hourly(table, "aws_public_ipv4_hour")]


RULES: dict[str, Callable[[PriceTable, dict[str, Any]], Items]] = {
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:s3/bucketV2:BucketV2": _s3_bucket,
    "aws:cloudfront/distribution:Distribution": _cloudfront,
    "aws:ec2/instance:Instance": _ec2,
    "aws:ec2/eip:Eip": _eip,
    "azure-native:storage:StorageAccount": _storage_account,
    "azure-native:cdn:Profile": _cdn_profile,
    "azure-native:compute:VirtualMachine": _vm,
    "azure-native:network:PublicIPAddress": _public_ip,
}


def priced_items(table: PriceTable, typ: str, inputs: dict[str, Any]) -> Items | None:
    """The (price key, monthly quantity) items of a resource; None when it costs nothing."""
    if typ.startswith(LOCAL_TYPE_PREFIX):
        return [("local", 1.0)]
    rule = RULES.get(typ)
    return rule(table, inputs) if rule else None


def _tags(resource: dict[str, Any]) -> dict[str, str]:
    outputs = resource.get("outputs") or {}
    inputs = resource.get("inputs") or {}
    for value in (outputs.get("tagsAll"), outputs.get("tags"), inputs.get("tags")):
        if isinstance(value, dict) and value:
            return {str(k): str(v) for k, v in value.items()}
    return {}


def _provider_tags(resources: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """AWS default tags of each provider, by the provider reference resources use."""
    found = {}
    for resource in resources:
        if not resource.get("type", "").startswith("pulumi:providers:"):
            continue
        default = (resource.get("inputs") or {}).get("defaultTags") or {}
        if isinstance(default, str):  # provider inputs are stored JSON-encoded in real states
            default = json.loads(default)
        tags = default.get("tags") if isinstance(default, dict) else None
        if isinstance(tags, dict):
            found[f"{resource['urn']}::{resource.get('id', '')}"] = {
                str(k): str(v) for k, v in tags.items()}
    return found


def _created(resource: dict[str, Any], tags: dict[str, str]) -> datetime | None:
    value = resource.get("created") or tags.get("CreatedAt")
    return datetime.fromisoformat(value) if value else None


def estimate_export(stack_name: str, export: dict[str, Any], stack_tags: dict[str, str],
                    table: PriceTable, now: datetime) -> list[ResourceCost]:
    """Every priced resource of the export with its monthly and to-date cost."""
    resources = (export.get("deployment") or {}).get("resources") or []
    providers = _provider_tags(resources)
    costs = []
    for resource in resources:
        items = priced_items(table, resource.get("type", ""), resource.get("inputs") or {})
        if items is None:
            continue
        tags = {**stack_tags, **providers.get(resource.get("provider", ""), {}),
                **_tags(resource)}
        monthly = sum((table.usd(key) or 0.0) * quantity for key, quantity in items)
        created = _created(resource, tags)
        hours = max((now - created).total_seconds() / 3600, 0.0) if created else 0.0
        costs.append(ResourceCost(
            stack_name=stack_name, urn=resource.get("urn", ""), type=resource["type"],
            tags=tags, created_at=created, items=tuple(items), monthly_usd=monthly,
            to_date_usd=monthly * hours / table.hours_per_month,
            unpriced=tuple(key for key, _ in items if table.usd(key) is None),
        ))
    return costs
