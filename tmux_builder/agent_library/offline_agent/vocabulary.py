"""The words the offline agent knows: section kinds, structures, colours, cue phrases.

Everything here is data; the rules that use it live in `reading.py`, `names.py` and
`content.py`. Keywords are matched on lower-cased tokens, so plural and singular forms are
both listed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SectionKind:
    """What a known section means: how it renders, its heading, the words that ask for it."""

    id: str
    kind: str
    heading: str
    keywords: tuple[str, ...]
    default_items: tuple[str, ...] = ()


SECTION_KINDS: tuple[SectionKind, ...] = (
    SectionKind("about", "text", "About", ("about", "about us", "about section", "our story")),
    SectionKind("menu", "list", "Menu", ("menu", "menus", "menú", "carta", "drinks menu"),
                ("House Special", "Seasonal Soup", "Fresh Salad")),
    SectionKind("services", "list", "Services", ("services", "service", "servicios"),
                ("Consulting", "Design", "Support")),
    SectionKind("products", "list", "Products", ("products", "product", "shop", "productos"),
                ("Starter Kit", "Pro Pack", "Gift Card")),
    SectionKind("projects", "list", "Projects", ("projects", "portfolio"),
                ("Project One", "Project Two", "Project Three")),
    SectionKind("team", "list", "Our Team", ("team", "staff", "our team"),
                ("Alex Morgan", "Sam Lee", "Jordan Kim")),
    SectionKind("gallery", "gallery", "Gallery", ("gallery", "galería", "photos", "pictures",
                                                  "images", "photo gallery")),
    SectionKind("testimonials", "testimonials", "Testimonials", ("testimonials", "reviews"),
                ("Wonderful experience from start to finish.",
                 "Friendly people and excellent quality.",
                 "I recommend them to everyone I know.")),
    SectionKind("pricing", "pricing", "Pricing", ("pricing", "prices", "price list", "precios",
                                                  "rates"),
                ("Basic", "Standard", "Premium")),
    SectionKind("hours", "hours", "Opening Hours", ("hours", "opening hours", "opening times",
                                                    "opening-hours", "horario", "open hours"),
                ("Monday to Friday: 8:00 to 18:00", "Saturday: 9:00 to 16:00",
                 "Sunday: closed")),
    SectionKind("faq", "faq", "FAQ", ("faq", "faqs", "frequently asked questions"),
                ("How do I get in touch?", "Where are you located?", "Do you take bookings?")),
    SectionKind("contact", "contact", "Contact", ("contact", "contacto", "contact us")),
)
KINDS_BY_ID = {kind.id: kind for kind in SECTION_KINDS}

# Words that name a structure rather than content.
TABLE_WORDS = ("table", "tabla")
LIST_WORDS = ("list", "lists", "section", "sections", "page", "area", "block", "items",
              "plans", "plan", "tiers", "options")
FORM_WORDS = ("form", "forms", "formulario")
NAV_WORDS = ("navigation", "nav", "navbar", "menu bar", "navigation bar", "nav bar",
             "navigation menu", "links")
THEME_WORDS = ("theme", "colour", "color", "colours", "colors", "scheme", "accent", "accents",
               "background", "palette", "tone", "tones", "look", "style", "mode")
SITE_WORDS = ("site", "website", "page", "homepage", "app", "application", "landing",
              "web", "one-page", "webpage", "portfolio")
HERO_WORDS = ("hero", "banner")

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "a dozen": 12, "dozen": 12,
}
PICTURE_WORDS = ("photos", "photo", "images", "image", "pictures", "picture", "pics",
                 "paintings", "artworks", "shots", "drawings", "prints", "fotos")

# Words after a section's name that introduce its items. Strong ones follow any noun;
# weak ones only follow a known section or structure word.
STRONG_TRIGGERS = ("are", "is", "include", "includes", "including", "like", "such as",
                   "listed as", "listing", "consisting of", "namely", "e.g.")
WEAK_TRIGGERS = ("with", "of", "for", "offering", "featuring", "showing", "containing",
                 "that lists", "asking for", "with fields", "con", "covering")
# Words that end the noun phrase naming a section when reading backwards.
HEAD_BOUNDARIES = ("with", "and", "plus", "listing", "including", "featuring", "showing",
                   "then", "also", "that", "which", "where", "has", "have", "having",
                   "want", "need", "offering", "containing")
DETERMINERS = ("a", "an", "the", "our", "my", "your", "their", "some", "its", "his", "her")
LEADING_VERBS = ("list", "show", "put", "add", "include", "display", "have", "give",
                 "make", "create", "build", "need", "want", "please")
OFFER_VERBS = {"offer": "services", "provide": "services", "do": "services",
               "sell": "products", "stock": "products", "serve": "menu", "bake": "menu",
               "make": "products", "teach": "services", "run": "services"}
ADDRESS_CUES = (("address",), ("we", "are", "at"), ("we", "'re", "at"), ("located", "at"),
                ("find", "us", "at"), ("visit", "us", "at"), ("located", "in"))
PHONE_CUES = ("phone", "telephone", "tel", "call", "mobile", "whatsapp")
TITLE_CUES = ("called", "named", "titled", "entitled", "name", "title", "llamado")
TITLE_INTRO = (("we", "are"), ("we", "'re"), ("this", "is"), ("welcome", "to"), ("i", "am"),
               ("i", "'m"))
NAME_CONNECTORS = ("&", "and", "of", "the", "by", "de", "del", "la", "le", "y", "on", "at",
                   "'s", "-", "n'", "'n'", "+", "von", "van", "da", "du")
# Capitalised words that name a technology or a weekday, never a business.
NOT_NAMES = frozenset({
    "node.js", "node", "nodejs", "python", "flask", "django", "fastapi", "express", "react",
    "javascript", "typescript", "html", "css", "js", "api", "vue", "next.js", "wordpress",
    "i", "we", "our", "my", "a", "an", "the", "please", "build", "make", "create", "use",
    "add", "site", "website", "page", "landing", "app", "web", "simple", "small", "static",
    "dynamic", "homepage", "portfolio", "put", "list", "show", "include", "it", "this",
    "corporate", "personal", "minimal", "nonprofit", "wedding", "gallery", "resume",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "wed", "thu", "fri", "sat", "sun", "members", "menu", "services", "contact",
    "navigation", "sections", "products", "events", "schedule", "sponsors", "skills",
    "experience", "address", "opening", "hours", "registration", "programs", "upcoming",
    "call", "need", "want", "one-page", "one", "subjects", "prices", "pricing", "faq",
})

COLOURS: dict[str, str] = {
    "red": "#b91c1c",
    "crimson": "#b91c1c",
    "maroon": "#7f1d1d",
    "coral": "#e0533d",
    "orange": "#c2410c",
    "yellow": "#b7950b",
    "gold": "#b7791f",
    "golden": "#b7791f",
    "green": "#15803d",
    "olive": "#4d7c0f",
    "teal": "#0f766e",
    "turquoise": "#0e7490",
    "cyan": "#0e7490",
    "blue": "#1d4ed8",
    "navy": "#1e3a8a",
    "indigo": "#4338ca",
    "purple": "#7e22ce",
    "violet": "#6d28d9",
    "lavender": "#7c3aed",
    "pink": "#be185d",
    "magenta": "#a21caf",
    "brown": "#78350f",
    "black": "#111827",
    "gray": "#4b5563",
    "grey": "#4b5563",
    "slate": "#334155",
}
DARKER = {"blue": "navy", "red": "maroon", "green": "green", "purple": "purple"}
DEFAULT_COLOUR = "slate"
DARK_WORDS = ("dark", "black", "night", "midnight")
LIGHT_WORDS = ("light", "white", "bright", "pale")

# Form fields: the input type chosen from words of the label, first match wins.
FIELD_TYPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("email", "e-mail", "mail"), "email"),
    (("phone", "telephone", "mobile", "tel"), "tel"),
    (("date", "birthday", "check-in", "check-out", "day"), "date"),
    (("time",), "time"),
    (("number of", "guests", "party size", "age", "amount", "quantity", "people", "seats",
      "tickets", "budget", "adults", "children"), "number"),
    (("message", "comments", "comment", "reason", "requirements", "notes", "note",
      "description", "details", "question", "questions", "feedback", "enquiry", "inquiry",
      "bio", "allergies"), "textarea"),
)
DEFAULT_CONTACT_FIELDS = ("Name", "Email", "Message")
FORM_PURPOSES = {"sign": "Sign up", "signup": "Sign up", "register": "Register",
                 "apply": "Apply", "subscribe": "Subscribe", "book": "Book",
                 "enrol": "Enrol", "enroll": "Enroll", "join": "Join", "order": "Order"}
