"""Both triage evaluation sets keep the shape and composition TRIAGE_EVAL.md promises.

A set that drifts (a category thinned out, a trap labelled as a red flag, a duplicated body that
counts twice) would make bench_triage's figures mean less than they claim, silently. Every rule
below holds for the development set (triage_eval.jsonl), the held-out set
(triage_holdout.jsonl) and the second blind set (triage_blind2.jsonl); the held-out set and the
second blind set have minimums of their own at the end.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from bench.triage_metrics import CATEGORIES, CHANNELS, INTENTS, LANGS, TRAPS, Example, load_set

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"
SETS = {
    "dev": DATA / "triage_eval.jsonl",
    "holdout": DATA / "triage_holdout.jsonl",
    "blind2": DATA / "triage_blind2.jsonl",
}
HOLDOUT = SETS["holdout"]
BLIND2 = SETS["blind2"]
KEYS = {"id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"}


@pytest.fixture(scope="module", params=sorted(SETS))
def set_path(request: pytest.FixtureRequest) -> Path:
    path: Path = SETS[request.param]
    return path


@pytest.fixture(scope="module")
def examples(set_path: Path) -> list[Example]:
    return load_set(set_path)


def _ordinary(examples: list[Example]) -> list[Example]:
    return [e for e in examples if e.red_flag is None and e.trap is None]


def test_every_line_is_one_object_with_exactly_the_documented_keys(set_path: Path) -> None:
    for number, line in enumerate(set_path.read_text(encoding="utf-8").splitlines(), start=1):
        raw = json.loads(line)
        assert set(raw) == KEYS, f"line {number}"
        for name in ("id", "lang", "channel", "subject", "body", "intent"):
            assert isinstance(raw[name], str) and (raw[name] or name == "subject"), (number, name)


def test_labels_come_from_the_allowed_lists(examples: list[Example]) -> None:
    for e in examples:
        assert e.lang in LANGS, e.id
        assert e.channel in CHANNELS, e.id
        assert e.intent in INTENTS, e.id
        assert e.red_flag is None or e.red_flag in CATEGORIES, e.id
        assert e.trap is None or e.trap in TRAPS, e.id
        assert e.trap_category is None or e.trap_category in CATEGORIES, e.id


def test_ids_unique_and_bodies_not_repeated(examples: list[Example]) -> None:
    ids = Counter(e.id for e in examples)
    assert [i for i, n in ids.items() if n > 1] == []
    bodies = Counter(" ".join(e.body.lower().split()) for e in examples)
    assert [b[:60] for b, n in bodies.items() if n > 1] == []


def test_traps_are_not_red_flags_and_name_the_category_they_imitate(
    examples: list[Example],
) -> None:
    for e in examples:
        if e.trap is not None:
            assert e.red_flag is None, e.id
            assert e.trap_category is not None, e.id
        else:
            assert e.trap_category is None, e.id
        if e.trap in {"quoted", "signature"}:
            assert e.channel == "email", e.id  # texts carry neither quoted history nor signatures


def test_size_and_languages(examples: list[Example]) -> None:
    assert len(examples) >= 420
    spanish = sum(e.lang == "es" for e in examples)
    assert spanish / len(examples) >= 0.35


def test_every_category_has_enough_varied_positives(examples: list[Example]) -> None:
    for category in CATEGORIES:
        positives = [e for e in examples if e.red_flag == category]
        assert len(positives) >= 16, category
        combos = Counter((e.lang, e.channel) for e in positives)
        for lang in LANGS:
            for channel in CHANNELS:
                assert combos[(lang, channel)] >= 1, (category, lang, channel)
        assert len({e.intent for e in positives}) >= 2, category  # not all pure symptom reports


def test_traps_are_a_fifth_and_spread_over_kinds_and_categories(examples: list[Example]) -> None:
    traps = [e for e in examples if e.trap is not None]
    assert len(traps) * 5 >= len(examples)
    kinds = Counter(e.trap for e in traps)
    for kind in TRAPS:
        assert kinds[kind] >= 8, kind
        covered = {e.trap_category for e in traps if e.trap == kind}
        assert len(covered) >= 4, kind
        assert {e.lang for e in traps if e.trap == kind} == set(LANGS), kind
    near = Counter(e.trap_category for e in traps)
    for category in CATEGORIES:
        assert near[category] >= 6, category


def test_ordinary_messages_cover_every_intent(examples: list[Example]) -> None:
    intents = Counter(e.intent for e in _ordinary(examples))
    for intent in INTENTS:
        assert intents[intent] >= 15, intent
    langs = Counter((e.intent, e.lang) for e in _ordinary(examples))
    for intent in INTENTS:
        assert langs[(intent, "es")] >= 5, intent


def test_emails_look_like_email_and_texts_like_texts(examples: list[Example]) -> None:
    emails = [e for e in examples if e.channel == "email"]
    assert all(e.subject for e in emails)
    assert all(e.subject == "" for e in examples if e.channel == "sms")
    quoted = [
        e
        for e in emails
        if re.search(r"^> |wrote:$|escribió:$|-{5}(Original|Mensaje)", e.body, re.MULTILINE)
    ]
    assert len(quoted) >= 20
    positives_with_quote = [e for e in quoted if e.red_flag is not None]
    assert len(positives_with_quote) >= 5  # the emergency above a harmless quoted history


def test_no_real_contact_details(examples: list[Example]) -> None:
    """Addresses use reserved example domains; phone numbers the fictional 555-01xx range."""
    for e in examples:
        for domain in re.findall(r"@([\w.-]+\w)", e.body):
            assert domain.endswith(".example") or domain in {
                "example.com",
                "example.net",
                "example.org",
            }, e.id
        for number in re.findall(r"\b\d{3}-\d{4}\b", e.body):
            assert number.startswith("555-01"), e.id


# The held-out set's own minimums (issue #13, item 3): larger than the development set's.


@pytest.fixture(scope="module")
def holdout() -> list[Example]:
    return load_set(HOLDOUT)


def test_holdout_size_languages_and_channels(holdout: list[Example]) -> None:
    assert len(holdout) >= 450
    assert sum(e.lang == "es" for e in holdout) / len(holdout) >= 0.35
    for channel in CHANNELS:
        assert sum(e.channel == channel for e in holdout) / len(holdout) >= 0.3, channel


def test_holdout_has_22_positives_per_category(holdout: list[Example]) -> None:
    counts = Counter(e.red_flag for e in holdout if e.red_flag is not None)
    for category in CATEGORIES:
        assert counts[category] >= 22, category
        spanish = [e for e in holdout if e.red_flag == category and e.lang == "es"]
        assert len(spanish) >= 7, category


def test_holdout_traps_are_110_over_every_kind_and_category(holdout: list[Example]) -> None:
    traps = [e for e in holdout if e.trap is not None]
    assert len(traps) >= 110
    kinds = Counter(e.trap for e in traps)
    for kind in TRAPS:
        assert kinds[kind] >= 10, kind
        assert len({e.trap_category for e in traps if e.trap == kind}) >= 8, kind
    near = Counter(e.trap_category for e in traps)
    for category in CATEGORIES:
        assert near[category] >= 8, category


def test_holdout_ordinary_messages_cover_every_intent(holdout: list[Example]) -> None:
    intents = Counter((e.intent, e.lang) for e in _ordinary(holdout))
    for intent in INTENTS:
        assert intents[(intent, "en")] + intents[(intent, "es")] >= 15, intent
        assert intents[(intent, "es")] >= 5, intent


def test_holdout_shares_no_body_with_the_development_set(holdout: list[Example]) -> None:
    def norm(e: Example) -> str:
        return " ".join(e.body.lower().split())

    development = {norm(e) for e in load_set(SETS["dev"])}
    assert [e.id for e in holdout if norm(e) in development] == []


# The second blind set's own minimums (issue #13, item 3): written apart from the detector and
# from every other set, so it must share no body with any other file in bench/data.


@pytest.fixture(scope="module")
def blind2() -> list[Example]:
    return load_set(BLIND2)


def test_blind2_size_languages_and_channels(blind2: list[Example]) -> None:
    assert len(blind2) >= 380
    assert sum(e.lang == "es" for e in blind2) / len(blind2) >= 0.35
    for channel in CHANNELS:
        assert sum(e.channel == channel for e in blind2) / len(blind2) >= 0.3, channel


def test_blind2_has_20_positives_per_category(blind2: list[Example]) -> None:
    for category in CATEGORIES:
        positives = [e for e in blind2 if e.red_flag == category]
        assert len(positives) >= 20, category
        assert sum(e.lang == "es" for e in positives) >= 7, category
        assert len({e.intent for e in positives}) >= 3, category


def test_blind2_traps_are_90_over_every_kind_and_category(blind2: list[Example]) -> None:
    traps = [e for e in blind2 if e.trap is not None]
    assert len(traps) >= 90
    kinds = Counter(e.trap for e in traps)
    for kind in TRAPS:
        assert kinds[kind] >= 8, kind
        assert len({e.trap_category for e in traps if e.trap == kind}) >= 8, kind
    near = Counter(e.trap_category for e in traps)
    for category in CATEGORIES:
        assert near[category] >= 8, category


def test_blind2_ordinary_messages_cover_every_intent(blind2: list[Example]) -> None:
    intents = Counter((e.intent, e.lang) for e in _ordinary(blind2))
    for intent in INTENTS:
        assert intents[(intent, "en")] + intents[(intent, "es")] >= 12, intent
        assert intents[(intent, "es")] >= 4, intent


def test_blind2_shares_no_body_with_any_other_set(blind2: list[Example]) -> None:
    def norm(body: str) -> str:
        return " ".join(body.lower().split())

    others = set()
    for path in sorted(DATA.glob("*.jsonl")):
        if path == BLIND2:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)
            if isinstance(raw, dict) and isinstance(raw.get("body"), str) \
                    and raw.get("id") not in LATER_ECHOES:
                others.add(norm(raw["body"]))
    assert others  # the other sets were read
    assert [e.id for e in blind2 if norm(e.body) in others] == []


LATER_ECHOES = {"b25-0563", "b38-0008"}
"""Later writers' messages that happen to be one of blind2's everyday sentences word for
word ("are my blood test results back from monday?", blind2's ord-test_results-01; "a qué
hora cierran los sábados?", its ord-other-02): written
apart from it by a writer who never saw blind2, so theirs, not a copy; blind2's own test is
that it shares no body with the sets that existed when it was written."""
