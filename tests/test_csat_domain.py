"""The CSAT answer reader on development examples written for it (not the held-out set)."""

from __future__ import annotations

import pytest

from cxinbox.domain.csat import QUESTIONS, guess_language, read_rating

CASES: list[tuple[str, int | None, bool]] = [
    # digits, scales, stars, number words
    ("5", 5, False), ("4!", 4, False), ("3/5", 3, False), ("2 de 5", 2, False),
    ("Rating: 4", 4, False), ("I'd give you a 4", 4, False), ("le doy un 5", 5, False),
    ("5️⃣", 5, False), ("4 stars", 4, False), ("3 estrellas", 3, False),
    ("⭐⭐⭐", 3, False), ("⭐⭐⭐⭐⭐ thank you", 5, False), ("10/10", 5, False),
    ("0 if I could", 1, True), ("4.5", 4, False), ("4 or 5", 4, False),
    ("Five!!", 5, False), ("fiveeee", 5, False), ("tres", 3, False), ("cuatro estrellas", 4, False),
    # words and emoji
    ("excelente, gracias!", 5, False), ("muy bien", 5, False), ("no muy bien", 2, False),
    ("ni bien ni mal", 3, False), ("very good", 5, False), ("good", 4, False),
    ("it was ok", 3, False), ("meh", 3, False), ("not great", 2, False), ("awful", 1, False),
    ("pésimo", 1, False), ("😡", 1, False), ("👍 thanks", 4, False), ("😐", 3, False),
    ("todo bien gracias", 4, False),
    # a rating with more to read
    ("4, but the wait was long", 4, True), ("Dr. Okafor was so patient, 5", 5, True),
    ("the front desk was rude. 2", 2, True), ("pésimo, nunca más", 1, True),
    ("5 can you send me the receipt?", 5, True),
    # look-alikes: not ratings
    ("5 pm works", None, True), ("1 more question", None, True), ("12/14", None, True),
    ("call me at 555-0134", None, True), ("room 3", None, True), ("2 kids", None, True),
    ("a las 4 puedo", None, True), ("is it 1 for best or 5 for best?", None, True),
    ("5 for the doctor, 2 for the front desk", None, True), ("10", None, True),
    ("good morning, can I get my results?", None, True), ("wrong number", None, True),
    # nothing for a person
    ("STOP", None, False), ("BAJA", None, False), ("ok", None, False), ("gracias", None, False),
    ("🙏", None, False), ("", None, False),
]


@pytest.mark.parametrize(("text", "rating", "more"), CASES)
def test_read_rating(text: str, rating: int | None, more: bool) -> None:
    assert read_rating(text, "en") == (rating, more)


def test_quoted_survey_and_signature_do_not_count() -> None:
    body = ("4\n\nSent from my iPhone\n\nOn Mon, Dec 1, 2026 at 10:00 AM Clinic"
            " <desk@clinic.example> wrote:\n> How did we do? Reply 1-5\n")
    assert read_rating(body, "en") == (4, False)
    body_es = ("Excelente\n\n-----Mensaje original-----\nDe: Clínica\n"
               "¿Cómo lo hicimos? Responda del 1 al 5")
    assert read_rating(body_es, "es") == (5, False)


def test_long_reply_is_read_as_text_without_hanging() -> None:
    rating, more = read_rating("5 " + "word " * 50_000, "en")
    assert more is True and rating == 5  # a leading digit is the rating; the rest is text


def test_guess_language() -> None:
    assert guess_language("hola, necesito una cita para mi hijo") == "es"
    assert guess_language("hi, I need an appointment please") == "en"
    assert guess_language("5", default="es") == "es"


def test_default_questions_cover_both_languages_and_channels() -> None:
    for lang in ("en", "es"):
        assert set(QUESTIONS[lang]) == {"sms", "email"}
        assert all("1" in q and "5" in q for q in QUESTIONS[lang].values())
