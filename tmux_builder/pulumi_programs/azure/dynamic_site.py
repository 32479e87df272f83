"""azure + dynamic: the app on one Linux VM (vnet, subnet, NSG, public IP, NIC), its code a
zip blob in a private container, fetched at first boot with a read-only SAS for that blob.

Redeploy mechanism: the custom data holds the artifact hash, and ``replace_on_changes`` on
it (with delete-before-replace, since the NIC and VM name are reused) boots a fresh VM with
the new code. Simplest way to guarantee the new code runs on a clean host; the cost is a
minute of downtime on redeploy. The public IP is a separate static resource, so the URL
stays the same."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_tls as tls
from pulumi_azure_native import compute, network, storage

from tmux_builder.pulumi_programs.azure.base import AzureBase, azure_base, storage_account
from tmux_builder.pulumi_programs.azure.cloud_init import custom_data
from tmux_builder.pulumi_programs.cloud_boot import APP_PORT, require_runtime
from tmux_builder.pulumi_programs.cloud_files import Artifact, source_artifact
from tmux_builder.pulumi_programs.cloud_options import AzureOptions
from tmux_builder.pulumi_programs.readiness import export_readiness
from tmux_builder.pulumi_programs.target import SiteTarget

ARTIFACT_CONTAINER = "artifacts"
VNET_CIDR = "10.20.0.0/16"
SUBNET_CIDR = "10.20.1.0/24"


def _rule(name: str, priority: int, port: int, source: str) -> network.SecurityRuleArgs:
    return network.SecurityRuleArgs(
        name=name, priority=priority, direction="Inbound", access="Allow", protocol="Tcp",
        source_address_prefix=source, source_port_range="*",
        destination_address_prefix="*", destination_port_range=str(port),
    )


def _security_rules(options: AzureOptions) -> list[network.SecurityRuleArgs]:
    """HTTP from anywhere; SSH only from the operator's range when one is configured."""
    rules = [_rule("allow-http", 100, APP_PORT, "*")]
    if options.ssh_source_cidr:
        rules.append(_rule("allow-ssh", 110, 22, options.ssh_source_cidr))
    return rules


def _network(base: AzureBase) -> tuple[network.NetworkInterface, network.PublicIPAddress]:
    location = base.options.location
    nsg = network.NetworkSecurityGroup(
        "app", network_security_group_name=base.name("nsg"), resource_group_name=base.group.name,
        location=location, security_rules=_security_rules(base.options), opts=base.opts(),
    )
    vnet = network.VirtualNetwork(
        "app", virtual_network_name=base.name("vnet"), resource_group_name=base.group.name,
        location=location, address_space=network.AddressSpaceArgs(address_prefixes=[VNET_CIDR]),
        opts=pulumi.ResourceOptions.merge(
            base.opts(), pulumi.ResourceOptions(ignore_changes=["subnets"])),
    )
    subnet = network.Subnet(
        "app", subnet_name="app", virtual_network_name=vnet.name,
        resource_group_name=base.group.name, address_prefix=SUBNET_CIDR,
        network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id), opts=base.opts(),
    )
    public_ip = network.PublicIPAddress(
        "app", public_ip_address_name=base.name("ip"), resource_group_name=base.group.name,
        location=location, sku=network.PublicIPAddressSkuArgs(name="Standard"),
        public_ip_allocation_method="Static", opts=base.opts(),
    )
    nic = network.NetworkInterface(
        "app", network_interface_name=base.name("nic"), resource_group_name=base.group.name,
        location=location,
        ip_configurations=[network.NetworkInterfaceIPConfigurationArgs(
            name="primary", subnet=network.SubnetArgs(id=subnet.id),
            public_ip_address=network.PublicIPAddressArgs(id=public_ip.id),
            private_ip_allocation_method="Dynamic",
        )],
        opts=base.opts(),
    )
    return nic, public_ip


def _artifact_url(base: AzureBase, artifact: Artifact) -> pulumi.Output[str]:
    """Blob URL plus a service SAS: read-only, HTTPS-only, that one blob, valid from the
    session's creation to its expiry (fixed per session, so the custom data is stable)."""
    account = storage_account(base, "artifacts", "art")
    container = storage.BlobContainer(
        "artifacts", container_name=ARTIFACT_CONTAINER, account_name=account.name,
        resource_group_name=base.group.name, public_access=storage.PublicAccess.NONE,
        opts=base.opts(),
    )
    blob = storage.Blob(
        "artifact", blob_name=artifact.key, container_name=container.name,
        account_name=account.name, resource_group_name=base.group.name,
        type=storage.BlobType.BLOCK, source=artifact.archive, content_type="application/zip",
        opts=base.opts(),
    )
    tags = base.target.tags.as_dict()
    sas = storage.list_storage_account_service_sas_output(
        account_name=account.name,
        resource_group_name=base.group.name,
        canonicalized_resource=pulumi.Output.concat(
            "/blob/", account.name, "/", ARTIFACT_CONTAINER, "/", artifact.key),
        resource=storage.SignedResource.B,
        permissions=storage.Permissions.R,
        protocols=storage.HttpProtocol.HTTPS,
        shared_access_start_time=tags["CreatedAt"],
        shared_access_expiry_time=tags["ExpiresAt"],
        opts=base.invoke_opts(depends_on=[blob]),
    )
    return pulumi.Output.secret(pulumi.Output.concat(
        account.primary_endpoints.blob, ARTIFACT_CONTAINER, "/", blob.name, "?",
        sas.service_sas_token,
    ))


def _ssh_public_key(options: AzureOptions) -> pulumi.Input[str]:
    """The configured key, or a generated one whose private half is a secret output."""
    if options.ssh_public_key:
        return options.ssh_public_key
    key = tls.PrivateKey("ssh", algorithm="RSA", rsa_bits=4096)
    pulumi.export("ssh_private_key", pulumi.Output.secret(key.private_key_openssh))
    return key.public_key_openssh


def azure_dynamic_program(target: SiteTarget, options: AzureOptions) -> Callable[[], None]:
    runtime = require_runtime(target.source_dir)

    def program() -> None:
        base = azure_base(target, options)
        artifact = source_artifact(target.source_dir)
        boot = _artifact_url(base, artifact).apply(
            lambda url: custom_data(runtime, url, artifact.digest))
        nic, public_ip = _network(base)
        user = options.admin_username
        vm = compute.VirtualMachine(
            "app",
            vm_name=base.name("vm"),
            resource_group_name=base.group.name,
            location=options.location,
            hardware_profile=compute.HardwareProfileArgs(vm_size=options.vm_size),
            os_profile=compute.OSProfileArgs(
                computer_name=base.name("vm"),
                admin_username=user,
                custom_data=pulumi.Output.secret(boot),
                linux_configuration=compute.LinuxConfigurationArgs(
                    disable_password_authentication=True,
                    ssh=compute.SshConfigurationArgs(public_keys=[compute.SshPublicKeyArgs(
                        path=f"/home/{user}/.ssh/authorized_keys",
                        key_data=_ssh_public_key(options),
                    )]),
                ),
            ),
            storage_profile=compute.StorageProfileArgs(
                image_reference=compute.ImageReferenceArgs(
                    publisher=options.image.publisher, offer=options.image.offer,
                    sku=options.image.sku, version=options.image.version,
                ),
                os_disk=compute.OSDiskArgs(
                    create_option="FromImage", delete_option="Delete",
                    managed_disk=compute.ManagedDiskParametersArgs(
                        storage_account_type="StandardSSD_LRS"),
                ),
            ),
            network_profile=compute.NetworkProfileArgs(network_interfaces=[
                compute.NetworkInterfaceReferenceArgs(id=nic.id, primary=True),
            ]),
            opts=pulumi.ResourceOptions.merge(base.opts(), pulumi.ResourceOptions(
                replace_on_changes=["osProfile.customData"], delete_before_replace=True)),
        )
        pulumi.export("url", public_ip.ip_address.apply(lambda ip: f"http://{ip or ''}"))
        pulumi.export("vm_name", vm.name)
        pulumi.export("admin_username", user)
        pulumi.export("digest", artifact.digest)
        export_readiness("azure", "dynamic")

    return program
