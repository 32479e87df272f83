"""A request's list cut into items: at commas, "and", semicolons or new lines, never inside
parentheses; an open-ended list stops where a new thought starts."""

from __future__ import annotations

from spacy.tokens import Doc, Token

from tmux_builder.agent_library.offline_agent.matchers import keyword_matches
from tmux_builder.agent_library.offline_agent.nlp import capitalised, sentence_case, text_of
from tmux_builder.agent_library.offline_agent.vocabulary import (
    FORM_WORDS,
    LIST_WORDS,
    PICTURE_WORDS,
    TABLE_WORDS,
    THEME_WORDS,
)

MAX_ITEM_TOKENS = 14
STRUCTURE_WORDS = frozenset({*FORM_WORDS, *TABLE_WORDS, *THEME_WORDS, "gallery", "section",
                             "navigation", "nav", *PICTURE_WORDS, "theme"})
_CHUNK_STOPS = frozenset({"a", "an", "plus", "then", "also", "use", "with"})
_ITEM_LEAD = frozenset({"and", "or", "also", "plus", "&"})
_BULLETS = frozenset({"-", "\u2014", "\u2013", "*", "\u2022", "+"})
_TRAILING = frozenset({".", "!", ":", "\u2014", "\u2013", "-", ")"})


def newline(token: Token) -> bool:
    return token.is_space and "\n" in token.text


_PAIRS = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "`": "`"}


def unquoted(text: str) -> str:
    """Quotes around a whole item go; quotes inside it stay ("It's "quoted"" keeps its)."""
    text = text.strip()
    if len(text) >= 2 and _PAIRS.get(text[0]) == text[-1] and text.count(text[0]) == (
            2 if text[0] == text[-1] else 1):
        return text[1:-1].strip()
    return text



def split_items(doc: Doc, start: int, end: int, *, bounded: bool, blocked: set[int],
                names_sections: bool = False) -> tuple[list[str], set[int]]:
    """The items between `start` and `end` and the tokens they use. A list in parentheses
    or between dashes is `bounded`; an open one stops at a chunk that starts a new thought
    ("a gallery", "plus ...", a structure or a section name, unless the items name
    sections, as navigation does)."""
    items: list[str] = []
    used: set[int] = set()
    for chunk in _chunks(doc, start, end):
        if not chunk:
            continue
        if not bounded and _stops(doc, chunk, blocked, names_sections):
            break
        if len(chunk) > MAX_ITEM_TOKENS:
            if bounded:
                continue
            break
        used.update(t.i for t in chunk)
        text = unquoted(text_of(chunk))
        if text and text.lower() not in (i.lower() for i in items):
            items.append(sentence_case(text))
    return items, used


def _chunks(doc: Doc, start: int, end: int) -> list[list[Token]]:
    chunks: list[list[Token]] = [[]]
    depth = 0
    separators = (";",) if _semicolons(doc, start, end) else (",", ";")
    for token in doc[start:end]:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth = max(0, depth - 1)
        if newline(token) or (depth == 0 and (
                token.text in separators or (separators == (",", ";")
                and token.lower_ in ("and", "&") and not _joins_name(doc, token)))):
            chunks.append([])
        elif not token.is_space:
            chunks[-1].append(token)
    return [_trimmed(chunk) for chunk in chunks]


def _trimmed(chunk: list[Token]) -> list[Token]:
    while chunk and (chunk[0].lower_ in _ITEM_LEAD or chunk[0].text in _BULLETS):
        chunk = chunk[1:]
    while chunk and chunk[-1].text in _TRAILING and not (
            chunk[-1].text == ")" and any(t.text == "(" for t in chunk)):
        chunk = chunk[:-1]
    return chunk


def _semicolons(doc: Doc, start: int, end: int) -> bool:
    """"Ann, chef; Bo, waiter": semicolons separate, commas belong to the items."""
    depth = 0
    for token in doc[start:end]:
        depth += (token.text == "(") - (token.text == ")")
        if token.text == ";" and depth == 0:
            return True
    return False


def _joins_name(doc: Doc, token: Token) -> bool:
    """"&" inside a name ("Priya & Daniel", "Fish & Chips") does not split."""
    return token.lower_ == "&" and 0 < token.i < len(doc) - 1 and capitalised(doc[token.i + 1])


def _stops(doc: Doc, chunk: list[Token], blocked: set[int], names_sections: bool) -> bool:
    first = chunk[0]
    if first.text in _CHUNK_STOPS or first.text == "the":
        return True
    if any(t.i in blocked for t in chunk):
        return True
    if names_sections:  # navigation labels: "Gallery", "Contact" are items here
        return False
    return any(t.lower_ in STRUCTURE_WORDS for t in chunk) or _names_a_section(doc, chunk)


def _names_a_section(doc: Doc, chunk: list[Token]) -> bool:
    """"FAQ", "opening hours" or "menu section" start a new section; "Menu design" is an
    item."""
    first, last = chunk[0].i, chunk[-1].i + 1
    return any(start == first and (end == last or doc[end].lower_ in LIST_WORDS)
               for _, start, end in keyword_matches(doc))
