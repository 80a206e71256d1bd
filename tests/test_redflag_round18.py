"""The lexicon's eighteenth pass: the families our own first-contact batch
(bench/data/triage_dev18.jsonl, TRIAGE_EVAL.md "Round 18") found unread, misnamed or read as a
false alarm, each fixed as a family of phrasings in both languages, with sentences of our own
here (none is a line of the batch):

- clinical shorthand: "CP" with a duration, a spread or a now, "LOF" in a pregnancy counted in
  weeks (never cerebral palsy, a CP clinic or a denial);
- a reading told without "of": "temp 101.3", "T 38.4", "temperatura 38,6" beside a baby's age;
- a function told as lost: "half her smile is gone", "his voice is gone", "the feeling in my
  arm is gone" are the sign, not its end ("the numbness is gone" still ends it);
- Spanish "bien" before a diminutive or a word of state ("bien aguadito", "bien flojita",
  "bien dormilón") is "very", not "fine";
- a wish not to wake up told with the pronoun ("no despertarme más", "not wake up");
- a poison or all the pills announced for oneself, told by someone else ("dice que se va a
  tomar veneno", "says she's going to swallow all her pills") is suicide/self-harm, not an
  overdose; a medicine taken on schedule is neither;
- a medicine taken twice or three times by mistake ("took her night pills twice", "se puso
  la insulina dos veces", "three tablets instead of one") is an overdose; a dose twice a day
  is not;
- a youth told as the time of an attempt ("de joven", "as a teenager") is history, unless the
  writer says it is happening again.

Positives are read with the lexicon and rules alone (no model, no judge), so each case says
what the lexicon itself makes of the pattern; near misses with the lexicon alone and the
whole detector.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import assert_quiet, assert_read
from tests.support.redflag_rounds import lexicon_flag as _lexicon_flag

from cxinbox.domain.triage import assess, inspect

FLAGS = [
    # clinical shorthand
    ("en", "62 yo male c/o CP x 1hr radiating to his left arm", "chest_pain"),
    ("en", "husband having CP and SOB since 6am, sweaty", "chest_pain"),
    ("en", "CP since this morning, now constant and worse", "chest_pain"),
    ("es", "mi papá con CP desde hace 2 horas, le corre al brazo", "chest_pain"),
    ("en", "G2P1 at 31 wks, LOF since this morning, soaking pads", "pregnancy_emergency"),
    ("es", "tengo 33 semanas y LOF desde anoche, me sigue saliendo agua", "pregnancy_emergency"),
    # a reading without "of"
    ("en", "DD 5mo temp 101.3 this am, very sleepy", "infant_fever"),
    ("en", "my 2 month old, T 38.3 axillary, won't settle", "infant_fever"),
    ("es", "bebé de 3 meses temp 38.6 desde la tarde", "infant_fever"),
    ("es", "mi niña de 8 meses, temperatura 39,1 y no quiere comer", "infant_fever"),
    # a function lost
    ("en", "my grandma's words are slurred and half her smile is gone since lunch", "stroke"),
    ("en", "his voice is just gone all of a sudden and his right hand is clumsy", "stroke"),
    ("en", "the feeling in my left arm and leg is gone, started 20 minutes ago", "stroke"),
    ("en", "vision in her right eye is gone all of a sudden", "stroke"),
    ("es", "de repente se le fue la vista de un ojo y tiene la mano derecha sin fuerza", "stroke"),
    # "bien" before a word of state
    ("es", "mi bebé de 3 meses tiene calentura, 38.5, y está bien flojito", "infant_fever"),
    ("es", "la nena de 5 meses anda con fiebre de 38.8 y está bien dormilona", "infant_fever"),
    ("es", "mi bebé de 7 meses tiene fiebre desde ayer y está bien aguadita", "infant_fever"),
    # not waking up
    ("es", "a veces pienso que sería mejor dormirme y no despertarme más", "suicide_self_harm"),
    ("es", "ojalá no despertarme mañana, ya no puedo", "suicide_self_harm"),
    ("en", "honestly it would be better if I just didn't wake up tomorrow", "suicide_self_harm"),
    ("en", "every night I hope I don't wake up", "suicide_self_harm"),
    # poison or all the pills announced, told by someone else
    ("es", "mi prima dice que se va a tomar veneno, se encerró en su cuarto", "suicide_self_harm"),
    ("es", "mi hermano amenaza con tomarse todas las pastillas de mi mamá", "suicide_self_harm"),
    ("en", "my friend says she's going to swallow all her pills tonight", "suicide_self_harm"),
    ("en", "my son texted that he's gonna drink the bleach under the sink", "suicide_self_harm"),
    # a medicine taken twice or more by mistake
    ("en", "grandma took her night pills twice by mistake and is very drowsy", "overdose_poisoning"),
    ("en", "accidentally took my insulin twice, sugar is 45 and dropping", "overdose_poisoning"),
    ("en", "my dad has been taking 3 tablets instead of 1 of his heart pill this week and is throwing up", "overdose_poisoning"),
    ("en", "she took her evening meds, forgot, and took them again, then a third time", "overdose_poisoning"),
    ("es", "mi tío se puso la insulina dos veces y está temblando y sudando", "overdose_poisoning"),
    ("es", "mi mamá se tomó dos veces las pastillas de la noche y está muy dormida", "overdose_poisoning"),
    # the lexicon's own misses of the batch (the model read them): suicide told by acts, a
    # cut dripping through towels, shorthand for rectal blood, pills eaten by a child, a pill
    # organizer emptied with signs, sight lost in one eye at once
    ("en", "my roommate says she's going to take all her dad's sleeping pills tonight", "suicide_self_harm"),
    ("en", "keep thinking my family would be better off. I've been sorting out my affairs", "suicide_self_harm"),
    ("en", "been writing goodbye notes to everyone and I'm just tired of being here", "suicide_self_harm"),
    ("en", "I keep thinking about jumping off the parking garage on my way home", "suicide_self_harm"),
    ("es", "pienso en tirarme del puente cada vez que paso", "suicide_self_harm"),
    ("en", "gave away my bike and my records, honestly just sick of being around", "suicide_self_harm"),
    ("en", "keep thinking about walking into traffic after my shift", "suicide_self_harm"),
    ("en", "I'm on plavix, gashed my shin, and it's seeping through two dish towels", "severe_bleeding"),
    ("en", "on warfarin, sliced my palm an hour ago and it's bled through 4 towels", "severe_bleeding"),
    ("es", "toma Eliquis, se cortó el dedo y ya empapó tres trapos, no para", "severe_bleeding"),
    ("en", "brbpr since noon, a lot, lightheaded", "severe_bleeding"),
    ("es", "mi niña de 2 años se ha comido unas pastillas de mi suegra, no sé cuántas", "overdose_poisoning"),
    ("en", "grandpa's pill organizer is empty, the whole week's doses gone, and he's confused and drowsy", "overdose_poisoning"),
    ("en", "my mom has been taking four of her lithium pills a day instead of one and she's shaky", "overdose_poisoning"),
    ("es", "de repente mi abuelo no ve nada del ojo izquierdo y se le afloja el brazo", "stroke"),
    # a youth and a now
    ("es", "de joven ya lo intenté y ahora otra vez quiero quitarme la vida", "suicide_self_harm"),
    ("en", "when I was a teenager I tried once, and tonight I want to kill myself again", "suicide_self_harm"),
]

TRAPS = [
    # shorthand that is not the symptom
    ("en", "my son w/ CP needs his wheelchair form renewed"),
    ("en", "can we move her CP clinic appointment to March?"),
    ("en", "no CP, no SOB, just a dry cough for a week"),
    ("es", "mi hijo tiene CP (parálisis cerebral) y necesita la orden de terapia"),
    ("en", "LOF test results from my 20 week visit, were they normal?"),
    # readings that are not an infant's fever
    ("en", "my 3 yo temp 102, drinking fine, motrin dose?"),
    ("en", "baby 4mo temp 98.6, just checking the thermometer works"),
    ("es", "bebé de 5 meses temp 36.8, todo normal, ¿cuándo es la vacuna?"),
    # a symptom that is over
    ("en", "the numbness in my arm is gone now, it was from sleeping on it"),
    ("en", "my headache is gone, thanks for calling back"),
    ("es", "ya se le fue la fiebre al bebé desde el martes, ¿necesita control?"),
    # "bien" as fine
    ("es", "el bebé de 4 meses tuvo 38 el lunes, el pediatra lo vio y ya está bien"),
    ("es", "mi bebé de 6 meses está bien, solo quería la cita de vacunas"),
    # waking up
    ("es", "no me puedo despertar temprano para la cita, ¿tienen algo más tarde?"),
    ("en", "my teen doesn't wake up for school, is that normal?"),
    ("es", "no me despertó la alarma y perdí la cita, ¿me dan otra?"),
    # taking a medicine as prescribed
    ("es", "dice que se va a tomar la pastilla en la noche, ¿está bien?"),
    ("en", "she's going to take her pills after dinner, can she eat first?"),
    ("es", "el veneno para ratas lo guardamos arriba, ¿es seguro con el bebé?"),
    ("en", "I take my blood pressure pills twice a day, can I get a refill?"),
    ("es", "se pone la insulina dos veces al día, necesita la receta"),
    ("en", "the doctor said to take two tablets instead of one starting Monday"),
    # the batch's own near misses: the lexicon's alarms on them
    ("en", "at what point would shortness of breath mean I should stop running and call?"),
    ("en", "Invoice attached.\n\nAna Ruiz | Chest Pain Unit Scheduler | Valley Hospital"),
    ("en", "My 8 month old had a fever of 102 on Saturday, urgent care said a virus, fever's been gone 3 days. Need a follow up."),
    ("en", "my pill organizer is empty, can you send the refill to CVS?"),
    ("en", "I gave my guitar to my brother for his birthday, he loves it"),
    ("en", "the kids would be better off at the other school, can you send their records?"),
    ("es", "mi hija se ha tomado sus pastillas de la tiroides, ¿le hago los análisis en ayunas?"),
    ("en", "the nurse said I'm tired of being here too often, lol, can I get fewer visits?"),
    ("en", "honestly I'm tired of being here at the clinic every week for shots, can we space them out?"),
    ("en", "I keep thinking about driving off to the coast for a week, do I need any travel shots?"),
    # a youth told as the time of an attempt
    ("es", "De joven intenté quitarme la vida, ahora estoy bien y sigo con mi psicóloga."),
    ("es", "De adolescente me cortaba los brazos, hoy estoy tranquila, necesito la referencia."),
    ("en", "When I was a teenager I tried to kill myself. I'm doing well now, need a therapist referral."),
    ("en", "when I was 19 I tried to end my life, today I'm stable and want to switch therapists"),
    ("es", "de joven tomé muchas pastillas para morirme, hoy estoy bien, quiero mi expediente"),
    ("es", "En mi adolescencia me cortaba, hace años que no, quiero cambiar de psicóloga."),
]


@pytest.mark.parametrize(("lang", "body", "category"), FLAGS)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert_quiet(body)


def test_both_languages_are_covered() -> None:
    for cases in (FLAGS, TRAPS):
        langs = {case[0] for case in cases}
        assert langs == {"en", "es"}
    categories = {category for _lang, _body, category in FLAGS}
    assert len(categories) >= 6


# The model overrules a negation the lexicon misread (triage.negation_overruled): the lexicon
# alone sets the head injury aside ("not acting like herself", "went down"), the whole
# detector names it; a real denial of every sign stays quiet.
OVERRULED = [
    ("my daughter fell off the monkey bars and hit her head, now she's not acting like herself and keeps throwing up", "head_injury"),
]
# "..., went down for a bit" after a comma is read as a fall by the lexicon itself since round 36
READ_AS_A_FALL = "my boy took a baseball to the head at practice, went down for a bit and now he keeps repeating himself"
DENIED = [
    "my son hit his head yesterday, he's not dizzy, not vomiting, acting normal",
    "no chest pain, no shortness of breath, just a cough",
    "no tiene dolor de pecho ni le falta el aire, solo tos y mocos",
]


@pytest.mark.parametrize(("body", "category"), OVERRULED)
def test_the_model_overrules_a_misread_negation(body: str, category: str) -> None:
    detail = inspect(body, channel="sms")
    assert _lexicon_flag(body) is None
    assert {f.status for f in detail.findings if f.category == category} == {"negated"}
    assert detail.assessment.red_flag == category


@pytest.mark.parametrize("body", DENIED)
def test_a_denial_of_every_sign_is_not_overruled(body: str) -> None:
    assert assess(body, channel="sms").red_flag is None


# A hit counted by the clock is never vetoed by the hit judge (hitjudge.by_the_clock): a rate
# is happening now; a time past is no rate.
@pytest.mark.parametrize(("body", "expected"), [
    ("2nd overnight pad this hour, soaked, lightheaded, not pregnant", True),
    ("changing a tampon every 30 min since noon", True),
    ("empapo una toalla cada hora y estoy mareada", True),
    ("soaked through 3 pads in an hour, BP 90/50", True),
    ("I changed my pad an hour ago and it was light", False),
    ("the nosebleed lasted for an hour last week", False),
])
def test_a_rate_by_the_clock_is_never_vetoed(body: str, expected: bool) -> None:
    from cxinbox.domain import hitjudge, redflag

    folded, _ = redflag.fold(body)
    assert hitjudge.by_the_clock(folded, 0, min(len(folded), 20)) is expected


def test_a_heavy_period_counted_by_the_hour_with_its_numbers_is_a_flag() -> None:
    body = "BP 90/52, HR 124. 2nd super pad this hour, soaked through. dizzy. 38F, not pregnant"
    assert assess(body, channel="sms").red_flag == "severe_bleeding"


def test_went_down_after_a_comma_is_a_fall_for_the_lexicon_too() -> None:
    assert _lexicon_flag(READ_AS_A_FALL) == "head_injury"
    assert assess(READ_AS_A_FALL, channel="sms").red_flag == "head_injury"
