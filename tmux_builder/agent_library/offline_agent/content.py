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

from spacy.tokens import Doc, Token

from tmux_builder.agent_library.offline_agent.headings import (
    Head,
    field_labels,
    form_heading,
    head_name,
)
from tmux_builder.agent_library.offline_agent.items import STRUCTURE_WORDS, newline, split_items
from tmux_builder.agent_library.offline_agent.matchers import (
    cue_matcher,
    keyword_matches,
    known_kind,
    parse_number,
)
from tmux_builder.agent_library.offline_agent.nlp import (
    QUOTES,
    capitalised,
    pipeline,
    spaced_dash,
    text_of,
)
from tmux_builder.agent_library.offline_agent.vocabulary import (
    DETERMINERS,
    FORM_WORDS,
    HEAD_BOUNDARIES,
    HERO_WORDS,
    KINDS_BY_ID,
    LIST_WORDS,
    NAV_WORDS,
    OFFER_VERBS,
    PICTURE_WORDS,
    SITE_WORDS,
    TABLE_WORDS,
)

MAX_HEAD_TOKENS = 7
_PUNCT_BOUNDARIES = {",", ";", ":", "(", ")", ".", "!", "?", "\u2014", "\u2013", "--", "/"}
_PRONOUNS = frozenset({"it", "this", "that", "there", "which", "who", "what", "they", "he",
                       "she", "you", "i", "we"})


@dataclass
class Finding:
    """One thing the request asks for, at token `position` (page order follows it)."""

    position: int
    # A known section id, or "list", "form", "nav", "sections", "details", "gallery", "hero",
    # or "mention" (a known section named without items; `heading` holds its id).
    kind: str
    heading: str
    items: list[str] = field(default_factory=list)
    table: bool = False
    count: int = 0


@dataclass
class Anchor:
    head: Head
    content_start: int
    explicit_end: int | None = None
    strength: str = "strong"
    offered_kind: str | None = None


def _starts_content(token: Token) -> bool:
    """Items start with a capital or a figure ("Mon-Fri 9-5", "$12", "Eagle Ridge")."""
    return capitalised(token) or token.like_num or token.is_currency or token.text[:1].isdigit()


class Reader:
    """Reads one request; `findings` lists what it asks for, in order."""

    def __init__(self, doc: Doc, blocked: set[int]) -> None:
        self.doc = doc
        self.blocked = set(blocked)
        self.used: set[int] = set()
        self.findings: list[Finding] = []
        strings = pipeline().vocab.strings
        self.cues: dict[int, list[tuple[str, int]]] = {}
        for label, start, end in cue_matcher()(doc):
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
                    or newline(token)):
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
        if anchor.strength == "open":
            return anchor.content_start < len(self.doc) and _starts_content(
                self.doc[anchor.content_start])
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
        if label == "OPEN":
            head = Head(index, cue_end, list(self.doc[index:cue_end]))
            return Anchor(head, cue_end, strength="open", offered_kind="hours")
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
            if not _starts_content(nxt) or nxt.lower_ in STRUCTURE_WORDS or nxt.text in QUOTES:
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

    def items(self, start: int, end: int, *, bounded: bool,
              names_sections: bool = False) -> list[str]:
        items, used = split_items(self.doc, start, end, bounded=bounded, blocked=self.blocked,
                                  names_sections=names_sections)
        self.used |= used
        return items

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
        if anchor.strength in ("offer", "open"):
            kind_id = anchor.offered_kind or "services"
            items = self.items(anchor.content_start, limit, bounded=False)
            if len(items) >= (2 if anchor.strength == "offer" else 1):
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
        items = self.items(anchor.content_start, limit, bounded=bounded,
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
            self._add(head.start, "form", form_heading(head), field_labels(items))
        elif self._is_nav(head):
            self._add(head.start, "nav", "Navigation", items)
        elif lowers == ["sections"] or lowers[-1:] == ["sections"]:
            self._add(head.start, "sections", "Sections", items)
        else:
            kind_id = known_kind(head.tokens, as_noun=True)
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
            if (kind_id == "projects" and after in SITE_WORDS) or self.doc[start].lower_ == "shop":
                continue
            if kind_id == "menu" and after in ("bar",):
                continue
            self._add(start, "mention", kind_id, [])
        for token in self.doc:
            if token.lower_ in FORM_WORDS and token.i not in self.used \
                    and token.i not in self.blocked:
                head = self.head_before(token.i + 1, token.sent.start)
                self._add(token.i, "form", form_heading(head), [])
            if token.like_email and token.i not in self.used:
                self._add(token.i, "details", "Contact", [f"Email: {token.text}"])
            if token.lower_ in HERO_WORDS:
                self._add(token.i, "hero", "Hero", [])


