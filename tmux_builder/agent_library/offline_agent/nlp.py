"""spaCy's blank English pipeline: a rule-based tokenizer and sentencizer, no model weights.

The tokenizer keeps abbreviations ("Dr.", "Co."), prices ("$1,499") and e-mail addresses
whole and records each token's offset, so items are cut from the request's own text and keep
their spelling; `Matcher` and `PhraseMatcher` find the cue words.
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

QUOTES = frozenset({'"', "\u201c", "\u201d", "'", "\u2018", "\u2019", "`", "\u00ab", "\u00bb"})
DASHES = frozenset({"-", "\u2013", "\u2014", "--"})


@cache
def pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def read(text: str) -> Doc:
    return pipeline()(text)


def capitalised(token: Token) -> bool:
    text = token.text
    return bool(text) and (text[0].isupper() or (text[0].isdigit() and token.i > 0))


def spaced_dash(token: Token) -> bool:
    """A dash standing between spaces ("Monday - Plaza", "books — A, B —")."""
    if token.text not in DASHES:
        return False
    before = token.doc[token.i - 1].whitespace_ if token.i > 0 else " "
    return bool(before) and bool(token.whitespace_)


def text_of(span: Span | list[Token]) -> str:
    """The request's own characters from the first to the last token."""
    tokens = list(span)
    if not tokens:
        return ""
    doc = tokens[0].doc
    return doc.text[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)]


def sentence_case(text: str) -> str:
    """"lawn care" -> "Lawn care"; "e-bike" -> "E-bike"; "iPhone" stays."""
    return text[0].upper() + text[1:] if text and text[0].islower() else text
