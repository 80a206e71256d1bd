"""The rule for canned text left in a reply (domain/compose.py), pure: on the labelled set
bench/data/canned_match.jsonl every edited canned reply is still canned text and no reply
written by hand is, in English and Spanish; what makes a text too short to remember; and
folding (case, accents, punctuation, line breaks) that re-wrapping cannot get around."""

from __future__ import annotations

import json
from pathlib import Path

from cxinbox.domain.compose import (
    CANNED_MIN_WORDS,
    SHINGLE_WORDS,
    body_shingles,
    canned_shingles,
    canned_still_there,
    fold_words,
)

DATA = Path(__file__).resolve().parent.parent / "bench" / "data" / "canned_match.jsonl"


def _rows() -> tuple[dict[str, dict[str, str]], list[dict[str, str]]]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return {r["id"]: r for r in rows if "canned" in r}, [r for r in rows if "reply" in r]


def test_the_labelled_set_edited_replies_are_canned_and_free_ones_are_not() -> None:
    canned, replies = _rows()
    langs = {r["lang"] for r in canned.values()}
    assert langs == {"en", "es"}
    for reply in replies:
        present = set(body_shingles(reply["reply"]))
        if reply["label"] == "canned":
            handed = canned_shingles(canned[reply["of"]]["canned"])
            assert canned_still_there(handed, present), reply["reply"]
        else:
            for cid, text in canned.items():
                assert not canned_still_there(canned_shingles(text["canned"]), present), \
                    (cid, reply["reply"])


def test_folding_and_short_texts() -> None:
    assert fold_words("Médico,\nLLAMARÁ  {patient_name}!") == \
        ["medico", "llamara", "patient", "name"]
    short = " ".join(["word"] * (CANNED_MIN_WORDS - 1))
    assert canned_shingles(short) == []
    text = "Free parking is behind the building, enter from Elm Street."
    handed = canned_shingles(text)
    assert len(handed) == len(fold_words(text)) - SHINGLE_WORDS + 1
    wrapped = "FREE PARKING is behind\nthe building - enter\nfrom Elm Street"
    assert canned_still_there(handed, set(body_shingles(wrapped)))
    assert not canned_still_there(handed, set(body_shingles("Parking is free, see you.")))
    assert not canned_still_there([], set(body_shingles(text)))
