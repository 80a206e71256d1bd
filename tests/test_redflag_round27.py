"""The lexicon's twenty-seventh pass: the families blind23 (a development set since its first
contact, TRIAGE_EVAL.md "Round 27") left unread or read as a false alarm, each fixed as a
family of phrasings in both languages, with sentences of our own here (none is a line of the
set):

- a plan or a goodbye told after a sentence that says the truth now ("told X im fine. im
  not."; "this isnt a bit"; "tired of all of it" with a goodbye or thanks to everyone);
- someone else's risk now, told by a relative: on an overpass, a bridge or a roof, texting
  that he is sorry;
- a baby's fever told in a text's shorthand ("7mo temp 103 ... still high now"), and a twin
  with a fever beside "the other one is fine";
- a limb wound under a tourniquet ("tourniquet on, crew driving me");
- "is it normal to have chest pain after ...?" asked of pain that began minutes ago;
- trap families kept quiet: a past attempt or a past anaphylaxis dated by a year, an age, a
  school grade or college; someone else's allergy told with the reaction it brings; warning
  signs a pharmacist listed; an old concussion asked about for a form; "the winter I couldn't
  breathe is long over"; "envenenado de mal humor".

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
    # a plan told after a sentence that says the truth now
    ("en", "everyone thinks im fine. im not okay. i have a plan for tonight", "suicide_self_harm"),
    ("en", "told my mom i was ok on the phone. im not. ive got a plan", "suicide_self_harm"),
    ("en", "im a clown at kids parties, this isnt a joke. ive been planning how to end it after the last gig saturday", "suicide_self_harm"),
    ("es", "le dije a mi psicólogo que estoy bien. no es cierto. tengo un plan para esta noche", "suicide_self_harm"),
    ("es", "no estoy bien, no es broma. ya tengo un plan.", "suicide_self_harm"),
    ("es", "estoy planeando cómo terminar con todo después de la última función del sábado", "suicide_self_harm"),
    # a goodbye passed on, then tired of all of it
    ("en", "please tell my brother i love him and thank the doctors. im so tired of all of it", "suicide_self_harm"),
    ("en", "thank everyone for everything. i'm done with all of it", "suicide_self_harm"),
    ("es", "díganle a mi mamá que la quiero mucho. ya me cansé de todo", "suicide_self_harm"),
    ("es", "denle las gracias a las enfermeras de mi parte. estoy cansada de todo", "suicide_self_harm"),
    # someone else's risk now, told by a relative
    ("en", "my son is sitting on the railroad bridge and keeps texting me he's sorry", "suicide_self_harm"),
    ("en", "my brother is up on the roof of his building texting that he is so sorry, I'm on my way", "suicide_self_harm"),
    ("es", "mi esposo está parado en el puente de la autopista y me escribe que lo siente", "suicide_self_harm"),
    ("es", "mi hija está sentada en la azotea y me mandó mensaje que la perdone", "suicide_self_harm"),
    # a baby's fever in a text's shorthand, the other twin fine
    ("en", "9mo temp 102.6 since lunch, still hot now", "infant_fever"),
    ("en", "4 months fever 39.1 this morning and still up", "infant_fever"),
    ("en", "my 8 month old twin has a fever of 38.9 and the other twin is fine, should we come in", "infant_fever"),
    ("es", "10 meses fiebre 39.4 desde anoche, todavía alta", "infant_fever"),
    ("es", "mi bebé de 6 meses tiene fiebre de 39 y el otro está bien, ¿los llevo a los dos?", "infant_fever"),
    # a limb wound under a tourniquet
    ("en", "roofer here, the circular saw caught my forearm. tourniquet is on, buddy driving me in", "severe_bleeding"),
    ("en", "my dad cut his leg with the axe, we put a tourniquet on and are heading to you", "severe_bleeding"),
    ("es", "a mi papá la motosierra le cortó la pierna, le pusimos un torniquete, vamos para urgencias", "severe_bleeding"),
    ("es", "me corté el brazo con el machete, tengo el torniquete puesto", "severe_bleeding"),
    # "is it normal to have ..." asked of chest pain that began minutes ago
    ("en", "is it normal to get chest pain after moving furniture? it started about 10 minutes ago and wont quit", "chest_pain"),
    ("en", "Is it ok to have chest pressure after the stairs? began 20 min ago", "chest_pain"),
    ("es", "¿es normal tener dolor de pecho después de palear nieve? empezó hace 15 minutos", "chest_pain"),
    ("es", "¿es normal sentir presión en el pecho después de correr? me empezó hace media hora", "chest_pain"),
]

TRAPS = [
    # a plan or being tired said of ordinary things
    ("en", "i have a plan for tonight: pizza and a movie with the kids. can i move my appt?"),
    ("en", "told my boss im fine with the new shift. can you send my work note?"),
    ("es", "tengo un plan de pagos para la factura, ¿me confirman?"),
    ("en", "planning how to end the school year party, can the nurse come talk to the class?"),
    ("en", "please thank the nurses for everything, my mom is home and doing great"),
    ("es", "díganle a la doctora que la quiero mucho, mi bebé ya está perfecto. gracias por todo"),
    ("en", "im tired of all the paperwork for this referral, can you fax it again?"),
    # a bridge or a roof without a risk
    ("en", "my husband is on the bridge crew today and texted that he's sorry he's late for his appt"),
    ("es", "mi esposo está en el puente con su cuadrilla y me escribió que lo siente, llega tarde a la cita"),
    # a baby well, a fever at 18 months, a twin fine
    ("en", "18mo temp 102 since this morning, still eating fine. anything for it?"),
    ("es", "18 meses fiebre 38.5, ¿le doy paracetamol?"),
    ("en", "both twins are fine now, the fever from last week is gone. need their 9 month checkup"),
    # a tourniquet in a class or a kit
    ("en", "is the first aid class on how to put a tourniquet on still on Saturday?"),
    ("es", "¿en el curso de primeros auxilios enseñan a poner un torniquete?"),
    # is it normal, asked ahead of time
    ("en", "is it normal to have chest pain after shoveling? my neighbour asked me, just curious"),
    ("es", "¿es normal tener dolor de pecho después de hacer ejercicio? es para saber, ahorita estoy bien"),
    # a past attempt or anaphylaxis dated by an age, a grade, college or years
    ("es", "Hace ocho años intenté quitarme la vida y ustedes me salvaron. Hoy me recibí de maestra. ¡Gracias!"),
    ("en", "My daughter had anaphylaxis to shrimp at age 4 — her lips swelled and she couldn't breathe. She's 12 now and hasn't had a reaction since. Can you refill her EpiPen?"),
    ("en", "When I was in college, 2009 I think, I ate a walnut and my throat swelled; I've avoided nuts since and never had another reaction. Can I book allergy testing?"),
    ("es", "Cuando estaba en la universidad comí camarones y se me cerró la garganta. Quiero hacerme la prueba de alergia."),
    ("en", "My son had a concussion in 8th grade — he got knocked out at practice and threw up. He's been symptom-free for two years. Can you sign his sports physical?"),
    ("es", "Mi hijo tuvo una conmoción en sexto de primaria, se desmayó. ¿Esa conmoción vieja importa para el equipo de fútbol?"),
    # someone else's allergy told with the reaction it brings
    ("en", "my brother is allergic to peanuts and his throat closes up, i want to get tested too"),
    ("es", "mi prima es alérgica a los mariscos y se le hincha la cara, ¿me pueden hacer la prueba?"),
    # warning signs a pharmacist or a nurse listed
    ("en", "The nurse listed chest pain and trouble breathing as signs to watch for after the new pill. Who do we call at night? He's fine."),
    ("es", "La farmacéutica nos mencionó la cara caída y el habla arrastrada como señales de alarma. ¿A quién llamo si pasa?"),
    # a time named by the symptom, long over
    ("en", "the spring i couldn't breathe is long over, ran a 5k last week. thanks for the inhaler plan!"),
    ("es", "gracias, aquel invierno que no podía respirar ya quedó atrás"),
    # poisoned by a mood
    ("es", "el tráfico me tiene envenenada de coraje jaja, llego 10 min tarde"),
    ("en", "work has me poisoned with bitterness lol, can I reschedule my physical?"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FAMILIES)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert_quiet(body)


def test_an_allergy_reacting_now_stays_a_flag() -> None:
    """Someone else's allergy told with something eaten now is theirs, now."""
    assert lexicon_flag("my wife is allergic to shellfish and her throat closes, she just ate a crab cake and is wheezing") == "anaphylaxis"
    assert lexicon_flag("mi hermano es alérgico al maní y se le cierra la garganta, se comió uno por error ahorita") == "anaphylaxis"


def test_a_tourniquet_on_a_head_wound_still_needs_the_wound() -> None:
    """A chainsaw that cut a limb with no bleeding, tourniquet or ride told is not read by this
    family alone; the cut told with blood is."""
    assert lexicon_flag("the chainsaw cut my jeans, not my leg, all good") is None
    assert lexicon_flag("la motosierra le cortó la pierna y está sangrando mucho") == "severe_bleeding"


def test_both_languages_are_covered() -> None:
    assert_both_languages(FAMILIES, TRAPS, 4)
