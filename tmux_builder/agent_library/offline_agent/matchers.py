"""spaCy's rule-based matchers over the request: known section words (`PhraseMatcher`) and
cue phrases (`Matcher`): list triggers, "we offer", addresses, phones, picture counts."""

from __future__ import annotations

from functools import cache

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Token

from tmux_builder.agent_library.offline_agent.nlp import pipeline
from tmux_builder.agent_library.offline_agent.vocabulary import (
    ADDRESS_CUES,
    LIST_WORDS,
    NUMBER_WORDS,
    OFFER_VERBS,
    PHONE_CUES,
    PICTURE_WORDS,
    SECTION_KINDS,
    STRONG_TRIGGERS,
    TABLE_WORDS,
    WEAK_TRIGGERS,
)

# Words after a section's noun that do not change what it is ("services offered", "prices
# in a table").
TRAILING_WORDS = frozenset({*LIST_WORDS, *TABLE_WORDS, "in", "a", "an", "the", "as", "offered",
                            "available", "provided", "we", "offer"})


@cache
def keyword_matcher() -> PhraseMatcher:
    matcher = PhraseMatcher(pipeline().vocab, attr="LOWER")
    for kind in SECTION_KINDS:
        matcher.add(kind.id, [pipeline().make_doc(k) for k in kind.keywords])
    return matcher


@cache
def cue_matcher() -> Matcher:
    matcher = Matcher(pipeline().vocab)

    def phrase(words: str) -> list[dict[str, object]]:
        return [{"LOWER": w} for w in words.split()]

    matcher.add("STRONG", [phrase(t) for t in STRONG_TRIGGERS])
    matcher.add("WEAK", [phrase(t) for t in WEAK_TRIGGERS])
    matcher.add("OFFER", [[{"LOWER": "we"}, {"LOWER": {"IN": ["also", "mainly"]}, "OP": "?"},
                           {"LOWER": {"IN": list(OFFER_VERBS)}}]])
    matcher.add("OPEN", [[{"LOWER": {"IN": ["we", "we're"]}, "OP": "?"},
                          {"LOWER": {"IN": ["are", "'re"]}, "OP": "?"}, {"LOWER": "open"},
                          {"LOWER": {"IN": ["from", "on", "daily", ":"]}, "OP": "?"}]])
    matcher.add("ADDRESS", [phrase(" ".join(cue)) for cue in ADDRESS_CUES])
    matcher.add("PHONE", [[{"LOWER": {"IN": list(PHONE_CUES)}},
                           {"LOWER": {"IN": ["us", "number", "at", "on", ":", "no", "no."]},
                            "OP": "{0,3}"}]])
    matcher.add("PICTURES", [
        [{"LOWER": {"IN": ["gallery", "galería"]}},
         {"LOWER": {"IN": ["of", "with", "showing", "featuring", "containing"]}, "OP": "?"},
         {"LIKE_NUM": True}],
        [{"LIKE_NUM": True}, {"IS_ALPHA": True, "OP": "{0,2}"},
         {"LOWER": {"IN": list(PICTURE_WORDS)}}],
    ])
    return matcher


def keyword_matches(doc: Doc) -> list[tuple[str, int, int]]:
    """Known section words: (section id, start, end), longest first at a position."""
    strings = pipeline().vocab.strings
    found = [(strings[label], start, end) for label, start, end in keyword_matcher()(doc)]
    return sorted(found, key=lambda m: (m[1], -(m[2] - m[1])))


def known_kind(tokens: list[Token], *, as_noun: bool = False) -> str | None:
    """The known section named among `tokens`; with `as_noun`, only when its word is the
    phrase's last noun ("our services list" is services, "staff picks" is not the team)."""
    if not tokens:
        return None
    doc = tokens[0].doc
    first, last = tokens[0].i, tokens[-1].i + 1
    if as_noun:
        while last > first and doc[last - 1].lower_ in TRAILING_WORDS:
            last -= 1
    for kind_id, start, end in keyword_matches(doc):
        if start >= first and end <= last and (not as_noun or end == last):
            return kind_id
    return None


def parse_number(token: Token) -> int | None:
    text = token.lower_.replace(",", "")
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text)
