"""Every taggable resource of every cloud program carries all standard tags, applied in one
place (AWS provider default tags, one Azure stack transform), and they are stable per session."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
from pulumi_azure_native import resources

from tests.pulumi_programs.mocks import (
    SESSION_CREATED,
    ProgramRun,
    SiteCase,
    args_accept_tags,
    aws_options,
    azure_options,
    make_target,
    run_program,
    tags_dict,
    write_node_app,
    write_static_site,
)
from tmux_builder.pulumi_programs.aws import aws_dynamic_program, aws_static_program
from tmux_builder.pulumi_programs.azure import azure_dynamic_program, azure_static_program
from tmux_builder.pulumi_programs.azure.tagging import accepts_tags
from tmux_builder.pulumi_programs.tags import OBJECT_TAG_KEYS, STANDARD_TAG_KEYS

AWS_PROVIDER = "pulumi:providers:aws"
S3_OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
CASES = {
    "aws-static": SiteCase(aws_static_program, aws_options, "static", write_static_site),
    "aws-dynamic": SiteCase(aws_dynamic_program, aws_options, "dynamic", write_node_app),
    "azure-static": SiteCase(azure_static_program, azure_options, "static", write_static_site),
    "azure-dynamic": SiteCase(azure_dynamic_program, azure_options, "dynamic", write_node_app),
}


def _run(key: str, tmp_path: Path, execution_id: str = "exec_0001") -> ProgramRun:
    source = tmp_path / "src"
    if not source.exists():
        CASES[key].source(tmp_path)
    return CASES[key].run(source, execution_id=execution_id)


def _expected(run: ProgramRun, key: str) -> dict[str, str]:
    provider, site_type = key.split("-")
    return make_target(run.source, provider, site_type).tags.as_dict()


def aws_provider_name(reference: str | None) -> str | None:
    """``<provider urn>::<id>`` -> the provider's name when it is an AWS provider."""
    urn = (reference or "").rsplit("::", 1)[0]
    qualified_type, _, name = urn.rpartition("::")
    return name if qualified_type.endswith(AWS_PROVIDER) else None


def effective_tags(run: ProgramRun) -> dict[str, dict[str, str]]:
    """Tags each taggable resource ends up with: its own plus, for AWS, the default tags of
    the provider it uses. Fails if an AWS resource does not use the explicit provider."""
    default_tags = {p.name: tags_dict(p.inputs.get("defaultTags")).get("tags", {})
                    for p in run.of_type(AWS_PROVIDER)}
    result: dict[str, dict[str, str]] = {}
    for resource in run.resources:
        if resource.typ.startswith("pulumi:providers:"):
            continue
        defaults: dict[str, str] = {}
        if resource.typ.startswith("aws:"):
            name = aws_provider_name(resource.provider)
            assert name in default_tags, (
                f"{resource.typ} {resource.name} does not use the explicit AWS provider")
            defaults = default_tags[name]
        if args_accept_tags(resource.typ):
            own = tags_dict(resource.inputs.get("tags"))
            result[f"{resource.typ}::{resource.name}"] = {**defaults, **own}
    return result


def expected_keys(resource: str) -> tuple[str, ...]:
    """S3 objects take at most 10 tags: they carry the object tag set, everything else all."""
    return OBJECT_TAG_KEYS if resource.startswith(f"{S3_OBJECT}::") else STANDARD_TAG_KEYS


def missing_tags(run: ProgramRun, expected: dict[str, str]) -> list[str]:
    problems = []
    for resource, tags in effective_tags(run).items():
        wrong = [k for k in expected_keys(resource) if tags.get(k) != expected[k]]
        if wrong:
            problems.append(f"{resource}: {', '.join(wrong)}")
    return problems


@pytest.mark.parametrize("key", sorted(CASES))
def test_every_taggable_resource_has_all_standard_tags(key: str, tmp_path: Path) -> None:
    run = _run(key, tmp_path)
    assert missing_tags(run, _expected(run, key)) == []
    assert len(effective_tags(run)) >= 3, "the walk must actually see taggable resources"


@pytest.mark.parametrize("key", sorted(CASES))
def test_transform_and_schema_agree_on_taggability(key: str, tmp_path: Path) -> None:
    run = _run(key, tmp_path)
    for typ in {r.typ for r in run.resources if not r.typ.startswith("pulumi:providers:")}:
        assert accepts_tags(typ) == args_accept_tags(typ), typ


def test_taggability_is_read_from_the_schema() -> None:
    assert args_accept_tags("azure-native:storage:StorageAccount")
    assert args_accept_tags("azure-native:cdn:AFDEndpoint")
    assert not args_accept_tags("azure-native:storage:Blob")
    assert not args_accept_tags("azure-native:cdn:Route")
    assert args_accept_tags("aws:s3/bucket:Bucket")
    assert not args_accept_tags("aws:s3/bucketPolicy:BucketPolicy")
    assert not args_accept_tags("command:local:Command")


def test_walk_catches_an_untagged_resource() -> None:
    """A program that skips the transform is reported, so the walk is not vacuous."""

    def untagged() -> None:
        resources.ResourceGroup("bare", location="westeurope",
                                opts=pulumi.ResourceOptions())

    run = run_program(untagged)
    expected = make_target(Path("."), "azure", "static").tags.as_dict()
    (problem,) = missing_tags(run, expected)
    assert problem.startswith("azure-native:resources:ResourceGroup::bare: Project")


@pytest.mark.parametrize("key", sorted(CASES))
def test_created_at_is_the_session_time_on_every_run(key: str, tmp_path: Path) -> None:
    first = effective_tags(_run(key, tmp_path))
    again = effective_tags(_run(key, tmp_path))
    redeploy = effective_tags(_run(key, tmp_path, execution_id="exec_0002"))
    assert first == again, "two runs of the same execution must tag identically"
    created = {tags["CreatedAt"] for run in (first, again, redeploy) for tags in run.values()}
    assert created == {SESSION_CREATED.strftime("%Y-%m-%dT%H:%M:%SZ")}


@pytest.mark.parametrize("key", ["aws-static", "aws-dynamic"])
def test_s3_objects_carry_ten_tags_through_a_provider_without_default_tags(
        key: str, tmp_path: Path) -> None:
    run = _run(key, tmp_path)
    objects = {name: tags for name, tags in effective_tags(run).items()
               if name.startswith(f"{S3_OBJECT}::")}
    assert objects, "the program uploads objects"
    for name, tags in objects.items():
        assert sorted(tags) == sorted(OBJECT_TAG_KEYS), name
        assert len(tags) == 10
    default_tags = {tags_dict(p.inputs.get("defaultTags")).get("tags") is not None
                    for p in run.of_type(AWS_PROVIDER)}
    assert default_tags == {True, False}, "one provider tags by default, the other does not"
