"""Short everyday texts raise no red flag; short emergencies still do.

A front desk gets hundreds of one-line texts a day ("ya", "done", "can't talk, at work").
The red-flag model scales a text's weights by 1/sqrt(its features), so on two or three words
one everyday word could reach the threshold (triage.py `too_short_to_flag`), and the lexicon
read "can't talk" said by someone busy as a stroke sign (redflag_lexicon.py PSEUDO, round
38). The labelled set of that round, bench/data/short_everyday.jsonl, is checked here for
its shape; the sentences below are our own (TRIAGE_EVAL.md, "Short everyday texts (round
38)").
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from bench.triage_metrics import INTENTS

from cxinbox.domain import textmodel, triage

SET = Path(__file__).resolve().parent.parent / "bench" / "data" / "short_everyday.jsonl"
KEYS = {"id", "lang", "channel", "subject", "body", "red_flag", "trap", "trap_category", "intent"}

# Everyday: before round 38 each was a suicide/self-harm flag (the model on one or two words,
# or a visit not kept) or a stroke ("can't talk" said by someone busy).
EVERYDAY = [
    "ya",
    "ya esta",
    "done ✅",
    "i cant come today, sorry",
    "we can't go tomorrow.",
    "no vamos a poder venir el jueves, perdon",
    "cant talk rn, in class. call u later",
    "sorry, can't talk now, at work",
    "i can't talk at the moment, text me",
    "no puedo hablar ahorita, estoy manejando",
]

# Short emergencies of our own: they keep their flag (several only the model reads).
EMERGENCIES = [
    ("my chest is squeezing", "chest_pain"),
    ("can barely breathe", "breathing"),
    ("no puedo respirar bien", "breathing"),
    ("her face is drooping", "stroke"),
    ("dad can't talk now and his face droops", "stroke"),
    ("my husband can't talk, call me", "stroke"),
    ("i cant talk right now my mouth is numb on one side", "stroke"),
    ("no quiero seguir viviendo", "suicide_self_harm"),
    ("i want to end my life", "suicide_self_harm"),
    ("ya no puedo seguir asi", "suicide_self_harm"),
    ("i won't make it through tonight", "suicide_self_harm"),
    ("I can't go on", "suicide_self_harm"),
    ("se le hinchó la lengua", "anaphylaxis"),
    ("mi bebé de 3 semanas tiene 38.4", "infant_fever"),
]


@pytest.mark.parametrize("body", EVERYDAY)
def test_a_short_everyday_text_raises_no_flag(body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag is None, body


@pytest.mark.parametrize(("body", "flag"), EMERGENCIES)
def test_a_short_emergency_keeps_its_flag(body: str, flag: str) -> None:
    assert triage.assess(body, channel="sms").red_flag == flag, body


def test_the_short_text_gate_reads_a_few_words_at_a_longer_texts_scale() -> None:
    """On a hand-made model: one word whose weight alone flags at its own scale (one
    feature read at full weight) does not at FLAG_READ_AS features' scale; a text of that
    many features reads the same either way."""
    flags = ("none", *triage.CATEGORIES)
    k = flags.index("suicide_self_harm")
    found = textmodel.features("blorp")
    rows = {f: tuple(2.5 if i == k else 0.0 for i in range(len(flags))) for f in found}
    red = textmodel.LinearModel(flags, tuple(2.0 if c == "none" else -2.0 for c in flags), rows)
    intent = textmodel.LinearModel(("other",), (0.0,), {})
    model = textmodel.TriageModel(red, intent, 0.6)
    alone = model.redflag_probabilities("blorp")
    assert 1.0 - alone["none"] >= model.threshold
    assert triage.too_short_to_flag(model, "blorp", "suicide_self_harm")
    long_text = " ".join(["blorp"] * 3 + ["snarf quibbet zonk vrell gimbo drassik plunt"])
    assert len(textmodel.features(long_text)) >= triage.FLAG_READ_AS
    assert model.redflag_probabilities_read_as(long_text, triage.FLAG_READ_AS) == \
        model.redflag_probabilities(long_text)


def _rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines()]


def test_the_set_has_the_labelled_sets_shape() -> None:
    rows = _rows()
    assert all(set(row) == KEYS for row in rows)
    assert [row["id"] for row in rows] == [f"se-{i:04d}" for i in range(1, len(rows) + 1)]
    assert all(row["channel"] == "sms" and row["subject"] == "" for row in rows)
    assert all(row["trap"] is None and row["trap_category"] is None for row in rows)
    assert all(row["intent"] in INTENTS and row["lang"] in ("en", "es") for row in rows)
    assert all(row["red_flag"] is None or row["red_flag"] in triage.CATEGORIES for row in rows)
    bodies = [str(row["body"]).strip().lower() for row in rows]
    assert len(set(bodies)) == len(bodies)


def test_the_set_holds_everyday_texts_and_emergencies_of_every_category() -> None:
    rows = _rows()
    everyday = Counter(row["lang"] for row in rows if row["red_flag"] is None)
    assert sum(everyday.values()) >= 200 and min(everyday["en"], everyday["es"]) >= 80
    flags = Counter((row["red_flag"], row["lang"]) for row in rows if row["red_flag"])
    assert sum(flags.values()) >= 100
    for category in triage.CATEGORIES:
        assert flags[(category, "en")] >= 3 and flags[(category, "es")] >= 3, category
    assert all(len(str(row["body"]).split()) <= 12 for row in rows)
