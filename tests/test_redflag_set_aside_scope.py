"""The model-only hit's set-asides (round 28: well now, an ordinary reason) count only in the
sentence of the model's strongest word: a courtesy about the writer must not silence an
emergency of someone else told in the next sentence (review29 #1)."""

from __future__ import annotations

import pytest

from cxinbox.domain.triage import inspect

FLAGGED = [
    ("All better from my cold. Also she drank some of the stuff under the sink",
     "overdose_poisoning"),
    ("I feel much better now, thanks! My son found my pain pills and now he is very drowsy",
     "overdose_poisoning"),
    (("Ya me siento mejor, gracias. Mi hijo encontró mis pastillas para el dolor y ahora"
      " está muy dormido"), "overdose_poisoning"),
    ("Sorry he's late for his appt. he's been so quiet today and gave away his guitar",
     "suicide_self_harm"),
]

QUIET = [
    "cancelen mi cita, ya no la voy a necesitar, ya me siento mejor",
    "las pastillas de hierro de la abuela están guardadas arriba",
    "sorry have to cancel today, kid is sick",
]


@pytest.mark.parametrize(("text", "category"), FLAGGED)
def test_a_courtesy_in_another_sentence_does_not_set_the_hit_aside(text: str,
                                                                   category: str) -> None:
    assert inspect(text, channel="sms").assessment.red_flag == category


@pytest.mark.parametrize("text", QUIET)
def test_the_near_misses_in_one_sentence_stay_quiet(text: str) -> None:
    assert inspect(text, channel="sms").assessment.red_flag is None
