"""Pulumi mocks for the cloud programs: record every registered resource and invoke, answer
with plausible outputs, and apply stack transforms the way the engine does (through the
SDK's own callback server), so the Azure tag transform is exercised for real."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pulumi
import yaml
from pulumi.runtime import rpc, settings
from pulumi.runtime._callbacks import _CallbackServicer
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs
from pulumi.runtime.proto import callback_pb2, callback_pb2_grpc, resource_pb2
from pulumi.runtime.rpc import _special_secret_sig as SECRET_SIG
from pulumi.runtime.rpc import _special_sig_key as SECRET_SIG_KEY
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from tests.pulumi_programs.cloud_rules import CloudRules, Seen, schema_takes_tags
from tmux_builder.pulumi_programs.cloud_options import AwsOptions, AzureOptions
from tmux_builder.pulumi_programs.shared import SharedRef, platform_stack_name
from tmux_builder.pulumi_programs.tags import StandardTags
from tmux_builder.pulumi_programs.target import SiteTarget

ACCOUNT_ID = "123456789012"
AMI_ID = "ami-0123456789abcdef0"
PUBLIC_DNS = "ec2-203-0-113-10.compute-1.amazonaws.com"
PUBLIC_IP = "20.50.60.70"
SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"
SAS_TOKEN = "sv=2022-11-02&sr=b&sp=r&spr=https&sig=mocksig"
SESSION_CREATED = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
DEFAULT_VPC = "vpc-0a1b2c3d4e5f60718"
DEFAULT_SUBNETS = {"eu-west-1a": "subnet-0aaaaaaaaaaaaaaa1",
                   "eu-west-1b": "subnet-0bbbbbbbbbbbbbbb2",
                   "eu-west-1c": "subnet-0ccccccccccccccc3"}
ZONES_OFFERING = ("eu-west-1b", "eu-west-1c")
PLATFORM_GROUP = "tmux-platform-westeurope-rg"
PLATFORM_PROFILE = "tmux-platform-fd-westeurope-0"
_PROFILE_ID = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{PLATFORM_GROUP}/providers/"
               f"Microsoft.Cdn/profiles/{PLATFORM_PROFILE}")
# What a session's StackReference reads from its platform stack.
PLATFORM_OUTPUTS: dict[str, Any] = {
    "resource_group": PLATFORM_GROUP,
    "front_door_profiles": [{"name": PLATFORM_PROFILE, "id": _PROFILE_ID,
                             "rule_set_id": f"{_PROFILE_ID}/ruleSets/cachecontrol"}],
    "vpc_id": "vpc-0fedcba9876543210",
    "subnet_ids": ["subnet-0ddddddddddddddd4", "subnet-0eeeeeeeeeeeeeee5"],
}

# Which input is a resource's own name, for the azure-native types the programs use.
_AZURE_OWN_NAME = {
    "resources:ResourceGroup": "resourceGroupName",
    "storage:StorageAccount": "accountName",
    "storage:BlobContainer": "containerName",
    "storage:Blob": "blobName",
    "cdn:Profile": "profileName",
    "cdn:AFDEndpoint": "endpointName",
    "cdn:AFDOriginGroup": "originGroupName",
    "cdn:AFDOrigin": "originName",
    "cdn:Route": "routeName",
    "cdn:RuleSet": "ruleSetName",
    "cdn:Rule": "ruleName",
    "network:VirtualNetwork": "virtualNetworkName",
    "network:Subnet": "subnetName",
    "network:NetworkSecurityGroup": "networkSecurityGroupName",
    "network:PublicIPAddress": "publicIpAddressName",
    "network:NetworkInterface": "networkInterfaceName",
    "compute:VirtualMachine": "vmName",
}


@dataclass(frozen=True)
class Registered:
    typ: str
    name: str
    inputs: dict[str, Any]
    provider: str | None
    custom: bool


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def architectures(instance_type: str) -> list[str]:
    """Graviton families carry a ``g`` after the generation digit (t4g, m7g, c6gn)."""
    family = instance_type.split(".", 1)[0]
    return ["arm64"] if "g" in family.lstrip("abcdefhijklmnopqrstuvwxyz")[1:2] else ["x86_64"]


class RecordingMocks(pulumi.runtime.Mocks):
    """``default_vpc`` False answers as a region without a default VPC does; ``stack_outputs``
    are what a ``StackReference`` reads."""

    def __init__(self, region: str = "eu-west-1", *, default_vpc: bool = True,
                 stack_outputs: dict[str, Any] | None = None) -> None:
        self.region = region
        self.default_vpc = default_vpc
        self.stack_outputs = PLATFORM_OUTPUTS if stack_outputs is None else stack_outputs
        self.resources: list[Registered] = []
        self.calls: list[MockCallArgs] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        self.resources.append(Registered(args.typ, args.name, inputs, args.provider,
                                         bool(args.custom)))
        resource_id, extra = self._outputs(args.typ, args.name, inputs)
        return resource_id, {**inputs, **extra}

    def _outputs(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if typ == "pulumi:pulumi:StackReference":
            return inputs["name"], {"outputs": self.stack_outputs, "secretOutputNames": []}
        if typ.startswith("azure-native:"):
            return self._azure_outputs(typ, name, inputs)
        if typ == "aws:s3/bucket:Bucket":
            bucket = inputs["bucket"]
            return bucket, {"arn": f"arn:aws:s3:::{bucket}",
                            "bucketRegionalDomainName": f"{bucket}.s3.{self.region}.amazonaws.com"}
        if typ == "aws:cloudfront/distribution:Distribution":
            dist_id = f"E{_short(name).upper()}"
            return dist_id, {"arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{dist_id}",
                             "domainName": f"d{_short(name)}.cloudfront.net"}
        if typ == "aws:cloudfront/function:Function":
            return inputs["name"], {"arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:function/"
                                           f"{inputs['name']}"}
        if typ == "aws:ec2/instance:Instance":
            return f"i-{_short(name)}", {"publicDns": PUBLIC_DNS, "publicIp": "203.0.113.10"}
        if typ.startswith("aws:iam/"):
            iam_name = inputs.get("name", name)
            return iam_name, {"arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{iam_name}"}
        if typ == "tls:index/privateKey:PrivateKey":
            return f"key-{_short(name)}", {
                "publicKeyOpenssh": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABmock generated\n",
                "privateKeyOpenssh": "-----BEGIN OPENSSH PRIVATE KEY-----\nmock\n",
            }
        return f"{name}-id", {}

    def _azure_outputs(self, typ: str, name: str,
                       inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        short_type = typ.removeprefix("azure-native:")
        own = inputs.get(_AZURE_OWN_NAME.get(short_type, ""), name)
        group = inputs.get("resourceGroupName", own)
        resource_id = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/"
                       f"{short_type.replace(':', '/')}/{own}")
        extra: dict[str, Any] = {"name": own}
        if short_type == "storage:StorageAccount":
            extra["primaryEndpoints"] = {"web": f"https://{own}.z6.web.core.windows.net/",
                                         "blob": f"https://{own}.blob.core.windows.net/"}
        elif short_type == "storage:StorageAccountStaticWebsite":
            extra["containerName"] = "$web"
        elif short_type == "cdn:AFDEndpoint":
            extra["hostName"] = f"{own}-{_short(own)[:8]}.z01.azurefd.net"
        elif short_type == "network:PublicIPAddress":
            extra["ipAddress"] = PUBLIC_IP
        return resource_id, extra

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        self.calls.append(args)
        if args.token == "aws:ssm/getParameter:getParameter":
            return {"name": args.args["name"], "value": AMI_ID, "insecureValue": AMI_ID,
                    "type": "String", "version": 1, "id": args.args["name"],
                    "arn": f"arn:aws:ssm:{self.region}::parameter{args.args['name']}"}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws",
                    "reverseDnsPrefix": "com.amazonaws"}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/ci",
                    "userId": "AIDAMOCK", "id": ACCOUNT_ID}
        if args.token.startswith("aws:ec2/"):
            return self._ec2_call(args.token.rsplit(":", 1)[-1], args.args)
        if args.token == "azure-native:storage:listStorageAccountServiceSAS":
            return {"serviceSasToken": SAS_TOKEN}
        raise NotImplementedError(f"no mock for invoke {args.token}")


    def _ec2_call(self, function: str, args: dict[str, Any]) -> dict[str, Any]:
        filters = {f["name"]: list(f["values"]) for f in args.get("filters") or []}
        if function == "getInstanceType":
            return {"instanceType": args["instanceType"], "id": args["instanceType"],
                    "supportedArchitectures": architectures(args["instanceType"])}
        if function == "getInstanceTypeOfferings":
            return {"id": self.region, "instanceTypes": filters.get("instance-type", []),
                    "locations": list(ZONES_OFFERING),
                    "locationTypes": ["availability-zone"] * len(ZONES_OFFERING)}
        if function == "getVpc":
            if not self.default_vpc:
                raise Exception("no matching EC2 VPC found")
            return {"id": DEFAULT_VPC, "default": True, "cidrBlock": "172.31.0.0/16"}
        if function == "getSubnets":
            zones = set(filters.get("availability-zone", DEFAULT_SUBNETS))
            ids = [subnet for zone, subnet in DEFAULT_SUBNETS.items() if zone in zones]
            return {"id": self.region, "ids": ids if filters.get("vpc-id") == [DEFAULT_VPC]
                    else [], "filters": args.get("filters")}
        if function == "getSubnet":
            return {"id": args["id"], "vpcId": "vpc-0123456789abcdef0",
                    "availabilityZone": "eu-west-1a"}
        raise NotImplementedError(f"no mock for ec2 invoke {function}")


class TransformingMonitor(MockMonitor):
    """The mock monitor plus the engine's part of stack transforms: remember the callbacks a
    program registers and run each resource's inputs through them before registering it."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.transforms: list[callback_pb2.Callback] = []
        self._channels: dict[str, grpc.Channel] = {}
        self.rules = CloudRules()

    def RegisterStackTransform(self, callback: callback_pb2.Callback) -> None:
        self.transforms.append(callback)

    def RegisterResource(self, request: Any) -> Any:
        for callback in self.transforms:
            channel = self._channels.setdefault(callback.target,
                                                grpc.insecure_channel(callback.target))
            transform_request = resource_pb2.TransformRequest(
                type=request.type, name=request.name, custom=request.custom,
                parent=request.parent, properties=request.object,
                options=resource_pb2.TransformResourceOptions(),
            )
            reply = callback_pb2_grpc.CallbacksStub(channel).Invoke(
                callback_pb2.CallbackInvokeRequest(
                    token=callback.token, request=transform_request.SerializeToString()))
            result = resource_pb2.TransformResponse.FromString(reply.response)
            request.object.CopyFrom(result.properties)
        if request.type != "pulumi:pulumi:Stack":
            self._check_limits(request)
        return super().RegisterResource(request)

    def _check_limits(self, request: Any) -> None:
        _ensure_event_loop()
        dependencies = set(request.dependencies)
        for deps in request.propertyDependencies.values():
            dependencies.update(deps.urns)
        self.rules.observe(self.make_urn(request.parent, request.type, request.name),
                           request.type, request.name, rpc.deserialize_properties(request.object),
                           request.provider, dependencies)

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()


@dataclass
class ProgramRun:
    resources: list[Registered]
    outputs: dict[str, Any]
    secret_outputs: set[str]
    calls: list[MockCallArgs] = field(default_factory=list)
    source: Path = Path()
    # Every registered resource (not providers) by URN, with its dependencies.
    seen: dict[str, Seen] = field(default_factory=dict)

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.typ == typ]

    def one(self, typ: str) -> Registered:
        found = self.of_type(typ)
        assert len(found) == 1, f"expected one {typ}, found {[r.name for r in found]}"
        return found[0]


def _ensure_event_loop() -> None:
    """Pulumi's mock runner uses the thread's current loop; an earlier test (``asyncio.run``,
    Playwright's sync API) may have left the main thread with none."""
    try:
        asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def _abandon_failed_run() -> None:
    """A failed program leaves registrations running on the loop and its first error in the
    RPC manager; cancel and forget them so the next run starts clean."""
    loop = asyncio.get_event_loop_policy().get_event_loop()
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    with settings.SETTINGS.lock:
        settings.SETTINGS.outputs.clear()
    settings._get_rpc_manager().clear()


def run_program(program: Callable[[], None], region: str = "eu-west-1", *,
                default_vpc: bool = True,
                stack_outputs: dict[str, Any] | None = None) -> ProgramRun:
    """Run an inline program against fresh mocks (nothing shared with a previous run)."""
    _ensure_event_loop()
    mocks = RecordingMocks(region, default_vpc=default_vpc, stack_outputs=stack_outputs)
    monitor = TransformingMonitor(mocks)
    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project="tmux-builder", stack="test", preview=False,
                             monitor=monitor, organization="organization")
    servicer = _CallbackServicer(monitor)  # type: ignore[arg-type]
    _sync_await(servicer.serve())
    settings.SETTINGS.callbacks = servicer
    try:
        _sync_await(run_pulumi_func(program))
        monitor.rules.finish()
    except BaseException:
        _abandon_failed_run()
        raise
    finally:
        settings.SETTINGS.callbacks = None
        _CallbackServicer._servicers.remove(servicer)
        monitor.close()
    root = settings.get_root_resource()
    assert root is not None
    outputs: dict[str, Any] = {}
    secrets: set[str] = set()
    for key, value in root.outputs.items():  # type: ignore[attr-defined]
        output = pulumi.Output.from_input(value)
        outputs[key] = _sync_await(output.future())
        if _sync_await(output.is_secret()):
            secrets.add(key)
    return ProgramRun(mocks.resources, outputs, secrets, mocks.calls, seen=monitor.rules.seen)


def tags_dict(value: Any) -> dict[str, str]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


args_accept_tags = schema_takes_tags


# --- fixtures: sessions, options and source trees ---------------------------------------


def session_tags(provider: str, site_type: str, execution_id: str = "exec_0001",
                 user_guid: str = "3f2a9c1e-7b44-4d2e-9a51-0c6e2d8b1f07",
                 session_id: str = "sess_20260301_123000_ab12") -> StandardTags:
    return StandardTags(
        user_guid=user_guid, session_id=session_id, execution_id=execution_id,
        site_type=site_type, host_provider=provider, environment="test",
        created_at=SESSION_CREATED, expires_at=SESSION_CREATED + timedelta(days=5),
    )


def aws_options(**overrides: Any) -> AwsOptions:
    return AwsOptions(**{"region": "eu-west-1", "profile": "sites", **overrides})


def azure_options(**overrides: Any) -> AzureOptions:
    return AzureOptions(**{"location": "westeurope", "subscription_id": SUBSCRIPTION,
                           **overrides})


def write_static_site(root: Path, with_404: bool = True) -> Path:
    (root / "css").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><h1>Hello</h1>", encoding="utf-8")
    (root / "css" / "site.css").write_text("h1{color:teal}", encoding="utf-8")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\nmock")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "skip.js").write_text("ignored", encoding="utf-8")
    if with_404:
        (root / "404.html").write_text("<h1>Not found</h1>", encoding="utf-8")
    return root


def write_node_app(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    manifest = {"name": "app", "scripts": {"start": "node server.js"}}
    (root / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    (root / "server.js").write_text(
        "require('http').createServer((q,s)=>s.end('hi')).listen(process.env.PORT)",
        encoding="utf-8")
    return root


def write_python_app(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "requirements.txt").write_text("flask==3.0.3\n", encoding="utf-8")
    (root / "app.py").write_text("print('serving')\n", encoding="utf-8")
    return root


@dataclass(frozen=True)
class SiteCase:
    """One program under test: how to build it, its options and a source tree for it."""

    build: Callable[[SiteTarget, Any], Callable[[], None]]
    options: Callable[..., AwsOptions | AzureOptions]
    site_type: str
    write_source: Callable[[Path], Path]

    def source(self, tmp_path: Path) -> Path:
        return self.write_source(tmp_path / "src")

    def run(self, source: Path, execution_id: str = "exec_0001", **options: Any) -> ProgramRun:
        settings_ = self.options(**options)
        provider = "aws" if isinstance(settings_, AwsOptions) else "azure"
        target = make_target(source, provider, self.site_type, execution_id=execution_id)
        result = run_program(self.build(target, settings_))
        result.source = source
        return result


def make_target(source: Path, provider: str, site_type: str, **tag_overrides: str) -> SiteTarget:
    """A session target; cloud sessions use their region's platform stack (shard 0)."""
    tags = session_tags(provider, site_type, **tag_overrides)
    region = "westeurope" if provider == "azure" else "eu-west-1"
    shared = SharedRef(platform_stack_name(provider, region)) if provider != "local" else None
    return SiteTarget(stack_name=f"tmux-{provider}-{site_type}", provider=provider,
                      site_type=site_type, source_dir=source, tags=tags, shared=shared)


def unsecret(value: Any) -> tuple[Any, bool]:
    """Mocks see a secret input as Pulumi's wire wrapper; return (plain value, was secret)."""
    if isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG:
        return value["value"], True
    return value, False


def cloud_config_files(document: str) -> dict[str, str]:
    """``write_files`` of a cloud-config document, by path."""
    assert document.startswith("#cloud-config\n")
    parsed = yaml.safe_load(document)
    return {entry["path"]: entry["content"] for entry in parsed["write_files"]}
