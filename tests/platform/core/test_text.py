"""The text rule (no control characters, not blank) as code and as the schema's pattern
agree on any text, so a client that follows the published schema is never refused."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tmux_builder.errors import InvalidInputError
from tmux_builder.platform.core.text import (
    FREE_TEXT_REGEX,
    ONE_LINE_REGEX,
    check_text,
    control_character,
)

SAMPLES = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(" \t\n\r\x00\x1b\x85\xa0")),
                  max_size=30)


@settings(max_examples=500, deadline=None)
@given(SAMPLES)
def test_the_pattern_and_the_check_agree(value: str) -> None:
    for regex, multiline in ((FREE_TEXT_REGEX, True), (ONE_LINE_REGEX, False)):
        allowed = control_character(value, multiline=multiline) is None and bool(value.strip())
        assert bool(re.fullmatch(regex, value)) == allowed, (repr(value), multiline)


@pytest.mark.parametrize(("value", "multiline", "refused"), [
    ("two\nlines\tand a tab\r\n", True, False),
    ("two\nlines", False, True),
    ("nul\x00", True, True),
    ("escape \x1b[31m red", True, True),
    ("next line \x85", True, True),
    ("delete \x7f", False, True),
    ("non-breaking\xa0space and é", False, False),
])
def test_check_text_names_the_field(value: str, multiline: bool, refused: bool) -> None:
    if not refused:
        assert check_text(value, "requirements", multiline=multiline) == value
        return
    with pytest.raises(InvalidInputError) as error:
        check_text(value, "requirements", multiline=multiline)
    assert error.value.field == "requirements" and "U+" in error.value.message
