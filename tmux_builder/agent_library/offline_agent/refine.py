"""Chat refinements ("make the theme blue", "add a FAQ section") applied to a `SiteSpec`."""

from __future__ import annotations

import re
from collections.abc import Callable

from tmux_builder.agent_library.offline_agent.items import split_items as items_between
from tmux_builder.agent_library.offline_agent.nlp import read
from tmux_builder.agent_library.offline_agent.parsing import clean_text
from tmux_builder.agent_library.offline_agent.spec import (
    DEFAULT_GALLERY_COUNT,
    MAX_GALLERY_COUNT,
    Section,
    SiteSpec,
)
from tmux_builder.agent_library.offline_agent.theme import find_theme
from tmux_builder.agent_library.offline_agent.vocabulary import (
    NUMBER_WORDS,
    SECTION_KINDS,
)

_NUMBER = rf"(\d+|{'|'.join(NUMBER_WORDS)})"
_COLOUR_NOUNS = r"(?:theme|colou?rs?|scheme|accents?|background|palette|tones?|look|style|mode)"
_TITLE_STOP = (
    r"(?=\s+(?:with|that|which|for|featuring|having|including|where|in|using|on)\b"
    r"|\s+and\s+(?:a|an|the|it|has|have|show|shows|include|includes|add|remove|make|change|"
    r"set|then|delete|drop|use|put)\b|[,.;:!?()\n]|$)"
)
_SECTION_WORDS = "|".join(
    sorted({w for k in SECTION_KINDS for w in (k.id, *k.keywords)}, key=len, reverse=True)
)
_SECTION = rf"(?:the\s+)?(?P<section>{_SECTION_WORDS})"
_VALUE = rf"(?:[\"\u201c](?P<quoted>[^\"\u201d]+)[\"\u201d]|(?P<bare>.+?){_TITLE_STOP})"
TITLE_PATTERNS = (
    rf"\b(?:change|set|update|make)\s+(?:the\s+)?(?:site\s+|page\s+|website\s+)?"
    rf"(?:title|name)\s+(?:to|as|into)\s+{_VALUE}",
    rf"\brename\s+(?:it|the\s+(?:site|website|page|business))\s+(?:to\s+)?{_VALUE}",
    rf"\bcall\s+(?:it|the\s+(?:site|website|page))\s+{_VALUE}",
    rf"\b(?:title|name)\s+should\s+be\s+{_VALUE}",
)
TAGLINE_PATTERN = (
    rf"\b(?:change|set|update)\s+(?:the\s+)?(?:tagline|subtitle|slogan)\s+(?:to|as)\s+{_VALUE}"
)
ADD_ITEMS = rf"\badd\s+(?P<items>.+?)\s+(?:to|into|on)\s+{_SECTION}\b"
REMOVE_ITEMS = rf"\b(?:remove|delete|drop|take)\s+(?P<items>.+?)\s+(?:from|off)\s+{_SECTION}\b"
# Any section the request created ("add Cedar Loop to the hiking trails"), to the clause end.
_ANY_SECTION = r"(?:the\s+)?(?P<section>[^,;]+?)(?:\s+(?:list|section|table|page))?\s*$"
ADD_TO_ANY = rf"\badd\s+(?P<items>.+?)\s+(?:to|into|on)\s+{_ANY_SECTION}"
REMOVE_FROM_ANY = rf"\b(?:remove|delete|drop|take)\s+(?P<items>.+?)\s+(?:from|off)\s+{_ANY_SECTION}"
ADD_SECTION = rf"\b(?:add|include|show|put)\s+(?:a|an|the|some)?\s*(?:new\s+)?{_SECTION}\b"
REMOVE_SECTION = (
    rf"\b(?:remove|delete|drop|hide|get\s+rid\s+of)\s+{_SECTION}\b(?!\s+(?:items?\s+)?(?:from|off))"
)
GALLERY_COUNT = rf"\b{_NUMBER}\s+(?:\w+\s+)?(?:photos|images|pictures|pics)\b"
THEME_TRIGGER = rf"(?:\b{_COLOUR_NOUNS}\b|\bmake\s+(?:it|the\s+(?:site|website|page))\b)"


def _value(match: re.Match[str]) -> str:
    return clean_text(match.group("quoted") or match.group("bare") or "").strip(" \"'")


def split_items(phrase: str) -> list[str]:
    doc = read(phrase)
    return items_between(doc, 0, len(doc), bounded=True, blocked=set())[0]


def parse_count(word: str) -> int:
    value = int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]
    return max(1, min(MAX_GALLERY_COUNT, value))


def _target(spec: SiteSpec, word: str) -> Section | None:
    """The section a word names, creating a known one that is missing."""
    section = spec.find_section(word)
    if section is not None:
        return section
    kind_id = next((k.id for k in SECTION_KINDS if word.lower() in (k.id, *k.keywords)
                    or word.lower().rstrip("s") == k.id), None)
    return spec.add_section(kind_id) if kind_id is not None else None


def _title(spec: SiteSpec, clause: str) -> tuple[list[str], str]:
    for pattern in TITLE_PATTERNS:
        match = re.search(pattern, clause, re.IGNORECASE)
        if match and _value(match):
            old, spec.title = spec.title, _value(match)
            if spec.tagline == f"Welcome to {old}.":
                spec.tagline = f"Welcome to {spec.title}."
            return [f"title changed from {old!r} to {spec.title!r}"], clause.replace(
                match.group(0), " "
            )
    return [], clause


def _tagline(spec: SiteSpec, clause: str) -> tuple[list[str], str]:
    match = re.search(TAGLINE_PATTERN, clause, re.IGNORECASE)
    if match and _value(match):
        spec.tagline = _value(match)
        return [f"tagline set to {spec.tagline!r}"], clause.replace(match.group(0), " ")
    return [], clause


def _theme(spec: SiteSpec, clause: str) -> tuple[list[str], str]:
    if not re.search(THEME_TRIGGER, clause, re.IGNORECASE):
        return [], clause
    theme = find_theme(read(clause), about_theme=True)
    changes = []
    if theme.mode and theme.mode != spec.mode:
        spec.mode = theme.mode
        changes.append(f"theme mode set to {theme.mode}")
    if theme.colour and theme.colour != spec.colour:
        spec.colour = theme.colour
        changes.append(f"theme colour set to {theme.colour}")
    return changes, clause


def _item_edits(spec: SiteSpec, clause: str) -> tuple[list[str], str]:
    changes: list[str] = []
    adds = list(re.finditer(ADD_ITEMS, clause, re.IGNORECASE)) or [
        m for m in [re.search(ADD_TO_ANY, clause, re.IGNORECASE)]
        if m and spec.find_section(m.group("section"))]
    for match in adds:
        items = split_items(match.group("items"))
        section = _target(spec, match.group("section")) if items else None
        if section is None or section.kind not in ("list", "pricing", "hours", "faq",
                                                   "testimonials", "text"):
            continue
        section.kind = "list" if section.kind == "text" else section.kind
        if section.assumed_items:
            section.items, section.assumed_items = [], False
        known = {i.lower() for i in section.items}
        section.items.extend(i for i in items if i.lower() not in known)
        changes.append(f"added {', '.join(items)} to {section.id}")
        clause = clause.replace(match.group(0), " ")
    removes = list(re.finditer(REMOVE_ITEMS, clause, re.IGNORECASE)) or [
        m for m in [re.search(REMOVE_FROM_ANY, clause, re.IGNORECASE)]
        if m and spec.find_section(m.group("section"))]
    for match in removes:
        section = spec.find_section(match.group("section"))
        dropped = {i.lower() for i in split_items(match.group("items"))}
        if section is None or not dropped:
            continue
        section.items = [i for i in section.items if i.lower() not in dropped]
        changes.append(f"removed {', '.join(sorted(dropped))} from {section.id}")
        clause = clause.replace(match.group(0), " ")
    return changes, clause


def _sections(spec: SiteSpec, clause: str) -> list[str]:
    changes: list[str] = []
    for match in re.finditer(REMOVE_SECTION, clause, re.IGNORECASE):
        section = spec.find_section(match.group("section"))
        if section is not None and spec.remove_section(section.id):
            changes.append(f"removed the {section.id} section")
    for match in re.finditer(ADD_SECTION, clause, re.IGNORECASE):
        word = match.group("section").lower()
        kind_id = next((k.id for k in SECTION_KINDS if word in (k.id, *k.keywords)), None)
        if kind_id is not None and spec.section(kind_id) is None:
            spec.add_section(kind_id)
            changes.append(f"added a {kind_id} section")
    gallery = spec.section("gallery")
    count = re.search(GALLERY_COUNT, clause, re.IGNORECASE)
    if gallery is not None and count:
        new_count = parse_count(count.group(1))
        if new_count != (gallery.count or DEFAULT_GALLERY_COUNT):
            gallery.count = new_count
            changes.append(f"gallery now shows {new_count} images")
    return changes


RULES: tuple[Callable[[SiteSpec, str], tuple[list[str], str]], ...] = (
    _title,
    _tagline,
    _theme,
    _item_edits,
)


def split_clauses(message: str) -> list[str]:
    parts = re.split(r"[.;!?\n]+|\s+(?:and\s+)?then\s+|,\s*(?=(?:and\s+)?(?:add|remove|"
                     r"delete|change|set|make|rename|call|drop|include)\b)", message)
    return [p.strip() for p in parts if p and p.strip()]


def apply_refinement(spec: SiteSpec, message: str) -> list[str]:
    """Apply every change the message asks for; return what changed (empty: nothing understood)."""
    changes: list[str] = []
    for clause in split_clauses(message):
        rest = clause
        for rule in RULES:
            rule_changes, rest = rule(spec, rest)
            changes.extend(rule_changes)
        changes.extend(_sections(spec, rest))
    if changes:
        spec.revision += 1
        spec.history.append(f"revision {spec.revision}: {message.strip()[:300]}")
    return changes
