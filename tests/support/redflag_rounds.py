"""What the lexicon-pass test files (tests/test_redflag_round*.py) ask of their
families: a positive read by the lexicon and rules alone (no model, no judge), so each case
says what the lexicon itself makes of the pattern; a near miss quiet under the lexicon alone
and under the whole detector; both languages in every list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cxinbox.domain.triage import assess, inspect


def lexicon_flag(body: str) -> str | None:
    """The red flag the lexicon and rules name, the statistical model left out."""
    return inspect(body, channel="sms", statistical=False).assessment.red_flag


def assert_read(body: str, category: str) -> None:
    assert lexicon_flag(body) == category, body


def assert_quiet(body: str) -> None:
    assert lexicon_flag(body) is None, body
    assert assess(body, channel="sms").red_flag is None, body


def assert_both_languages(flags: Sequence[tuple[str, str, str]],
                          traps: Iterable[Sequence[str]], categories: int) -> None:
    """Both lists hold English and Spanish; each of `categories` categories among the flags
    has a case in both."""
    for cases in (list(flags), list(traps)):
        assert {case[0] for case in cases} == {"en", "es"}
    by_category: dict[str, set[str]] = {}
    for lang, _body, category in flags:
        by_category.setdefault(category, set()).add(lang)
    assert len(by_category) == categories
    assert all(langs == {"en", "es"} for langs in by_category.values()), by_category
