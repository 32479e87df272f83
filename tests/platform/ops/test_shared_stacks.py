"""The shared platform stack's lifecycle with the real engine and database: created on first
need, grown by a shard when the profiles are full (and only then brought up again), shown by
``stacks ls`` as the platform's, never reaped while a session uses it, destroyed when none
does. The cloud program itself is tested under mocks (test_platform_stacks); here the
engine runs a stand-in program with the same outputs, since no cloud plugin runs here."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pytest

from tests.pulumi_programs.mocks import azure_options
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.ops import shared_stacks
from tmux_builder.platform.ops.shared_stacks import (
    ensure_shared,
    reap_unused_shared,
    release_slot,
    slots_in_use,
    take_slot,
)
from tmux_builder.platform.ops.stack_index import list_stack_index
from tmux_builder.pulumi_programs.tags import StandardTags
from tmux_builder.stacks import StackEngine

pytestmark = [pytest.mark.slow, pytest.mark.db]

NAME = "platform-azure-westeurope"


@pytest.fixture
def two_per_shard(settings: Settings) -> Settings:
    return settings.model_copy(update={"azure_front_door_endpoints_per_profile": 2})


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record each platform program's shard count; export what the real one exports."""
    built: list[int] = []

    def program(_options: object, tags: StandardTags, shards: int = 1) -> Callable[[], None]:
        built.append(shards)

        def run() -> None:
            pulumi.export("resource_group", "tmux-platform-westeurope-rg")
            pulumi.export("front_door_profiles", [{"name": f"fd-{n}"} for n in range(shards)])
            pulumi.export("owner", tags.as_dict()["UserGUID"])

        return run

    monkeypatch.setattr(shared_stacks, "build_platform_program", program)
    return built


def test_slots_fill_a_shard_then_open_the_next(two_per_shard: Settings) -> None:
    db = Database(two_per_shard.db_url)
    shards = [take_slot(db, two_per_shard, "azure", "westeurope", f"u_s{n}").shard
              for n in range(5)]
    assert shards == [0, 0, 1, 1, 2]
    assert take_slot(db, two_per_shard, "azure", "westeurope", "u_s0").shard == 0, "kept"
    release_slot(db, "u_s1")
    assert take_slot(db, two_per_shard, "azure", "westeurope", "u_s9").shard == 0
    assert slots_in_use(db, NAME) == 5


def test_created_on_first_need_grown_when_full_and_listed(
        two_per_shard: Settings, engine: StackEngine, stand_in: list[int]) -> None:
    db = Database(two_per_shard.db_url)
    options = azure_options()
    first = ensure_shared(db, two_per_shard, engine, options, "u_s1")
    assert (first.stack_name, first.shard) == (NAME, 0)
    assert engine.exists(NAME)
    assert engine.outputs(NAME)["owner"] == "platform"
    tags = engine.tags(NAME)
    assert (tags["UserGUID"], tags["SiteType"], tags["HostProvider"]) == (
        "platform", "shared", "azure")
    assert ensure_shared(db, two_per_shard, engine, options, "u_s2").shard == 0
    assert stand_in == [1], "a second session in a shard with room brings nothing up"
    third = ensure_shared(db, two_per_shard, engine, options, "u_s3")
    assert third.shard == 1 and stand_in == [1, 2]
    assert len(engine.outputs(NAME)["front_door_profiles"]) == 2
    (row,) = [r for r in list_stack_index(db) if r.name == NAME]
    assert (row.user_id, row.status, row.site_type) == ("platform", "shared", "shared")
    assert row.expires_at is None and row.resource_count >= 1


def test_never_reaped_while_used_destroyed_when_unused(
        settings: Settings, engine: StackEngine, stand_in: list[int]) -> None:
    db = Database(settings.db_url)
    ensure_shared(db, settings, engine, azure_options(), "u_s1")
    ensure_shared(db, settings, engine, azure_options(), "u_s2")
    release_slot(db, "u_s1")
    assert reap_unused_shared(db, engine) == []
    assert engine.exists(NAME), "one session still uses it"
    release_slot(db, "u_s2")
    assert reap_unused_shared(db, engine) == [NAME]
    assert not engine.exists(NAME)
    assert [r for r in list_stack_index(db) if r.name == NAME] == []
    again = ensure_shared(db, settings, engine, azure_options(), "u_s3")
    assert again.shard == 0 and engine.exists(NAME), "created again on the next need"


def test_orphans_do_not_report_the_platform_stack(
        settings: Settings, engine: StackEngine, stand_in: list[int]) -> None:
    from tmux_builder.platform.ops.orphans import find_orphans

    db = Database(settings.db_url)
    ensure_shared(db, settings, engine, azure_options(), "u_s1")
    assert NAME not in find_orphans(db, settings, engine).stacks_without_session
