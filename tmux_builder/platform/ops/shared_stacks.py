"""The platform stacks sessions share, one per provider and region: created on first need,
grown by a shard when every Front Door profile is full, tagged with the platform as owner,
recorded in the stack index (so ``stacks ls`` and the cost report show them), and destroyed
only when no session uses them.

A session's place (its shard) is a row in ``shared_slots``, taken in the same transaction
that locks the shared stack's row, so two workers never fill the same profile past its
limit. The platform stack is brought up only when it has fewer shards deployed than sessions
need; a concurrent ``up`` by another worker is waited for, then re-checked."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from tmux_builder.errors import StackBusyError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database, SharedSlot, SharedStackRow
from tmux_builder.platform.ops.stack_entries import IndexEntry
from tmux_builder.platform.ops.stack_index import forget_stack, parse_backend_time, record_stack
from tmux_builder.pulumi_programs.cloud_options import AwsOptions, AzureOptions
from tmux_builder.pulumi_programs.registry import build_platform_program
from tmux_builder.pulumi_programs.shared import (
    PLATFORM_OWNER,
    SHARED_SITE_TYPE,
    SharedRef,
    platform_stack_name,
    platform_tags,
)
from tmux_builder.stacks import StackEngine
from tmux_builder.stacks.events import EventSink

log = logging.getLogger(__name__)
BUSY_WAIT_SECONDS = 900
PLATFORM_STACK_TAGS = ("UserGUID", "SessionID", "HostProvider", "SiteType")


@dataclass(frozen=True)
class Placement:
    stack_name: str
    shard: int
    shards: int
    deployed_shards: int
    created_at: datetime


def region_of(options: AwsOptions | AzureOptions) -> tuple[str, str]:
    if isinstance(options, AzureOptions):
        return "azure", options.location
    return "aws", options.region


def _capacity(settings: Settings, provider: str) -> int:
    """Sessions per shard: Front Door endpoints per profile; a VPC is not sharded."""
    return settings.azure_front_door_endpoints_per_profile if provider == "azure" else 1 << 30


def take_slot(db: Database, settings: Settings, provider: str, region: str,
              session_stack: str) -> Placement:
    """The session's shard (kept across redeploys), a new shard when all are full."""
    name = platform_stack_name(provider, region)
    capacity = _capacity(settings, provider)
    with db.transaction() as tx:
        row = tx.get(SharedStackRow, name, with_for_update=True)
        if row is None:
            row = SharedStackRow(name=name, provider=provider, region=region, shards=1,
                                 deployed_shards=0, created_at=datetime.now(UTC))
            tx.add(row)
            tx.flush()
        slot = tx.get(SharedSlot, session_stack)
        if slot is None or slot.shared_stack != name:
            counts = dict(tx.execute(
                select(SharedSlot.shard, func.count()).where(SharedSlot.shared_stack == name)
                .group_by(SharedSlot.shard)).all())
            shard = next((n for n in range(row.shards) if counts.get(n, 0) < capacity),
                         row.shards)
            row.shards = max(row.shards, shard + 1)
            if slot is None:
                slot = SharedSlot(stack_name=session_stack, shared_stack=name, shard=shard)
                tx.add(slot)
            else:
                slot.shared_stack, slot.shard = name, shard
        return Placement(name, slot.shard, row.shards, row.deployed_shards, row.created_at)


def _mark_deployed(db: Database, name: str, shards: int) -> None:
    with db.transaction() as tx:
        row = tx.get(SharedStackRow, name, with_for_update=True)
        if row is not None:
            row.deployed_shards = max(row.deployed_shards, shards)


def _deployed_shards(db: Database, name: str) -> int:
    with db.transaction() as tx:
        row = tx.get(SharedStackRow, name)
        return row.deployed_shards if row is not None else 0


def _up(db: Database, settings: Settings, engine: StackEngine,
        options: AwsOptions | AzureOptions, placement: Placement,
        on_event: EventSink | None) -> None:
    provider, region = region_of(options)
    tags = platform_tags(provider, region, settings.environment, placement.created_at)
    program = build_platform_program(options, tags, placement.shards)
    stack_tags = {key: value for key, value in tags.as_dict().items()
                  if key in PLATFORM_STACK_TAGS}
    result = engine.up(placement.stack_name, program, tags=stack_tags, on_event=on_event)
    _mark_deployed(db, placement.stack_name, placement.shards)
    record = next((r for r in engine.list_stacks(prefix=placement.stack_name)
                   if r.name == placement.stack_name), None)
    record_stack(db, IndexEntry(
        name=placement.stack_name, user_id=PLATFORM_OWNER, session_id=placement.stack_name,
        host_provider=provider, site_type=SHARED_SITE_TYPE,
        resource_count=(record.resource_count or 0) if record else 0,
        last_update=parse_backend_time(record.last_update if record else None),
        url=None, expires_at=None,
    ))
    log.info("platform stack %s up with %d shard(s): %s", placement.stack_name,
             placement.shards, result.changes)


def ensure_shared(db: Database, settings: Settings, engine: StackEngine,
                  options: AwsOptions | AzureOptions, session_stack: str, *,
                  on_event: EventSink | None = None) -> SharedRef:
    """The session's place in its region's platform stack, which exists with enough shards
    when this returns (created or grown here when needed)."""
    provider, region = region_of(options)
    placement = take_slot(db, settings, provider, region, session_stack)

    def bring_up() -> None:
        if _deployed_shards(db, placement.stack_name) >= placement.shards \
                and engine.exists(placement.stack_name):
            return
        _up(db, settings, engine, options, placement, on_event)

    Retrying(retry=retry_if_exception_type(StackBusyError),
             stop=stop_after_delay(BUSY_WAIT_SECONDS),
             wait=wait_exponential(multiplier=1, max=30), reraise=True)(bring_up)
    return SharedRef(placement.stack_name, placement.shard)


def release_slot(db: Database, session_stack: str) -> bool:
    """Give the session's place back (after its stack is destroyed)."""
    with db.transaction() as tx:
        slot = tx.get(SharedSlot, session_stack)
        if slot is None:
            return False
        tx.delete(slot)
        return True


def slots_in_use(db: Database, name: str) -> int:
    with db.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(SharedSlot)
                             .where(SharedSlot.shared_stack == name)) or 0)


def shared_stack_names(db: Database) -> set[str]:
    with db.transaction() as tx:
        return set(tx.scalars(select(SharedStackRow.name)))


def reap_unused_shared(db: Database, engine: StackEngine) -> list[str]:
    """Destroy every platform stack no session uses; a used one is never touched. Returns
    the names destroyed."""
    destroyed = []
    for name in sorted(shared_stack_names(db)):
        with db.transaction() as tx:
            row = tx.get(SharedStackRow, name, with_for_update=True)
            used = tx.scalar(select(func.count()).select_from(SharedSlot)
                             .where(SharedSlot.shared_stack == name))
            if row is None or used:
                continue
            tx.delete(row)
        try:
            if engine.exists(name):
                engine.destroy(name, remove=True)
        except Exception:  # put the row back: the next pass tries again
            log.exception("destroying unused platform stack %s failed", name)
            with db.transaction() as tx:
                if tx.get(SharedStackRow, name) is None:
                    provider, _, region = name.removeprefix("platform-").partition("-")
                    tx.add(SharedStackRow(name=name, provider=provider, region=region,
                                          shards=1, deployed_shards=0))
            continue
        forget_stack(db, name)
        destroyed.append(name)
    return destroyed
