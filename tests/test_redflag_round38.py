"""Round 38 (blind52-54: care homes and aides, texts at night with autocorrect and
Caribbean Spanish, long calm emails in clinical words): the families behind their misses and
false alarms, each with sentences of our own.

- misses: an emergency told calmly in clinical words (a retrosternal or substernal pressure,
  a nosebleed counted by the clock, a large amount of blood passed, a dose taken from someone
  else's box, dated "minutes ago" or "over the last hour" so the hit judge keeps it); a child
  who found edibles and ate several; a sleeping pill taken again on top of the dose; a
  rescue inhaler's puffs counted are the breath, not a poisoning; "estoy q no respiro"; a
  period "like a pad an hour"; "dye" put right as "die*"; words mixed or half the face
  "dead" (a stroke); a Caribbean "cocotazo" with double vision (a head injury); a clock time
  ("at 02:30") is no age; a carer who "looks after her"; a late arrival's wife who can't
  catch her breath; "other one is fine" of a twin;
- false alarms: a test for a condition (pre-eclampsia bloods, "la orina ... de la
  preeclampsia"), a vaccine's or a rule's fever (yellow fever, a daycare's fever policy, a
  dosing chart by fever), a test's reason ("motivo de estudio: dolor torácico", "descartar
  angina"), a trainer's title in a signature, a questionnaire's item answered "not at all",
  pills too big to swallow, a throat that "closes up" over a phone tree, "sobredosis de
  novelas", a sibling's reaction "when we were kids", opt-outs written "STOP pa no recibir"
  and "BAJA p/salir".
"""

from __future__ import annotations

import pytest

from cxinbox.domain.triage import assess, inspect


def flag(body: str, subject: str = "", channel: str = "sms") -> str | None:
    return assess(body, subject=subject, channel=channel).red_flag


def lexicon(body: str, channel: str = "sms") -> str | None:
    """The flag the lexicons and readers give alone (no model, no judge): a family the
    statistical model already reads in a plain sentence must be the lexicon's too."""
    return inspect(body, channel=channel, statistical=False).assessment.red_flag


# -- an emergency told calmly in clinical words ---------------------------------------------

@pytest.mark.parametrize("body", [
    ("Hello,\n\nFor the record: onset about 30 minutes ago, at rest. Character: a retrosternal "
     "heaviness, 4/10, dull. I am 58 and an ex-smoker. Is this urgent?\n\nRegards,\nPaul"),
    ("Buenas tardes,\n\nDesde hace unos 30 minutos tengo una opresión retroesternal, leve, en "
     "reposo. Tengo 61 años. ¿Es urgente?\n\nGracias,\nMarta"),
])
def test_chest_pain_in_clinical_words(body: str) -> None:
    assert flag(body, channel="email") == "chest_pain"


def test_a_chest_pain_ruled_out_in_a_report_is_quiet() -> None:
    body = ("Hola,\n\nEl informe de la prueba dice: motivo de estudio: dolor torácico, descartar "
            "isquemia. ¿Me pueden explicar los resultados?\n\nGracias")
    assert flag(body, channel="email") is None


@pytest.mark.parametrize("body", [
    "my husband has had a nosebleed for forty minutes now, we've pinched it the whole time",
    "a mi papá le sangra la nariz desde hace 40 minutos, ya le apretamos la nariz",
])
def test_a_nosebleed_counted_by_the_clock(body: str) -> None:
    assert flag(body) == lexicon(body) == "severe_bleeding"


def test_a_large_amount_of_blood_passed() -> None:
    body = "This morning I passed a large amount of dark red blood with my stool, twice. Should I be seen today?"
    assert flag(body) == "severe_bleeding"


def test_a_dose_from_someone_elses_box_dated_by_the_hour() -> None:
    body = ("Dr. Reyes,\n\nMy mother took her night dose from my father's pill box instead of her own "
            "at 8, so she has had his metoprolol and his lisinopril. Over the last hour her pulse has "
            "gone down to 50. What should we do?\n\nAna")
    assert flag(body, channel="email") == lexicon(body, channel="email") == "overdose_poisoning"


# -- poisonings, and the breath counted in puffs --------------------------------------------

@pytest.mark.parametrize("body", [
    "my nephew (4) found a bag of edibles in my backpack and ate several about half an hour ago",
    "mi hija encontró las gomitas de mi hermano y se comió varias hace un rato",
    "he took his ambien at 10, then took two more around midnight because he couldn't sleep, and had a couple of beers",
])
def test_edibles_eaten_and_sedatives_taken_again(body: str) -> None:
    assert flag(body) == lexicon(body) == "overdose_poisoning"


def test_puffs_counted_are_the_breath() -> None:
    body = ("wheezing all night, i've taken about 12 puffs of my albuterol in 3 hours and it's not "
            "helping, i have to stop to breathe walking to the kitchen")
    assert flag(body) == "breathing"


@pytest.mark.parametrize("body", [
    "can the doctor change his tablets to a liquid? he has trouble swallowing big pills",
    "a mi mamá le cuesta tragar las pastillas grandes, ¿hay en jarabe?",
])
def test_pills_too_big_to_swallow_are_no_poisoning(body: str) -> None:
    assert flag(body) is None


# -- the breath told in its own words --------------------------------------------------------

def test_estoy_que_no_respiro_is_breathing() -> None:
    assert flag("me mandan el inhalador? estoy q no respiro desde anoche") == "breathing"


@pytest.mark.parametrize("body", [
    "sorry running late, my son can't catch his breath and he's gasping, we might not make it",
    "deaf so texting. my mom (i look after her) breathing strange for 30 min, gasping",
])
def test_someone_elses_breath_beside_an_errand_or_a_carer(body: str) -> None:
    assert flag(body) == lexicon(body) == "breathing"


def test_the_writers_own_breath_when_late_is_ordinary() -> None:
    assert flag("running late, totally out of breath from running for the bus, there in 5") is None


# -- bleeding, autocorrect, stroke, head ----------------------------------------------------

def test_a_pad_an_hour_said_without_a_verb() -> None:
    body = "can I move my appointment? also my period is like a pad an hour since this morning"
    assert flag(body) == lexicon(body) == "severe_bleeding"


def test_dye_put_right_as_die() -> None:
    assert flag("i just want to dye\ndie* stupid phone. i'm serious") == "suicide_self_harm"


def test_dye_for_hair_is_quiet() -> None:
    assert flag("i want to dye my hair before the appointment, is that ok with the scalp cream?") is None


@pytest.mark.parametrize("body", [
    "de repente mi papá empezó a decir frases sin sentido, palabras revueltas, hace media hora",
    "half my face feels dead and my tongue feels heavy, started 10 minutes ago",
])
def test_words_mixed_or_half_the_face_dead_is_a_stroke(body: str) -> None:
    assert flag(body) == lexicon(body) == "stroke"


def test_a_cocotazo_with_double_vision_is_a_head_injury() -> None:
    assert flag("me dieron un cocotazo con una viga en el trabajo y ahora veo doble") == "head_injury"


def test_a_clock_time_is_no_age() -> None:
    body = ("Night log, Maple House\n\nAt 04:15 Mrs. Dorothy Kane fell in the bathroom and hit "
            "her head on the sink. She is 88 and on warfarin. Alert, small bump.\n\nPlease advise.")
    assert flag(body, channel="email") == "head_injury"


def test_a_twin_with_fever_beside_the_other_one_fine() -> None:
    body = "our twins are 2 months, one has a 100.9 fever, other one is fine"
    assert flag(body) == lexicon(body) == "infant_fever"


# -- clinical terms, rules and forms ----------------------------------------------------------

@pytest.mark.parametrize("body", [
    "are my pre-eclampsia bloods back yet? the midwife took them on monday",
    "ya salió el examen de orina de la preeclampsia que me mandaron hacer?",
])
def test_a_test_for_a_condition_is_quiet(body: str) -> None:
    assert flag(body) is None


@pytest.mark.parametrize("body", [
    "¿mi bebé de 8 meses puede ponerse la vacuna de la fiebre amarilla antes del viaje?",
    "can you send the dosing chart for fever again for my 4 month old?",
])
def test_a_vaccines_or_a_rules_fever_is_quiet(body: str) -> None:
    assert flag(body) is lexicon(body) is None


def test_a_baby_with_a_fever_still_flags() -> None:
    assert flag("my 6 week old has a fever of 100.8 since this morning") == "infant_fever"


def test_a_trainers_title_in_a_signature_is_quiet() -> None:
    assert flag("can u confirm tues 2pm\n-- Rico, Heart Attack Response Trainer, Local 12") is None


def test_a_questionnaire_item_answered_not_at_all() -> None:
    body = ("Hi,\n\nAttached is my PHQ-9. For question 9 (thoughts that you would be better off dead "
            "or of hurting yourself) I put \"not at all\". Please file it before my visit.\n\nThanks")
    assert flag(body, channel="email") is None


def test_better_off_dead_said_of_oneself_still_flags() -> None:
    assert flag("honestly everyone would be better off if i was dead, i've been thinking about it all week") \
        == "suicide_self_harm"


@pytest.mark.parametrize("body", [
    "lol my throat closes up every time i have to call the billing line. can i pay online?",
    "Me di una sobredosis de doramas este finde jaja. Confirmo la cita del martes",
])
def test_idioms_of_a_throat_and_an_overdose(body: str) -> None:
    assert flag(body) is lexicon(body) is None


def test_a_throat_closing_after_a_food_still_flags() -> None:
    assert flag("my throat is closing up after I ate shrimp 10 min ago and my lips are huge") == "anaphylaxis"


def test_a_siblings_childhood_reaction_is_history() -> None:
    body = ("Hi,\n\nMy brother had anaphylaxis from peanuts when we were kids, his whole face swelled. "
            "Should I get tested before my trip?\n\nThanks")
    assert flag(body, channel="email") is lexicon(body, channel="email") is None


@pytest.mark.parametrize("body", [
    "Su clínica le recuerda: ¿Pensamientos de suicidio? Llame al 988. Resp STOP pa no recibir más",
    "FarmaSalud: ¿Garganta hinchada tras una picada? Use su EpiPen y llame al 911. BAJA p/salir",
])
def test_opt_outs_written_short_make_a_mailing(body: str) -> None:
    assert flag(body) is None


def test_estoy_que_no_respiro_del_trabajo_is_an_idiom() -> None:
    assert flag("estoy que no respiro del trabajo esta semana, me cambian la cita al jueves?") is None


# -- a now that outweighs the date of a talk; the number asked for --------------------------

def test_thoughts_talked_about_before_and_loud_tonight() -> None:
    body = ("Dr. Amari,\n\nThe thoughts we went over in the autumn are very loud tonight. I'm "
            "alone in the flat and I have been sitting by the balcony door for an hour.\n\nJ.")
    assert flag(body, channel="email") == "suicide_self_harm"


def test_a_past_episode_with_nothing_now_stays_history() -> None:
    assert flag("I had a bad asthma attack last spring, can I get a refill of the inhaler before my trip?") is None


@pytest.mark.parametrize("body", [
    "due next month. what temperature counts as an emergency for a newborn? 100.4?",
    "¿qué temperatura se considera emergencia en un recién nacido? ¿38? nace en marzo",
])
def test_the_number_asked_for_is_no_fever(body: str) -> None:
    assert flag(body) is None


def test_a_newborns_fever_told_beside_the_question_still_flags() -> None:
    assert flag("my 5 week old has a fever, what temp is an emergency? she's at 100.6 now") == "infant_fever"
