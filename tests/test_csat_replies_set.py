"""The CSAT reply set keeps the shape and composition CSAT_REPLIES.md promises.

The set is the yardstick for the satisfaction-survey answer recogniser (issue #14, item 2): a
set that drifts (a rating out of range, a duplicated reply counted twice, no Spanish words, no
replies that merely look like ratings) would let a weak recogniser look good, silently.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

SET = Path(__file__).resolve().parent.parent / "bench" / "data" / "csat_replies.jsonl"
KEYS = {"id", "lang", "channel", "body", "rating", "more_text"}
RATINGS = (1, 2, 3, 4, 5)
QUOTED = re.compile(r"^> |wrote:$|escribió:$|-{5}(Original|Mensaje)", re.MULTILINE)
EMOJI = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff]")


@pytest.fixture(scope="module")
def replies() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(SET.read_text(encoding="utf-8").splitlines(), start=1):
        raw = json.loads(line)
        assert isinstance(raw, dict), f"line {number}"
        rows.append(raw)
    return rows


def test_every_line_has_exactly_the_documented_keys_and_types(
    replies: list[dict[str, Any]],
) -> None:
    for row in replies:
        assert set(row) == KEYS, row.get("id")
        assert re.fullmatch(r"csat-\d{3}", row["id"]), row["id"]
        assert row["lang"] in {"en", "es"}, row["id"]
        assert row["channel"] in {"email", "sms"}, row["id"]
        assert isinstance(row["body"], str) and row["body"].strip(), row["id"]
        rating = row["rating"]
        assert rating is None or (type(rating) is int and rating in RATINGS), row["id"]
        assert type(row["more_text"]) is bool, row["id"]


def test_ids_unique_and_replies_not_repeated(replies: list[dict[str, Any]]) -> None:
    ids = Counter(row["id"] for row in replies)
    assert [i for i, n in ids.items() if n > 1] == []
    # Case is kept: "STOP" and "stop" are two inputs a recogniser must both handle.
    bodies = Counter(" ".join(row["body"].split()) for row in replies)
    assert [b[:40] for b, n in bodies.items() if n > 1] == []


def test_size_languages_and_channels(replies: list[dict[str, Any]]) -> None:
    assert len(replies) >= 200
    assert sum(row["lang"] == "es" for row in replies) / len(replies) >= 0.35
    combos = Counter((row["lang"], row["channel"]) for row in replies)
    for lang in ("en", "es"):
        assert combos[(lang, "sms")] >= 50, lang
        assert combos[(lang, "email")] >= 8, lang


def test_every_rating_appears_often_in_both_languages_and_in_every_form(
    replies: list[dict[str, Any]],
) -> None:
    for rating in RATINGS:
        rows = [row for row in replies if row["rating"] == rating]
        assert len(rows) >= 20, rating
        assert sum(row["lang"] == "es" for row in rows) >= 8, rating
        assert any(row["more_text"] for row in rows), rating  # a rating with a comment
        assert any(not row["more_text"] for row in rows), rating
        assert any(row["body"].strip() == str(rating) for row in rows), rating  # the bare digit
        words = [row for row in rows if not re.search(r"\d", row["body"])]
        assert {row["lang"] for row in words} == {"en", "es"}, rating  # a word, no digit
        assert any(EMOJI.search(row["body"]) for row in rows), rating


def test_non_ratings_are_many_and_include_the_lookalikes(replies: list[dict[str, Any]]) -> None:
    nulls = [row for row in replies if row["rating"] is None]
    assert len(nulls) >= 40
    assert sum(row["lang"] == "es" for row in nulls) >= 15
    with_digit = [row for row in nulls if re.search(r"\b[1-5]\b", row["body"])]
    assert len(with_digit) >= 10  # "5 pm works", "1 more question", phone numbers, dates
    assert any(row["body"].strip().upper() == "STOP" for row in nulls)
    assert sum(row["more_text"] for row in nulls) >= 30  # questions and requests reopen


def test_emails_carry_quoted_surveys_and_signatures(replies: list[dict[str, Any]]) -> None:
    emails = [row for row in replies if row["channel"] == "email"]
    quoted = [row for row in emails if QUOTED.search(row["body"])]
    assert len(quoted) >= 12
    # A bare rating above the quoted survey is not "more text".
    assert sum(row["rating"] is not None and not row["more_text"] for row in quoted) >= 3


def test_no_real_contact_details(replies: list[dict[str, Any]]) -> None:
    """Addresses use reserved example domains; phone numbers the fictional 555-01xx range."""
    for row in replies:
        for domain in re.findall(r"@([\w.-]+\w)", row["body"]):
            assert domain.endswith(".example"), row["id"]
        for number in re.findall(r"\b\d{3}-\d{4}\b", row["body"]):
            assert number.startswith("555-01"), row["id"]
