"""Where a dynamic site's instance lives: a configured subnet, a subnet of a configured VPC,
the shared platform VPC, or (only when nothing is configured) the region's default VPC. The
subnet is chosen among those in availability zones that offer the instance type, so a
t3.micro never lands in a zone without it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from tmux_builder.pulumi_programs.aws.provider import invoke_with
from tmux_builder.pulumi_programs.cloud_options import AwsOptions


@dataclass(frozen=True)
class Placement:
    vpc_id: pulumi.Output[str]
    subnet_id: pulumi.Output[str]


def _first(ids: list[str], what: str) -> str:
    if not ids:
        raise ValueError(f"no usable subnet: {what}")
    return sorted(ids)[0]


def _offered_zones(options: AwsOptions, provider: aws.Provider) -> pulumi.Output[list[str]]:
    offers = aws.ec2.get_instance_type_offerings_output(
        location_type="availability-zone",
        filters=[aws.ec2.GetInstanceTypeOfferingsFilterArgs(
            name="instance-type", values=[options.instance_type])],
        opts=invoke_with(provider))
    return offers.locations


def _subnet_in(vpc_id: pulumi.Input[str], extra: aws.ec2.GetSubnetsFilterArgs,
               options: AwsOptions, provider: aws.Provider, what: str) -> pulumi.Output[str]:
    zones = _offered_zones(options, provider)

    def filters(found: list[Any]) -> list[aws.ec2.GetSubnetsFilterArgs]:
        vpc, offered = found
        return [aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc]),
                aws.ec2.GetSubnetsFilterArgs(name="availability-zone", values=list(offered)),
                extra]

    subnets = aws.ec2.get_subnets_output(
        filters=pulumi.Output.all(vpc_id, zones).apply(filters), opts=invoke_with(provider))
    return subnets.ids.apply(lambda ids: _first(list(ids), what))


def placement(options: AwsOptions, provider: aws.Provider,
              shared: pulumi.StackReference | None = None) -> Placement:
    if options.subnet_id:
        subnet = aws.ec2.get_subnet_output(id=options.subnet_id, opts=invoke_with(provider))
        return Placement(subnet.vpc_id, pulumi.Output.from_input(options.subnet_id))
    if shared is not None:
        subnet_ids = shared.require_output("subnet_ids")
        return Placement(pulumi.Output.from_input(shared.require_output("vpc_id")),
                         subnet_ids.apply(lambda ids: _first(list(ids), "the shared VPC has "
                                                             "no subnet")))
    public = aws.ec2.GetSubnetsFilterArgs(name="map-public-ip-on-launch", values=["true"])
    if options.vpc_id:
        vpc_id = pulumi.Output.from_input(options.vpc_id)
        return Placement(vpc_id, _subnet_in(
            vpc_id, public, options, provider,
            f"VPC {options.vpc_id} has no public subnet in a zone offering "
            f"{options.instance_type}; set TMUX_BUILDER_AWS_SUBNET_ID"))
    default_vpc = aws.ec2.get_vpc_output(default=True, opts=invoke_with(provider)).id
    default_subnet = aws.ec2.GetSubnetsFilterArgs(name="default-for-az", values=["true"])
    return Placement(default_vpc, _subnet_in(
        default_vpc, default_subnet, options, provider,
        f"the default VPC of {options.region} has no default subnet in a zone offering "
        f"{options.instance_type}; set TMUX_BUILDER_AWS_SUBNET_ID"))
