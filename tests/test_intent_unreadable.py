"""The labelled set of text with nothing to read, bench/data/intent_unreadable.jsonl, keeps
the shape the labelled sets have and the composition TRIAGE_EVAL.md promises ("Text with
nothing to read (round 38)")."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from bench.triage_metrics import INTENTS, load_set

SET = Path(__file__).resolve().parent.parent / "bench" / "data" / "intent_unreadable.jsonl"
KEYS = {"id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"}
LOW_CONTENT = [*range(1, 174), *range(341, 371)]
"""iu-0001..0173 and the second batch's iu-0341..0370: nothing to read (TRIAGE_EVAL.md,
"Text with nothing to read (round 38)")."""
NEAR = [*range(174, 341), *range(371, 401)]
"""iu-0174..0340 and iu-0371..0400: short messages that say something, every intent, both
languages."""


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
