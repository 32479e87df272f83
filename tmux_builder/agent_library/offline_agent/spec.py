"""The structured site spec the offline agent keeps in `state/site_spec.json`."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tmux_builder.agent_library.offline_agent.vocabulary import (
    COLOURS,
    DEFAULT_COLOUR,
    DEFAULT_CONTACT_FIELDS,
    FIELD_TYPES,
    KINDS_BY_ID,
    SECTION_KINDS,
)

SPEC_VERSION = 2
DEFAULT_GALLERY_COUNT = 6
MAX_GALLERY_COUNT = 24
RESERVED_IDS = frozenset({"top", "main", "nav"})
_CELL_SEPARATOR = re.compile(r"\s+[-\u2013\u2014]\s+|:\s+")
_TRAILING_VALUE = re.compile(
    r"^(?P<label>.*?\S)\s+(?P<value>(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s+)?"
    r"(?:[$\u20ac\u00a3\u00a5]\s?)?\d[\d.,:]*\s*"
    r"(?:%|am|pm|h|k)?(?:\s*[-\u2013]\s*\d[\d.,:]*\s*(?:am|pm|h)?)?)$",
    re.IGNORECASE,
)
TABLE_HEADERS = {"hours": ("Day", "Hours"), "pricing": ("Item", "Price")}


def slug(text: str, *, separator: str = "-") -> str:
    """Letters and digits only, starting with a letter: safe as an id, a CSS selector and a
    form field name whatever the user wrote."""
    value = re.sub(r"[^a-z0-9]+", separator, text.lower()).strip(separator)[:40]
    value = value.strip(separator)
    if not value or not value[0].isalpha():
        value = f"s{separator}{value}" if value else "section"
    return value


def split_cells(item: str) -> list[str]:
    """"Monday - Downtown Plaza" -> [Monday, Downtown Plaza]; "Stout 5.2%" -> [Stout, 5.2%]."""
    parts = _CELL_SEPARATOR.split(item, maxsplit=1)
    if len(parts) == 2 and all(p.strip() for p in parts):
        return [p.strip() for p in parts]
    match = _TRAILING_VALUE.match(item)
    if match:
        return [match.group("label"), match.group("value")]
    return [item]


@dataclass
class FormField:
    label: str
    name: str
    type: str = "text"


def field_type(label: str) -> str:
    lowered = label.lower()
    for words, kind in FIELD_TYPES:
        if any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", lowered) for w in words):
            return kind
    return "text"


def make_fields(labels: list[str] | tuple[str, ...]) -> list[FormField]:
    fields: list[FormField] = []
    for label in labels:
        name = slug(label, separator="_")
        while name in (f.name for f in fields):
            name += "_2"
        fields.append(FormField(label=label, name=name, type=field_type(label)))
    return fields


@dataclass
class Section:
    id: str
    heading: str
    kind: str = "list"
    items: list[str] = field(default_factory=list)
    count: int = 0
    assumed_items: bool = False
    table: bool = False
    fields: list[FormField] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[list[str]]:
        return [split_cells(item) for item in self.items]

    @property
    def columns(self) -> int:
        return max((len(r) for r in self.rows), default=1)

    @property
    def header(self) -> tuple[str, ...]:
        names = TABLE_HEADERS.get(self.kind, ())
        return names if len(names) == self.columns else ()

    @property
    def name_field(self) -> str:
        """The field the confirmation thanks by name ("Thank you, Ada!"), if any."""
        names = [f for f in self.fields if f.type == "text" and "name" in f.name]
        exact = [f for f in names if f.name in ("name", "full_name", "your_name")]
        chosen = exact or names
        return chosen[0].name if chosen else ""

    @property
    def is_form(self) -> bool:
        return bool(self.fields)


@dataclass
class NavLink:
    label: str
    target: str


@dataclass
class SiteSpec:
    title: str
    tagline: str
    colour: str
    runtime: str
    site_type: str
    host_provider: str
    requirements: str
    sections: list[Section] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    revision: int = 1
    mode: str = "light"
    nav: list[NavLink] = field(default_factory=list)
    version: int = SPEC_VERSION

    @property
    def colour_hex(self) -> str:
        return COLOURS.get(self.colour, COLOURS[DEFAULT_COLOUR])

    @property
    def colour_rgb(self) -> str:
        value = self.colour_hex.lstrip("#")
        red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
        return f"rgb({red}, {green}, {blue})"

    @property
    def dynamic(self) -> bool:
        return self.runtime in ("node", "python")

    @property
    def forms(self) -> list[Section]:
        return [s for s in self.sections if s.is_form]

    def nav_links(self) -> list[NavLink]:
        """The navigation asked for, else one link per section."""
        return self.nav or [NavLink(s.heading, s.id) for s in self.sections]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def find_section(self, word: str) -> Section | None:
        """By id, known keyword or heading ("staff" finds the team, "trails" the trails)."""
        lowered = " ".join(word.lower().split())
        for kind in SECTION_KINDS:
            if lowered == kind.id or lowered in kind.keywords:
                return self.section(kind.id)
        for section in self.sections:
            heading = section.heading.lower()
            if lowered in (heading, section.id) or heading.endswith(" " + lowered):
                return section
        return None

    def new_id(self, heading: str) -> str:
        base = slug(heading)
        if base in RESERVED_IDS or base in KINDS_BY_ID:
            base = f"{base}-list"
        candidate, number = base, 2
        while self.section(candidate) is not None:
            candidate, number = f"{base}-{number}", number + 1
        return candidate

    def add_section(self, section_id: str) -> Section:
        """A known section (menu, gallery, contact, ...) with its placeholders."""
        existing = self.section(section_id)
        if existing is not None:
            return existing
        kind = KINDS_BY_ID[section_id]
        section = Section(id=section_id, heading=kind.heading, kind=kind.kind)
        if kind.kind == "gallery":
            section.count = DEFAULT_GALLERY_COUNT
        elif kind.kind == "contact":
            section.fields = make_fields(DEFAULT_CONTACT_FIELDS)
        elif kind.default_items:
            section.items = list(kind.default_items)
            section.assumed_items = True
        self._insert(section)
        return section

    def add_custom(self, heading: str, kind: str = "list") -> Section:
        section = Section(id=self.new_id(heading), heading=heading, kind=kind)
        self._insert(section)
        return section

    def _insert(self, section: Section) -> None:
        """New sections go before the contact section, which stays last."""
        contact = self.section("contact")
        if contact is not None and section is not contact:
            self.sections.insert(self.sections.index(contact), section)
        else:
            self.sections.append(section)

    def remove_section(self, section_id: str) -> bool:
        before = len(self.sections)
        self.sections = [s for s in self.sections if s.id != section_id]
        self.nav = [n for n in self.nav if n.target != section_id]
        return len(self.sections) != before

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> SiteSpec:
        """Reads version 2 and the version 1 specs written before it (no kinds stored)."""
        raw_sections = data.get("sections", [])
        sections = [_section_from(s) for s in raw_sections] if isinstance(raw_sections,
                                                                         list) else []
        raw_nav = data.get("nav", [])
        nav = [NavLink(**n) for n in raw_nav] if isinstance(raw_nav, list) else []
        fields = {k: v for k, v in data.items() if k not in ("sections", "nav", "version")}
        return cls(sections=sections, nav=nav, **fields)  # type: ignore[arg-type]


def _section_from(data: dict[str, object]) -> Section:
    values = dict(data)
    section_id = str(values.get("id", ""))
    if "kind" not in values:
        values["kind"] = KINDS_BY_ID[section_id].kind if section_id in KINDS_BY_ID else "list"
        if values["kind"] == "contact":
            values["fields"] = [asdict(f) for f in make_fields(DEFAULT_CONTACT_FIELDS)]
    raw_fields = values.pop("fields", [])
    fields = [FormField(**f) for f in raw_fields] if isinstance(raw_fields, list) else []
    return Section(fields=fields, **values)  # type: ignore[arg-type]


def load_spec(path: Path) -> SiteSpec | None:
    if not path.is_file():
        return None
    return SiteSpec.from_dict(json.loads(path.read_text(encoding="utf-8")))


def save_spec(spec: SiteSpec, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec.to_json(), encoding="utf-8")
