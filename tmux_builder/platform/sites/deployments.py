"""Deploying one session's site as its own stack, and tearing it down."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from tmux_builder.domain import execution_id_for
from tmux_builder.platform.agent.sandbox import Sandbox
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.ops.drift import clear_drift, stack_drift
from tmux_builder.platform.ops.shared_stacks import ensure_shared
from tmux_builder.platform.ops.stack_entries import IndexEntry
from tmux_builder.platform.ops.stack_index import parse_backend_time, record_stack
from tmux_builder.pulumi_programs import LocalPaths, SiteTarget, StandardTags, build_program
from tmux_builder.pulumi_programs.cloud_options import AwsOptions, AzureOptions
from tmux_builder.pulumi_programs.registry import Program, check_target, needs_platform_stack
from tmux_builder.stacks import OperationResult, PreviewResult, StackEngine, stack_name_for
from tmux_builder.stacks.events import EventSink

STACK_TAG_KEYS = ("UserGUID", "SessionID", "HostProvider", "SiteType", "ExpiresAt")


@dataclass(frozen=True)
class SessionFacts:
    user_id: str
    session_id: str
    provider: str
    site_type: str
    created_at: datetime
    ttl: timedelta

    @property
    def execution_id(self) -> str:
        return execution_id_for(self.user_id, self.session_id)

    @property
    def stack_name(self) -> str:
        return stack_name_for(self.user_id, self.session_id)


def standard_tags(settings: Settings, facts: SessionFacts) -> StandardTags:
    return StandardTags(
        user_guid=facts.user_id,
        session_id=facts.session_id,
        execution_id=facts.execution_id,
        site_type=facts.site_type,
        host_provider=facts.provider,
        environment=settings.environment,
        created_at=facts.created_at,
        expires_at=facts.created_at + facts.ttl,
    )


def local_paths(settings: Settings, stack_name: str) -> LocalPaths:
    return LocalPaths(
        sites_dir=settings.sites_dir,
        apps_dir=settings.apps_dir,
        sites_base_url=settings.sites_base_url,
        app_start_timeout_seconds=settings.app_start_timeout_seconds,
        app_command_prefix=tuple(app_sandbox_prefix(settings, stack_name)),
    )


def app_sandbox_prefix(settings: Settings, stack_name: str) -> list[str]:
    """A local dynamic app runs sandboxed, seeing its own folder (code, dependencies) read-only
    and a private /tmp; it outlives the provider process that starts it."""
    app_root = settings.apps_dir / stack_name
    return Sandbox.from_settings(settings).wrap(
        [], cwd=app_root / "code", readable=[app_root], die_with_parent=False)


def site_target(settings: Settings, facts: SessionFacts, source_dir: Path) -> SiteTarget:
    return SiteTarget(
        stack_name=facts.stack_name,
        provider=facts.provider,
        site_type=facts.site_type,
        source_dir=source_dir.resolve(),
        tags=standard_tags(settings, facts),
        local=local_paths(settings, facts.stack_name),
        aws=aws_options(settings) if facts.provider == "aws" else None,
        azure=azure_options(settings) if facts.provider == "azure" else None,
    )


def aws_options(settings: Settings) -> AwsOptions | None:
    if settings.aws_region is None:
        return None
    return AwsOptions(region=settings.aws_region, profile=settings.aws_profile,
                      instance_type=settings.aws_instance_type,
                      ami_parameter=settings.aws_ami_parameter, vpc_id=settings.aws_vpc_id,
                      subnet_id=settings.aws_subnet_id, shared_vpc=settings.aws_shared_vpc)


def azure_options(settings: Settings) -> AzureOptions | None:
    if settings.azure_subscription_id is None:
        return None
    return AzureOptions(location=settings.azure_location,
                        subscription_id=settings.azure_subscription_id,
                        vm_size=settings.azure_vm_size,
                        ssh_public_key=settings.azure_ssh_public_key)


def _site_program(settings: Settings, engine: StackEngine, facts: SessionFacts,
                  source_dir: Path, db: Database, on_event: EventSink | None,
                  ) -> tuple[Program, dict[str, str]]:
    """The session's program (every input checked) and its stack tags. A target that shares
    a platform stack gets its place there first (created or grown on need)."""
    target = site_target(settings, facts, source_dir)
    env = engine.environment()
    options = target.aws or target.azure
    if options is not None and needs_platform_stack(facts.provider, facts.site_type, options):
        check_target(target, engine_env=env)
        target = replace(target, shared=ensure_shared(
            db, settings, engine, options, facts.stack_name, on_event=on_event))
    tags = target.tags.as_dict()
    return build_program(target, engine_env=env), {k: tags[k] for k in STACK_TAG_KEYS}


@contextmanager
def _database(settings: Settings, db: Database | None) -> Iterator[Database]:
    """``db``, or the settings' database opened (and closed) for the call."""
    if db is not None:
        yield db
        return
    own = Database(settings.db_url)
    try:
        yield own
    finally:
        own.dispose()


def deploy_site(
    settings: Settings,
    engine: StackEngine,
    facts: SessionFacts,
    source_dir: Path,
    *,
    on_event: EventSink | None = None,
    db: Database | None = None,
) -> OperationResult:
    """Up the session's stack (every input is checked before the stack is created) and
    record it in the stack index of ``db`` (by default the settings' database). A stack marked
    drifted is refreshed first in the same engine run, which repairs it."""
    with _database(settings, db) as database:
        program, tags = _site_program(settings, engine, facts, source_dir, database, on_event)
        drifted = stack_drift(database, facts.stack_name) is not None
        result = engine.up(facts.stack_name, program, tags=tags, on_event=on_event,
                           refresh=drifted)
        index_deployment(database, engine, facts, result)
        if drifted:
            clear_drift(database, facts.stack_name)
        return result


def preview_site(
    settings: Settings,
    engine: StackEngine,
    facts: SessionFacts,
    source_dir: Path,
    *,
    on_event: EventSink | None = None,
    db: Database | None = None,
) -> PreviewResult:
    """What deploying ``source_dir`` would change in the session's stack (nothing changes;
    the policy pack checks it as it would an up)."""
    with _database(settings, db) as database:
        program, _ = _site_program(settings, engine, facts, source_dir, database, on_event)
        return engine.preview(facts.stack_name, program, on_event=on_event)


def index_deployment(db: Database, engine: StackEngine, facts: SessionFacts,
                     result: OperationResult) -> None:
    """Write the deployed stack's row of the stack index from the stack's own summary
    (its checkpoint on a file backend: no walk over every stack of the backend)."""
    record = engine.summary(facts.stack_name)
    record_stack(db, IndexEntry(
        name=facts.stack_name,
        user_id=facts.user_id,
        session_id=facts.session_id,
        host_provider=facts.provider,
        site_type=facts.site_type,
        resource_count=(record.resource_count or 0) if record else 0,
        last_update=parse_backend_time(record.last_update if record else None),
        url=str(result.outputs.get("url") or "") or None,
        expires_at=facts.created_at + facts.ttl,
    ))
