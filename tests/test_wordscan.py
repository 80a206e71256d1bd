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


SPLIT_PATTERNS = [
    # overlapping alternatives: the first in order wins at a place, not the longest
    r"\bchest|\bchest pain|\bpain in (?:my|the) chest|\bno pain",
    r"\bab|\ba|\babc(?=d)|\b(?<=x)bc|\bcd",
    # a named group and a reference to it inside one alternative; one with no needs
    r"\bcalled (?P<q>[\"'])[^\"'\n]{1,9}(?P=q)(?!\w)|\bx+|\b\w?|\bnot|\bnothing",
    r"\bhi\b|\bhip(?:s|ped)|\bpi?n|\bé\w*|\bré",
]
SPLIT_ALPHABET = "abcdx nothipnsré'\"-.|0123456789_é\nl"


@settings(max_examples=800, deadline=None)
@given(text=st.text(alphabet=SPLIT_ALPHABET, max_size=80), which=st.sampled_from(SPLIT_PATTERNS))
def test_a_split_alternation_matches_as_the_whole_one(text: str, which: str) -> None:
    """The same spans as the pattern read whole (WordPattern unsplit; the test above
    compares that one with `re`)."""
    split = WordPattern(which, split=True)
    assert split.split is not None
    whole = WordPattern(which)
    assert [(m.start(), m.end()) for m in split.finditer(text)] == \
        [(m.start(), m.end()) for m in whole.finditer(text)]


def test_a_split_alternation_on_written_examples() -> None:
    pattern = WordPattern(SPLIT_PATTERNS[0], split=True)
    assert [m.group() for m in pattern.finditer("chest pain, no pain in my chest")] == \
        ["chest", "no pain", "chest"]
    assert list(pattern.finditer("nothing here")) == []
    quoted = WordPattern(SPLIT_PATTERNS[2], split=True)
    assert [m.group() for m in quoted.finditer("a leaflet called 'fever' xx")] == \
        ["a", "", "l", "", "called 'fever'", "xx", ""]


def test_alternations_that_cannot_be_split_are_read_whole() -> None:
    assert WordPattern(r"\b(a)x|\b\1y", split=True).split is None  # a group by number
    assert WordPattern(r"(?i)\ba|\bb", split=True).split is None  # a flag for all of it
    assert WordPattern(r"\b(?:a|b)|c", split=True).split is None  # not word-anchored
    assert WordPattern(r"\ba(?P<n>b)|\b(?P=n)", split=True).split is None  # a name across


def test_the_pseudo_phrases_split_find_what_the_whole_pattern_finds() -> None:
    """Over every labelled message: the lexicon's pseudo phrases searched alternative by
    alternative give the spans of the one compiled alternation."""
    import json
    from pathlib import Path

    from cxinbox.domain import redflag
    from cxinbox.domain import redflag_lexicon as lex

    split = redflag._compiled().pseudo
    assert split.split is not None
    whole = re.compile("|".join(lex.PSEUDO))
    data = Path(__file__).resolve().parent.parent / "bench" / "data"
    texts = [redflag.fold(json.loads(line)["body"])[0]
             for path in sorted(data.glob("triage_*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) > 10000
    found = 0
    for text in texts:
        spans = [m.span() for m in split.finditer(text)]
        assert spans == [m.span() for m in whole.finditer(text)]
        found += len(spans)
    assert found > 100


FAMILY = [r"\bchest pain", r"\bpecho", r"\bno\b", r"\b(?:shortness|short) of breath",
          r"\bx+", r"\bthe (?:worst|bad) headache", r"\bdolor de pecho"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="chestpaindorfbxwkl ", max_size=80),
       late=st.integers(min_value=0, max_value=len(FAMILY)))
def test_a_family_leaves_in_what_asking_each_pattern_leaves_in(text: str, late: int) -> None:
    from cxinbox.domain.regexneed import NeedIndex
    from cxinbox.domain.wordscan import Family, possible

    index = NeedIndex()
    other = NeedIndex()
    # one pattern filed elsewhere; those after `late` filed after the answer is made
    patterns = [WordPattern(p, other if i == 1 else index) for i, p in enumerate(FAMILY[:late])]
    answer = possible(text, index)
    patterns += [WordPattern(p, index) for p in FAMILY[late:]]
    family = Family(patterns, index)
    expected = [i for i, p in enumerate(patterns) if not p.ruled_out(answer)]
    assert family.left_in(answer) == expected
    assert family.left_in(possible(text, other)) == list(range(len(patterns)))
