"""Round 35's retrained statistical model (every labelled set through blind45 and the head
injury and suicide corpora) and the model's gate (TRIAGE_EVAL.md, "Model retrained (round
35)"): two negations that are the warning itself (redflag.negation_is_symptom), so the words
the retrained model leans on inside them are read as current, not denied:

- a wish to be with someone who died, told with the death ("she just wants to be with dad
  now (he passed in june)"): "passed" there is a death, not a symptom that passed;
- the ordinary reasons denied before the warning ("im not drunk and im not angry, just
  done", "no estoy borracho ni enojado, solo cansado de todo").
"""

from __future__ import annotations

import pytest

from cxinbox.domain import redflag
from cxinbox.domain.triage import assess


def _inside(text: str, word: str) -> bool:
    folded = redflag.fold(text)[0]
    at = folded.index(word)
    return redflag.negation_is_symptom(folded, at, at + len(word))


@pytest.mark.parametrize(("text", "word"), [
    ("my grandpa keeps saying he just wants to be with grandma now (she passed in april)",
     "be"),
    ("she wants to be with her husband again, he passed away last spring", "be"),
    ("grandpa wants to go with grandma, she died in may", "go"),
    ("mi mamá dice que quiere irse con mi papá que ya falleció", "irse"),
    ("mi abuela repite que quiere estar con mi abuelo, que en paz descanse", "estar"),
    ("im not drunk and im not angry, just done", "not"),
    ("i'm not sad, not mad, just tired of everything", "not"),
    ("no estoy borracho ni enojado, solo cansado de todo", "estoy"),
])
def test_a_negation_that_is_the_warning_is_not_a_denial(text: str, word: str) -> None:
    assert _inside(text, word), text


@pytest.mark.parametrize(("text", "word"), [
    ("she wants to be with dad at the game, he passed the ball", "be"),  # no death
    ("he wants to see his dad, he died last year", "see"),  # a visit, not a wish to join
    ("im not sick, just done with the antibiotics", "not"),  # done with a thing
    ("not hungry just tired", "not"),  # no ending told
    ("the pain passed and she is fine", "pain"),
    ("no estoy enojado, solo quiero cambiar la cita", "estoy"),
])
def test_the_same_words_without_the_warning_stay_a_negation(text: str, word: str) -> None:
    assert not _inside(text, word), text


@pytest.mark.parametrize("body", [
    ("my grandpa keeps saying he just wants to be with grandma now (she passed in april) "
     "and tonight he asked me where the rifle is"),
    ("my aunt keeps saying she only wants to be with her husband now (he passed in the fall) "
     "and tonight she asked where the gun is kept"),
    ("20 years on the road and tonight is the last haul. gave my dog to my neighbor and "
     "paid back my sister. im not drunk and im not angry, just done"),
])
def test_the_warning_told_around_such_words_flags(body: str) -> None:
    assert assess(body, channel="sms").red_flag == "suicide_self_harm", body


@pytest.mark.parametrize("body", [
    ("my mom wants to be with dad's family for the holidays since he passed last year, "
     "can we move her appointment to january?"),
    "mi mamá quiere estar con la familia de mi papá que falleció, para navidad, ¿pueden cambiar su cita?",
    "im not sick, just done with the antibiotics, do i need a follow up?",
])
def test_the_same_words_in_ordinary_mail_are_no_red_flag(body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, body
