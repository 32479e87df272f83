"""The policy pack itself: each rule of ``rules`` as a mandatory CrossGuard policy."""

from __future__ import annotations

from collections.abc import Callable

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from tmux_builder.pulumi_programs.policy import PACK_NAME, SIZES_POLICY
from tmux_builder.pulumi_programs.policy.rules import (
    StackResource,
    allowed_sizes,
    origin_access_problems,
    public_access_problems,
    size_problems,
    ssh_problems,
    tag_problems,
    unguarded_buckets,
)

ResourceCheck = Callable[[ResourceValidationArgs], list[str]]


def resource_policy(name: str, description: str, check: ResourceCheck,
                    config_schema: PolicyConfigSchema | None = None) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for problem in check(args):
            report(problem, None)

    return ResourceValidationPolicy(name=name, description=description, validate=validate,
                                    config_schema=config_schema)


def _tags(args: ResourceValidationArgs) -> list[str]:
    provider = args.provider.props if args.provider is not None else None
    return tag_problems(args.resource_type, args.props, provider)


def _guarded_buckets(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = [StackResource(r.urn, r.resource_type, frozenset(d.urn for d in r.dependencies))
                 for r in args.resources]
    for urn, problem in unguarded_buckets(resources):
        report(problem, urn)


POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [
    resource_policy("standard-tags", "Every taggable resource carries the standard tags.", _tags),
    resource_policy("private-storage", "No public bucket or container: S3 public access "
                    "blocked, ownership enforced, no ACLs; Azure storage without anonymous "
                    "access.", lambda a: public_access_problems(a.resource_type, a.props)),
    StackValidationPolicy(name="guarded-buckets", description="Every S3 bucket has its own "
                          "public access block and ownership controls.",
                          validate=_guarded_buckets),
    resource_policy("origin-access-control", "CloudFront reads S3 through an Origin Access "
                    "Control, not a legacy Origin Access Identity.",
                    lambda a: origin_access_problems(a.resource_type, a.props)),
    resource_policy("ssh-keys-only", "Linux VMs accept SSH keys only (no password).",
                    lambda a: ssh_problems(a.resource_type, a.props)),
    resource_policy(SIZES_POLICY, "Instance and VM sizes come from the configured allow-list.",
                    lambda a: size_problems(a.resource_type, a.props,
                                            allowed_sizes(a.get_config())),
                    PolicyConfigSchema(properties={"allowed": {
                        "type": "array", "items": {"type": "string"}}})),
]


def serve() -> None:
    """Start the analyzer (blocks; the engine stops it)."""
    PolicyPack(name=PACK_NAME, policies=list(POLICIES),
               enforcement_level=EnforcementLevel.MANDATORY)
