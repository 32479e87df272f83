"""Plain-language requirements to a `SiteSpec`, by keyword rules (no AI involved)."""

from __future__ import annotations

import re

from tmux_builder.agent_library.offline_agent.spec import (
    COLOURS,
    DEFAULT_COLOUR,
    DEFAULT_GALLERY_COUNT,
    KINDS_BY_ID,
    MAX_GALLERY_COUNT,
    SECTION_KINDS,
    SiteSpec,
)

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_COLOUR_WORDS = "|".join(sorted(COLOURS, key=len, reverse=True))
_COLOUR_NOUNS = r"(?:theme|colou?rs?|scheme|accents?|background|palette|tones?|look|style)"
_TITLE_STOP = (
    r"(?=\s+(?:with|that|which|for|featuring|having|including|where|in|using|on)\b"
    r"|\s+and\s+(?:a|an|the|it|has|have|show|shows|include|includes|add|remove|make|change|"
    r"set|then|delete|drop|use|put)\b|[,.;:!?()\n]|$)"
)
_CONNECTORS = (
    r"(?:\s+(?:plans?|tiers?|options)\s+(?!(?:with|of|including|like|such|for)\b)"
    r"|(?:\s+(?:section|page|list|area|plans?|tiers?|options|items))?\s*(?:\(|:|\s+(?:"
    r"listing|lists|with|of|including|includes|featuring|like|such as|offering|showing|"
    r"containing|that lists|for)\s+))"
)
_ITEM_STOP_WORDS = re.compile(
    r"\b(section|form|page|theme|colou?r|website|site|gallery|contact|testimonials?|pricing|"
    r"faq|hours|about|menu|services|products|projects|team|reviews|photos|images)\b",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(?:a|an|the|our|some|fresh)\s+", re.IGNORECASE)
_NUMBER = rf"(\d+|{'|'.join(NUMBER_WORDS)})"
DYNAMIC_PYTHON = re.compile(r"\b(python|flask|django|fastapi)\b", re.IGNORECASE)


def clean_phrase(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" \t\"'\u201c\u201d\u2018\u2019")


def find_title(text: str) -> str | None:
    quoted_after = re.search(
        r"\b(?:called|named|titled)\s+[\"\u201c]([^\"\u201d\n]{1,80})[\"\u201d]",
        text,
        re.IGNORECASE,
    )
    if quoted_after:
        return clean_phrase(quoted_after.group(1))
    bare = re.search(rf"\b(?:called|named|titled)\s+(.{{1,80}}?){_TITLE_STOP}", text,
                     re.IGNORECASE)
    if bare and clean_phrase(bare.group(1)):
        return clean_phrase(bare.group(1))
    quoted = re.search(r"[\"\u201c]([^\"\u201d\n]{2,80})[\"\u201d]", text)
    return clean_phrase(quoted.group(1)) if quoted else None


def find_colour(text: str) -> str | None:
    strict = re.search(rf"\b({_COLOUR_WORDS})\b(?:\s+and\s+\w+)?\s+{_COLOUR_NOUNS}\b", text,
                       re.IGNORECASE) or re.search(
        rf"\b{_COLOUR_NOUNS}\b[^.;,]{{0,25}}?\b({_COLOUR_WORDS})\b", text, re.IGNORECASE)
    if strict:
        return strict.group(1).lower()
    loose = re.search(rf"\b({_COLOUR_WORDS})\b", text, re.IGNORECASE)
    return loose.group(1).lower() if loose else None


def parse_count(word: str) -> int:
    value = int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]
    return max(1, min(MAX_GALLERY_COUNT, value))


def find_gallery_count(text: str) -> int | None:
    match = re.search(rf"\b{_NUMBER}\s+(?:\w+\s+)?(?:photos|images|pictures|pics)\b", text,
                      re.IGNORECASE) or re.search(
        rf"\bgallery\s+(?:of|with)\s+{_NUMBER}\b", text, re.IGNORECASE)
    return parse_count(match.group(1)) if match else None


def split_items(phrase: str) -> list[str]:
    """`croissants, bagels and muffins, a gallery` -> [Croissants, Bagels, Muffins]."""
    items: list[str] = []
    for raw in re.split(r",\s*|\s+(?:and|&|or|plus|with)\s+|\)", phrase):
        item = clean_phrase(raw)
        if not item:
            continue
        if _ITEM_STOP_WORDS.search(item) or len(item.split()) > 6:
            break
        item = _ARTICLE.sub("", item)
        if item and item.lower() not in (i.lower() for i in items):
            items.append(item[0].upper() + item[1:])
    return items


def find_items(text: str, keywords: tuple[str, ...]) -> list[str]:
    for keyword in keywords:
        pattern = rf"\b{re.escape(keyword)}\b{_CONNECTORS}(?P<items>[^.;!?\n]+)"
        for match in re.finditer(pattern, text, re.IGNORECASE):
            items = split_items(match.group("items"))
            if items:
                return items
    return []


def mentioned(text: str, keywords: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(k)}\b", text, re.IGNORECASE) for k in keywords)


def choose_runtime(site_type: str, requirements: str) -> str:
    if site_type != "dynamic":
        return "static"
    return "python" if DYNAMIC_PYTHON.search(requirements) else "node"


def parse_requirements(requirements: str, *, site_type: str, host_provider: str) -> SiteSpec:
    text = requirements.strip()
    assumptions: list[str] = []
    title = find_title(text)
    if not title:
        title = "My Website"
        assumptions.append("no name given: the title is 'My Website'")
    colour = find_colour(text)
    if not colour:
        colour = DEFAULT_COLOUR
        assumptions.append(f"no colour given: the theme is {DEFAULT_COLOUR}")
    spec = SiteSpec(
        title=title,
        tagline=f"Welcome to {title}.",
        colour=colour,
        runtime=choose_runtime(site_type, text),
        site_type=site_type,
        host_provider=host_provider,
        requirements=text,
        assumptions=assumptions,
    )
    for kind in SECTION_KINDS:
        if not mentioned(text, kind.keywords):
            continue
        section = spec.add_section(kind.id)
        if kind.kind == "gallery":
            section.count = find_gallery_count(text) or DEFAULT_GALLERY_COUNT
        elif kind.default_items:
            items = find_items(text, kind.keywords)
            if items:
                section.items, section.assumed_items = items, False
    if not spec.sections:
        for section_id in ("about", "services", "contact"):
            spec.add_section(section_id)
        assumptions.append("no sections named: about, services and contact were chosen")
    for section in spec.sections:
        if section.assumed_items:
            assumptions.append(f"no {section.id} items named: placeholder items were used")
    if spec.runtime != "static":
        assumptions.append(f"dynamic site: a dependency-free {spec.runtime} app was chosen")
    return spec


def section_for_word(word: str) -> str | None:
    lowered = word.lower()
    for kind in SECTION_KINDS:
        if lowered == kind.id or lowered in kind.keywords or lowered.rstrip("s") == kind.id:
            return kind.id
    return KINDS_BY_ID[lowered].id if lowered in KINDS_BY_ID else None
