"""The shared part of the aws dynamic target, in the platform stack of one region, when
``TMUX_BUILDER_AWS_SHARED_VPC`` is on (for accounts or regions without a default VPC): a VPC
with an internet gateway and one public subnet in each of two availability zones that offer
the instance type. Session stacks read ``vpc_id`` and ``subnet_ids``."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from tmux_builder.pulumi_programs.aws.provider import aws_provider, invoke_with, with_provider
from tmux_builder.pulumi_programs.cloud_options import AwsOptions
from tmux_builder.pulumi_programs.tags import StandardTags

VPC_CIDR = "10.42.0.0/16"
SUBNET_CIDRS = ("10.42.0.0/20", "10.42.16.0/20")


def _zone(index: int, zones: list[str]) -> str:
    """Subnets take turns over the zones that offer the instance type."""
    return zones[index % len(zones)]


def shared_vpc_program(options: AwsOptions, tags: StandardTags) -> Callable[[], None]:
    def program() -> None:
        provider = aws_provider(tags, options)
        opts = with_provider(provider)
        vpc = aws.ec2.Vpc("platform", cidr_block=VPC_CIDR, enable_dns_hostnames=True,
                          enable_dns_support=True, tags={"Name": f"tmux-platform-{options.region}"},
                          opts=opts)
        gateway = aws.ec2.InternetGateway("platform", vpc_id=vpc.id, opts=opts)
        routes = aws.ec2.RouteTable("public", vpc_id=vpc.id, routes=[
            aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            opts=opts)
        zones = aws.ec2.get_instance_type_offerings_output(
            location_type="availability-zone",
            filters=[aws.ec2.GetInstanceTypeOfferingsFilterArgs(
                name="instance-type", values=[options.instance_type])],
            opts=invoke_with(provider)).locations.apply(sorted)
        subnet_ids = []
        for index, cidr in enumerate(SUBNET_CIDRS):
            subnet = aws.ec2.Subnet(
                f"public-{index}", vpc_id=vpc.id, cidr_block=cidr,
                availability_zone=zones.apply(functools.partial(_zone, index)),
                map_public_ip_on_launch=True, opts=opts)
            aws.ec2.RouteTableAssociation(f"public-{index}", subnet_id=subnet.id,
                                          route_table_id=routes.id, opts=opts)
            subnet_ids.append(subnet.id)
        pulumi.export("vpc_id", vpc.id)
        pulumi.export("subnet_ids", pulumi.Output.all(*subnet_ids))

    return program
