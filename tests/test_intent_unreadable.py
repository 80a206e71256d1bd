"""Text with nothing to read gets `other`; short text that says something keeps its intent.

Where the intent rules find nothing (path "none"), the statistical model may overrule them.
On a name, a date of birth, a bounce line or a phone number it reads almost nothing, and its
empty-text prior leaned such text to `clinical_question` (triage.py `_nothing_read`,
TRIAGE_EVAL.md "Text with nothing to read (round 38)"). The labelled set of that round,
bench/data/intent_unreadable.jsonl, is checked here for its shape; the sentences below are
our own.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path

import pytest
from bench.triage_metrics import INTENTS, load_set

from cxinbox.domain import textmodel, triage

SET = Path(__file__).resolve().parent.parent / "bench" / "data" / "intent_unreadable.jsonl"
KEYS = {"id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"}
LOW_CONTENT = [*range(1, 174), *range(341, 371)]
"""iu-0001..0173 and the second batch's iu-0341..0370: nothing to read (TRIAGE_EVAL.md,
"Text with nothing to read (round 38)")."""
NEAR = [*range(174, 341), *range(371, 401)]
"""iu-0174..0340 and iu-0371..0400: short messages that say something, every intent, both
languages."""


# Nothing to read: before round 38 the model filed each of these as a clinical question, a
# form, or spam (a lone mark).
NOTHING_TO_READ = [
    ("", "this is Gil"),
    ("", "dob 7/19/1971"),
    ("", "cheers, Wen"),
    ("", "yo"),
    ("", "Missed voice call"),
    ("", "5/5/1955"),
    ("", "555-0190"),
    ("", "!"),
    ("", "Bartholomew Quist 2/14/1990"),
    ("", "Rosa Elena Quintanilla"),
    ("", "soy Efraín"),
    ("", "f/n 19-07-1971"),
    ("", "soy la de ayer"),
    ("(no subject)", "Ines Walcott"),
    ("Hello", "Gideon Marsh-Taylor"),
    ("hi", "dob 2/2/1962"),
]

# Short, and saying something: the rules' request, or the model's reading of a reply it knows.
SAYS_SOMETHING = [
    ("refill?", "prescription_refill"),
    ("results back?", "test_results"),
    ("can I come in today", "appointment_book"),
    ("me duele", "clinical_question"),
    ("cancel", "appointment_change_cancel"),
    ("C", "appointment_change_cancel"),
    ("still good for my 3:30 tmrw?", "appointment_change_cancel"),
    ("ya salio lo de la tiroides?", "test_results"),
    ("me resurten la sertralina?", "prescription_refill"),
]


@pytest.mark.parametrize(("subject", "body"), NOTHING_TO_READ)
def test_text_with_nothing_to_read_is_other(subject: str, body: str) -> None:
    detail = triage.inspect(body, subject=subject, channel="email" if subject else "sms")
    assert (detail.assessment.intent, detail.decided_by) == ("other", "none"), body


@pytest.mark.parametrize(("body", "intent"), SAYS_SOMETHING)
def test_short_text_that_says_something_keeps_its_intent(body: str, intent: str) -> None:
    assert triage.assess(body, channel="sms").intent == intent, body


# The gate itself, on a hand-made model: the shipped one is retrained, the rule stays.

WORDS = "blorp snarf quibbet zonk"
"""Nonsense the intent rules find nothing in: the hand-made model below knows its features."""
LONG_WORDS = "blorp snarf quibbet zonk vrell gimbo drassik plunt wozzle fenk"


def _model(text: str, push: float) -> textmodel.TriageModel:
    """An intent model whose empty-text prior is like the shipped one's (`other` about 0.6,
    `clinical_question` about 0.33, every request about 0.01), and in which each feature of
    `text` adds `push` to `clinical_question`; a red-flag model that flags nothing."""
    found = textmodel.features(text)
    intents = tuple(triage.INTENTS)
    bias = tuple({"other": 2.0, "clinical_question": 1.4}.get(c, -2.0) for c in intents)
    k = intents.index("clinical_question")
    rows = {f: tuple(push if i == k else 0.0 for i in range(len(intents))) for f in found}
    intent = textmodel.LinearModel(intents, bias, rows)
    flags = ("none", *triage.CATEGORIES)
    redflag = textmodel.LinearModel(flags, tuple(5.0 if c == "none" else 0.0 for c in flags), {})
    return textmodel.TriageModel(redflag, intent, 0.6)


def _push_for_lift(text: str, lift: float) -> float:
    """The push per feature at which `text` lifts `clinical_question` over `other` by `lift`
    (every feature known: their sum times 1/sqrt(count))."""
    return lift / math.sqrt(len(textmodel.features(text)))


def test_a_short_text_must_lift_the_intent_by_itself() -> None:
    assert len(textmodel.features(WORDS)) < triage.READ_ENOUGH
    weak = _model(WORDS, _push_for_lift(WORDS, 1.0))  # p about 0.5: over MODEL_TAKES
    probs = weak.intent_probabilities(WORDS)
    assert probs["clinical_question"] >= triage.MODEL_TAKES["none"]
    assert triage.inspect(WORDS, channel="sms", model=weak).assessment.intent == "other"
    strong = _model(WORDS, _push_for_lift(WORDS, triage.SHORT_LIFT + 0.5))
    detail = triage.inspect(WORDS, channel="sms", model=strong)
    assert (detail.assessment.intent, detail.decided_by) == ("clinical_question", "model")


def test_a_text_the_model_reads_enough_of_is_overruled_as_before() -> None:
    assert len(textmodel.features(LONG_WORDS)) >= triage.READ_ENOUGH
    weak = _model(LONG_WORDS, _push_for_lift(LONG_WORDS, 1.0))
    detail = triage.inspect(LONG_WORDS, channel="sms", model=weak)
    assert (detail.assessment.intent, detail.decided_by) == ("clinical_question", "model")


def test_a_text_without_letters_is_never_overruled() -> None:
    marks = "?? 4471 !!"
    sure = _model(marks, _push_for_lift(marks, 12.0))
    assert sure.intent_probabilities(marks)["clinical_question"] > 0.99
    assert triage.inspect(marks, channel="sms", model=sure).assessment.intent == "other"


def test_lift_is_the_texts_share_against_the_empty_text() -> None:
    model = textmodel.LinearModel(("a", "b"), (0.0, 2.0), {7: (1.0, 0.0)})
    probs = model.probabilities({7, 8})  # 8 is unknown: it counts in the scale only
    assert model.lift(probs, "a", "b") == pytest.approx(1.0 / math.sqrt(2))
    assert model.lift(model.probabilities(set()), "a", "b") == pytest.approx(0.0)


def test_known_counts_the_features_the_intent_model_has_rows_for() -> None:
    model = _model(WORDS, 1.0)
    assert model.intent_known(WORDS) == len(textmodel.features(WORDS))
    assert model.intent_known("entirely different words") == 0
    assert model.intent_known("", "blorp") == 0  # a subject's features are its own


# The labelled set's shape.

@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines()]


def test_every_line_has_the_labelled_sets_keys_and_values(rows: list[dict[str, object]]) -> None:
    for number, row in enumerate(rows, start=1):
        assert set(row) == KEYS, number
        assert row["id"] == f"iu-{number:04d}", number
        assert row["lang"] in ("en", "es") and row["channel"] in ("email", "sms"), number
        assert row["intent"] in INTENTS, number
        assert row["red_flag"] is None and row["trap"] is None and row["trap_category"] is None
        assert isinstance(row["body"], str) and row["body"], number
        assert isinstance(row["subject"], str)
        assert bool(row["subject"]) == (row["channel"] == "email"), number
    assert len(load_set(SET)) == len(rows)  # the bench reads it


def test_bodies_are_not_repeated(rows: list[dict[str, object]]) -> None:
    bodies = Counter(" ".join(str(r["body"]).lower().split()) for r in rows)
    assert [b for b, n in bodies.items() if n > 1] == []


def test_composition(rows: list[dict[str, object]]) -> None:
    by_number = {int(str(r["id"])[3:]): r for r in rows}
    assert sorted([*LOW_CONTENT, *NEAR]) == sorted(by_number)
    low = [by_number[n] for n in LOW_CONTENT]
    near = [by_number[n] for n in NEAR]
    assert len(low) >= 150 and len(near) >= 150
    assert {r["intent"] for r in low} == {"other"}
    assert {r["lang"] for r in low} == {"en", "es"}
    counts = Counter((r["intent"], r["lang"]) for r in near)
    for intent in INTENTS:
        assert counts[(intent, "en")] >= 5 and counts[(intent, "es")] >= 5, intent


def test_no_real_contact_details(rows: list[dict[str, object]]) -> None:
    for r in rows:
        text = f"{r['subject']}\n{r['body']}"
        for domain in re.findall(r"@([\w.-]+\w)", text):
            assert domain.endswith(".example") or domain in {
                "example.com", "example.net", "example.org"}, r["id"]
        for number in re.findall(r"\b\d{3}[- ]\d{4}\b", text):
            assert number.startswith(("555-01", "555 01")), r["id"]
