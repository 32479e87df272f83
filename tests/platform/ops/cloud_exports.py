"""Cloud stacks for cost tests: the AWS and Azure programs run under Pulumi mocks, and what
they register is written as a stack state of a file backend (one stack per session)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tests.platform.ops.states import (
    custom_resource,
    provider_ref,
    provider_resource,
    stack_resource,
    write_stack_state,
)
from tests.pulumi_programs.mocks import (
    SESSION_CREATED,
    ProgramRun,
    SiteCase,
    azure_options,
    make_target,
    run_program,
)
from tests.pulumi_programs.test_aws_dynamic import CASE as AWS_DYNAMIC
from tests.pulumi_programs.test_aws_static import CASE as AWS_STATIC
from tests.pulumi_programs.test_azure_dynamic import CASE as AZURE_DYNAMIC
from tests.pulumi_programs.test_azure_static import CASE as AZURE_STATIC
from tmux_builder.platform.sites.deployments import STACK_TAG_KEYS
from tmux_builder.pulumi_programs.registry import build_platform_program
from tmux_builder.pulumi_programs.shared import platform_stack_name, platform_tags
from tmux_builder.pulumi_programs.tags import StandardTags
from tmux_builder.stacks import stack_name_for

CASES: dict[tuple[str, str], SiteCase] = {
    ("aws", "static"): AWS_STATIC,
    ("aws", "dynamic"): AWS_DYNAMIC,
    ("azure", "static"): AZURE_STATIC,
    ("azure", "dynamic"): AZURE_DYNAMIC,
}


@dataclass(frozen=True)
class CloudStack:
    user_id: str
    session_id: str
    provider: str
    site_type: str

    @property
    def name(self) -> str:
        return stack_name_for(self.user_id, self.session_id)


def write_cloud_stack(state_dir: Path, work: Path, stack: CloudStack,
                      created: datetime = SESSION_CREATED) -> str:
    """Run the stack's program under mocks and store what it registered as the stack's state."""
    case = CASES[(stack.provider, stack.site_type)]
    target = make_target(case.source(work / stack.name), stack.provider, stack.site_type,
                         user_guid=stack.user_id, session_id=stack.session_id,
                         execution_id=stack.name)
    run = run_program(case.build(target, case.options()))
    return write_run(state_dir, stack.name, run, target.tags, created)


def write_platform_stack(state_dir: Path, location: str = "westeurope",
                         created: datetime = SESSION_CREATED) -> str:
    """The azure platform stack (one Front Door shard) the azure static sessions share."""
    name = platform_stack_name("azure", location)
    tags = platform_tags("azure", location, "test", created)
    run = run_program(build_platform_program(azure_options(location=location), tags, 1))
    return write_run(state_dir, name, run, tags, created)


def write_run(state_dir: Path, name: str, run: ProgramRun, standard: StandardTags,
              created: datetime) -> str:
    """Store what a program registered under mocks as the stack ``name``'s state."""
    resources = [stack_resource(name, created)]
    # Each resource keeps the provider it was registered with: an AWS program has two (one
    # with the default tags, one without for S3 objects), registered in no fixed order.
    providers: dict[tuple[str, str], str] = {}
    for registered in run.resources:
        if registered.typ.startswith("pulumi:providers:"):
            package = registered.typ.rsplit(":", 1)[-1]
            provider = provider_resource(name, package, registered.name, registered.inputs,
                                         created)
            resources.append(provider)
            providers[(package, registered.name)] = provider_ref(provider)
    for registered in run.resources:
        if registered.typ.startswith("pulumi:providers:") or not registered.custom:
            continue
        package = registered.typ.split(":", 1)[0]
        used = _provider_name(registered.provider)
        if (package, used) not in providers:
            used = "default"
            if (package, used) not in providers:
                default = provider_resource(name, package, used, {}, created)
                resources.append(default)
                providers[(package, used)] = provider_ref(default)
        resources.append(custom_resource(name, registered.typ, registered.name,
                                         registered.inputs, providers[(package, used)], created))
    tags = standard.as_dict()
    write_stack_state(state_dir, name, resources,
                      {k: tags[k] for k in STACK_TAG_KEYS if tags.get(k) != "never"})
    return name


def _provider_name(reference: str | None) -> str:
    """The provider's name in a provider reference (``<urn>::<id>``, the URN ending in
    ``::<name>``); empty when the resource named none."""
    if not reference:
        return ""
    return reference.rsplit("::", 1)[0].rsplit("::", 1)[-1]
