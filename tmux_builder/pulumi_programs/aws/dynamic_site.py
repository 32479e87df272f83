"""aws + dynamic: the app on one EC2 instance, its code shipped as a zip in a private bucket.

Redeploy mechanism: the artifact's content hash is written into the user data and
``user_data_replace_on_change=True``, so new code means a new instance that boots from
scratch with it. It is the simplest mechanism that guarantees the new code runs on a clean
host (no agent, no in-place state to get wrong). The trade-off: the instance is replaced,
so its public IP and DNS name change on every code change (the URL output follows), and a
newer Amazon Linux AMI published in SSM also causes a replacement at the next up."""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from tmux_builder.pulumi_programs.aws.bucket import private_bucket
from tmux_builder.pulumi_programs.aws.network import placement
from tmux_builder.pulumi_programs.aws.provider import aws_providers, invoke_with, with_provider
from tmux_builder.pulumi_programs.aws.user_data import user_data
from tmux_builder.pulumi_programs.cloud_boot import APP_PORT, require_runtime
from tmux_builder.pulumi_programs.cloud_files import source_artifact
from tmux_builder.pulumi_programs.cloud_options import AwsOptions, al2023_ami_parameter
from tmux_builder.pulumi_programs.naming import S3_BUCKET_MAX, resource_name
from tmux_builder.pulumi_programs.readiness import export_readiness
from tmux_builder.pulumi_programs.shared import stack_reference
from tmux_builder.pulumi_programs.target import SiteTarget

EC2_ASSUME_ROLE = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
})
SSM_CORE_POLICY = "AmazonSSMManagedInstanceCore"
EVERYWHERE_V4 = ["0.0.0.0/0"]
EVERYWHERE_V6 = ["::/0"]


def object_read_policy(object_arn: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": object_arn}],
    })


def _web_security_group(name: str, vpc_id: pulumi.Input[str],
                        provider: aws.Provider) -> aws.ec2.SecurityGroup:
    """HTTP in from anywhere, everything out (package installs, S3). No SSH: operators use
    SSM Session Manager, which needs no inbound port."""
    return aws.ec2.SecurityGroup(
        "web",
        name=name,
        description="tmux-builder site: HTTP in, all out",
        vpc_id=vpc_id,
        ingress=[aws.ec2.SecurityGroupIngressArgs(
            description="HTTP", protocol="tcp", from_port=APP_PORT, to_port=APP_PORT,
            cidr_blocks=EVERYWHERE_V4, ipv6_cidr_blocks=EVERYWHERE_V6,
        )],
        egress=[aws.ec2.SecurityGroupEgressArgs(
            description="all", protocol="-1", from_port=0, to_port=0,
            cidr_blocks=EVERYWHERE_V4, ipv6_cidr_blocks=EVERYWHERE_V6,
        )],
        opts=with_provider(provider),
    )


def ami_id(options: AwsOptions, provider: aws.Provider) -> pulumi.Output[str]:
    """The newest AL2023 image for the instance type's architecture (or the configured
    parameter), read from the public SSM parameter at every up."""
    if options.ami_parameter:
        name: pulumi.Input[str] = options.ami_parameter
    else:
        kind = aws.ec2.get_instance_type_output(instance_type=options.instance_type,
                                                opts=invoke_with(provider))
        name = kind.supported_architectures.apply(lambda archs: al2023_ami_parameter(list(archs)))
    return aws.ssm.get_parameter_output(name=name, opts=invoke_with(provider)).value


def aws_dynamic_program(target: SiteTarget, options: AwsOptions) -> Callable[[], None]:
    runtime = require_runtime(target.source_dir)

    def program() -> None:
        tags = target.tags

        def name(suffix: str) -> str:
            return resource_name(tags.user_guid, tags.session_id, suffix, max_len=S3_BUCKET_MAX)

        providers = aws_providers(tags, options)
        provider = providers.main
        store = private_bucket("artifacts", name("artifacts"), provider)
        artifact = source_artifact(target.source_dir)
        artifact_object = aws.s3.BucketObjectv2(
            "artifact",
            bucket=store.bucket.id,
            key=artifact.key,
            source=artifact.archive,
            content_type="application/zip",
            source_hash=artifact.digest,
            tags=providers.object_tags,
            opts=with_provider(providers.objects, depends_on=store.ready),
        )
        role = aws.iam.Role("app", name=name("app"), assume_role_policy=EC2_ASSUME_ROLE,
                            opts=with_provider(provider))
        read = aws.iam.RolePolicy(
            "artifact-read",
            role=role.id,
            policy=pulumi.Output.concat(store.bucket.arn, "/", artifact_object.key).apply(
                object_read_policy
            ),
            opts=with_provider(provider),
        )
        partition = aws.get_partition_output(opts=invoke_with(provider)).partition
        ssm_core = aws.iam.RolePolicyAttachment(
            "ssm-core",
            role=role.name,
            policy_arn=partition.apply(lambda p: f"arn:{p}:iam::aws:policy/{SSM_CORE_POLICY}"),
            opts=with_provider(provider),
        )
        profile = aws.iam.InstanceProfile("app", name=name("app"), role=role.name,
                                          opts=with_provider(provider))
        shared = (stack_reference(target.shared)
                  if options.shared_vpc and target.shared is not None else None)
        where = placement(options, provider, shared)
        group = _web_security_group(name("web"), where.vpc_id, provider)
        instance = aws.ec2.Instance(
            "app",
            ami=ami_id(options, provider),
            instance_type=options.instance_type,
            subnet_id=where.subnet_id,
            associate_public_ip_address=True,
            vpc_security_group_ids=[group.id],
            iam_instance_profile=profile.name,
            user_data=store.bucket.bucket.apply(
                lambda bucket: user_data(runtime, bucket, artifact.key, options.region,
                                         artifact.digest)
            ),
            user_data_replace_on_change=True,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required",
            ),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                volume_type="gp3", encrypted=True,
            ),
            tags={"Name": name("app")},
            opts=with_provider(provider, depends_on=[artifact_object, read, ssm_core]),
        )
        pulumi.export("url", pulumi.Output.concat("http://", instance.public_dns))
        pulumi.export("instance_id", instance.id)
        pulumi.export("artifact_key", artifact_object.key)
        pulumi.export("digest", artifact.digest)
        export_readiness("aws", "dynamic")

    return program
