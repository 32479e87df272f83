"""Headings from the words that name a section or a form."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Token

from tmux_builder.agent_library.offline_agent.nlp import sentence_case, text_of
from tmux_builder.agent_library.offline_agent.vocabulary import (
    DETERMINERS,
    FORM_PURPOSES,
    FORM_WORDS,
    LEADING_VERBS,
    LIST_WORDS,
    TABLE_WORDS,
)


@dataclass
class Head:
    start: int
    end: int
    tokens: list[Token]
    table_before: bool = False

    @property
    def lowers(self) -> list[str]:
        return [t.lower_ for t in self.tokens]

    @property
    def text(self) -> str:
        return " ".join(self.lowers)


def head_name(head: Head) -> str:
    """"a table of this week's shows" -> "This week's shows"; "beer list table" -> "Beer list"."""
    tokens = list(head.tokens)
    verbs = [n for n, t in enumerate(tokens) if t.lower_ in LEADING_VERBS]
    if verbs and verbs[-1] < len(tokens) - 1:  # "It should list our plants" -> "our plants"
        tokens = tokens[verbs[-1] + 1 :]

    def strip_front() -> None:
        while tokens and (tokens[0].lower_ in DETERMINERS or tokens[0].lower_ in LEADING_VERBS
                          or tokens[0].like_num or tokens[0].lower_ in ("of", "in", "as")
                          or tokens[0].lower_ in LIST_WORDS or tokens[0].lower_ in TABLE_WORDS):
            tokens.pop(0)

    strip_front()
    while tokens and (tokens[-1].lower_ in TABLE_WORDS or (tokens[-1].lower_ in LIST_WORDS
                      and not (tokens[-1].lower_ == "list" and len(tokens) > 1
                               and not tokens[-2].lower_.endswith("s")))
                      or tokens[-1].lower_ in ("in", "as", "into", "a", "an", "the")):
        tokens.pop()
    strip_front()
    if not tokens:
        tokens = [t for t in head.tokens if t.lower_ not in DETERMINERS and not t.like_num]
    if not tokens:
        return ""
    return sentence_case(text_of(tokens))


def form_heading(head: Head) -> str:
    """"an RSVP form" -> "RSVP"; "a form to suggest a trail" -> "Suggest a trail"."""
    lowers = head.lowers
    index = next((i for i, w in enumerate(lowers) if w in FORM_WORDS), len(lowers))
    before = [t for t in head.tokens[:index] if t.lower_ not in DETERMINERS
              and t.lower_ not in LEADING_VERBS and not t.like_num]
    if before:
        return sentence_case(text_of(before))
    after = head.tokens[index + 1 :]
    if after and after[0].lower_ == "to" and len(after) > 1:
        return sentence_case(text_of(after[1:]))
    doc = head.tokens[0].doc if head.tokens else None
    if doc is not None:
        sentence = doc[head.start].sent
        for token in sentence:
            if token.lower_ in FORM_PURPOSES:
                return FORM_PURPOSES[token.lower_]
    return "Form"


def field_labels(items: list[str]) -> list[str]:
    labels = []
    for item in items:
        words = item.split()
        while words and words[-1].lower().rstrip(".") in ("field", "fields", "only"):
            words.pop()
        if words:
            labels.append(sentence_case(" ".join(words)))
    return labels
