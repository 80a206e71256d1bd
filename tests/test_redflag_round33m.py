"""Round 33's retrained statistical model (every labelled set through blind33 and the
suicide corpus) and the near misses of our own tests it read, set aside in the model's gate
(triage.set_aside) as families in both languages with sentences of our own (TRIAGE_EVAL.md,
"Model retrained (round 33)"):

- a bleeding or a pain that slowed or stopped, closed by "all good" / "todo bien" in its
  sentence (redflag.resolved_now);
- a thing given as a present, a household move, a switch to the generic: a decision or a
  giving-away told with its ordinary object (redflag.ordinary_reason), read with the sentence
  after a bare "I've decided." / "ya lo decidí.";
- pills counted as a month's or a week's supply and put in a pill organiser (a supply, not
  "todas" taken at once: redflag.stored_not_taken).

The same words beside a goodbye, the means or with no ordinary object still flag.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import assert_quiet

from cxinbox.domain import redflag, triage
from cxinbox.domain.triage import assess

NEAR_MISSES = [
    ("en", "the cut on my thumb bled a lot but it slowed down once I held a paper towel on it, all good"),
    ("es", "le sangró la nariz al niño pero ya se paró con hielo, todo bien"),
    ("en", "I gave my old bike to my nephew for his birthday, he was thrilled"),
    ("es", "le regalé mi guitarra a mi sobrino por su cumpleaños, le encantó"),
    ("es", "quiero dejar todo en orden antes de irme, nos mudamos a Texas en agosto. ya lo decidí."),
    ("en", "we're moving to Denver in the fall and I want all my records in order before I go. I've decided."),
    ("en", "I've decided. Going back to the generic, the brand costs too much."),
    ("es", "ya lo decidí. me cambio al genérico, el de marca está carísimo."),
    ("es", "conté todas las pastillas de la semana y las puse en el pastillero"),
]

STILL_FLAGGED = [
    ("en", "I've decided. I gave my guitar to my brother, he'll need it more than me"),
    ("es", "ya lo decidí. le regalé mi guitarra a mi hermano"),
    ("en", "gave my guitar to my brother for his birthday. goodbye everyone, I won't be around"),
    ("es", "ya lo decidí. me cambio al genérico y junté todas las pastillas para esta noche"),
]


@pytest.mark.parametrize(("lang", "body"), NEAR_MISSES)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert_quiet(body)
    assert assess(body, channel="email").red_flag is None, body


@pytest.mark.parametrize(("lang", "body"), STILL_FLAGGED)
def test_a_goodbye_the_means_or_no_ordinary_object_still_flags(lang: str, body: str) -> None:
    assert assess(body, channel="sms").red_flag == "suicide_self_harm", body


@pytest.mark.parametrize(("text", "found"), [
    ("slowed down after I bit on the gauze, all good", True),
    ("se calmó con la presión, todo bien", True),
    ("all good with the kids, the bleeding has not slowed", False),
])
def test_an_all_good_after_it_slowed_reads_resolved(text: str, found: bool) -> None:
    assert (redflag.resolved_now(redflag.fold(text)[0]) is not None) is found


@pytest.mark.parametrize(("text", "found"), [
    ("I gave it to him for his birthday", True),
    ("se la di de regalo", True),
    ("we're moving to Ohio next month", True),
    ("nos mudamos en junio", True),
    ("switching to the generic", True),
    ("me paso al genérico", True),
    ("I'm moving on, I've decided", False),
    ("for his birthday. I won't be around after this", False),
])
def test_the_ordinary_objects_are_read_and_a_goodbye_undoes_them(text: str, found: bool) -> None:
    assert (redflag.ordinary_reason(redflag.fold(text)[0]) is not None) is found


def test_a_bare_decision_reads_its_neighbouring_sentences_only() -> None:
    folded = redflag.fold("I've decided. Switching to the generic, just so you know.")[0]
    assert triage.set_aside(folded, "suicide_self_harm", folded.index("decided"))
    two_on = redflag.fold("I've decided. I'm tired of all this. Switching to the generic.")[0]
    assert not triage.set_aside(two_on, "suicide_self_harm", two_on.index("decided"))


@pytest.mark.parametrize(("text", "stored"), [
    ("conté todas las pastillas del mes y las guardé en el pastillero", True),
    ("conté todas las pastillas y las guardé en el cajón", False),
])
def test_a_months_supply_is_not_all_of_them_taken(text: str, stored: bool) -> None:
    folded = redflag.fold(text)[0]
    assert (redflag.stored_not_taken(folded, folded.index("pastillas")) is not None) is stored
