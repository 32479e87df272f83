"""Choosing the program for a (provider, site type) pair, after checking the target.

Every check happens here, before any stack exists: names and folders, then for a cloud the
preflight (provider plugin, CLI and credentials), so a bad request creates nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tmux_builder.domain import Provider, SiteType
from tmux_builder.errors import InvalidInputError
from tmux_builder.pulumi_programs.aws import aws_dynamic_program, aws_static_program
from tmux_builder.pulumi_programs.aws.shared_vpc import shared_vpc_program
from tmux_builder.pulumi_programs.azure import azure_dynamic_program, azure_static_program
from tmux_builder.pulumi_programs.azure.front_door_shared import front_door_platform_program
from tmux_builder.pulumi_programs.cloud_options import AwsOptions, AzureOptions
from tmux_builder.pulumi_programs.local.runtime import AppRuntime, detect_runtime
from tmux_builder.pulumi_programs.local_dynamic import local_dynamic_program
from tmux_builder.pulumi_programs.local_static import local_static_program
from tmux_builder.pulumi_programs.preflight import preflight
from tmux_builder.pulumi_programs.tags import StandardTags
from tmux_builder.pulumi_programs.target import SiteTarget

PROVIDERS = tuple(Provider)
SITE_TYPES = tuple(SiteType)
SUPPORTED_TARGETS = frozenset((p, s) for p in PROVIDERS for s in SITE_TYPES)

Program = Callable[[], None]

_SETTING_HINT = {
    "aws": ("aws_region", "set TMUX_BUILDER_AWS_REGION (and optionally TMUX_BUILDER_AWS_PROFILE)"),
    "azure": ("azure_subscription_id",
              "set TMUX_BUILDER_AZURE_SUBSCRIPTION_ID and TMUX_BUILDER_AZURE_LOCATION"),
}


def _check_names(target: SiteTarget) -> None:
    if target.provider not in PROVIDERS:
        raise InvalidInputError(
            f"unknown provider {target.provider!r}; expected one of {', '.join(PROVIDERS)}",
            field="host_provider",
        )
    if target.site_type not in SITE_TYPES:
        raise InvalidInputError(
            f"unknown site type {target.site_type!r}; expected one of {', '.join(SITE_TYPES)}",
            field="site_type",
        )


def _check_source(target: SiteTarget) -> AppRuntime | None:
    if not target.source_dir.is_dir():
        raise InvalidInputError(
            f"source folder {target.source_dir} does not exist", field="source_dir"
        )
    try:
        runtime = detect_runtime(target.source_dir)
    except ValueError as exc:
        raise InvalidInputError(str(exc), field="source_dir") from exc
    if target.site_type == "static" and not (target.source_dir / "index.html").is_file():
        raise InvalidInputError("a static site needs an index.html", field="source_dir")
    if target.site_type == "dynamic" and runtime is None:
        raise InvalidInputError(
            "a dynamic site needs package.json (node) or requirements.txt (python)",
            field="source_dir",
        )
    return runtime


def check_target(target: SiteTarget, *,
                 engine_env: Mapping[str, str] | None = None) -> AppRuntime | None:
    """Every check that comes before anything is created: names, the source folder, the
    target's settings and, for a cloud, the preflight. ``engine_env`` is the environment the
    engine will run with (its ``PULUMI_HOME`` and ``PATH`` decide which plugins it loads)."""
    _check_names(target)
    runtime = _check_source(target)
    if target.provider == "local":
        if target.local is None:
            raise InvalidInputError("the local target needs its local paths", field="local")
        return runtime
    options = target.aws if target.provider == "aws" else target.azure
    if options is None:
        field, hint = _SETTING_HINT[target.provider]
        raise InvalidInputError(f"the {target.provider} target is not configured: {hint}",
                                field=field)
    preflight(target.provider, target.site_type, options, env=engine_env)
    return runtime


def build_program(target: SiteTarget, *, engine_env: Mapping[str, str] | None = None) -> Program:
    """The Pulumi program for ``target``, after ``check_target``: bad input raises an error
    naming the field before anything is created."""
    runtime = check_target(target, engine_env=engine_env)
    if target.provider == "local":
        assert target.local is not None
        if runtime is not None and target.site_type == "dynamic":
            return local_dynamic_program(target, target.local, runtime)
        return local_static_program(target, target.local)
    if target.aws is not None and target.provider == "aws":
        factory = aws_static_program if target.site_type == "static" else aws_dynamic_program
        return factory(target, target.aws)
    assert target.azure is not None
    factory_az = azure_static_program if target.site_type == "static" else azure_dynamic_program
    return factory_az(target, target.azure)


def needs_platform_stack(provider: str, site_type: str,
                         options: AwsOptions | AzureOptions | None) -> bool:
    """Whether a session of this target uses its region's shared platform stack."""
    if provider == "azure":
        return site_type == "static"
    return (provider == "aws" and site_type == "dynamic" and isinstance(options, AwsOptions)
            and options.shared_vpc and not options.subnet_id and not options.vpc_id)


def build_platform_program(options: AwsOptions | AzureOptions, tags: StandardTags,
                           shards: int = 1) -> Program:
    """The program of a region's platform stack: Front Door shards (azure) or the VPC (aws)."""
    if isinstance(options, AzureOptions):
        return front_door_platform_program(options, tags, max(shards, 1))
    return shared_vpc_program(options, tags)
