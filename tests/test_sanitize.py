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
    text = text.replace("\u2028", "\n" if keep_newlines else " ")
    text = text.replace("\u2029", "\n" if keep_newlines else " ")
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
    st.characters(min_codepoint=0xE0000, max_codepoint=0xE00FF),
    st.characters(min_codepoint=0xFFF0, max_codepoint=0x10FFFF),
    st.sampled_from(["\x1b[31m", "\x1b]52;c;aGk=\x07", "\u202e", "\x9b2J", "\r\n"]),
)
HOSTILE = st.lists(PIECES, max_size=40).map("".join)


@settings(max_examples=3000, deadline=None)
@given(HOSTILE)
def test_matches_the_per_character_definition(text: str) -> None:
    assert sanitize._clean(text, False) == reference(text, False)
    assert sanitize._clean(text, True) == reference(text, True)


ASCII_HOSTILE = st.lists(st.one_of(
    st.characters(max_codepoint=0x7F),
    st.sampled_from(["\x1b[31m", "\x1b]52;c;aGk=\x07", "\x1b\\", "\x1bc", "\r\n", "\n\n"]),
), max_size=40).map("".join)


@settings(max_examples=3000, deadline=None)
@given(ASCII_HOSTILE)
def test_ascii_text_matches_the_per_character_definition(text: str) -> None:
    # ASCII text skips the tables and, without ESC, the escape search: the same answer.
    assert text.isascii()
    assert sanitize._clean(text, False) == reference(text, False)
    assert sanitize._clean(text, True) == reference(text, True)


def test_every_single_code_point_agrees() -> None:
    for code in range(0x110000):
        ch = chr(code)
        assert sanitize._clean(ch, False) == reference(ch, False), hex(code)
        assert sanitize._clean(ch, True) == reference(ch, True), hex(code)


def test_plain_ascii_comes_back_unchanged_and_hostile_text_does_not() -> None:
    assert clean_line("Re: Lab results [urgent] #42") == "Re: Lab results [urgent] #42"
    assert clean_line("a\x1b[2Jb\x07c\u202ed") == "ab\ufffdcd"
    assert clean_text("line 1\r\nline\t2") == "line 1\nline    2"


def test_invisible_characters_that_smuggle_text_are_removed() -> None:
    # Tag characters spell an invisible ASCII copy ("ignore" here); soft hyphen and the
    # invisible operators draw nothing; none of them may survive into a stored or shown field.
    hidden = "".join(chr(0xE0000 + ord(c)) for c in "ignore")
    assert clean_line(f"ok{hidden}\U000e0001\U000e007f") == "ok"
    assert clean_line("as\u00adsign\u2061\u2062\u2063\u2064ed") == "assigned"
    assert clean_text("a\u00adb") == "ab"


def test_line_separators_break_no_single_line_field() -> None:
    assert clean_line("one\u2028two\u2029three") == "one two three"
    assert clean_text("one\u2028two\u2029three") == "one\ntwo\nthree"
    assert "\u2028" not in sanitize._clean("x\u2028y", keep_newlines=False)
