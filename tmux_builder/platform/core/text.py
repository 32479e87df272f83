"""Text a caller sends: no NUL and no other control characters. Free text (a request, a chat
message) may hold line breaks and tabs; one-line values (an email, a name) may not."""

from __future__ import annotations

import unicodedata

from tmux_builder.errors import InvalidInputError

MULTILINE_ALLOWED = frozenset("\n\r\t")


def control_character(value: str, *, multiline: bool) -> str | None:
    """The first control character of ``value`` that is not allowed, or None."""
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    for char in value:
        if char not in allowed and unicodedata.category(char) == "Cc":
            return char
    return None


def check_text(value: str, field: str, *, multiline: bool = False) -> str:
    """Return ``value`` unchanged, or refuse it naming ``field`` and the character."""
    found = control_character(value, multiline=multiline)
    if found is not None:
        raise InvalidInputError(
            f"must not contain control characters (found U+{ord(found):04X})", field=field
        )
    return value


# The same rules as regular expressions for the OpenAPI schema (JSON Schema ``pattern``:
# no look-arounds, explicit classes), each also requiring one character that is not blank.
_C0_C1 = r"\x00-\x1F\x7F-\x9F"
_C0_C1_BUT_BREAKS = r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F"
ONE_LINE_REGEX = rf"^[^{_C0_C1}]*[^\s{_C0_C1}][^{_C0_C1}]*$"
FREE_TEXT_REGEX = rf"^[^{_C0_C1_BUT_BREAKS}]*[^\s{_C0_C1}][^{_C0_C1_BUT_BREAKS}]*$"
