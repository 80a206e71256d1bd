"""The lexicon's seventeenth pass: the families the eleventh blind set (TRIAGE_EVAL.md,
"Round 17") found unread or misnamed, each fixed as a family of phrasings in both languages,
with sentences of our own here (none is a line of the set):

- numbers and emoji with few or no symptom words: pads counted by the hour, a baby's age
  beside a reading ("👶 4 mo 🌡️ 38.7"), a pregnancy and blood told with emoji, a pill count
  that fell with a child named;
- a decision told calmly with a pet or belongings given away; pills put by "to end it",
  reported by someone else; all the pills on a date decided is a suicide attempt;
- bleeding told by what it does ("salta la sangre", "sangra harto"), minutes of pressure told
  before the bleeding, a mouth filling;
- "está bien chillón" is "very fussy", not "fine"; a bottle "gone" is no episode over;
- a hand that stopped obeying, a corner of the mouth lower;
- categories: "no embarazada" is no pregnancy; double vision after a knock on the head is a
  head injury (not when the knock is denied);
- trap false alarms: a week "poisoned", "me envenena la sangre"; a decision about a plan; an
  event followed by a stay told as finished ("... and was hospitalized for a week", "y estuvo
  internada dos semanas") is history.

Positives are read with the lexicon and rules alone (no model, no judge), so each case says
what the lexicon itself makes of the pattern; traps with the lexicon alone and the whole
detector.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import lexicon_flag as _lexicon_flag

from cxinbox.domain.triage import assess, inspect

FLAGS = [
    # numbers and emoji
    ("en", "Soaked 4 pads in the last 2 hours and I feel lightheaded. Not pregnant.", "severe_bleeding"),
    ("en", "2nd overnight pad in 45 min, soaked through. BP 88/54, dizzy", "severe_bleeding"),
    ("es", "toallas empapadas, 4 en 2 horas, mareos. 39 años, no embarazada", "severe_bleeding"),
    ("es", "sangrado abundante, empapo una toalla cada hora, no embarazada", "severe_bleeding"),
    ("es", "llevo 3 toallas nocturnas llenas en una hora y estoy mareada", "severe_bleeding"),
    ("en", "bottle of my husband's heart pills had 30 yesterday, now there are 18 and my 2 year old was playing with it", "overdose_poisoning"),
    ("es", "el frasco de pastillas de la presión tenía 20, ahora quedan 9 y mi niña de 3 años lo tenía abierto", "overdose_poisoning"),
    ("en", "🤰 28 wks, 🩸 soaking, cramps", "pregnancy_emergency"),
    ("es", "embarazada 30 sem 🩸🩸 y cólicos", "pregnancy_emergency"),
    ("en", "👶 4 mo 🌡️ 38.7, not feeding", "infant_fever"),
    ("es", "bebé 6 meses 🌡️ 38.5 no quiere comer", "infant_fever"),
    ("es", "mi bebé de 9 meses tiene calentura, 38.4, y está bien chillón, ¿serán los dientes?", "infant_fever"),
    # a decision told calmly; pills put by; all the pills on a date decided
    ("en", "please cancel my physical. i've made my decision and found a home for my cat", "suicide_self_harm"),
    ("es", "Ya lo decidí. Le regalé mi perro a mi vecina y no voy a necesitar la cita del lunes.", "suicide_self_harm"),
    ("en", "I've decided Friday is the night I'll take all my pills.", "suicide_self_harm"),
    ("en", "I made up my mind, tonight I'll take all my pills", "suicide_self_harm"),
    ("es", "Ya decidí que el sábado me tomo todas mis pastillas.", "suicide_self_harm"),
    ("en", "A neighbour called: my patient Mr. K has been saving up his sleeping pills to end it", "suicide_self_harm"),
    ("en", "my roommate says she's stockpiling her meds to end things", "suicide_self_harm"),
    ("es", "Su paciente le dijo a mi hermana que está juntando pastillas para acabar con todo.", "suicide_self_harm"),
    # bleeding told by what it does
    ("es", "se cortó con el machete y le salta la sangre del brazo", "severe_bleeding"),
    ("es", "le sale la sangre a chorros de la pierna", "severe_bleeding"),
    ("es", "mi tío se cortó el pie con un vidrio y sangra harto", "severe_bleeding"),
    ("en", "30 min of pressure and her finger is still bleeding through the towel", "severe_bleeding"),
    ("en", "his nose has been bleeding through 30 minutes of pressure and won't stop", "severe_bleeding"),
    ("es", "le hemos hecho presión 25 minutos y no para de sangrar", "severe_bleeding"),
    ("en", "She didn't hit her head, but her lip won't stop bleeding and her mouth keeps filling with blood", "severe_bleeding"),
    # medicines a child got into
    ("en", "my toddler ate a handful of my iron pills, now throwing up", "overdose_poisoning"),
    ("en", "my 18 month old got into the prenatal vitamins, most of the bottle gone", "overdose_poisoning"),
    ("es", "mi hijo de 2 años se comió las vitaminas prenatales con hierro, está vomitando", "overdose_poisoning"),
    # a hand that stopped obeying; a corner of the mouth lower
    ("en", "my left hand suddenly stopped doing what I told it and my smile looks uneven", "stroke"),
    ("en", "his hand won't do what he tells it and one corner of his mouth is lower", "stroke"),
    ("es", "de repente la mano derecha no me hacía caso y la comisura de la boca la tengo más abajo", "stroke"),
    ("es", "a mi esposo se le ve caída la esquina de la boca desde hace media hora", "stroke"),
    # categories
    ("en", "my son hit his head on the monkey bars an hour ago and now he says he sees double", "head_injury"),
    ("es", "se pegó en la cabeza con la puerta y ahora ve doble", "head_injury"),
    ("es", "No se pegó en la cabeza, pero ve doble desde esta mañana y arrastra las palabras", "stroke"),
    ("en", "he didn't hit his head, but now he sees double and his words are slurred", "stroke"),
    # a stay not over, or not told as finished, is no history
    ("en", "my brother overdosed an hour ago and is in the ICU", "overdose_poisoning"),
    ("en", "my brother overdosed an hour ago and was in the ICU waiting room when I called", "overdose_poisoning"),
]

TRAPS = [
    ("en", "I'm not pregnant, just wanted to ask about the IUD appointment"),
    ("en", "Do my iron pills interact with my thyroid medicine?"),
    ("en", "Can I get a refill of my prenatal vitamins with iron?"),
    ("es", "Quería saber si puedo tomar hierro durante el embarazo"),
    ("es", "mi bebé está bien, le están saliendo los dientes, no tiene calentura"),
    ("en", "The new phone system is poisoning my week. Who do I call about billing?"),
    ("es", "Ese vendedor me envenena la sangre, pero ustedes son amables"),
    ("en", "I've decided to switch to the Tuesday appointment, won't need the Friday one"),
    ("en", "I've decided, we're going with the other surgeon, so we won't need the appointment"),
    ("es", "Ya decidí cambiar de seguro, no voy a necesitar la cita de mañana"),
    ("es", "Ya lo decidí, me voy con otro médico, no voy a necesitar la cita"),
    ("en", "We gave the dog to my sister when we moved. Please cancel the flea med refill"),
    ("en", "We are saving up to end the year with a trip"),
    ("en", "the pharmacist says I'm stocking up too early on my refills"),
    ("en", "Blood pressure 128/82, heart rate 72, feeling fine today"),
    ("en", "BP 118/76, first pad of the day, all normal"),
    ("es", "he tenido la regla normal, cambio la toalla 3 veces al día"),
    ("en", "the corner of my mouth is sore since the dentist visit"),
    ("en", "No, he didn't hit his head. Small cut on the knee, it stopped after 5 minutes of pressure"),
    ("es", "mi hijo salta la cuerda en el recreo, ¿necesita permiso médico?"),
    ("es", "Hace 10 años vi doble después de un golpe en la cabeza, ¿me pueden mandar el expediente?"),
    # a stay told as finished after the event
    ("en", "Back in 2009 I overdosed on pills and was hospitalized for a week. Can you send my records?"),
    ("en", "For the new therapist: I made a suicide attempt in college and was hospitalized for ten days."),
    ("es", "En 2012 me tomé un frasco de pastillas y estuve internada dos semanas, ¿me dan mi expediente?"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FLAGS)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert _lexicon_flag(body) == category, (lang, body)


@pytest.mark.parametrize(("lang", "body"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert _lexicon_flag(body) is None, (lang, body)
    assert assess(body, channel="sms").red_flag is None, (lang, body)


def test_both_languages_are_covered() -> None:
    for rows in (FLAGS, TRAPS):
        langs = {row[0] for row in rows}
        assert langs == {"en", "es"}


def test_a_denied_knock_leaves_double_vision_a_stroke_and_a_real_one_makes_it_a_head_injury() -> None:
    knocked = "she banged her head on the shelf an hour ago and now sees double"
    denied = "she didn't bang her head, but now sees double and her arm is weak"
    assert _lexicon_flag(knocked) == "head_injury"
    assert _lexicon_flag(denied) == "stroke"


def test_a_babys_reading_told_as_over_adds_no_alarm() -> None:
    """The new age-beside-a-reading pattern does not reach across "had" (blind7's
    trap-resolved-05 stayed quiet only while it did not). This wording is still flagged by
    the older "had 38.6" target, on main as here: a known trap alarm, not this round's."""
    body = ("update: our 5 mo had 38.6 on Saturday, urgent care said ear infection, fever gone "
            "since Monday")
    found = inspect(body, channel="sms", statistical=False).findings
    assert not any(f.matched.startswith("5 mo") for f in found)
    assert any(f.matched == "had 38.6" for f in found)
