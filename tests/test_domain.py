from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tmux_builder.domain import (
    execution_id_for,
    new_session_id,
    user_id_for,
    validate_session_id,
    validate_user_id,
)
from tmux_builder.errors import InvalidInputError


def test_same_person_same_user_id() -> None:
    a = user_id_for(" Alice@Example.com ", "+1 (555) 010-0000")
    assert a == user_id_for("alice@example.com", "+15550100000")
    assert a != user_id_for("alice@example.com", "+15550100001")
    assert validate_user_id(a) == a


def test_session_ids_do_not_collide_within_a_second() -> None:
    moment = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
    ids = {new_session_id(moment) for _ in range(50)}
    assert len(ids) > 40 and all(i.startswith("sess_20261122_100000_") for i in ids)
    assert validate_session_id(next(iter(ids)))


@pytest.mark.parametrize("bad", ["", "sess_1", "../etc", "sess_20261122_100000_zzzz"])
def test_bad_session_ids(bad: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        validate_session_id(bad)
    assert error.value.field == "session_id"


def test_execution_id_checks_both_parts() -> None:
    user = user_id_for("a@b.c", "1")
    session = "sess_20261122_100000_abcd"
    assert execution_id_for(user, session) == f"{user}_{session}"
    with pytest.raises(InvalidInputError):
        execution_id_for("not-a-uuid", "sess_20261122_100000_abcd")


def test_the_step_count_and_numbers_derive_from_the_step_list() -> None:
    from tmux_builder.domain import REDEPLOY_FIRST_STEP, STEPS, TOTAL_STEPS, StepName
    from tmux_builder.platform.pipeline.steps import STEP_HANDLERS

    assert TOTAL_STEPS == len(STEPS) == len(STEP_HANDLERS) == 9
    assert [step.number for step in STEPS] == list(range(1, 10))
    assert StepName.at(REDEPLOY_FIRST_STEP) is StepName.deploy
    assert tuple(STEP_HANDLERS) == STEPS
    assert StepName.e2e_tests.label == "E2E tests"
    assert StepName.gather_requirements.label == "Gather requirements"


def test_one_rule_for_execution_ids_and_stack_names() -> None:
    from tmux_builder.domain import split_execution_id, user_stack_prefix, validate_execution_id
    from tmux_builder.stacks import stack_name_for

    user = user_id_for("ann@example.com", "+1 555 0100")
    session = new_session_id()
    name = execution_id_for(user, session)
    assert stack_name_for(user, session) == name == validate_execution_id(name)
    assert split_execution_id(name) == (user, session)
    assert name.startswith(user_stack_prefix(user))
    for bad in (f"{user}_{session}x", f"{user}{session}", f"{user}_sess_1", "", name + "\n"):
        with pytest.raises(InvalidInputError) as error:
            validate_execution_id(bad)
        assert error.value.field == "execution_id"
    with pytest.raises(InvalidInputError) as error:
        user_stack_prefix("x;y")
    assert error.value.field == "user_id"


def test_platform_stacks_never_look_like_session_stacks() -> None:
    from tmux_builder.domain import is_platform_stack, platform_stack_name

    name = platform_stack_name("azure", "westeurope")
    assert name == "platform-azure-westeurope" and is_platform_stack(name) and "_" not in name
    for provider, region in (("local", "here"), ("aws", "EU_WEST"), ("gcp", "x")):
        with pytest.raises(ValueError):
            platform_stack_name(provider, region)


def test_every_layer_uses_the_same_provider_and_site_type_words() -> None:
    from tmux_builder.agent_library import library
    from tmux_builder.api.schemas import CreateUserRequest
    from tmux_builder.domain import Provider, SiteType
    from tmux_builder.pulumi_programs import registry

    assert library.PROVIDERS == registry.PROVIDERS == tuple(Provider)
    assert library.SITE_TYPES == registry.SITE_TYPES == tuple(SiteType)
    schema = CreateUserRequest.model_json_schema()
    assert schema["$defs"]["Provider"]["enum"] == ["local", "aws", "azure"]
    assert schema["$defs"]["SiteType"]["enum"] == ["static", "dynamic"]
