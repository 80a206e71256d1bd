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
    carried_details,
    fold_words,
    handed_out_texts,
    replies_shingles,
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


def _pieces(text: str, parts: int) -> list[str]:
    words = text.split()
    step = -(-len(words) // parts)
    return [" ".join(words[i:i + step]) for i in range(0, len(words), step)]


def _refused_in_turn(handed: list[str], bodies: list[str]) -> bool:
    return any(canned_still_there(handed, set(body_shingles(body)),
                                  set(replies_shingles(bodies[:i], body)))
               for i, body in enumerate(bodies))


def test_a_text_sent_a_piece_at_a_time_is_judged_whole() -> None:
    """Every canned text of the labelled set cut into up to six replies, and every edited
    reply cut into three, is refused once the earlier replies count; the pieces alone
    mostly pass (the hole this closes). Free replies sent one after another on one
    conversation, each judged with all the earlier ones, are never refused."""
    canned, replies = _rows()
    for text in canned.values():
        handed = canned_shingles(text["canned"])
        for parts in (2, 3, 4, 6):
            assert _refused_in_turn(handed, _pieces(text["canned"], parts)), (text, parts)
        pieces = _pieces(text["canned"], 4)
        assert not any(canned_still_there(handed, set(body_shingles(p))) for p in pieces)
    for reply in replies:
        if reply["label"] == "canned":
            handed = canned_shingles(canned[reply["of"]]["canned"])
            assert _refused_in_turn(handed, _pieces(reply["reply"], 3)), reply["reply"]
    for lang in ("en", "es"):
        free = [r["reply"] for r in replies if r["label"] == "free"
                and canned[r["of"]]["lang"] == lang]
        for order in (free, free[::-1]):
            for text in canned.values():
                assert not _refused_in_turn(canned_shingles(text["canned"]), order), text


def test_a_common_phrase_adds_nothing_to_earlier_replies() -> None:
    """A body holding under CANNED_PIECE_KEPT of a text's shingles is judged alone, so
    one shared phrase after most of a text went out earlier is not refused."""
    text = ("Please fill in the attached registration form and bring it with you to your"
            " first visit, together with photo identification and your insurance card.")
    handed = canned_shingles(text)
    earlier = [" ".join(text.split()[:10])]
    assert not canned_still_there(handed, set(body_shingles(earlier[0])))
    body = "Do bring it with you, thanks."
    assert not canned_still_there(handed, set(body_shingles(body)),
                                  set(replies_shingles(earlier, body)))
    rest = " ".join(text.split()[10:18])
    assert not canned_still_there(handed, set(body_shingles(rest)))
    assert canned_still_there(handed, set(body_shingles(rest)),
                              set(replies_shingles(earlier, rest)))


def test_hand_out_events_name_their_text_and_carries_keep_the_names() -> None:
    render = handed_out_texts({"name": "callback", "shingles": "AAAA"})
    article = handed_out_texts({"slug": "parking", "revision": 2, "shingles": "BBBB"})
    assert [(t.packed, t.label) for t in render + article] == [
        ("AAAA", "canned reply 'callback'"), ("BBBB", "knowledge-base article 'parking'")]
    carried = carried_details(render + article + render, ["legacy"])
    assert carried == {"texts": ["AAAA", "BBBB"],
                       "labels": ["canned reply 'callback'",
                                  "knowledge-base article 'parking'"],
                       "lines": ["legacy"]}
    assert handed_out_texts(carried) == render + article
    # a carry written before names were kept: the texts still count, unnamed
    assert [t.label for t in handed_out_texts({"texts": ["AAAA", 7, ""]})] == [""]
