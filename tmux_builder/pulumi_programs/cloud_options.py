"""Settings of the cloud targets, passed to the AWS and Azure programs (never hard-coded)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from tmux_builder.errors import InvalidInputError

AL2023_AMI_PREFIX = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-"
AL2023_AMI_PARAMETER = f"{AL2023_AMI_PREFIX}x86_64"
_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_AZURE_LOCATION = re.compile(r"^[a-z][a-z0-9]+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _require(ok: bool, message: str, field_name: str) -> None:
    if not ok:
        raise InvalidInputError(message, field=field_name)


def al2023_ami_parameter(architectures: list[str]) -> str:
    """The AL2023 parameter for an instance type's architectures (Graviton types are arm64)."""
    arch = "arm64" if "arm64" in architectures and "x86_64" not in architectures else "x86_64"
    return f"{AL2023_AMI_PREFIX}{arch}"


@dataclass(frozen=True)
class AwsOptions:
    """``profile`` None means the default credential chain (env keys or the default profile).
    ``ami_parameter`` None means AL2023 for the instance type's architecture. Placement:
    ``subnet_id``, else a public subnet of ``vpc_id``, else the shared platform VPC when
    ``shared_vpc``, else the region's default VPC."""

    region: str
    profile: str | None = None
    instance_type: str = "t3.micro"
    ami_parameter: str | None = None
    price_class: str = "PriceClass_100"
    vpc_id: str | None = None
    subnet_id: str | None = None
    shared_vpc: bool = False

    def __post_init__(self) -> None:
        _require(bool(_AWS_REGION.match(self.region)),
                 f"{self.region!r} is not an AWS region such as us-east-1", "aws_region")
        _require(bool(self.instance_type.strip()), "instance type is empty", "aws_instance_type")
        _require(self.ami_parameter is None or self.ami_parameter.startswith("/aws/service/"),
                 "the AMI must come from an AWS public SSM parameter (/aws/service/...)",
                 "aws_ami_parameter")
        _require(self.vpc_id is None or bool(_VPC_ID.match(self.vpc_id)),
                 f"{self.vpc_id!r} is not a VPC id such as vpc-0123456789abcdef0", "aws_vpc_id")
        _require(self.subnet_id is None or bool(_SUBNET_ID.match(self.subnet_id)),
                 f"{self.subnet_id!r} is not a subnet id such as subnet-0123456789abcdef0",
                 "aws_subnet_id")
        if self.profile is not None:
            _require(bool(self.profile.strip()), "profile is empty; use None for the default",
                     "aws_profile")


@dataclass(frozen=True)
class VmImage:
    publisher: str = "Canonical"
    offer: str = "ubuntu-24_04-lts"
    sku: str = "server"
    version: str = "latest"


@dataclass(frozen=True)
class AzureOptions:
    """``ssh_public_key`` None means a key is generated and kept as a secret stack output.
    ``ssh_source_cidr`` None keeps port 22 closed (the app needs only HTTP; the key is for
    break-glass access, which an operator opens deliberately by setting a narrow range)."""

    location: str
    subscription_id: str
    vm_size: str = "Standard_B1s"
    ssh_public_key: str | None = None
    admin_username: str = "azureuser"
    image: VmImage = field(default_factory=VmImage)
    ssh_source_cidr: str | None = None
    storage_sku: str = "Standard_LRS"

    def __post_init__(self) -> None:
        _require(bool(_AZURE_LOCATION.match(self.location)),
                 f"{self.location!r} is not an Azure location such as westeurope",
                 "azure_location")
        _require(bool(_GUID.match(self.subscription_id)),
                 "subscription id must be a GUID", "azure_subscription_id")
        _require(bool(self.vm_size.strip()), "VM size is empty", "azure_vm_size")
        _require(bool(re.match(r"^[a-z_][a-z0-9_-]{0,31}$", self.admin_username))
                 and self.admin_username not in {"root", "admin", "administrator"},
                 f"{self.admin_username!r} is not an allowed Linux admin user name",
                 "azure_admin_username")
        if self.ssh_public_key is not None:
            _require(self.ssh_public_key.startswith(("ssh-rsa ", "ssh-ed25519 ")),
                     "SSH public key must be an OpenSSH ssh-rsa or ssh-ed25519 key",
                     "azure_ssh_public_key")
        if self.ssh_source_cidr is not None:
            try:
                ipaddress.ip_network(self.ssh_source_cidr)
            except ValueError as exc:
                raise InvalidInputError(str(exc), field="azure_ssh_source_cidr") from exc
