"""The lexicon's twenty-sixth pass: the families blind22 (a development set since its first
contact, TRIAGE_EVAL.md "Round 26") left unread, named under another category or read as a
false alarm, each fixed as a family of phrasings in both languages, with sentences of our own
here (none is a line of the set):

- poisoning by berries or a plant a child ate, told by where it grew or a poisonous name; by
  cleaning chemicals mixed and breathed;
- phonetic Caribbean Spanish: a final s or d dropped ("pue", "ta", "dede", "pa un lao"),
  "asfisiao", "emberrenchá";
- suicide told by the means kept ready ("no la he usado") or by a plan while driving;
- a stroke after a slide or a fall that was "not a knock on the head"; "de golpe" (all at
  once) is no blow;
- a red flag inside an admin request: a surgical wound split open and bleeding, pads counted
  by the hour, bleeding before a weeks-numbered anatomy scan, a fever a daycare sent home;
- trap families kept quiet: planning a pregnancy after a past complication, a diagnosis
  quoted from a benefits statement, overdosed on a feast's dish, a program named for
  self-harm, a thank-you for an emergency already seen to, a student's assignment about the
  signs, a relative's stroke told for the rest of a life.

Positives are read with the lexicon and rules alone (tests/support/redflag_rounds.py), near
misses with the lexicon alone and the whole detector.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import (
    assert_both_languages,
    assert_quiet,
    assert_read,
    lexicon_flag,
)

FAMILIES = [
    # berries or a plant a child ate, told by where it grew or its poisonous name
    ("en", "my 3 year old just ate a handful of red berries from the hedge in the park, maybe 5", "overdose_poisoning"),
    ("en", "toddler swallowed some berries off the holly bush out front, 10 min ago", "overdose_poisoning"),
    ("es", "mi niño de 2 años se comió unas bayas del arbusto del patio, no sé qué son", "overdose_poisoning"),
    ("es", "la nena se comió unas moritas negras de la enredadera de la cerca hace un rato", "overdose_poisoning"),
    # cleaning chemicals mixed and breathed
    ("en", "I mixed bleach and the toilet bowl cleaner in a small bathroom and breathed it in, now I'm coughing and my chest burns", "overdose_poisoning"),
    ("en", "my roommate combined drain cleaner with bleach and inhaled the fumes, his eyes are burning", "overdose_poisoning"),
    ("es", "mezclé cloro con el limpiador del baño y respiré los vapores, me arde la garganta", "overdose_poisoning"),
    ("es", "mi mamá mezcló lejía con amoniaco para limpiar y ahora está tosiendo mucho", "overdose_poisoning"),
    # phonetic Caribbean Spanish
    ("es", "mi mamá no pue respira bien dede la mañana", "breathing"),
    ("es", "mi hijo no pue respirá, ta ahogao dede anoche y el inhalador no le hace na", "breathing"),
    ("es", "mi papá ta asfisiao, q hago", "breathing"),
    ("es", "a mi abuela se le fue la bo pa un lao dede hace un rato", "stroke"),
    ("es", "mi tío no pue agarrá el baso y abla emberrenchao, se le cayó la bo pal lado", "stroke"),
    ("en", "my grandma texted 'no pue respira' and her lips look blue on the video", "breathing"),
    # suicide: the means kept ready
    ("en", "the rope has been in my closet since sunday. I haven't used it yet.", "suicide_self_harm"),
    ("en", "got a noose in the garage, didn't use it, just sitting here", "suicide_self_harm"),
    ("es", "compré una soga hace dos días, todavía no la he usado", "suicide_self_harm"),
    ("es", "la cuerda está en mi cuarto, no la he tocado. no sé", "suicide_self_harm"),
    # suicide: a plan while driving
    ("en", "every day on the highway I keep thinking about swerving into the barrier", "suicide_self_harm"),
    ("en", "I keep thinking of just jerking the wheel into oncoming traffic on my way home", "suicide_self_harm"),
    ("es", "manejando al trabajo pienso en dar un volantazo contra el puente", "suicide_self_harm"),
    ("es", "cada vez que paso por el puente pienso en estrellarme contra el muro", "suicide_self_harm"),
    # a stroke after a slide or a fall that was no knock on the head
    ("en", "mom slid off the couch, she didn't hit her head, but her left leg won't hold her and she's drooling from the left side", "stroke"),
    ("en", "grandpa fell off the bench, no bump on the head, now his right side won't support him", "stroke"),
    ("es", "mi papá se resbaló de la silla, no se pegó en la cabeza, pero el lado derecho no lo sostiene y babea de un lado", "stroke"),
    ("es", "mi abuela está confundida de golpe y no puede mover el brazo izquierdo", "stroke"),
    # a red flag inside an admin request
    ("en", "Can I move my stitches removal to Monday? Also the wound popped open this morning and it's bleeding through everything", "severe_bleeding"),
    ("en", "need a work note for this week. I've soaked the dressing 3 times in an hour since the c-section site opened", "severe_bleeding"),
    ("es", "quería cambiar la cita del jueves, se me abrió la herida de la operación y está sangrando mucho", "severe_bleeding"),
    ("es", "necesito el formulario del trabajo, he cambiado la gasa 4 veces en una hora", "severe_bleeding"),
    ("en", "Is my 22 week anatomy scan still on for Tuesday? I've had bright red bleeding since noon", "pregnancy_emergency"),
    ("es", "tengo la eco morfológica de las 20 semanas el lunes, pero hoy estoy sangrando rojo con cólicos", "pregnancy_emergency"),
    ("en", "Please fax the daycare form for Leo's shots. He's 5 months and daycare sent him home with a fever of 101.5", "infant_fever"),
    ("es", "necesito la forma de la guardería para mi bebé de 6 meses, de la guardería me la mandaron porque tiene 38.7 de fiebre", "infant_fever"),
]

TRAPS = [
    # berries and plants bought, picked to eat or asked about
    ("en", "we picked wild blackberries on the trail and the kids ate them, any tips for washing them?"),
    ("en", "is the holly bush poisonous if my dog chews the leaves? asking for the pet sitter form"),
    ("es", "¿cuáles moritas del arbusto se pueden comer? mi hijo quiere probarlas en el paseo"),
    # mixing chemicals asked about or warned of
    ("en", "can I mix bleach and vinegar to clean the tub? the label doesn't say"),
    ("es", "¿se puede mezclar cloro con vinagre para limpiar el baño?"),
    # phonetic Spanish without a red flag
    ("es", "dotora, mi esposo no pue venir el martes, ta trabajando, le pueo cambiar la cita?"),
    ("es", "la bo de mi hija ta mejor, ya come bien, gracias"),
    # a rope for a swing or a boat; driving past without a plan
    ("en", "the rope for the tire swing is in the garage, haven't used it yet. is it safe for a 4 year old?"),
    ("es", "tengo la cuerda para el tendedero en el garaje, no la he usado, ¿la uso para la terapia de la pierna?"),
    ("en", "I keep driving past your new building, where do I park?"),
    ("en", "thinking about turning the wheel over to my son, he just got his license lol"),
    ("es", "siempre paso manejando por el puente, ¿la clínica queda antes o después?"),
    # "de golpe" and "all of a sudden" said of a bill
    ("en", "my dad went downhill all of a sudden with the bills, can we set up a payment plan?"),
    ("es", "me llegó la factura de golpe, ¿puedo pagar en partes?"),
    # admin requests with a wound healing, a scan booked, a daycare form
    ("en", "Can I move my post-op check to Friday? The incision is healing well, no bleeding"),
    ("en", "I'm booked for my 20 week anatomy scan, can my husband come in with me?"),
    ("es", "tengo la eco morfológica de las 20 semanas, ¿puedo llevar a mi mamá?"),
    ("en", "I need the daycare form filled out for my 8 month old's allergies, please"),
    # planning a pregnancy after a past complication
    ("en", "We'd like to try for another baby. With my first I had pre-eclampsia with bad headaches at 36 weeks; all fine since 2020. Can we book a preconception visit?"),
    ("es", "Queremos buscar otro bebé. Con mi primer embarazo tuve preeclampsia con dolores de cabeza, desde entonces todo normal. ¿Me dan cita?"),
    # a diagnosis quoted from a bill or a benefits statement
    ("en", 'My EOB says "overdose - observation" for my son\'s ER visit in March. That is not what happened, please fix the code.'),
    ("en", '"Stroke" on my bill from the neurology visit? It was a migraine follow-up. Please review.'),
    ("es", 'Mi estado de cuenta dice "hemorragia" para el parto de mi hija, fue normal. ¿Lo pueden revisar?'),
    # overdosed on a feast's dish
    ("en", "overdosed on grandma's pozole and turkey this weekend haha, are you open Monday?"),
    ("es", "sobredosis de tamales en la posada jaja, ¿a qué hora abren mañana?"),
    # a program named for self-harm
    ("en", "My therapist suggested the self-harm recovery group at Eastside; can you send the referral? I'm doing well."),
    ("es", "Mi psicóloga me recomendó el programa de autolesiones y regulación emocional, necesito una referencia."),
    # a thank-you for an emergency already seen to
    ("en", "Thank you to the nurse on Monday: when my wife couldn't breathe, you told us to go straight in and they found the clot in time. She's home and recovering."),
    ("es", "Gracias a la enfermera del lunes: cuando mi esposo no podía respirar nos dijo que fuéramos directo a urgencias y lo encontraron a tiempo."),
    # a student's assignment about the signs
    ("en", "I'm a nursing student writing a paper: how do your nurses teach callers to recognise a stroke over the phone?"),
    ("es", "Soy estudiante de enfermería, ¿cómo les enseñan a los pacientes a reconocer un derrame por teléfono? Es para una tarea."),
    # a relative's stroke told for the rest of a life
    ("en", "My dad had a stroke at 60 that left him unable to speak for the rest of his life. I'm 55, can I book a visit about my risk?"),
    ("es", "A mi mamá un derrame la dejó sin poder hablar los últimos años de su vida. Tengo 57, ¿me dan una cita para ver mi riesgo?"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FAMILIES)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert_quiet(body)


def test_a_complication_told_now_stays_a_flag() -> None:
    """The earlier pregnancy dates its own complication, not one told now."""
    assert_read("I'm 34 weeks and I have pre-eclampsia with terrible headaches right now", "pregnancy_emergency")
    assert_read("tengo 35 semanas y preeclampsia con dolor de cabeza muy fuerte ahorita", "pregnancy_emergency")


def test_a_real_blow_after_a_fall_stays_a_head_injury() -> None:
    """The stroke signs read after a fall do not hide a blow told as one."""
    assert lexicon_flag("he fell off the ladder and hit his head, now he's vomiting and confused") == "head_injury"
    assert lexicon_flag("se cayó de la escalera y se pegó en la cabeza, ahora vomita") == "head_injury"


def test_both_languages_are_covered() -> None:
    assert_both_languages(FAMILIES, TRAPS, 7)
