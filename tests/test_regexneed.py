"""The detectors' prefilter (domain/regexneed.py): a pattern is skipped only where it could
not have matched, and the patterns it compiles are the ones `re.compile` makes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cxinbox.domain import intent, redflag
from cxinbox.domain.regexneed import NeedIndex, compile_with_needs, needs
from cxinbox.domain.wordscan import WordPattern, possible

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"


@pytest.mark.parametrize(("pattern", "expected"), [
    ("chest pain", {"chest pain"}),
    ("(?:chest|pecho) duele", {"chest duele", "pecho duele"}),
    (r"pains?\b", {"pain", "pains"}),
    (r"ab(?:c|d)?e", {"abe", "abce", "abde"}),
    (r"(?:chest|pecho) (?:pain|dolor)", {"chest ", "pecho "}),  # long enough: a run stops
    (r"\w+ing", {"ing"}),
    (r"(?=x)hello", {"hello"}),
    (r"over ?dose", {"overdose", "over dose"}),
    (r"(?:a|b+)", None),  # 'a' or b's: nothing of three letters is needed
    (r"x*", None),  # matches the empty string: nothing is needed
    (r"(a)\1bcd", None),  # a back-reference is not read
    (r"(?i)chest", None),  # nor a case-insensitive pattern
    (r"[^abc]pain", {"pain"}),
    (r"(?:heart|chest)\W+(?:[\w']+\W+){0,3}?pain", {"chest", "heart"}),
])
def test_needs_of_a_pattern(pattern: str, expected: set[str] | None) -> None:
    found = needs(pattern)
    if expected is None:
        assert found is None or any(len(s) < 3 for s in found)
    else:
        assert found == frozenset(expected)


def _lexicon_patterns() -> list[WordPattern]:
    c = redflag._compiled()
    patterns = [p for _c, p in c.targets] + [p for _c, p, _cue in c.cued]
    patterns += list(c.cues.values()) + [p for _k, _d, p in c.modifiers]
    patterns += [c.pseudo, c.terminators, c.breakers, c.figurative, c.ended, c.days_behind,
                 c.sign_question, c.older_age, c.not_pregnant, *c.bulk, *c.strong_bulk]
    patterns += [p for rules in intent._rules().values() for _w, p in rules]
    return patterns


def test_compiled_patterns_are_re_compiles() -> None:
    for pattern in _lexicon_patterns():
        assert pattern.regex == re.compile(pattern.regex.pattern)


def test_most_lexicon_patterns_are_filed() -> None:
    patterns = [p for p in _lexicon_patterns() if p.index is not None]
    filed = sum(1 for p in patterns if p.need_id is not None)
    assert filed >= 0.8 * len(patterns)


def test_an_answer_of_another_index_rules_nothing_out() -> None:
    mine, other = NeedIndex(), NeedIndex()
    pattern = WordPattern(r"\bchest pain\b", mine)
    assert pattern.need_id is not None
    assert pattern.ruled_out(possible("nothing here", mine))
    other.add(frozenset({"elsewhere"}))
    assert not pattern.ruled_out(possible("nothing here", other))
    assert list(pattern.finditer("nothing here")) == []
    assert [m.group() for m in pattern.finditer("my chest pain")] == ["chest pain"]


def test_no_pattern_that_matches_is_ruled_out() -> None:
    """Over a labelled set's texts (folded as the detectors read them): wherever a lexicon
    pattern matches, the index says it could."""
    texts = []
    for line in (DATA / "triage_blind10.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            texts += [redflag.fold(row["body"])[0], redflag.fold(row["subject"])[0]]
    patterns = _lexicon_patterns()
    ruled_out = matched = 0
    for text in texts:
        for pattern in patterns:
            hit = pattern.regex.search(text) is not None
            out = pattern.index is not None and pattern.ruled_out(
                possible(text, pattern.index))
            assert not (hit and out), (pattern.regex.pattern[:80], pattern.need_id)
            ruled_out += out
            matched += hit
    assert matched > 0
    assert ruled_out > 0.5 * len(texts) * len(patterns)  # and the filter does rule out


def test_a_pattern_filed_after_an_answer_is_not_ruled_out_by_it() -> None:
    index = NeedIndex()
    first = index.add(frozenset({"chest"}))
    answer = index.possible("my chest hurts")
    later = index.add(frozenset({"hurts"}))
    assert first is not None and later is not None
    assert not answer.rules_out(first)
    assert not answer.rules_out(later)  # unknown to that answer: run, never skipped
    assert not index.possible("my chest hurts").rules_out(later)
    assert index.possible("nothing here").rules_out(first)


def test_an_unfiled_pattern_is_always_run() -> None:
    pattern = WordPattern(r"\bab?\b")
    assert pattern.need_id is None
    assert [m.group() for m in pattern.finditer("a ab abc")] == ["a", "ab"]


def test_compile_with_needs_raises_as_re_compile_does() -> None:
    with pytest.raises(re.error):
        compile_with_needs("(unclosed")
