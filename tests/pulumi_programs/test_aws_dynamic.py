"""aws + dynamic under Pulumi mocks: artifact, least-privilege role, SG, EC2 from SSM AMI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.pulumi_programs.mocks import (
    AMI_ID,
    DEFAULT_SUBNETS,
    DEFAULT_VPC,
    PLATFORM_OUTPUTS,
    PUBLIC_DNS,
    ZONES_OFFERING,
    ProgramRun,
    SiteCase,
    aws_options,
    cloud_config_files,
    make_target,
    run_program,
    write_node_app,
    write_python_app,
)
from tmux_builder.errors import InvalidInputError
from tmux_builder.pulumi_programs.aws import aws_dynamic_program
from tmux_builder.pulumi_programs.cloud_options import AL2023_AMI_PARAMETER
from tmux_builder.pulumi_programs.local.files import tree_digest

INSTANCE = "aws:ec2/instance:Instance"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
UNIT = "/etc/systemd/system/tmux-site.service"
BOOTSTRAP = "/opt/tmux-site/bootstrap.sh"


CASE = SiteCase(aws_dynamic_program, aws_options, "dynamic", write_node_app)


@pytest.fixture
def run(tmp_path: Path) -> ProgramRun:
    return CASE.run(CASE.source(tmp_path))


def test_ami_comes_from_the_ssm_public_parameter(run: ProgramRun) -> None:
    (lookup,) = [c for c in run.calls if c.token == "aws:ssm/getParameter:getParameter"]
    assert lookup.args["name"] == AL2023_AMI_PARAMETER
    assert run.one(INSTANCE).inputs["ami"] == AMI_ID


def test_instance_type_defaults_to_t3_micro_and_follows_options(run: ProgramRun) -> None:
    app = run.source
    assert run.one(INSTANCE).inputs["instanceType"] == "t3.micro"
    bigger = CASE.run(app, instance_type="t3.small").one(INSTANCE).inputs
    assert bigger["instanceType"] == "t3.small"


def test_artifact_is_a_zip_of_the_source(run: ProgramRun) -> None:
    app = run.source
    artifact = run.one(OBJECT).inputs
    digest = tree_digest(app)
    assert artifact["key"] == f"releases/{digest[:16]}.zip"
    assert artifact["sourceHash"] == digest
    assert sorted(artifact["source"].assets) == ["package.json", "server.js"]
    assert run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs[
        "restrictPublicBuckets"] is True


def test_role_reads_only_the_artifact_and_has_ssm_core(run: ProgramRun) -> None:
    assume = json.loads(run.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert assume["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    policy = json.loads(run.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    bucket = run.one("aws:s3/bucket:Bucket").inputs["bucket"]
    key = run.one(OBJECT).inputs["key"]
    assert policy["Statement"] == [{"Effect": "Allow", "Action": "s3:GetObject",
                                    "Resource": f"arn:aws:s3:::{bucket}/{key}"}]
    attachment = run.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    profile = run.one("aws:iam/instanceProfile:InstanceProfile").inputs
    assert run.one(INSTANCE).inputs["iamInstanceProfile"] == profile["name"]


def test_security_group_allows_http_in_and_all_out_only(run: ProgramRun) -> None:
    group = run.one("aws:ec2/securityGroup:SecurityGroup").inputs
    (ingress,) = group["ingress"]
    assert (ingress["protocol"], int(ingress["fromPort"]), int(ingress["toPort"])) == (
        "tcp", 80, 80)
    assert ingress["cidrBlocks"] == ["0.0.0.0/0"]
    (egress,) = group["egress"]
    assert egress["protocol"] == "-1"
    assert run.one(INSTANCE).inputs["vpcSecurityGroupIds"] == ["web-id"]


def test_user_data_installs_node_fetches_artifact_and_runs_systemd(run: ProgramRun) -> None:
    app = run.source
    instance = run.one(INSTANCE).inputs
    assert instance["userDataReplaceOnChange"] is True
    assert instance["metadataOptions"]["httpTokens"] == "required"
    document = instance["userData"]
    files = cloud_config_files(document)
    bucket = run.one("aws:s3/bucket:Bucket").inputs["bucket"]
    script = files[BOOTSTRAP]
    assert f"aws s3 cp s3://{bucket}/{run.one(OBJECT).inputs['key']}" in script
    assert f"ARTIFACT_SHA256={tree_digest(app)}" in script
    assert "dnf install -y nodejs22 nodejs22-npm" in script, "AL2023's current Node.js"
    assert "npm install --omit=dev" in script
    assert "systemctl enable --now tmux-site.service" in script
    unit = files[UNIT]
    assert "Environment=PORT=80" in unit
    assert "ExecStart=/usr/bin/env npm start --silent" in unit
    assert "AmbientCapabilities=CAP_NET_BIND_SERVICE" in unit


def test_python_app_gets_a_venv(tmp_path: Path) -> None:
    run = CASE.run(write_python_app(tmp_path / "py"))
    files = cloud_config_files(run.one(INSTANCE).inputs["userData"])
    assert "dnf install -y python3.12 python3.12-pip" in files[BOOTSTRAP]
    assert "python3.12 -m venv" in files[BOOTSTRAP], "not AL2023's system Python 3.9"
    assert "ExecStart=/opt/tmux-site/deps/venv/bin/python -u app.py" in files[UNIT]


def test_new_code_changes_user_data_so_the_instance_is_replaced(run: ProgramRun) -> None:
    app = run.source
    (app / "server.js").write_text("// v2\n", encoding="utf-8")
    again = CASE.run(app)
    assert again.one(INSTANCE).inputs["userData"] != run.one(INSTANCE).inputs["userData"]
    assert again.one(OBJECT).inputs["key"] != run.one(OBJECT).inputs["key"]


def test_url_is_http_public_dns(run: ProgramRun) -> None:
    assert run.outputs["url"] == f"http://{PUBLIC_DNS}"


def test_source_without_runtime_is_rejected_before_any_resource(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("static", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        aws_dynamic_program(make_target(tmp_path, "aws", "dynamic"), aws_options())
    assert caught.value.field == "source_dir"


def test_default_vpc_only_when_nothing_is_configured(run: ProgramRun) -> None:
    tokens = [c.token.rsplit(":", 1)[-1] for c in run.calls]
    assert "getVpc" in tokens
    offers = next(c for c in run.calls if c.token.endswith("getInstanceTypeOfferings"))
    assert offers.args["filters"][0]["values"] == ["t3.micro"]
    subnets = next(c for c in run.calls if c.token.endswith(":getSubnets"))
    filters = {f["name"]: f["values"] for f in subnets.args["filters"]}
    assert filters["vpc-id"] == [DEFAULT_VPC]
    assert filters["default-for-az"] == ["true"]
    assert filters["availability-zone"] == list(ZONES_OFFERING), "only zones offering t3.micro"
    assert run.one(INSTANCE).inputs["subnetId"] == DEFAULT_SUBNETS[ZONES_OFFERING[0]]
    assert run.one("aws:ec2/securityGroup:SecurityGroup").inputs["vpcId"] == DEFAULT_VPC


def test_configured_subnet_is_used_without_looking_for_a_default_vpc(tmp_path: Path) -> None:
    run = CASE.run(CASE.source(tmp_path), subnet_id="subnet-0123456789abcdef0")
    assert "getVpc" not in [c.token.rsplit(":", 1)[-1] for c in run.calls]
    assert run.one(INSTANCE).inputs["subnetId"] == "subnet-0123456789abcdef0"
    assert run.one("aws:ec2/securityGroup:SecurityGroup").inputs["vpcId"] == (
        "vpc-0123456789abcdef0"), "the subnet's own VPC"


def test_configured_vpc_uses_its_public_subnets(tmp_path: Path) -> None:
    expected = re.escape("has no public subnet in a zone offering t3.micro")
    with pytest.raises(Exception, match=expected):
        CASE.run(CASE.source(tmp_path), vpc_id="vpc-0123456789abcdef0")


def test_shared_platform_vpc_comes_from_the_stack_reference(tmp_path: Path) -> None:
    run = CASE.run(CASE.source(tmp_path), shared_vpc=True)
    (reference,) = run.of_type("pulumi:pulumi:StackReference")
    assert reference.inputs["name"] == "organization/tmux-builder/platform-aws-eu-west-1"
    assert run.one(INSTANCE).inputs["subnetId"] == PLATFORM_OUTPUTS["subnet_ids"][0]
    assert "getVpc" not in [c.token.rsplit(":", 1)[-1] for c in run.calls]


def test_a_region_without_default_vpc_fails_the_program(tmp_path: Path) -> None:
    target = make_target(CASE.source(tmp_path), "aws", "dynamic")
    with pytest.raises(Exception, match="no matching EC2 VPC found"):
        run_program(aws_dynamic_program(target, aws_options()), default_vpc=False)


@pytest.mark.parametrize(("instance_type", "arch"), [("t3.micro", "x86_64"),
                                                      ("t4g.small", "arm64"),
                                                      ("m7g.medium", "arm64")])
def test_ami_parameter_follows_the_instance_architecture(tmp_path: Path, instance_type: str,
                                                         arch: str) -> None:
    run = CASE.run(CASE.source(tmp_path), instance_type=instance_type)
    (lookup,) = [c for c in run.calls if c.token == "aws:ssm/getParameter:getParameter"]
    assert lookup.args["name"] == (
        f"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}")
    kind = next(c for c in run.calls if c.token.endswith("getInstanceType"))
    assert kind.args["instanceType"] == instance_type


def test_boot_script_reports_its_stages_on_port_80(run: ProgramRun) -> None:
    files = cloud_config_files(run.one(INSTANCE).inputs["userData"])
    script = files[BOOTSTRAP]
    stages = re.findall(r"^stage ([a-z-]+) ", script, flags=re.M)
    assert stages == ["starting", "installing-runtime", "fetching-artifact",
                      "installing-dependencies", "starting-app"]
    assert 'stage ready "the app answers on port 80"' in script
    assert "systemd-run --unit=tmux-site-boot" in script
    assert "trap 'failed" in script
    assert "X-Tmux-Builder-Boot" in files["/opt/tmux-site/boot_status.py"]
