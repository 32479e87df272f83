"""Plain-language requirements to a `SiteSpec`: spaCy's rule-based tokenizer and matchers
read the request (`names`, `content`, `theme`); this module lays the findings out as
sections. Template-based: no language model is involved."""

from __future__ import annotations

import re

from tmux_builder.agent_library.offline_agent.content import Finding, Reader
from tmux_builder.agent_library.offline_agent.names import find_title, first_run
from tmux_builder.agent_library.offline_agent.nlp import read
from tmux_builder.agent_library.offline_agent.spec import (
    MAX_GALLERY_COUNT,
    NavLink,
    Section,
    SiteSpec,
    make_fields,
)
from tmux_builder.agent_library.offline_agent.theme import find_theme
from tmux_builder.agent_library.offline_agent.vocabulary import (
    DEFAULT_COLOUR,
    DEFAULT_CONTACT_FIELDS,
    KINDS_BY_ID,
    SECTION_KINDS,
)

DEFAULT_TITLE = "My Website"
DYNAMIC_PYTHON = re.compile(r"\b(python|flask|django|fastapi)\b", re.IGNORECASE)
HOME_LABELS = frozenset({"home", "top", "start", "inicio", "welcome"})


def choose_runtime(site_type: str, requirements: str) -> str:
    if site_type != "dynamic":
        return "static"
    return "python" if DYNAMIC_PYTHON.search(requirements) else "node"


def clean_text(text: str) -> str:
    """One line, no control characters: what a title or an item may hold."""
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())[:200]


def parse_requirements(requirements: str, *, site_type: str, host_provider: str) -> SiteSpec:
    text = requirements.strip()
    doc = read(text)
    assumptions: list[str] = []
    found_title = find_title(doc)
    blocked = set(range(found_title.start, found_title.end)) if found_title else set()
    reader = Reader(doc, blocked)
    findings = reader.read()
    if found_title is None:
        found_title = first_run(doc, reader.used)
        if found_title is not None:
            blocked = set(range(found_title.start, found_title.end))
    title = clean_text(found_title.text)[:80] if found_title else ""
    if not title:
        title = DEFAULT_TITLE
        assumptions.append(f"no name given: the title is {DEFAULT_TITLE!r}")
    theme = find_theme(doc, blocked | reader.used)
    mode = theme.mode or "light"
    colour = theme.colour or ("black" if mode == "dark" else DEFAULT_COLOUR)
    if theme.colour is None:
        assumptions.append(f"no colour given: the theme colour is {colour}")
    spec = SiteSpec(
        title=title,
        tagline=f"Welcome to {title}.",
        colour=colour,
        mode=mode,
        runtime=choose_runtime(site_type, text),
        site_type=site_type,
        host_provider=host_provider,
        requirements=text,
        assumptions=assumptions,
    )
    nav_labels = lay_out(spec, findings)
    if not spec.sections:
        for section_id in ("about", "services", "contact"):
            spec.add_section(section_id)
        assumptions.append("no sections named: about, services and contact were chosen")
    link_navigation(spec, nav_labels)
    for section in spec.sections:
        if section.assumed_items:
            assumptions.append(f"no {section.id} items named: placeholder items were used")
        if section.kind == "text" and section.id not in KINDS_BY_ID:
            assumptions.append(f"no text given for {section.heading!r}: a short placeholder")
    if spec.runtime != "static":
        assumptions.append(f"dynamic site: a dependency-free {spec.runtime} app was chosen")
    return spec


def lay_out(spec: SiteSpec, findings: list[Finding]) -> list[str]:
    """Sections in the order the request names them; returns the navigation labels."""
    nav_labels: list[str] = []
    for finding in findings:
        items = [clean_text(i) for i in finding.items if clean_text(i)]
        if finding.kind == "nav":
            nav_labels.extend(items)
        elif finding.kind == "mention":
            _mention(spec, finding.heading)
        elif finding.kind == "sections":
            for name in items:
                _named_section(spec, name)
        elif finding.kind == "details":
            contact = _contact(spec, with_form=False)
            contact.details.extend(i for i in items if i not in contact.details)
        elif finding.kind == "gallery":
            spec.add_section("gallery").count = max(1, min(MAX_GALLERY_COUNT, finding.count))
        elif finding.kind == "form":
            _form(spec, clean_text(finding.heading), items)
        elif finding.kind == "hero":
            note = "the header is the hero section (title, tagline and navigation)"
            if note not in spec.assumptions:
                spec.assumptions.append(note)
        elif finding.kind in KINDS_BY_ID:
            _fill(spec.add_section(finding.kind), items, finding.table)
        else:
            heading = clean_text(finding.heading)
            custom = spec.find_section(heading) or spec.add_custom(heading)
            _fill(custom, items, finding.table)
    last = spec.section("contact")  # the contact section always comes last
    if last is not None:
        spec.sections.remove(last)
        spec.sections.append(last)
    return nav_labels


def _fill(section: Section, items: list[str], table: bool) -> None:
    if section.kind == "text":
        section.kind = "list"
    if section.assumed_items:
        section.items, section.assumed_items = [], False
    known = {i.lower() for i in section.items}
    section.items.extend(i for i in items if i.lower() not in known)
    section.table = section.table or table


def _mention(spec: SiteSpec, kind_id: str) -> None:
    if kind_id == "contact":
        _contact(spec, with_form=True)
    elif spec.section(kind_id) is None:
        spec.add_section(kind_id)


def _contact(spec: SiteSpec, *, with_form: bool) -> Section:
    contact = spec.section("contact")
    if contact is None:
        contact = spec.add_section("contact")
        if not with_form:
            contact.fields = []
    elif with_form and not contact.fields:
        contact.fields = make_fields(DEFAULT_CONTACT_FIELDS)
    return contact


def _form(spec: SiteSpec, heading: str, labels: list[str]) -> None:
    if "contact" in heading.lower():
        contact = _contact(spec, with_form=True)
        if labels:
            contact.fields = make_fields(labels)
        return
    existing = next((s for s in spec.forms if s.heading.lower() == heading.lower()), None)
    if existing is not None:
        if labels:
            existing.fields = make_fields(labels)
        return
    if not labels and any(s.kind == "form" for s in spec.sections):
        return
    section = spec.add_custom(heading, kind="form")
    section.fields = make_fields(labels or DEFAULT_CONTACT_FIELDS)
    if not labels:
        spec.assumptions.append(f"no fields named for the {heading!r} form: name, email and "
                                "message")


def _named_section(spec: SiteSpec, name: str) -> Section:
    lowered = name.lower()
    for kind in SECTION_KINDS:
        if lowered == kind.id or lowered in kind.keywords:
            if kind.id == "contact":
                return _contact(spec, with_form=True)
            return spec.add_section(kind.id)
    return spec.find_section(name) or spec.add_custom(name, kind="text")


def link_navigation(spec: SiteSpec, labels: list[str]) -> None:
    """Each asked-for link points at its section ("Shop" at the products, "Enroll" at the
    enrollment form, "Home" at the top); a link to nothing gets a section of its own."""
    links: list[NavLink] = []
    for label in labels:
        lowered = label.lower()
        if lowered in HOME_LABELS:
            links.append(NavLink(label, "top"))
            continue
        section = spec.find_section(label) or _by_stem(spec, lowered)
        if section is None:
            section = _named_section(spec, label)
        links.append(NavLink(label, section.id))
    spec.nav = links


def _by_stem(spec: SiteSpec, lowered: str) -> Section | None:
    stem = lowered[:5]
    return next((s for s in spec.sections if len(stem) >= 4 and (
        s.heading.lower().startswith(stem) or s.id.startswith(stem))), None)
