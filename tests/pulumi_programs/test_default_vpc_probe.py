"""The default-VPC check asks EC2 with boto3 for real (signing, the query protocol, XML
parsing) against a local endpoint answering as a region with and without a default VPC."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pulumi_programs.aws_endpoint import Recorded, aws_endpoint, offline_aws_env
from tests.pulumi_programs.mocks import aws_options
from tmux_builder.errors import InvalidInputError
from tmux_builder.pulumi_programs.preflight import boto3_default_vpc_exists, check_default_vpc

pytestmark = pytest.mark.slow

NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
NO_VPC = f'<DescribeVpcsResponse xmlns="{NS}"><requestId>r1</requestId><vpcSet/>' \
         "</DescribeVpcsResponse>"
ONE_VPC = (f'<DescribeVpcsResponse xmlns="{NS}"><requestId>r2</requestId><vpcSet><item>'
           "<vpcId>vpc-0a1b2c3d</vpcId><isDefault>true</isDefault><state>available</state>"
           "</item></vpcSet></DescribeVpcsResponse>")


@pytest.mark.parametrize(("body", "exists"), [(NO_VPC, False), (ONE_VPC, True)])
def test_boto3_asks_ec2_for_the_default_vpc(body: str, exists: bool, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = Recorded(lambda _action, _body: (200, {"Content-Type": "text/xml"}, body.encode()))
    with aws_endpoint(recorded) as url:
        for key, value in {**offline_aws_env(tmp_path), "AWS_ENDPOINT_URL_EC2": url}.items():
            monkeypatch.setenv(key, value)
        assert boto3_default_vpc_exists(aws_options(profile=None)) is exists
        if not exists:
            with pytest.raises(InvalidInputError, match="has no default VPC"):
                check_default_vpc(aws_options(profile=None), boto3_default_vpc_exists)
    ((action, request, headers),) = recorded.requests[:1]
    assert action == "DescribeVpcs"
    assert b"Filter.1.Name=isDefault" in request and b"Filter.1.Value.1=true" in request
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/")
    assert "/eu-west-1/ec2/" in headers["Authorization"]


def test_an_ec2_error_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    denied = ('<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>not '
              "allowed</Message></Error></Errors><RequestID>r3</RequestID></Response>")
    recorded = Recorded(lambda _a, _b: (403, {"Content-Type": "text/xml"}, denied.encode()))
    with aws_endpoint(recorded) as url:
        for key, value in {**offline_aws_env(tmp_path), "AWS_ENDPOINT_URL_EC2": url}.items():
            monkeypatch.setenv(key, value)
        with pytest.raises(InvalidInputError) as caught:
            check_default_vpc(aws_options(profile=None), boto3_default_vpc_exists)
    assert caught.value.field == "aws_vpc_id"
    assert "UnauthorizedOperation" in str(caught.value)
