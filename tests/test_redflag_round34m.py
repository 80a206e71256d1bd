"""Round 34's retrained statistical model (every labelled set through blind39 and the head
injury and suicide corpora) and the model's gate (TRIAGE_EVAL.md, "Model retrained (round
34)"):

- someone out of reach is no denial: "he's not answering his phone", "no contesta el
  celular" sit inside a negation that is the warning itself (redflag.negation_is_symptom),
  so a note saying sorry followed by a phone nobody answers still reads as a red flag when
  the retrained model leans on "answering".
"""

from __future__ import annotations

import pytest

from cxinbox.domain import redflag
from cxinbox.domain.triage import assess

OUT_OF_REACH = [
    ("he's not answering his phone", "answering"),
    ("my sister isn't picking up her calls since last night", "picking"),
    ("he won't answer", None),
    ("no contesta el celular desde anoche", "contesta"),
    ("mi papá no atiende sus llamadas", "atiende"),
]


@pytest.mark.parametrize(("text", "word"), OUT_OF_REACH)
def test_someone_out_of_reach_is_not_a_denial(text: str, word: str | None) -> None:
    folded = redflag.fold(text)[0]
    if word is None:  # not the family: a bare "won't answer" stays a negation
        at = folded.index("answer")
        assert not redflag.negation_is_symptom(folded, at, at + len("answer"))
        return
    at = folded.index(word)
    assert redflag.negation_is_symptom(folded, at, at + len(word))


@pytest.mark.parametrize("body", [
    ("just found a letter from my son on the kitchen table saying sorry for everything. "
     "he's not answering his phone. he works nights at the warehouse"),
    "encontré una carta de mi hermano pidiendo perdón a todos, no contesta el celular",
])
def test_a_note_saying_sorry_and_no_answer_flags(body: str) -> None:
    assert assess(body, channel="sms").red_flag == "suicide_self_harm", body


@pytest.mark.parametrize("body", [
    "he's not answering his phone, probably at the gym. can you move his appt to friday?",
    "mi esposo no contesta el celular, ¿me pueden decir a qué hora es su cita?",
])
def test_an_unanswered_phone_alone_is_no_red_flag(body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, body
