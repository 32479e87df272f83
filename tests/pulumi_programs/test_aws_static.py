"""aws + static under Pulumi mocks: private bucket, CloudFront with OAC, objects, invalidation."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.pulumi_programs.mocks import (
    ProgramRun,
    SiteCase,
    aws_options,
    make_target,
    write_static_site,
)
from tmux_builder.pulumi_programs.aws import aws_static_program
from tmux_builder.pulumi_programs.local.files import tree_digest
from tmux_builder.pulumi_programs.naming import resource_name

BUCKET = "aws:s3/bucket:Bucket"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
COMMAND = "command:local:Command"


CASE = SiteCase(aws_static_program, aws_options, "static", write_static_site)


@pytest.fixture
def run(tmp_path: Path) -> ProgramRun:
    return CASE.run(CASE.source(tmp_path))


def test_bucket_is_private_and_named_per_session(run: ProgramRun) -> None:
    bucket = run.one(BUCKET)
    tags = make_target(Path("."), "aws", "static").tags
    assert bucket.inputs["bucket"] == resource_name(tags.user_guid, tags.session_id, "site")
    ownership = run.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    block = run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                 "restrictPublicBuckets"):
        assert block.inputs[flag] is True, flag
    assert not run.of_type("aws:s3/bucketAcl:BucketAcl")


def test_cloudfront_uses_origin_access_control_not_oai(run: ProgramRun) -> None:
    oac = run.one("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert oac.inputs["signingBehavior"] == "always"
    assert oac.inputs["signingProtocol"] == "sigv4"
    assert oac.inputs["originAccessControlOriginType"] == "s3"
    assert not run.of_type("aws:cloudfront/originAccessIdentity:OriginAccessIdentity")
    origin = run.one(DISTRIBUTION).inputs["origins"][0]
    assert origin["originAccessControlId"] == "site-id"
    assert origin["domainName"].endswith(".s3.eu-west-1.amazonaws.com")
    assert "s3OriginConfig" not in origin


def test_distribution_redirects_to_https_with_root_object_and_404(run: ProgramRun) -> None:
    dist = run.one(DISTRIBUTION).inputs
    assert dist["defaultCacheBehavior"]["viewerProtocolPolicy"] == "redirect-to-https"
    assert dist["defaultRootObject"] == "index.html"
    errors = {int(e["errorCode"]): e for e in dist["customErrorResponses"]}
    assert errors[404]["responsePagePath"] == "/404.html"
    assert int(errors[404]["responseCode"]) == 404
    assert dist["priceClass"] == "PriceClass_100"


def test_no_custom_error_page_without_404_html(tmp_path: Path) -> None:
    run = CASE.run(write_static_site(tmp_path / "site", with_404=False))
    assert not run.one(DISTRIBUTION).inputs.get("customErrorResponses")


def test_bucket_policy_lets_only_this_distribution_read(run: ProgramRun) -> None:
    policy = json.loads(run.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    bucket_name = run.one(BUCKET).inputs["bucket"]
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    assert statement["Resource"] == f"arn:aws:s3:::{bucket_name}/*"
    source_arn = statement["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert source_arn.endswith(f":distribution/{run.outputs['distribution_id']}")


def test_one_object_per_file_with_content_type_and_hash(run: ProgramRun) -> None:
    site = run.source
    objects = {o.inputs["key"]: o.inputs for o in run.of_type(OBJECT)}
    assert set(objects) == {"index.html", "404.html", "css/site.css", "logo.png"}
    assert objects["index.html"]["contentType"] == "text/html; charset=utf-8"
    assert objects["css/site.css"]["contentType"] == "text/css; charset=utf-8"
    assert objects["logo.png"]["contentType"] == "image/png"
    for key, inputs in objects.items():
        assert inputs["sourceHash"] == hashlib.sha256((site / key).read_bytes()).hexdigest()
        assert inputs["source"].path == str(site / key)


def test_invalidation_runs_on_content_change(run: ProgramRun) -> None:
    site = run.source
    command = run.one(COMMAND).inputs
    dist_id = run.outputs["distribution_id"]
    assert command["create"] == (
        f"aws cloudfront create-invalidation --distribution-id {dist_id} --paths '/*'"
        " --profile sites")
    assert command["triggers"] == [tree_digest(site)]
    (site / "index.html").write_text("<h1>v2</h1>", encoding="utf-8")
    changed = CASE.run(site).one(COMMAND).inputs["triggers"]
    assert changed != command["triggers"]


def test_url_is_https_distribution_domain(run: ProgramRun) -> None:
    assert run.outputs["url"].startswith("https://d")
    assert run.outputs["url"].endswith(".cloudfront.net")


def test_region_and_profile_come_from_options(tmp_path: Path) -> None:
    site = CASE.source(tmp_path)
    providers = CASE.run(site, region="us-east-2", profile=None).of_type("pulumi:providers:aws")
    assert len(providers) == 2, "the main provider and the one for objects"
    for provider in providers:
        assert provider.inputs["region"] == "us-east-2"
        assert "profile" not in provider.inputs
    run = CASE.run(site, region="ap-southeast-1", profile="ops")
    assert {p.inputs["profile"] for p in run.of_type("pulumi:providers:aws")} == {"ops"}
    assert run.one(COMMAND).inputs["create"].endswith("--profile ops")


def test_folder_urls_are_rewritten_to_their_index_at_the_edge(run: ProgramRun) -> None:
    """The viewer-request function, run by node: /about/ and /about -> /about/index.html."""
    function = run.one("aws:cloudfront/function:Function").inputs
    assert function["runtime"] == "cloudfront-js-2.0" and function["publish"] is True
    behavior = run.one(DISTRIBUTION).inputs["defaultCacheBehavior"]
    (association,) = behavior["functionAssociations"]
    assert association["eventType"] == "viewer-request"
    assert association["functionArn"].endswith(f"function/{function['name']}")
    uris = ["/", "/about/", "/about", "/css/site.css", "/a.b/c", "/docs/v1.2/"]
    script = (function["code"] + "\nconsole.log(JSON.stringify(" + json.dumps(uris) +
              ".map(u => handler({request: {uri: u}}).uri)));")
    node = shutil.which("node")
    assert node, "node is installed by make setup"
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True,
                         timeout=30)
    assert json.loads(out.stdout) == ["/index.html", "/about/index.html", "/about/index.html",
                                      "/css/site.css", "/a.b/c/index.html",
                                      "/docs/v1.2/index.html"]


def test_uploads_carry_cache_control(run: ProgramRun) -> None:
    objects = {o.inputs["key"]: o.inputs for o in run.of_type(OBJECT)}
    assert objects["index.html"]["cacheControl"] == "no-cache"
    assert objects["404.html"]["cacheControl"] == "no-cache"
    assert objects["css/site.css"]["cacheControl"] == "public, max-age=3600"
    assert objects["logo.png"]["cacheControl"] == "public, max-age=3600"

