"""Bad input raises a domain error naming the field, and nothing is left half-created."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import copy_sample, make_facts
from tmux_builder.domain import user_id_for
from tmux_builder.errors import InvalidInputError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.deployments import deploy_site
from tmux_builder.stacks import StackEngine, stack_name_for, validate_stack_name

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"provider": "gcp"}, "host_provider"),
        ({"site_type": "serverless"}, "site_type"),
        ({"site_type": "dynamic"}, "source_dir"),  # a static folder is no dynamic app
    ],
)
def test_bad_target_names_the_field_and_creates_nothing(
    settings: Settings, engine: StackEngine, tmp_path: Path, change: dict, field: str
) -> None:
    facts = replace(make_facts(), **change)
    source = copy_sample("static_site", tmp_path / "source")
    with pytest.raises(InvalidInputError) as error:
        deploy_site(settings, engine, facts, source)
    assert error.value.field == field
    assert engine.list_stacks() == []
    assert not settings.sites_dir.exists() or not any(settings.sites_dir.iterdir())


def test_missing_source_folder(settings: Settings, engine: StackEngine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist") as error:
        deploy_site(settings, engine, make_facts(), tmp_path / "nowhere")
    assert error.value.field == "source_dir"
    assert engine.list_stacks() == []


def test_static_site_without_index(settings: Settings, engine: StackEngine, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "about.html").write_text("<p>about</p>", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"index\.html"):
        deploy_site(settings, engine, make_facts(), source)
    assert engine.list_stacks() == []


@pytest.mark.parametrize("name", ["", "has space", "semi;colon", "../up", "-dash", "x" * 101])
def test_bad_stack_names(engine: StackEngine, name: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        validate_stack_name(name)
    assert error.value.field == "stack_name"
    with pytest.raises(InvalidInputError):
        engine.refresh(name)


def test_stack_name_parts_are_checked() -> None:
    with pytest.raises(InvalidInputError) as error:
        stack_name_for("bad user", "sess_1")
    assert error.value.field == "user_id"
    with pytest.raises(InvalidInputError) as error:
        stack_name_for(user_id_for("ann@example.com", "+1 555 0100"), "sess;rm")
    assert error.value.field == "session_id"
