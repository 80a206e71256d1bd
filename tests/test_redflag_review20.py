"""Red flags the session-20 review found mishandled by new lexicon patterns: an apostrophe
read as the end of a quoted title (hiding an emergency), a face "dropped to the floor" read as
a stroke, a box of tablets carried back read as taken."""

from __future__ import annotations

import pytest

from cxinbox.domain import triage
from cxinbox.domain.triage import inspect

FLAG = [
    ("I called 'cause my dad has crushing chest pain going down his arm and he can't breathe",
     "chest_pain"),
    ("I called 'em at 2am, he has chest pain spreading to his jaw now, he doesn't look good",
     "chest_pain"),
    ("called 'cause mom's face dropped on one side and she can't lift her arm", "stroke"),
    ("my moms face dropped on one side and she is talking funny", "stroke"),
    ("his mouth drooped down on the left side just now, words all mixed up", "stroke"),
    ("her face has slipped to the right and she can't lift her arm", "stroke"),
    ("se le fue la boca para un lado y no puede hablar bien", "stroke"),
    ("my son took a whole box of tablets an hour ago, he is very sleepy", "overdose_poisoning"),
    ("se tomo una caja de pastillas de su abuela, esta muy dormido", "overdose_poisoning"),
]

QUIET_LEXICON = [
    "Hi, I read a leaflet called 'Chest pain: when to worry' at your desk, can I get a copy?",
    'Un folleto que se llamaba "Fiebre en menores de 3 meses" me gustó, ¿tienen más?',
    "We got the handout titled 'Signs of a stroke' - can you mail two more copies?",
    "Her smile dropped to the floor when she heard the price, lol. Can we rebook?",
    "My face dropped to my shoes when I saw the bill. Can I pay in parts?",
    "I took a whole box of tablets back to the pharmacy because they were out of date",
    "Llevé una caja de pastillas a la farmacia para tirar, ¿ustedes también las reciben?",
]


@pytest.mark.parametrize(("text", "category"), FLAG)
def test_flags(text: str, category: str) -> None:
    assert triage.assess(text, subject="", channel="sms").red_flag == category


@pytest.mark.parametrize("text", QUIET_LEXICON)
def test_the_lexicon_stays_quiet(text: str) -> None:
    assert inspect(text, subject="", channel="sms", statistical=False).assessment.red_flag is None
