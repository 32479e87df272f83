"""The site's name: after "called", "named", "titled" or "name:", in quotes, after "for", or
the first capitalised phrase (rules over spaCy tokens, no model)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from spacy.matcher import Matcher
from spacy.tokens import Doc, Token

from tmux_builder.agent_library.offline_agent.nlp import QUOTES, capitalised, pipeline, text_of
from tmux_builder.agent_library.offline_agent.vocabulary import (
    NAME_CONNECTORS,
    NOT_NAMES,
    SITE_WORDS,
    TITLE_CUES,
    TITLE_INTRO,
)

MAX_TITLE_TOKENS = 10
_STOP_WORDS = {"with", "that", "which", "for", "featuring", "having", "including", "where",
               "in", "using", "on", "and", "to", "showing", "listing", "offering"}


@dataclass(frozen=True)
class Title:
    text: str
    start: int
    end: int


@cache
def _matcher() -> Matcher:
    matcher = Matcher(pipeline().vocab)
    matcher.add("CUE", [
        [{"LOWER": {"IN": ["called", "named", "titled", "entitled", "llamado"]}}],
        [{"LOWER": {"IN": ["name", "title"]}}, {"LOWER": {"IN": [":", "is", "should"]}},
         {"LOWER": "be", "OP": "?"}],
        [{"LOWER": {"IN": ["name", "title"]}}, {"LOWER": "it"}],
    ])
    matcher.add("INTRO", [[{"LOWER": a}, {"LOWER": b}] for a, b in TITLE_INTRO])
    matcher.add("FOR", [
        [{"LOWER": {"IN": ["for", "at"]}},
         {"IS_LOWER": True, "IS_PUNCT": False, "OP": "{0,3}"}],
    ])
    return matcher


def _quoted_after(doc: Doc, start: int) -> Title | None:
    """A quoted phrase opening at token `start`."""
    if start >= len(doc) or doc[start].text not in QUOTES:
        return None
    for end in range(start + 1, min(len(doc), start + 2 + MAX_TITLE_TOKENS * 2)):
        token = doc[end]
        if token.text in QUOTES and end > start + 1:
            text = " ".join(text_of(doc[start + 1 : end]).split())
            return Title(text, start + 1, end) if any(c.isalnum() for c in text) else None
        if token.is_sent_end and token.text in ".!?":
            return None
    return None


def _name_token(token: Token) -> bool:
    return capitalised(token) and token.lower_ not in NOT_NAMES and token.text not in QUOTES


def _name_word(token: Token) -> bool:
    return capitalised(token) and token.text not in QUOTES and not token.is_punct


def _joins(doc: Doc, index: int) -> bool:
    """A small word inside a name: "Priya & Daniel", "Code by the Sea"."""
    return (doc[index].lower_ in NAME_CONNECTORS and index + 1 < len(doc)
            and (capitalised(doc[index + 1]) or doc[index + 1].lower_ in NAME_CONNECTORS))


def capitalised_run(doc: Doc, start: int, *, allow_first_common: bool = False) -> Title | None:
    """The longest name starting at `start`: capitalised words joined by small connectors."""
    if start >= len(doc):
        return None
    first = doc[start]
    if not (_name_token(first) or (allow_first_common and capitalised(first))):
        return None
    end = start + 1
    while end < len(doc) and end - start < MAX_TITLE_TOKENS:
        if _name_word(doc[end]) or _joins(doc, end):
            end += 1
        else:
            break
    while end > start + 1 and doc[end - 1].lower_ in NAME_CONNECTORS:
        end -= 1
    return Title(text_of(doc[start:end]), start, end)


def _plain_phrase(doc: Doc, start: int) -> Title | None:
    """A lower-case name after "called": up to the next stop word or punctuation."""
    end = start
    while (end < len(doc) and end - start < 6 and not doc[end].is_punct
           and doc[end].lower_ not in _STOP_WORDS):
        end += 1
    if end == start:
        return None
    return Title(text_of(doc[start:end]), start, end)


def _after_cue(doc: Doc, start: int) -> Title | None:
    while start < len(doc) and doc[start].lower_ in (":", "is", "be", "it", "as", "the"):
        if doc[start].lower_ == "the" and capitalised(doc[start]):
            break
        start += 1
    return (_quoted_after(doc, start) or capitalised_run(doc, start, allow_first_common=True)
            or _plain_phrase(doc, start))


def _lead_phrase(doc: Doc) -> Title | None:
    """"studio nine dance - website with ...": the words before a dash or colon that is
    followed by the kind of site."""
    end = 0
    while end < min(len(doc), 7) and not doc[end].is_punct and not doc[end].is_space:
        end += 1
    if end == 0 or end >= len(doc) - 1 or doc[end].text not in ("-", "\u2013", "\u2014", ":"):
        return None
    following = [t for t in doc[end + 1 : end + 5] if t.lower_ not in ("a", "an", "the", "my",
                                                                    "our", "new", "simple")]
    if not following or following[0].lower_ not in SITE_WORDS:
        return None
    text = text_of(doc[0:end])
    if text.islower():
        text = " ".join(word[:1].upper() + word[1:] for word in text.split())
    return Title(text, 0, end)


def _first_quoted(doc: Doc) -> Title | None:
    for token in doc:
        if token.text in QUOTES and (token.i == 0 or doc[token.i - 1].whitespace_
                                     or doc[token.i - 1].is_punct):
            found = _quoted_after(doc, token.i)
            if found is not None and len(found.text) >= 2:
                return found
    return None


def first_run(doc: Doc, taken: set[int]) -> Title | None:
    """The first phrase of two or more capitalised words outside the listed items (a
    sentence's first word alone is not a name)."""
    for token in doc:
        if token.i in taken or not token.is_alpha:
            continue
        found = capitalised_run(doc, token.i)
        if found is not None and any(i in taken for i in range(found.start, found.end)):
            continue
        if found is not None and found.end - found.start >= 2:
            words = [t for t in doc[found.start : found.end] if t.is_alpha]
            if len(words) >= 2:
                return found
    return None


def find_title(doc: Doc) -> Title | None:
    """The name given by a cue ("called", quotes, "for", "we are"); `first_run` is the
    fallback once the listed items are known."""
    matches = sorted(_matcher()(doc), key=lambda m: m[1])
    by_label: dict[str, list[tuple[int, int]]] = {}
    for match_id, start, end in matches:
        by_label.setdefault(pipeline().vocab.strings[match_id], []).append((start, end))
    for start, end in by_label.get("CUE", []):
        if doc[start].lower_ in TITLE_CUES:
            found = _after_cue(doc, end)
            if found is not None and found.text:
                return found
    quoted = _first_quoted(doc) or _lead_phrase(doc)
    if quoted is not None:
        return quoted
    for label in ("INTRO", "FOR"):
        longest: dict[int, int] = {}
        for start, end in by_label.get(label, []):
            longest[start] = max(end, longest.get(start, 0))
        for start, end in sorted(longest.items()):
            if label == "FOR" and any(t.lower_ in SITE_WORDS for t in doc[start + 1 : end]):
                continue
            found = capitalised_run(doc, end)
            if found is not None:
                return found
    return None
