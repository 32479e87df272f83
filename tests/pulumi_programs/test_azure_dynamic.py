"""azure + dynamic under Pulumi mocks: network, key-only Linux VM with cloud-init."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.pulumi_programs.mocks import (
    PUBLIC_IP,
    SAS_TOKEN,
    ProgramRun,
    SiteCase,
    azure_options,
    cloud_config_files,
    unsecret,
    write_node_app,
    write_python_app,
)
from tmux_builder.pulumi_programs.azure import azure_dynamic_program
from tmux_builder.pulumi_programs.local.files import tree_digest

VM = "azure-native:compute:VirtualMachine"
NSG = "azure-native:network:NetworkSecurityGroup"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockKey operator@example"


CASE = SiteCase(azure_dynamic_program, azure_options, "dynamic", write_python_app)


@pytest.fixture
def run(tmp_path: Path) -> ProgramRun:
    return CASE.run(CASE.source(tmp_path))


def _os_profile(run: ProgramRun) -> tuple[dict, bool]:
    return unsecret(run.one(VM).inputs["osProfile"])


def test_vm_size_defaults_to_b1s_and_follows_options(run: ProgramRun) -> None:
    app = run.source
    assert run.one(VM).inputs["hardwareProfile"] == {"vmSize": "Standard_B1s"}
    bigger = CASE.run(app, vm_size="Standard_B2s").one(VM).inputs["hardwareProfile"]
    assert bigger == {"vmSize": "Standard_B2s"}


def test_ssh_by_key_only_with_a_generated_secret_key(run: ProgramRun) -> None:
    profile, _ = _os_profile(run)
    linux = profile["linuxConfiguration"]
    assert linux["disablePasswordAuthentication"] is True
    assert "adminPassword" not in profile
    (key,) = linux["ssh"]["publicKeys"]
    assert key["keyData"].startswith("ssh-rsa ")
    assert key["path"] == "/home/azureuser/.ssh/authorized_keys"
    generated = run.one("tls:index/privateKey:PrivateKey").inputs
    assert (generated["algorithm"], int(generated["rsaBits"])) == ("RSA", 4096)
    assert "ssh_private_key" in run.secret_outputs


def test_configured_key_is_used_and_nothing_generated(tmp_path: Path) -> None:
    app = CASE.source(tmp_path)
    run = CASE.run(app, ssh_public_key=KEY)
    profile, _ = _os_profile(run)
    assert profile["linuxConfiguration"]["ssh"]["publicKeys"][0]["keyData"] == KEY
    assert not run.of_type("tls:index/privateKey:PrivateKey")
    assert "ssh_private_key" not in run.outputs


def test_nsg_allows_http_and_ssh_only_when_configured(run: ProgramRun) -> None:
    app = run.source
    rules = run.one(NSG).inputs["securityRules"]
    assert [(r["destinationPortRange"], r["access"], r["direction"]) for r in rules] == [
        ("80", "Allow", "Inbound")]
    opened = CASE.run(app, ssh_source_cidr="198.51.100.0/24").one(NSG).inputs["securityRules"]
    ssh = next(r for r in opened if r["destinationPortRange"] == "22")
    assert ssh["sourceAddressPrefix"] == "198.51.100.0/24"


def test_network_is_wired_vnet_subnet_nsg_ip_nic_vm(run: ProgramRun) -> None:
    vnet = run.one("azure-native:network:VirtualNetwork").inputs
    subnet = run.one("azure-native:network:Subnet").inputs
    assert subnet["virtualNetworkName"] == vnet["virtualNetworkName"]
    nsg_name = run.one(NSG).inputs["networkSecurityGroupName"]
    assert subnet["networkSecurityGroup"]["id"].endswith(f"/{nsg_name}")
    public_ip = run.one("azure-native:network:PublicIPAddress").inputs
    assert public_ip["sku"] == {"name": "Standard"}
    assert public_ip["publicIPAllocationMethod"] == "Static"
    nic = run.one("azure-native:network:NetworkInterface").inputs
    (ip_config,) = nic["ipConfigurations"]
    assert ip_config["subnet"]["id"].endswith("/app")
    assert ip_config["publicIPAddress"]["id"].endswith(f"/{public_ip['publicIpAddressName']}")
    (vm_nic,) = run.one(VM).inputs["networkProfile"]["networkInterfaces"]
    assert vm_nic["id"].endswith(f"/{nic['networkInterfaceName']}")


def test_cloud_init_installs_runtime_fetches_artifact_and_starts_app(run: ProgramRun) -> None:
    app = run.source
    profile, secret = _os_profile(run)
    assert secret, "custom data carries a SAS and must be a secret"
    document = base64.b64decode(profile["customData"]).decode()
    files = cloud_config_files(document)
    script = files["/opt/tmux-site/bootstrap.sh"]
    assert "apt-get install -y python3-venv" in script
    assert "python3 -m venv" in script
    account = run.of_type("azure-native:storage:StorageAccount")[0].inputs["accountName"]
    key = run.one("azure-native:storage:Blob").inputs["blobName"]
    assert f"https://{account}.blob.core.windows.net/artifacts/{key}?{SAS_TOKEN}" in script
    assert f"ARTIFACT_SHA256={tree_digest(app)}" in script
    assert "Environment=PORT=80" in files["/etc/systemd/system/tmux-site.service"]


def test_sas_is_read_only_for_the_one_blob_until_session_expiry(run: ProgramRun) -> None:
    (sas,) = [c.args for c in run.calls
              if c.token == "azure-native:storage:listStorageAccountServiceSAS"]
    key = run.one("azure-native:storage:Blob").inputs["blobName"]
    assert (sas["permissions"], sas["resource"], sas["protocols"]) == ("r", "b", "https")
    assert sas["canonicalizedResource"] == f"/blob/{sas['accountName']}/artifacts/{key}"
    assert sas["sharedAccessExpiryTime"] == "2026-03-06T12:30:00Z"
    container = run.one("azure-native:storage:BlobContainer").inputs
    assert container["publicAccess"] == "None"


def test_new_code_changes_custom_data(run: ProgramRun) -> None:
    app = run.source
    (app / "app.py").write_text("print('v2')\n", encoding="utf-8")
    before, _ = _os_profile(run)
    after, _ = _os_profile(CASE.run(app))
    assert before["customData"] != after["customData"]


def test_node_app_and_url(tmp_path: Path) -> None:
    run = CASE.run(write_node_app(tmp_path / "node"))
    profile, _ = _os_profile(run)
    script = cloud_config_files(base64.b64decode(profile["customData"]).decode())[
        "/opt/tmux-site/bootstrap.sh"]
    assert "https://deb.nodesource.com/node_22.x nodistro main" in script
    assert "apt-get install -y nodejs" in script
    assert run.outputs["url"] == f"http://{PUBLIC_IP}"
