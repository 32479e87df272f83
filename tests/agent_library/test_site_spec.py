"""Requirements parsing and chat refinements of the offline agent (in process, fast)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmux_builder.agent_library.offline_agent.parsing import parse_requirements
from tmux_builder.agent_library.offline_agent.refine import apply_refinement
from tmux_builder.agent_library.offline_agent.spec import SiteSpec, load_spec, save_spec


def spec_for(text: str, site_type: str = "static") -> SiteSpec:
    return parse_requirements(text, site_type=site_type, host_provider="local")


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("A bakery site called Sunrise Bakery with a menu", "Sunrise Bakery"),
        ('A portfolio named "Ada Lovelace Studio", dark theme', "Ada Lovelace Studio"),
        ("Landing page titled Launch Day.", "Launch Day"),
        ('A site for "Joe\'s Diner" with a menu', "Joe's Diner"),
        ("A site for my plumbing business", "My Website"),
    ],
)
def test_title(text: str, title: str) -> None:
    assert spec_for(text).title == title


def test_sections_items_colour_and_gallery_count() -> None:
    spec = spec_for("Site called Leaf with services: web design, SEO and hosting, a gallery of "
                    "three photos, pricing plans Starter, Pro and Agency, FAQ, testimonials, "
                    "opening hours and a contact form. Green and white colours.")
    # Sections follow the order the request names them in; contact stays last.
    assert [s.id for s in spec.sections] == [
        "services", "gallery", "pricing", "faq", "testimonials", "hours", "contact"
    ]
    services = spec.section("services")
    pricing = spec.section("pricing")
    gallery = spec.section("gallery")
    assert services is not None and services.items == ["Web design", "SEO", "Hosting"]
    assert pricing is not None and pricing.items == ["Starter", "Pro", "Agency"]
    assert gallery is not None and gallery.count == 3
    assert spec.colour == "green" and spec.colour_rgb == "rgb(21, 128, 61)"


def test_defaults_are_recorded_as_assumptions() -> None:
    spec = spec_for("just make me a website")
    assert [s.id for s in spec.sections] == ["about", "services", "contact"]
    assert spec.colour == "slate"
    assert any("no name given" in a for a in spec.assumptions)


@pytest.mark.parametrize(
    ("text", "runtime"),
    [("a flask app", "python"), ("a django site", "python"), ("an express app", "node"),
     ("a shop", "node")],
)
def test_dynamic_runtime_choice(text: str, runtime: str) -> None:
    assert spec_for(text, "dynamic").runtime == runtime
    assert spec_for(text, "static").runtime == "static"


def test_refinements_edit_the_spec() -> None:
    spec = spec_for("Bakery called Sunrise with a menu listing croissants and bagels, a gallery "
                    "and a contact form, orange theme")
    changes = apply_refinement(
        spec, 'Rename the site to "Moonrise"; make the theme navy. Add muffins and scones to '
              "the menu, remove bagels from the menu, add a testimonials section then remove "
              "the gallery"
    )
    assert len(changes) == 6, changes
    menu = spec.section("menu")
    assert spec.title == "Moonrise" and spec.tagline == "Welcome to Moonrise."
    assert spec.colour == "navy"
    assert menu is not None and menu.items == ["Croissants", "Muffins", "Scones"]
    assert spec.section("testimonials") is not None and spec.section("gallery") is None
    assert spec.revision == 2 and spec.history


def test_refinement_adds_a_list_section_and_gallery_count() -> None:
    spec = spec_for("Studio called Nova with a contact form")
    apply_refinement(spec, "add logo design and branding to the services. Add a gallery with "
                           "5 photos")
    services = spec.section("services")
    gallery = spec.section("gallery")
    assert services is not None and services.items == ["Logo design", "Branding"]
    assert gallery is not None and gallery.count == 5


def test_unknown_refinement_changes_nothing() -> None:
    spec = spec_for("Bakery called Sunrise with a menu")
    before = spec.to_json()
    assert apply_refinement(spec, "make it feel friendlier") == []
    assert spec.to_json() == before


def test_spec_round_trips(tmp_path: Path) -> None:
    spec = spec_for("Cafe called Bean with a menu of latte and mocha and a gallery")
    save_spec(spec, tmp_path / "state" / "site_spec.json")
    loaded = load_spec(tmp_path / "state" / "site_spec.json")
    assert loaded == spec
