"""aws + static: a private S3 bucket behind CloudFront with Origin Access Control (modelled on
Pulumi's ``aws-static-website`` component, without the legacy OAI)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path

import pulumi
import pulumi_aws as aws
from pulumi_command import local

from tmux_builder.pulumi_programs.aws.bucket import PrivateBucket, private_bucket
from tmux_builder.pulumi_programs.aws.provider import AwsProviders, aws_providers, with_provider
from tmux_builder.pulumi_programs.cloud_files import SiteFile, cache_control, site_files
from tmux_builder.pulumi_programs.cloud_options import AwsOptions
from tmux_builder.pulumi_programs.local.files import tree_digest
from tmux_builder.pulumi_programs.naming import S3_BUCKET_MAX, resource_name
from tmux_builder.pulumi_programs.readiness import export_readiness
from tmux_builder.pulumi_programs.target import SiteTarget

ORIGIN_ID = "site-bucket"
# AWS-managed "Managed-CachingOptimized" policy; its id is the same in every account.
CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
NOT_FOUND_PAGE = "404.html"
INDEX_REWRITE_CODE = Path(__file__).with_name("index_rewrite.js")
FUNCTION_RUNTIME = "cloudfront-js-2.0"


def _error_responses(has_404: bool) -> list[aws.cloudfront.DistributionCustomErrorResponseArgs]:
    """S3 answers 403 for a missing key when the reader may not list the bucket, so both
    403 and 404 are mapped to the site's own 404 page."""
    if not has_404:
        return []
    return [
        aws.cloudfront.DistributionCustomErrorResponseArgs(
            error_code=code, response_code=404, response_page_path=f"/{NOT_FOUND_PAGE}",
            error_caching_min_ttl=10,
        )
        for code in (403, 404)
    ]


def _index_rewrite(target: SiteTarget, provider: aws.Provider) -> aws.cloudfront.Function:
    """``/about/`` -> ``/about/index.html`` at the edge (a private S3 origin has no index)."""
    return aws.cloudfront.Function(
        "index-rewrite",
        name=resource_name(target.tags.user_guid, target.tags.session_id, "index", max_len=64),
        runtime=FUNCTION_RUNTIME,
        comment="rewrite folder URLs to their index.html",
        code=INDEX_REWRITE_CODE.read_text(encoding="utf-8"),
        publish=True,
        opts=with_provider(provider),
    )


def _distribution(
    target: SiteTarget, options: AwsOptions, store: PrivateBucket, provider: aws.Provider
) -> aws.cloudfront.Distribution:
    rewrite = _index_rewrite(target, provider)
    oac = aws.cloudfront.OriginAccessControl(
        "site",
        name=resource_name(target.tags.user_guid, target.tags.session_id, "oac"),
        description=f"CloudFront access to {target.stack_name}",
        origin_access_control_origin_type="s3",
        signing_behavior="always",
        signing_protocol="sigv4",
        opts=with_provider(provider),
    )
    return aws.cloudfront.Distribution(
        "site",
        enabled=True,
        is_ipv6_enabled=True,
        comment=target.stack_name,
        default_root_object="index.html",
        price_class=options.price_class,
        http_version="http2and3",
        origins=[aws.cloudfront.DistributionOriginArgs(
            origin_id=ORIGIN_ID,
            domain_name=store.bucket.bucket_regional_domain_name,
            origin_access_control_id=oac.id,
        )],
        default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
            target_origin_id=ORIGIN_ID,
            viewer_protocol_policy="redirect-to-https",
            allowed_methods=["GET", "HEAD", "OPTIONS"],
            cached_methods=["GET", "HEAD"],
            compress=True,
            cache_policy_id=CACHING_OPTIMIZED_POLICY_ID,
            function_associations=[
                aws.cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs(
                    event_type="viewer-request", function_arn=rewrite.arn),
            ],
        ),
        custom_error_responses=_error_responses(
            (target.source_dir / NOT_FOUND_PAGE).is_file()
        ),
        restrictions=aws.cloudfront.DistributionRestrictionsArgs(
            geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                restriction_type="none",
            ),
        ),
        viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
            cloudfront_default_certificate=True,
        ),
        opts=with_provider(provider),
    )


def read_policy(bucket_arn: str, distribution_arn: str) -> str:
    """Only this distribution (through OAC) may read objects; nothing may list or write."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowCloudFrontReadOnly",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        }],
    })


def _upload(
    files: list[SiteFile], store: PrivateBucket, providers: AwsProviders
) -> list[aws.s3.BucketObjectv2]:
    """One object per file, written through the provider without default tags (S3 takes
    10 tags on an object) and carrying the object tags itself."""
    return [
        aws.s3.BucketObjectv2(
            f"object:{item.key}",
            bucket=store.bucket.id,
            key=item.key,
            source=pulumi.FileAsset(str(item.path)),
            content_type=item.content_type,
            cache_control=cache_control(item.key),
            source_hash=item.sha256,
            tags=providers.object_tags,
            opts=with_provider(providers.objects, depends_on=store.ready),
        )
        for item in files
    ]


def invalidation_command(options: AwsOptions, distribution_id: str) -> str:
    command = ["aws", "cloudfront", "create-invalidation", "--distribution-id", distribution_id,
               "--paths", "/*"]
    if options.profile:
        command += ["--profile", options.profile]
    return shlex.join(command)


def aws_static_program(target: SiteTarget, options: AwsOptions) -> Callable[[], None]:
    def program() -> None:
        tags = target.tags
        providers = aws_providers(tags, options)
        provider = providers.main
        store = private_bucket(
            "site",
            resource_name(tags.user_guid, tags.session_id, "site", max_len=S3_BUCKET_MAX),
            provider,
        )
        distribution = _distribution(target, options, store, provider)
        aws.s3.BucketPolicy(
            "site",
            bucket=store.bucket.id,
            policy=pulumi.Output.all(store.bucket.arn, distribution.arn).apply(
                lambda arns: read_policy(arns[0], arns[1])
            ),
            opts=with_provider(provider, depends_on=store.ready),
        )
        objects = _upload(site_files(target.source_dir), store, providers)
        digest = tree_digest(target.source_dir)
        local.Command(
            "invalidate",
            create=distribution.id.apply(lambda dist_id: invalidation_command(options, dist_id)),
            triggers=[digest],
            opts=pulumi.ResourceOptions(depends_on=objects),
        )
        pulumi.export("url", pulumi.Output.concat("https://", distribution.domain_name))
        pulumi.export("bucket", store.bucket.bucket)
        pulumi.export("distribution_id", distribution.id)
        pulumi.export("digest", digest)
        export_readiness("aws", "static")

    return program
