"""WordPattern finds exactly what the same pattern with its leading word boundaries finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cxinbox.domain.wordscan import WordPattern

PATTERNS = [
    r"\bpain\b", r"\bno|\bnot\b", r"\b(?:chest|pecho)\W+(?:\w+\W+){0,2}hurts?",
    r"\b\d+ ?mg\b", r"\bcan'?t (?:breathe?|talk)|\bab(?:c|d)[|]", r"\b(?:a|b)|c",
    r"\b\W+x", r"\bé\w*",
]
ALPHABET = "abcdx nothipnsré'-.|0123456789_é\n"


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=60), which=st.sampled_from(PATTERNS))
def test_same_matches_as_the_plain_pattern(text: str, which: str) -> None:
    fast = WordPattern(which)
    plain = re.compile(which)
    assert [(m.start(), m.end()) for m in fast.finditer(text)] == \
        [(m.start(), m.end()) for m in plain.finditer(text)]
    found, expected = fast.search(text), plain.search(text)
    assert (found and found.span()) == (expected and expected.span())


def test_only_patterns_anchored_in_every_alternative_are_rewritten() -> None:
    assert WordPattern(r"\ba|\bb").anchored
    assert not WordPattern(r"\b(?:a|b)|c").anchored
    assert WordPattern(r"\b[|]x|\by").pattern == r"[|]x|y"


def _top_level_by_character(pattern: str) -> list[str]:
    """The outermost alternatives, read one character at a time: what `_top_level` must
    give."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    in_set = escaped = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_set:
            in_set = ch != "]"
        elif ch == "[":
            in_set = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


@settings(max_examples=2000, deadline=None)
@given(pattern=st.text(alphabet="ab|()[]\\^- \n", max_size=30))
def test_top_level_alternatives_as_read_by_character(pattern: str) -> None:
    from cxinbox.domain.wordscan import _top_level

    assert _top_level(pattern) == _top_level_by_character(pattern)


def test_top_level_splits_only_outside_groups_sets_and_escapes() -> None:
    from cxinbox.domain.wordscan import _top_level

    assert _top_level(r"\ba|\b(?:b|c)|[|]|\|d") == [r"\ba", r"\b(?:b|c)", "[|]", r"\|d"]
    assert _top_level("plain") == ["plain"]
