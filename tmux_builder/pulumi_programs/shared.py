"""What session stacks share: one platform stack per provider and region (the Front Door
profiles, optionally a VPC), read by each session stack through a ``StackReference``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pulumi

from tmux_builder.domain import PLATFORM_PREFIX, is_platform_stack, platform_stack_name
from tmux_builder.pulumi_programs.tags import StandardTags

__all__ = ["PLATFORM_PREFIX", "SharedRef", "is_platform_stack", "platform_stack_name",
           "platform_tags", "stack_reference"]

PLATFORM_OWNER = "platform"
SHARED_SITE_TYPE = "shared"


@dataclass(frozen=True)
class SharedRef:
    """The platform stack a session uses and, for sharded resources, its shard."""

    stack_name: str
    shard: int = 0


def stack_reference(ref: SharedRef) -> pulumi.StackReference:
    """The platform stack in this program's own organization and project."""
    qualified = f"{pulumi.get_organization()}/{pulumi.get_project()}/{ref.stack_name}"
    return pulumi.StackReference("platform", stack_name=qualified)


def platform_tags(provider: str, region: str, environment: str,
                  created_at: datetime) -> StandardTags:
    """The standard tags of a platform stack: owned by ``platform`` (so the cost report
    shows it as its own group), its stack name as session and execution, no expiry."""
    name = platform_stack_name(provider, region)
    return StandardTags(user_guid=PLATFORM_OWNER, session_id=name, execution_id=name,
                        site_type=SHARED_SITE_TYPE, host_provider=provider,
                        environment=environment, created_at=created_at, expires_at=None)
