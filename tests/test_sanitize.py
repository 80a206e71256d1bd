"""The sanitiser's fast paths against the plain per-character definition it replaces."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from cxinbox.domain import sanitize
from cxinbox.domain.sanitize import clean_line, clean_text


def reference(text: str, keep_newlines: bool) -> str:
    """Escapes and bidi controls out, then every Cc/Cs/Co character made visible."""
    if not text:
        return ""
    text = sanitize._ESCAPES.sub("", text)
    text = text.translate(sanitize._BIDI_AND_INVISIBLE)
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cs", "Co"):
            out.append(sanitize._control_to_visible(ch, keep_newlines) if ord(ch) < 0xA0
                       else "\ufffd")
        else:
            out.append(ch)
    return "".join(out)


PIECES = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x24F),
    st.characters(min_codepoint=0x2000, max_codepoint=0x206F),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xF8FF),
    st.characters(min_codepoint=0xFFF0, max_codepoint=0x10FFFF),
    st.sampled_from(["\x1b[31m", "\x1b]52;c;aGk=\x07", "\u202e", "\x9b2J", "\r\n"]),
)
HOSTILE = st.lists(PIECES, max_size=40).map("".join)


@settings(max_examples=3000, deadline=None)
@given(HOSTILE)
def test_matches_the_per_character_definition(text: str) -> None:
    assert sanitize._clean(text, False) == reference(text, False)
    assert sanitize._clean(text, True) == reference(text, True)


def test_every_single_code_point_agrees() -> None:
    for code in range(0x110000):
        ch = chr(code)
        assert sanitize._clean(ch, False) == reference(ch, False), hex(code)


def test_plain_ascii_comes_back_unchanged_and_hostile_text_does_not() -> None:
    assert clean_line("Re: Lab results [urgent] #42") == "Re: Lab results [urgent] #42"
    assert clean_line("a\x1b[2Jb\x07c\u202ed") == "ab\ufffdcd"
    assert clean_text("line 1\r\nline\t2") == "line 1\nline    2"
