"""A private S3 bucket: ownership enforced (no ACLs) and all four public-access blocks on.

S3 refuses a bucket-level change while another one of the same bucket is in progress
(``OperationAborted``), so the settings are written one after the other: ownership controls,
then the public access block, then (in the programs) the bucket policy."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tmux_builder.pulumi_programs.aws.provider import with_provider


@dataclass(frozen=True)
class PrivateBucket:
    bucket: aws.s3.Bucket
    ownership: aws.s3.BucketOwnershipControls
    access_block: aws.s3.BucketPublicAccessBlock

    @property
    def ready(self) -> list[pulumi.Resource]:
        """What objects and the bucket policy wait for (the access block itself waits for
        the ownership controls)."""
        return [self.access_block]


def private_bucket(logical: str, bucket_name: str, provider: aws.Provider) -> PrivateBucket:
    bucket = aws.s3.Bucket(logical, bucket=bucket_name, force_destroy=True,
                           opts=with_provider(provider))
    ownership = aws.s3.BucketOwnershipControls(
        logical,
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=with_provider(provider),
    )
    access_block = aws.s3.BucketPublicAccessBlock(
        logical,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=with_provider(provider, depends_on=[ownership]),
    )
    return PrivateBucket(bucket, ownership, access_block)
