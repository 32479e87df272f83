"""The theme asked for: a colour ("teal colour", "warm orange theme", "Green.") and a mode
(dark or light), read from spaCy tokens; words in the title or in listed items do not count."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from tmux_builder.agent_library.offline_agent.vocabulary import (
    COLOURS,
    DARK_WORDS,
    DARKER,
    LIGHT_WORDS,
    SITE_WORDS,
    THEME_WORDS,
)

WINDOW = 4


@dataclass(frozen=True)
class Theme:
    colour: str | None
    mode: str | None


def find_theme(doc: Doc, blocked: set[int] | None = None, *, about_theme: bool = False) -> Theme:
    """`about_theme`: the caller knows the text is about the look ("make it dark")."""
    blocked = blocked or set()
    strict: str | None = None
    loose: str | None = None
    mode: str | None = None
    for token in doc:
        word = token.lower_
        if token.i in blocked or (word not in COLOURS and word not in DARK_WORDS
                                  and word not in LIGHT_WORDS):
            continue
        sentence = token.sent
        window = doc[max(sentence.start, token.i - WINDOW) : min(sentence.end,
                                                                 token.i + WINDOW + 1)]
        themed = about_theme or any(t.lower_ in THEME_WORDS for t in window)
        following = doc[token.i + 1].lower_ if token.i + 1 < len(doc) else ""
        if word in ("dark", "light", "deep", "pale") and following in COLOURS:
            continue  # "dark blue": the colour word decides, just below
        if token.i > 0 and doc[token.i - 1].lower_ in ("dark", "deep") and word in COLOURS:
            word = DARKER.get(word, word)
        if word in DARK_WORDS and (themed or _alone(doc, token.i)):
            mode = mode or "dark"
            continue
        if word in LIGHT_WORDS and (themed or _alone(doc, token.i)):
            mode = mode or "light"
            continue
        if word in COLOURS:
            if themed and strict is None:
                strict = word
            elif loose is None and _alone_or_themed(doc, token.i, themed):
                loose = word
    return Theme(strict or loose, mode)


def _alone(doc: Doc, index: int) -> bool:
    """A colour word that is a whole sentence or clause ("Green.", "black/white")."""
    sentence = doc[index].sent
    words = [t for t in sentence if t.is_alpha]
    return len(words) <= 2


def _alone_or_themed(doc: Doc, index: int, themed: bool) -> bool:
    if themed or _alone(doc, index):
        return True
    following = doc[index + 1] if index + 1 < len(doc) else None
    return (following is None or following.is_punct or following.lower_ in ("and", "with")
            or following.lower_ in SITE_WORDS)
