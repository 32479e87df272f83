"""What the request lists: sections and their items, tables, forms and their fields,
navigation and contact details, read from spaCy tokens.

A section is named by a short noun phrase (its head) followed by its content: in parentheses
("trails (Eagle Ridge, Fern Hollow)"), after a colon ("Menu: tea, cake"), between dashes,
after a word such as "with", "of", "are", "including" ("a menu of tea and cake"), or right
after a known section word ("opening hours Mon-Fri 8-18"). Items are cut from the request's
own text, so hours, prices and addresses keep their spelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Token

from tmux_builder.agent_library.offline_agent.nlp import (
    QUOTES,
    capitalised,
    pipeline,
    spaced_dash,
    text_of,
)
from tmux_builder.agent_library.offline_agent.vocabulary import (
    ADDRESS_CUES,
    DETERMINERS,
    FORM_PURPOSES,
    FORM_WORDS,
    HEAD_BOUNDARIES,
    HERO_WORDS,
    KINDS_BY_ID,
    LEADING_VERBS,
    LIST_WORDS,
    NAV_WORDS,
    NUMBER_WORDS,
    OFFER_VERBS,
    PHONE_CUES,
    PICTURE_WORDS,
    SECTION_KINDS,
    SITE_WORDS,
    STRONG_TRIGGERS,
    TABLE_WORDS,
    THEME_WORDS,
    WEAK_TRIGGERS,
)

MAX_HEAD_TOKENS = 7
MAX_ITEM_TOKENS = 14
_PUNCT_BOUNDARIES = {",", ";", ":", "(", ")", ".", "!", "?", "\u2014", "\u2013", "--", "/"}
_STRUCTURE_WORDS = frozenset({*FORM_WORDS, *TABLE_WORDS, *THEME_WORDS, "gallery", "section",
                              "navigation", "nav", *PICTURE_WORDS, "theme"})
_CHUNK_STOPS = frozenset({"a", "an", "plus", "then", "also", "use", "with"})
_ITEM_LEAD = frozenset({"and", "or", "also", "plus", "&"})
_BULLETS = frozenset({"-", "\u2014", "\u2013", "*", "\u2022", "+"})
_PRONOUNS = frozenset({"it", "this", "that", "there", "which", "who", "what", "they", "he",
                       "she", "you", "i", "we", "water", "everything"})


@dataclass
class Finding:
    """One thing the request asks for, at token `position` (page order follows it)."""

    position: int
    kind: str  # a known section id, or "list", "form", "nav", "sections", "details"
    heading: str
    items: list[str] = field(default_factory=list)
    table: bool = False
    count: int = 0


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


@dataclass
class Anchor:
    head: Head
    content_start: int
    explicit_end: int | None = None
    strength: str = "strong"
    offered_kind: str | None = None


@cache
def _keyword_matcher() -> PhraseMatcher:
    matcher = PhraseMatcher(pipeline().vocab, attr="LOWER")
    for kind in SECTION_KINDS:
        matcher.add(kind.id, [pipeline().make_doc(k) for k in kind.keywords])
    return matcher


@cache
def _cue_matcher() -> Matcher:
    matcher = Matcher(pipeline().vocab)

    def phrase(words: str) -> list[dict[str, object]]:
        return [{"LOWER": w} for w in words.split()]

    matcher.add("STRONG", [phrase(t) for t in STRONG_TRIGGERS])
    matcher.add("WEAK", [phrase(t) for t in WEAK_TRIGGERS])
    matcher.add("OFFER", [[{"LOWER": "we"}, {"LOWER": {"IN": ["also", "mainly"]}, "OP": "?"},
                           {"LOWER": {"IN": list(OFFER_VERBS)}}]])
    matcher.add("ADDRESS", [phrase(" ".join(cue)) for cue in ADDRESS_CUES])
    matcher.add("PHONE", [[{"LOWER": {"IN": list(PHONE_CUES)}},
                           {"LOWER": {"IN": ["us", "number", "at", "on", ":", "no", "no."]},
                            "OP": "{0,3}"}]])
    matcher.add("PICTURES", [
        [{"LOWER": {"IN": ["gallery", "galería", "showing", "featuring", "with", "of"]}},
         {"LOWER": {"IN": ["of", "with", "showing", "featuring", "containing"]}, "OP": "?"},
         {"LIKE_NUM": True}],
        [{"LIKE_NUM": True}, {"IS_ALPHA": True, "OP": "{0,2}"},
         {"LOWER": {"IN": list(PICTURE_WORDS)}}],
    ])
    return matcher


def keyword_matches(doc: Doc) -> list[tuple[str, int, int]]:
    """Known section words: (section id, start, end), longest first at a position."""
    strings = pipeline().vocab.strings
    found = [(strings[label], start, end) for label, start, end in _keyword_matcher()(doc)]
    return sorted(found, key=lambda m: (m[1], -(m[2] - m[1])))


def known_kind(tokens: list[Token]) -> str | None:
    if not tokens:
        return None
    doc = tokens[0].doc
    first, last = tokens[0].i, tokens[-1].i + 1
    for kind_id, start, end in keyword_matches(doc):
        if start >= first and end <= last:
            return kind_id
    return None


def parse_number(token: Token) -> int | None:
    text = token.lower_.replace(",", "")
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text)


class Reader:
    """Reads one request; `findings` lists what it asks for, in order."""

    def __init__(self, doc: Doc, blocked: set[int]) -> None:
        self.doc = doc
        self.blocked = set(blocked)
        self.used: set[int] = set()
        self.findings: list[Finding] = []
        strings = pipeline().vocab.strings
        self.cues: dict[int, list[tuple[str, int]]] = {}
        for label, start, end in _cue_matcher()(doc):
            self.cues.setdefault(start, []).append((strings[label], end))

    # -- clauses and heads -------------------------------------------------------------

    def clauses(self) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for sentence in self.doc.sents:
            start, depth = sentence.start, 0
            for token in sentence:
                depth += (token.text == "(") - (token.text == ")")
                if token.text == ";" and depth <= 0:
                    spans.append((start, token.i))
                    start = token.i + 1
            spans.append((start, sentence.end))
        return [(s, e) for s, e in spans if e > s]

    def head_before(self, index: int, clause_start: int) -> Head:
        start = index
        while start > clause_start:
            token = self.doc[start - 1]
            if (token.text in _PUNCT_BOUNDARIES or token.text in QUOTES or spaced_dash(token)
                    or token.lower_ in HEAD_BOUNDARIES or index - start >= MAX_HEAD_TOKENS
                    or _newline(token)):
                break
            start -= 1
        while start < index and self.doc[start].is_space:
            start += 1
        return Head(start, index, list(self.doc[start:index]), self._table_before(start))

    def _table_before(self, start: int) -> bool:
        """"a table with our specials: ..." asks for a table though the head is "specials"."""
        if start == 0 or self.doc[start - 1].lower_ not in ("with", "of", "for", "showing"):
            return False
        before = self.doc[max(0, start - 4) : start - 1]
        return any(t.lower_ in TABLE_WORDS for t in before) and not any(
            t.is_punct for t in before)

    def is_head(self, head: Head, strength: str) -> bool:
        """Does this phrase name a section (not the site, a sentence or the title)?"""
        lowers = head.lowers
        if not lowers or any(t.i in self.blocked for t in head.tokens):
            return False
        if any(w in SITE_WORDS for w in lowers) and not self._structured(head):
            return False
        if any(w in ("called", "named", "titled", "for", "name", "title") for w in lowers[:1]):
            return False
        if lowers[-1] in _PRONOUNS or all(w in DETERMINERS or w in _PRONOUNS for w in lowers):
            return False
        if strength == "weak":
            return self._structured(head) or known_kind(head.tokens) is not None
        return any(t.is_alpha for t in head.tokens)

    @staticmethod
    def _is_nav(head: Head) -> bool:
        return any(n in head.text for n in NAV_WORDS) and head.lowers[-1:] != ["menu"]

    def _structured(self, head: Head) -> bool:
        lowers = head.lowers
        return (any(w in FORM_WORDS or w in TABLE_WORDS for w in lowers)
                or any(n in head.text for n in NAV_WORDS) or lowers == ["sections"])

    # -- anchors -----------------------------------------------------------------------

    def anchors(self, start: int, end: int) -> list[Anchor]:
        found: list[Anchor] = []
        index = start
        while index < end:
            token = self.doc[index]
            anchor = next((a for a in self._anchors_at(token, start, end) if self._valid(a)),
                          None)
            if anchor is not None:
                found.append(anchor)
            index += 1
        return self._without_overlaps(found)

    def _anchors_at(self, token: Token, start: int, end: int) -> list[Anchor]:
        """Every way a section could start at this token, the longest cue first."""
        index = token.i
        if token.text == ":":
            return [Anchor(self.head_before(index, start), index + 1)]
        if token.text == "(":
            close = self._closing(index, end)
            if self._has_separators(index + 1, close):
                return [Anchor(self.head_before(index, start), index + 1, explicit_end=close)]
            return []
        if token.text in ("\u2014", "\u2013", "--") and spaced_dash(token):
            close = next((t.i for t in self.doc[index + 1 : end] if spaced_dash(t)
                          and t.text == token.text), end)
            if self._has_separators(index + 1, close):
                return [Anchor(self.head_before(index, start), index + 1, explicit_end=close)]
            return []
        found = [self._cue_anchor(label, index, cue_end, start)
                 for label, cue_end in sorted(self.cues.get(index, []), key=lambda c: -c[1])]
        bare = self._bare_anchor(index, start, end)
        return [a for a in [*found, bare] if a is not None]

    def _valid(self, anchor: Anchor) -> bool:
        if anchor.strength in ("offer", "address"):
            return True
        if anchor.strength == "phone":
            return self._phone_end(anchor.content_start)[1] >= 6
        return self.is_head(anchor.head, anchor.strength)

    def _cue_anchor(self, label: str, index: int, cue_end: int, start: int) -> Anchor | None:
        if label in ("STRONG", "WEAK"):
            return Anchor(self.head_before(index, start), cue_end, strength=label.lower())
        if label == "OFFER":
            verb = self.doc[cue_end - 1].lower_
            head = Head(index, cue_end, list(self.doc[index:cue_end]))
            return Anchor(head, cue_end, strength="offer", offered_kind=OFFER_VERBS[verb])
        if label == "ADDRESS":
            head = Head(index, cue_end, list(self.doc[index:cue_end]))
            return Anchor(head, cue_end, strength="address")
        if label == "PHONE":
            head = self.head_before(cue_end, start)
            return Anchor(head, cue_end, strength="phone")
        return None

    def _bare_anchor(self, index: int, start: int, end: int) -> Anchor | None:
        """A known section word or "navigation" followed straight by its items ("hours
        Mon-Fri 9-5", "navigation links Home, Menu")."""
        ends = [kw_end for kind_id, kw_start, kw_end in keyword_matches(self.doc)
                if kw_start == index and KINDS_BY_ID[kind_id].kind not in ("gallery", "text",
                                                                           "contact")]
        if self.doc[index].lower_ in ("navigation", "nav", "navbar"):
            ends.append(index + 1)
        for after in ends[:1]:
            while after < end and (self.doc[after].lower_ in LIST_WORDS
                                   or self.doc[after].lower_ in ("links", "bar")):
                after += 1
            if after >= end:
                return None
            nxt = self.doc[after]
            content_like = (capitalised(nxt) or nxt.like_num or nxt.is_currency
                            or nxt.text[:1].isdigit())
            if not content_like or nxt.lower_ in _STRUCTURE_WORDS or nxt.text in QUOTES:
                return None
            return Anchor(self.head_before(after, start), after, strength="bare")
        return None

    @staticmethod
    def _without_overlaps(anchors: list[Anchor]) -> list[Anchor]:
        chosen: list[Anchor] = []
        for anchor in sorted(anchors, key=lambda a: (a.head.start, a.content_start)):
            if chosen:
                last = chosen[-1]
                if last.explicit_end is not None and anchor.head.start < last.explicit_end:
                    continue
                if anchor.head.start < last.content_start:
                    if anchor.content_start > last.content_start:
                        chosen[-1] = anchor
                    continue
            chosen.append(anchor)
        return chosen

    def _closing(self, index: int, end: int) -> int:
        depth = 0
        for token in self.doc[index:end]:
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
                if depth == 0:
                    return token.i
        return end

    def _has_separators(self, start: int, end: int) -> bool:
        return any(t.text in (",", ";") or t.lower_ == "and" for t in self.doc[start:end])

    # -- items -------------------------------------------------------------------------

    def split_items(self, start: int, end: int, *, bounded: bool,
                    names_sections: bool = False) -> list[str]:
        """Comma/and separated items; an unbounded list stops at a chunk that starts a new
        thought ("a gallery", "plus ...", anything naming a structure)."""
        chunks: list[list[Token]] = [[]]
        depth = 0
        separators = (";",) if self._semicolons(start, end) else (",", ";")
        for token in self.doc[start:end]:
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth = max(0, depth - 1)
            if _newline(token) or depth == 0 and (
                    token.text in separators or separators == (",", ";")
                    and token.lower_ in ("and", "&") and not self._joins_name(token)):
                chunks.append([])
            elif not token.is_space:
                chunks[-1].append(token)
        items: list[str] = []
        for chunk in chunks:
            while chunk and (chunk[0].lower_ in _ITEM_LEAD or chunk[0].text in _BULLETS):
                chunk = chunk[1:]
            while chunk and chunk[-1].text in (".", "!", ":", "\u2014", "\u2013", "-", ")") \
                    and not (chunk[-1].text == ")" and any(t.text == "(" for t in chunk)):
                chunk = chunk[:-1]
            if not chunk:
                continue
            if not bounded and self._stops(chunk, names_sections):
                break
            if len(chunk) > MAX_ITEM_TOKENS:
                if bounded:
                    continue
                break
            self.used.update(t.i for t in chunk)
            text = unquoted(text_of(chunk))
            if text and text.lower() not in (i.lower() for i in items):
                items.append(text[0].upper() + text[1:] if text[0].islower() else text)
        return items

    def _semicolons(self, start: int, end: int) -> bool:
        """"Ann, chef; Bo, waiter": semicolons separate, commas belong to the items."""
        depth = 0
        for token in self.doc[start:end]:
            depth += (token.text == "(") - (token.text == ")")
            if token.text == ";" and depth == 0:
                return True
        return False

    def _joins_name(self, token: Token) -> bool:
        """"&" and "and" inside a name ("Priya & Daniel", "Fish & Chips") do not split."""
        if token.lower_ != "&":
            return False
        doc = self.doc
        return 0 < token.i < len(doc) - 1 and capitalised(doc[token.i + 1])

    def _stops(self, chunk: list[Token], names_sections: bool) -> bool:
        first = chunk[0]
        if first.lower_ in _CHUNK_STOPS and first.text.islower():
            return True
        if first.lower_ == "the" and first.text == "the":
            return True
        if any(t.lower_ in _STRUCTURE_WORDS for t in chunk) or any(
                t.i in self.blocked for t in chunk):
            return True
        return not names_sections and self._names_a_section(chunk)

    def _names_a_section(self, chunk: list[Token]) -> bool:
        """"FAQ", "opening hours" or "menu section" start a new section; "Menu design"
        is an item."""
        first, last = chunk[0].i, chunk[-1].i + 1
        for _, start, end in keyword_matches(self.doc):
            if start == first and (end == last or self.doc[end].lower_ in LIST_WORDS):
                return True
        return False

    # -- reading -----------------------------------------------------------------------

    def read(self) -> list[Finding]:
        for start, end in self.clauses():
            anchors = self.anchors(start, end)
            for number, anchor in enumerate(anchors):
                limit = anchor.explicit_end
                if limit is None:
                    following = anchors[number + 1].head.start if number + 1 < len(anchors) \
                        else end
                    limit = max(anchor.content_start, following)
                self._resolve(anchor, limit, clause_end=end)
        self._pictures()
        self._mentions()
        self.findings.sort(key=lambda f: f.position)
        return self.findings

    def _resolve(self, anchor: Anchor, limit: int, clause_end: int) -> None:
        head = anchor.head
        bounded = anchor.explicit_end is not None
        if anchor.strength == "offer":
            kind_id = anchor.offered_kind or "services"
            items = self.split_items(anchor.content_start, limit, bounded=False)
            if len(items) >= 2:
                self._add(head.start, kind_id, KINDS_BY_ID[kind_id].heading, items)
            return
        if anchor.strength == "address" or "address" in head.lowers:
            self._details(head, "Address", text_of(self.doc[anchor.content_start:clause_end]))
            return
        if anchor.strength == "phone":
            self._phone(head, anchor.content_start)
            return
        if not self.is_head(head, anchor.strength):
            return
        lowers = head.lowers
        if "faq" in lowers or "faqs" in lowers or "questions" in lowers:
            self._questions(head, anchor.content_start)
            return
        if lowers[-1] in ("name", "title", "tagline", "slogan", "subtitle"):
            return
        names_sections = self._is_nav(head) or lowers[-1] == "sections"
        items = self.split_items(anchor.content_start, limit, bounded=bounded,
                                 names_sections=names_sections)
        if not items:
            return
        if anchor.strength in ("strong", "weak") and len(items) < 2 \
                and not self._structured(head) and known_kind(head.tokens) is None:
            return
        self.used.update(range(head.start, head.end))
        self._classify(head, items)

    def _classify(self, head: Head, items: list[str]) -> None:
        lowers = head.lowers
        if any(w in PICTURE_WORDS or w in ("gallery", "galería") for w in lowers):
            return
        if any(w in FORM_WORDS for w in lowers):
            self._add(head.start, "form", form_heading(head), _field_labels(items))
        elif self._is_nav(head):
            self._add(head.start, "nav", "Navigation", items)
        elif lowers == ["sections"] or lowers[-1:] == ["sections"]:
            self._add(head.start, "sections", "Sections", items)
        else:
            kind_id = known_kind(head.tokens)
            table = any(w in TABLE_WORDS for w in lowers) or head.table_before
            if kind_id is not None and KINDS_BY_ID[kind_id].kind not in ("gallery", "text"):
                if kind_id == "contact":
                    self._add(head.start, "details", "Contact", items)
                    return
                self._add(head.start, kind_id, KINDS_BY_ID[kind_id].heading, items, table)
            else:
                name = head_name(head)
                if name:
                    self._add(head.start, "list", name, items, table)

    def _add(self, position: int, kind: str, heading: str, items: list[str],
             table: bool = False, count: int = 0) -> None:
        self.findings.append(Finding(position, kind, heading, items, table, count))

    def _details(self, head: Head, label: str, value: str) -> None:
        value = value.strip(" .:")
        if value:
            self.used.update(range(head.start, head.end))
            self._add(head.start, "details", "Contact", [f"{label}: {value}"])

    def _phone_end(self, start: int) -> tuple[int, int]:
        """Where a phone number starting at `start` ends, and how many digits it has."""
        end, digits = start, 0
        while end < len(self.doc):
            token = self.doc[end]
            if token.text.replace("-", "").replace(".", "").isdigit() or token.text in "()+-":
                digits += sum(c.isdigit() for c in token.text)
                end += 1
            else:
                break
        return end, digits

    def _phone(self, head: Head, start: int) -> None:
        end, digits = self._phone_end(start)
        if digits >= 6:
            words = [t for t in head.tokens if t.lower_ not in DETERMINERS
                     and t.lower_ not in ("call", "us", "at", "on", ":")]
            label = text_of(words) if words else "Phone"
            label = label[0].upper() + label[1:] if label else "Phone"
            self.used.update(range(start, end))
            self._add(head.start, "details", "Contact",
                      [f"{label}: {text_of(self.doc[start:end])}"])

    def _questions(self, head: Head, start: int) -> None:
        questions: list[str] = []
        current: list[Token] = []
        for token in self.doc[start:]:
            current.append(token)
            if token.text == "?":
                questions.append(text_of(current).strip())
                current = []
            elif token.text in (".", "!") and token.is_sent_end:
                break
        if questions:
            self.used.update(range(head.start, head.end))
            self._add(head.start, "faq", KINDS_BY_ID["faq"].heading, questions)

    def _pictures(self) -> None:
        for start, matches in self.cues.items():
            for label, end in matches:
                if label != "PICTURES":
                    continue
                number = next((parse_number(t) for t in self.doc[start:end]
                               if parse_number(t) is not None), None)
                if number:
                    self._add(start, "gallery", "Gallery", [], count=number)

    def _mentions(self) -> None:
        """Known sections named without items ("a contact form", "testimonials")."""
        for kind_id, start, end in keyword_matches(self.doc):
            tokens = range(start, end)
            if any(i in self.used or i in self.blocked for i in tokens):
                continue
            after = self.doc[end].lower_ if end < len(self.doc) else ""
            if kind_id == "projects" and after in SITE_WORDS or self.doc[start].lower_ == "shop":
                continue
            if kind_id == "menu" and after in ("bar",):
                continue
            form = after in FORM_WORDS
            self._add(start, "mention", kind_id, [], count=1 if form else 0)
        for token in self.doc:
            if token.lower_ in FORM_WORDS and token.i not in self.used \
                    and token.i not in self.blocked:
                head = self.head_before(token.i + 1, token.sent.start)
                self._add(token.i, "form", form_heading(head), [])
            if token.like_email and token.i not in self.used:
                self._add(token.i, "details", "Contact", [f"Email: {token.text}"])
            if token.lower_ in HERO_WORDS:
                self._add(token.i, "hero", "Hero", [])


def _newline(token: Token) -> bool:
    return token.is_space and "\n" in token.text


_PAIRS = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "`": "`"}


def unquoted(text: str) -> str:
    """Quotes around a whole item go; quotes inside it stay ("It's "quoted"" keeps its)."""
    text = text.strip()
    if len(text) >= 2 and _PAIRS.get(text[0]) == text[-1] and text.count(text[0]) == (
            2 if text[0] == text[-1] else 1):
        return text[1:-1].strip()
    return text


def head_name(head: Head) -> str:
    """"a table of this week's shows" -> "This week's shows"; "beer list table" -> "Beer list"."""
    tokens = list(head.tokens)

    def strip_front() -> None:
        while tokens and (tokens[0].lower_ in DETERMINERS or tokens[0].lower_ in LEADING_VERBS
                          or tokens[0].like_num or tokens[0].lower_ in ("of", "in", "as")
                          or tokens[0].lower_ in LIST_WORDS or tokens[0].lower_ in TABLE_WORDS):
            tokens.pop(0)

    strip_front()
    while tokens and (tokens[-1].lower_ in TABLE_WORDS or tokens[-1].lower_ in LIST_WORDS
                      and not (tokens[-1].lower_ == "list" and len(tokens) > 1
                               and not tokens[-2].lower_.endswith("s"))
                      or tokens[-1].lower_ in ("in", "as", "into", "a", "an", "the")):
        tokens.pop()
    strip_front()
    if not tokens:
        tokens = [t for t in head.tokens if t.lower_ not in DETERMINERS and not t.like_num]
    if not tokens:
        return ""
    text = text_of(tokens)
    return text[0].upper() + text[1:]


def form_heading(head: Head) -> str:
    """"an RSVP form" -> "RSVP"; "a form to suggest a trail" -> "Suggest a trail"."""
    lowers = head.lowers
    index = next((i for i, w in enumerate(lowers) if w in FORM_WORDS), len(lowers))
    before = [t for t in head.tokens[:index] if t.lower_ not in DETERMINERS
              and t.lower_ not in LEADING_VERBS and not t.like_num]
    if before:
        text = text_of(before)
        return text[0].upper() + text[1:]
    after = head.tokens[index + 1 :]
    if after and after[0].lower_ == "to" and len(after) > 1:
        text = text_of(after[1:])
        return text[0].upper() + text[1:]
    doc = head.tokens[0].doc if head.tokens else None
    if doc is not None:
        sentence = doc[head.start].sent
        for token in sentence:
            if token.lower_ in FORM_PURPOSES:
                return FORM_PURPOSES[token.lower_]
    return "Form"


def _field_labels(items: list[str]) -> list[str]:
    labels = []
    for item in items:
        words = item.split()
        while words and words[-1].lower().rstrip(".") in ("field", "fields", "only"):
            words.pop()
        if words:
            label = " ".join(words)
            labels.append(label[0].upper() + label[1:])
    return labels
