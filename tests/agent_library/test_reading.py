"""How the offline agent reads a request (in process, fast): names, listed items, tables,
galleries, forms, navigation, theme; and the spec written by the previous version still loads."""

from __future__ import annotations

import pytest

from tmux_builder.agent_library.offline_agent.parsing import parse_requirements
from tmux_builder.agent_library.offline_agent.refine import apply_refinement
from tmux_builder.agent_library.offline_agent.spec import SiteSpec, split_cells


def spec_for(text: str, site_type: str = "static") -> SiteSpec:
    return parse_requirements(text, site_type=site_type, host_provider="local")


def items_of(spec: SiteSpec, section_id: str) -> list[str]:
    section = spec.section(section_id)
    assert section is not None, [s.id for s in spec.sections]
    return section.items


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("A landing page for Harbor Lights Bakery with a hero section", "Harbor Lights Bakery"),
        ("A small Node.js web app called Trailhead Notes with a page", "Trailhead Notes"),
        ("Website titled 'Northwind Coffee Roasters'. Products: beans.",
         "Northwind Coffee Roasters"),
        ("Node site for a hackathon, name: Code by the Sea 2025. Schedule: talks.",
         "Code by the Sea 2025"),
        ("We're Paws & Claws Pet Grooming. Pink theme please.", "Paws & Claws Pet Grooming"),
        ("Make me a site for my plumbing business, Drip Stop Plumbing. Blue.",
         "Drip Stop Plumbing"),
        ("Gallery site for the artist Tomas Lindqvist showing 9 paintings", "Tomas Lindqvist"),
        ("A Django app for Blue Fin Sushi with a menu", "Blue Fin Sushi"),
        ("A simple homepage for Dr. Elena Petrova, a marine biologist", "Dr. Elena Petrova"),
        ("Build \u201cThe Quiet Corner\u201d \u2014 a library cafe", "The Quiet Corner"),
        ("I need a website for my yoga studio. It's called Still Water Yoga.",
         "Still Water Yoga"),
        ("a site for my plumbing business", "My Website"),
    ],
)
def test_the_site_name_is_found_however_it_is_given(text: str, title: str) -> None:
    for site_type in ("static", "dynamic"):
        assert spec_for(text, site_type).title == title


def test_items_in_parentheses_after_a_colon_and_in_and_lists_keep_their_text() -> None:
    spec = spec_for("Flask app for Copper Kettle. Menu: Earl Grey \u00a33.20, Scones with "
                    "clotted cream \u00a35.50. We offer Hatha, Vinyasa and prenatal yoga. A team "
                    "section with Dr. Ana Ruiz and Dr. Tom Becker, opening hours Mon-Fri "
                    "8:00-19:00 and Sat 9:00-13:00, three trails (Eagle Ridge, Fern Hollow, "
                    "Granite Loop). Address: Unit 4, Canal Works, Leeds LS9 8AB. Call us at "
                    "(555) 013-4477.", "dynamic")
    assert spec.runtime == "python"
    assert items_of(spec, "menu") == ["Earl Grey \u00a33.20",
                                      "Scones with clotted cream \u00a35.50"]
    assert items_of(spec, "services") == ["Hatha", "Vinyasa", "Prenatal yoga"]
    assert items_of(spec, "team") == ["Dr. Ana Ruiz", "Dr. Tom Becker"]
    assert items_of(spec, "hours") == ["Mon-Fri 8:00-19:00", "Sat 9:00-13:00"]
    assert items_of(spec, "trails") == ["Eagle Ridge", "Fern Hollow", "Granite Loop"]
    contact = spec.section("contact")
    assert contact is not None and not contact.fields
    assert contact.details == ["Address: Unit 4, Canal Works, Leeds LS9 8AB",
                               "Phone: (555) 013-4477"]


def test_an_open_list_stops_where_the_next_thing_starts() -> None:
    spec = spec_for("A menu of Margherita $12, Pepperoni $14 and Vegan Garden $13, plus opening "
                    "hours Mon-Thu 11am-10pm, Sun closed, a gallery of 3 photos, FAQ and a "
                    "contact form. Our services are menu design, logo design and printing.")
    assert items_of(spec, "menu") == ["Margherita $12", "Pepperoni $14", "Vegan Garden $13"]
    assert items_of(spec, "hours") == ["Mon-Thu 11am-10pm", "Sun closed"]
    assert items_of(spec, "services") == ["Menu design", "Logo design", "Printing"]
    assert [s.id for s in spec.sections] == ["menu", "hours", "gallery", "faq", "services",
                                             "contact"]


def test_semicolons_bullets_and_nested_parentheses() -> None:
    spec = spec_for("Site for Summit Physio with a team section (Dr. Hannah Cole, physio; Mark "
                    "Ellis, trainer).\nPlans:\n- Hot desk $150/month\n- Private office "
                    "$600/month\nExperience: Engineer at Lumen (2021-2024), Intern at Acme "
                    "(2019).")
    assert items_of(spec, "team") == ["Dr. Hannah Cole, physio", "Mark Ellis, trainer"]
    plans = spec.find_section("plans")
    assert plans is not None and plans.items == ["Hot desk $150/month", "Private office $600/month"]
    assert items_of(spec, "experience") == ["Engineer at Lumen (2021-2024)",
                                            "Intern at Acme (2019)"]


@pytest.mark.parametrize(
    ("text", "section_id", "rows"),
    [
        ("an opening-hours table (Mon-Fri 7-18, Sat 8-14)", "hours",
         [["Mon-Fri", "7-18"], ["Sat", "8-14"]]),
        ("a table of meetings (March 4: Middlemarch, April 1: Beloved)", "meetings",
         [["March 4", "Middlemarch"], ["April 1", "Beloved"]]),
        ("a weekly locations table: Monday - Downtown Plaza, Friday - Riverside Market",
         "weekly-locations", [["Monday", "Downtown Plaza"], ["Friday", "Riverside Market"]]),
        ("Put our prices in a table: Small dog $40, Cat $45.", "pricing",
         [["Small dog", "$40"], ["Cat", "$45"]]),
        ("Show a table with our lunch specials: Pad Thai - $11, Studio $1,499.",
         "lunch-specials", [["Pad Thai", "$11"], ["Studio", "$1,499"]]),
    ],
)
def test_tables_get_their_rows_and_cells(text: str, section_id: str,
                                         rows: list[list[str]]) -> None:
    section = spec_for(text).section(section_id)
    assert section is not None and section.table
    assert section.rows == rows


def test_cells_split_on_dashes_colons_and_trailing_values() -> None:
    assert split_cells("Pale Ale 4.5%") == ["Pale Ale", "4.5%"]
    assert split_cells("Ceremony 3pm") == ["Ceremony", "3pm"]
    assert split_cells("Tue-Sun 10:00-17:00") == ["Tue-Sun", "10:00-17:00"]
    assert split_cells("Sun closed") == ["Sun closed"]


@pytest.mark.parametrize(
    ("text", "count"),
    [("a gallery of six photos", 6), ("a gallery with 8 images", 8),
     ("showing 12 live photos", 12), ("a gallery", 6), ("a gallery of 99 photos", 24)],
)
def test_gallery_counts(text: str, count: int) -> None:
    gallery = spec_for(text).section("gallery")
    assert gallery is not None and gallery.count == count


def test_a_number_that_counts_something_else_is_no_gallery() -> None:
    assert spec_for("A menu with 5 dishes (soup, stew) and a team of 3 people").section(
        "gallery") is None


def test_forms_get_the_named_fields_with_fitting_input_types() -> None:
    spec = spec_for("An RSVP form with name, email, number of guests and dietary requirements; "
                    "a form to suggest a trail (trail name, region); a newsletter signup form "
                    "with email only; and a contact form.")
    forms = {s.id: [(f.label, f.type) for f in s.fields] for s in spec.forms}
    assert forms == {
        "rsvp": [("Name", "text"), ("Email", "email"), ("Number of guests", "number"),
                 ("Dietary requirements", "textarea")],
        "suggest-a-trail": [("Trail name", "text"), ("Region", "text")],
        "newsletter-signup": [("Email", "email")],
        "contact": [("Name", "text"), ("Email", "email"), ("Message", "textarea")],
    }
    rsvp = spec.section("rsvp")
    assert rsvp is not None and rsvp.name_field == "name"


def test_navigation_links_point_at_their_sections() -> None:
    spec = spec_for("Navigation: Home, Shop, Staff, Enroll, Blog. Products: beans. An "
                    "enrollment form with child name and start date.")
    links = {n.label: n.target for n in spec.nav}
    assert links == {"Home": "top", "Shop": "products", "Staff": "team",
                     "Enroll": "enrollment", "Blog": "blog"}
    blog = spec.section("blog")
    assert blog is not None and blog.kind == "text"


@pytest.mark.parametrize(
    ("text", "colour", "mode"),
    [
        ("Portfolio, dark theme, gallery", "black", "dark"),
        ("Make it dark with orange accents", "orange", "dark"),
        ("A light theme please", "slate", "light"),
        ("Use a calm teal colour", "teal", "light"),
        ("A dark blue theme", "navy", "light"),
        ("Black theme.", "black", "dark"),
        ("A pretty pink site for Petal", "pink", "light"),
        ("A site called Blue Fin Sushi with a menu", "slate", "light"),
        ("Green.", "green", "light"),
    ],
)
def test_theme_colour_and_mode(text: str, colour: str, mode: str) -> None:
    spec = spec_for(text)
    assert (spec.colour, spec.mode) == (colour, mode)


def test_a_version_1_spec_still_loads() -> None:
    old = {
        "title": "Sunrise", "tagline": "Welcome to Sunrise.", "colour": "orange",
        "runtime": "static", "site_type": "static", "host_provider": "local",
        "requirements": "x", "assumptions": [], "history": [], "revision": 2, "version": 1,
        "sections": [
            {"id": "menu", "heading": "Menu", "items": ["Tea"], "count": 0,
             "assumed_items": False},
            {"id": "contact", "heading": "Contact", "items": [], "count": 0,
             "assumed_items": False},
        ],
    }
    spec = SiteSpec.from_dict(old)
    menu, contact = spec.section("menu"), spec.section("contact")
    assert menu is not None and menu.kind == "list" and menu.items == ["Tea"]
    assert contact is not None and [f.name for f in contact.fields] == ["name", "email",
                                                                        "message"]
    assert spec.mode == "light" and spec.version == 2


def test_refinements_reach_sections_the_request_created() -> None:
    spec = spec_for("A node app called Trailhead Notes listing three hiking trails (Eagle "
                    "Ridge, Fern Hollow, Granite Loop).", "dynamic")
    changes = apply_refinement(spec, "Add Cedar Loop to the hiking trails. Remove Fern Hollow "
                                     "from the trails; make it dark")
    assert changes == ["added Cedar Loop to hiking-trails", "removed fern hollow from "
                       "hiking-trails", "theme mode set to dark"]
    assert items_of(spec, "hiking-trails") == ["Eagle Ridge", "Granite Loop", "Cedar Loop"]
    assert spec.mode == "dark"
