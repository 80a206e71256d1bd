"""A character lost to decoding (U+FFFD) inside a word is part of the word: text decoded
with replacement characters ("ni\ufffdo", once "niño") must not read "ni" as a negation
and hide the symptom after it; a replacement character between words changes nothing."""

from __future__ import annotations

import pytest

from cxinbox.domain import redflag, triage

LOST = "\ufffd"


@pytest.mark.parametrize(("text", "category"), [
    (f"Mi ni{LOST}o tiene dolor de pecho muy fuerte ahora", "chest_pain"),
    (f"ni{LOST}o con chest pain now", "chest_pain"),
    (f"mi beb{LOST} de 2 meses tiene fiebre de 38.5", "infant_fever"),
    (f"se cay{LOST} y se peg{LOST} en la cabeza, est{LOST} vomitando", "head_injury"),
])
def test_a_lost_letter_keeps_its_word_whole(text: str, category: str) -> None:
    assert triage.assess(text, channel="sms").red_flag == category


@pytest.mark.parametrize("text", [
    f"no tengo dolor de pecho {LOST} gracias",
    f"ni dolor de pecho ni nada {LOST}",
    f"{LOST}{LOST} thanks, see you Monday",
])
def test_a_lost_letter_between_words_changes_nothing(text: str) -> None:
    assert triage.assess(text, channel="sms").red_flag is None
    assert triage.assess(text.replace(LOST, ""), channel="sms").red_flag is None


def test_the_fold_keeps_one_place_per_character() -> None:
    text = f"ni{LOST}o con dolor"
    folded, where = redflag.fold(text)
    assert LOST not in folded and "ni_o" in folded
    assert where is not None and len(where) == len(folded)
    assert text[where[folded.index("_")]] == LOST
