"""Rollback at the programs' level: each cloud program deploys exactly the files of the
folder it is given, so an up with an earlier build's folder brings that build back (S3
objects and blobs per file; the zip artifact's files and its hash in the VM's boot data)."""

from __future__ import annotations

import base64
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.pulumi_programs.mocks import ProgramRun, cloud_config_files, unsecret
from tests.pulumi_programs.test_cloud_tags import CASES
from tmux_builder.pulumi_programs.local.files import iter_site_files, tree_digest

BOOTSTRAP = "/opt/tmux-site/bootstrap.sh"


def _builds(tmp_path: Path, key: str) -> tuple[Path, Path]:
    """build_v1 and build_v2 of one site: v2 edits a file, adds one and drops one."""
    first = CASES[key].write_source(tmp_path / "output" / "build_v1")
    second = tmp_path / "output" / "build_v2"
    shutil.copytree(first, second)
    entry = second / ("index.html" if key.endswith("static") else "server.js")
    entry.write_text(entry.read_text() + "\n<!-- v2 -->" if key.endswith("static")
                     else entry.read_text() + "\n// v2\n", encoding="utf-8")
    (second / "added.txt").write_text("new in v2", encoding="utf-8")
    if key.endswith("static"):
        (second / "logo.png").unlink()
    return first, second


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in iter_site_files(folder)}


def _uploaded(run: ProgramRun, key: str) -> dict[str, Any]:
    """What the run uploads, by key: one object or blob per file, or the artifact's files."""
    if key == "aws-static":
        return {r.inputs["key"]: r.inputs for r in
                run.of_type("aws:s3/bucketObjectv2:BucketObjectv2")}
    if key == "azure-static":
        return {r.inputs["blobName"]: r.inputs for r in
                run.of_type("azure-native:storage:Blob")}
    typ = ("aws:s3/bucketObjectv2:BucketObjectv2" if key == "aws-dynamic"
           else "azure-native:storage:Blob")
    (artifact,) = run.of_type(typ)
    return dict(artifact.inputs["source"].assets)


def _boot_script(run: ProgramRun, key: str) -> str:
    if key == "aws-dynamic":
        document = run.one("aws:ec2/instance:Instance").inputs["userData"]
    else:
        profile, _ = unsecret(run.one("azure-native:compute:VirtualMachine").inputs["osProfile"])
        document = base64.b64decode(unsecret(profile["customData"])[0]).decode()
    return cloud_config_files(document)[BOOTSTRAP]


@pytest.mark.parametrize("key", sorted(CASES))
def test_each_program_deploys_exactly_the_folder_it_is_given(key: str, tmp_path: Path) -> None:
    case = CASES[key]
    first, second = _builds(tmp_path, key)
    runs = {first: case.run(first), second: case.run(second)}
    back = case.run(first)  # the rollback: an up with build_v1's folder after build_v2
    for folder in (first, second):
        uploaded = _uploaded(runs[folder], key)
        assert set(uploaded) == _files(folder), "exactly the folder's files, nothing else"
        for name, item in uploaded.items():
            source = item["source"] if isinstance(item, dict) else item
            assert Path(source.path) == folder / name, "each file comes from this folder"
        if key.endswith("dynamic"):
            assert f"ARTIFACT_SHA256={tree_digest(folder)}" in _boot_script(runs[folder], key)
    assert _uploaded(back, key).keys() == _uploaded(runs[first], key).keys()
    if key == "aws-static":
        for name, item in _uploaded(back, key).items():
            assert item["sourceHash"] == hashlib.sha256((first / name).read_bytes()).hexdigest()
    if key.endswith("dynamic"):
        assert _boot_script(back, key) == _boot_script(runs[first], key), \
            "the same build gives the same boot data (and the same artifact key)"
        assert _boot_script(back, key) != _boot_script(runs[second], key)
    assert back.outputs["digest"] == tree_digest(first) != runs[second].outputs["digest"]
