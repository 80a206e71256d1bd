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
