"""The structured site spec the offline agent keeps in `state/site_spec.json`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

SPEC_VERSION = 1


@dataclass(frozen=True)
class SectionKind:
    """What a section id means: how it renders, its heading, the words that ask for it."""

    id: str
    kind: str
    heading: str
    keywords: tuple[str, ...]
    default_items: tuple[str, ...] = ()


# Page order; `contact` always comes last.
SECTION_KINDS: tuple[SectionKind, ...] = (
    SectionKind("about", "text", "About", ("about",)),
    SectionKind("menu", "list", "Menu", ("menu",),
                ("House Special", "Seasonal Soup", "Fresh Salad")),
    SectionKind("services", "list", "Services", ("services",),
                ("Consulting", "Design", "Support")),
    SectionKind("products", "list", "Products", ("products", "shop"),
                ("Starter Kit", "Pro Pack", "Gift Card")),
    SectionKind("projects", "list", "Projects", ("projects", "portfolio"),
                ("Project One", "Project Two", "Project Three")),
    SectionKind("team", "list", "Our Team", ("team",), ("Alex Morgan", "Sam Lee", "Jordan Kim")),
    SectionKind("gallery", "gallery", "Gallery", ("gallery", "photos", "pictures", "images")),
    SectionKind("testimonials", "testimonials", "Testimonials", ("testimonials", "reviews"),
                ("Wonderful experience from start to finish.",
                 "Friendly people and excellent quality.",
                 "I recommend them to everyone I know.")),
    SectionKind("pricing", "pricing", "Pricing", ("pricing", "prices", "price list"),
                ("Basic", "Standard", "Premium")),
    SectionKind("hours", "hours", "Opening Hours", ("hours", "opening times"),
                ("Monday to Friday: 8:00 to 18:00", "Saturday: 9:00 to 16:00",
                 "Sunday: closed")),
    SectionKind("faq", "faq", "FAQ", ("faq", "faqs", "frequently asked questions"),
                ("How do I get in touch?", "Where are you located?", "Do you take bookings?")),
    SectionKind("contact", "contact", "Contact", ("contact",)),
)
KINDS_BY_ID = {kind.id: kind for kind in SECTION_KINDS}
ORDER = {kind.id: index for index, kind in enumerate(SECTION_KINDS)}

COLOURS: dict[str, str] = {
    "red": "#b91c1c",
    "orange": "#c2410c",
    "yellow": "#a16207",
    "gold": "#b45309",
    "green": "#15803d",
    "teal": "#0f766e",
    "blue": "#1d4ed8",
    "navy": "#1e3a8a",
    "purple": "#7e22ce",
    "violet": "#6d28d9",
    "pink": "#be185d",
    "brown": "#78350f",
    "black": "#111827",
    "dark": "#111827",
    "gray": "#4b5563",
    "grey": "#4b5563",
    "slate": "#334155",
}
DEFAULT_COLOUR = "slate"
DEFAULT_GALLERY_COUNT = 6
MAX_GALLERY_COUNT = 24


@dataclass
class Section:
    id: str
    heading: str
    items: list[str] = field(default_factory=list)
    count: int = 0
    assumed_items: bool = False

    @property
    def kind(self) -> str:
        return KINDS_BY_ID[self.id].kind


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

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def add_section(self, section_id: str) -> Section:
        existing = self.section(section_id)
        if existing is not None:
            return existing
        kind = KINDS_BY_ID[section_id]
        section = Section(id=section_id, heading=kind.heading)
        if kind.kind == "gallery":
            section.count = DEFAULT_GALLERY_COUNT
        elif kind.default_items:
            section.items = list(kind.default_items)
            section.assumed_items = True
        self.sections.append(section)
        self.sections.sort(key=lambda s: ORDER[s.id])
        return section

    def remove_section(self, section_id: str) -> bool:
        before = len(self.sections)
        self.sections = [s for s in self.sections if s.id != section_id]
        return len(self.sections) != before

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> SiteSpec:
        raw_sections = data.get("sections", [])
        sections = [Section(**s) for s in raw_sections] if isinstance(raw_sections, list) else []
        fields = {k: v for k, v in data.items() if k != "sections"}
        return cls(sections=sections, **fields)  # type: ignore[arg-type]


def load_spec(path: Path) -> SiteSpec | None:
    if not path.is_file():
        return None
    return SiteSpec.from_dict(json.loads(path.read_text(encoding="utf-8")))


def save_spec(spec: SiteSpec, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec.to_json(), encoding="utf-8")
