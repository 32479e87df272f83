"""azure + static under Pulumi mocks: StorageV2 static website behind Front Door Standard."""

from __future__ import annotations

import base64
import hashlib
import re
import shlex
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.pulumi_programs.mocks import (
    PLATFORM_GROUP,
    PLATFORM_PROFILE,
    SUBSCRIPTION,
    ProgramRun,
    SiteCase,
    azure_options,
    make_target,
    write_static_site,
)
from tmux_builder.errors import InvalidInputError
from tmux_builder.pulumi_programs.azure import azure_static_program
from tmux_builder.pulumi_programs.local.files import tree_digest

ACCOUNT = "azure-native:storage:StorageAccount"
BLOB = "azure-native:storage:Blob"


CASE = SiteCase(azure_static_program, azure_options, "static", write_static_site)


@pytest.fixture
def run(tmp_path: Path) -> ProgramRun:
    return CASE.run(CASE.source(tmp_path))


def test_provider_and_group_follow_options(tmp_path: Path) -> None:
    site = CASE.source(tmp_path)
    run = CASE.run(site, location="northeurope")
    provider = run.one("pulumi:providers:azure-native").inputs
    assert provider["subscriptionId"] == SUBSCRIPTION
    assert run.one("azure-native:resources:ResourceGroup").inputs["location"] == "northeurope"
    assert run.one(ACCOUNT).inputs["location"] == "northeurope"


def test_storage_account_is_storagev2_with_a_short_alphanumeric_name(run: ProgramRun) -> None:
    account = run.one(ACCOUNT).inputs
    assert account["kind"] == "StorageV2"
    assert re.fullmatch(r"[a-z0-9]{3,24}", account["accountName"])
    assert account["allowBlobPublicAccess"] is False
    assert account["enableHttpsTrafficOnly"] is True
    assert account["minimumTlsVersion"] == "TLS1_2"


def test_static_website_has_index_and_404(run: ProgramRun) -> None:
    website = run.one("azure-native:storage:StorageAccountStaticWebsite").inputs
    assert website["indexDocument"] == "index.html"
    assert website["error404Document"] == "404.html"


def test_one_blob_per_file_in_web_container(run: ProgramRun) -> None:
    site = run.source
    blobs = {b.inputs["blobName"]: b.inputs for b in run.of_type(BLOB)}
    assert set(blobs) == {"index.html", "404.html", "css/site.css", "logo.png"}
    assert blobs["index.html"]["contentType"] == "text/html; charset=utf-8"
    assert blobs["logo.png"]["contentType"] == "image/png"
    for name, inputs in blobs.items():
        assert inputs["containerName"] == "$web"
        digest = base64.b64encode(hashlib.md5((site / name).read_bytes()).digest()).decode()
        assert inputs["contentMd5"] == digest


def test_session_adds_its_endpoint_to_the_shared_profile(run: ProgramRun) -> None:
    assert not run.of_type("azure-native:cdn:Profile"), "the profile is the platform's"
    assert not run.of_type("azure-native:cdn:Endpoint"), "not Azure CDN classic"
    (reference,) = run.of_type("pulumi:pulumi:StackReference")
    assert reference.inputs["name"] == "organization/tmux-builder/platform-azure-westeurope"
    endpoint = run.one("azure-native:cdn:AFDEndpoint").inputs
    assert len(endpoint["endpointName"]) <= 50
    assert (endpoint["profileName"], endpoint["resourceGroupName"]) == (
        PLATFORM_PROFILE, PLATFORM_GROUP)
    account_name = run.one(ACCOUNT).inputs["accountName"]
    origin = run.one("azure-native:cdn:AFDOrigin").inputs
    assert origin["hostName"] == f"{account_name}.z6.web.core.windows.net"
    assert origin["originHostHeader"] == origin["hostName"]
    group = run.one("azure-native:cdn:AFDOriginGroup")
    assert group.inputs["originGroupName"] == endpoint["endpointName"], "unique in the profile"
    assert origin["originGroupName"] == group.inputs["originGroupName"]
    route = run.one("azure-native:cdn:Route").inputs
    assert route["originGroup"]["id"].endswith(f"/{group.inputs['originGroupName']}")
    assert route["endpointName"] == endpoint["endpointName"]
    assert route["httpsRedirect"] == "Enabled"
    assert route["forwardingProtocol"] == "HttpsOnly"
    assert route["patternsToMatch"] == ["/*"]


def test_route_caches_compresses_and_sets_cache_control(run: ProgramRun) -> None:
    route = run.one("azure-native:cdn:Route").inputs
    cache = route["cacheConfiguration"]
    assert cache["queryStringCachingBehavior"] == "IgnoreQueryString"
    compression = cache["compressionSettings"]
    assert compression["isCompressionEnabled"] is True
    assert {"text/html", "text/css", "text/javascript"} <= set(
        compression["contentTypesToCompress"])
    (rule_set,) = route["ruleSets"]
    assert rule_set["id"].endswith(f"/profiles/{PLATFORM_PROFILE}/ruleSets/cachecontrol")


def test_purge_calls_the_rest_api_on_content_change(run: ProgramRun) -> None:
    site = run.source
    command = run.one("command:local:Command").inputs
    endpoint = run.one("azure-native:cdn:AFDEndpoint").inputs["endpointName"]
    assert command["create"] == shlex.join([
        sys.executable, "-m", "tmux_builder.pulumi_programs.azure.purge",
        "--subscription", SUBSCRIPTION, "--resource-group", PLATFORM_GROUP,
        "--profile", PLATFORM_PROFILE, "--endpoint", endpoint, "--path", "/*"])
    assert "az " not in command["create"], "the az CLI ignores ARM_* credentials"
    assert command["triggers"] == [tree_digest(site)]
    (site / "css" / "site.css").write_text("h1{color:red}", encoding="utf-8")
    assert CASE.run(site).one("command:local:Command").inputs["triggers"] != command["triggers"]


def test_without_the_platform_stack_nothing_is_declared(tmp_path: Path) -> None:
    target = replace(make_target(CASE.source(tmp_path), "azure", "static"), shared=None)
    with pytest.raises(InvalidInputError) as caught:
        azure_static_program(target, azure_options())
    assert caught.value.field == "shared"


def test_url_is_https_endpoint_host(run: ProgramRun) -> None:
    endpoint = run.one("azure-native:cdn:AFDEndpoint").inputs["endpointName"]
    assert re.fullmatch(rf"https://{endpoint}-[0-9a-f]{{8}}\.z01\.azurefd\.net", run.outputs["url"])
