"""Round 35 (blind46-48: people at work and in trades, long illness, third parties writing for
someone): the families behind their misses and false alarms, each with sentences of our own.

- the wrong category: a medicine taken as routine or as first aid is no poisoning (the pills
  one takes for blood pressure, one aspirin during chest pain), so the worst current symptom
  names the message; a headache told by the blow it is like ("like a bat to the head") is a
  stroke's, not a head injury; a limb "asleep that won't wake up" is numbness, not a drowsy
  patient; a chest that whistles is a wheeze, so "can't talk" beside it is breathing;
- an organisation's name or slogan in a signature ("Programa de Prevención de Sobredosis y
  Envenenamientos", "Food Allergy & Anaphylaxis Families Network", a blood bank's "Heavy
  bleeding doesn't wait") is nobody's symptom;
- misses: a ball or a bat "taken to the head"; sight that "went double", a leg that "feels
  like it's not mine"; not seeing why one should be around; insulin or dialysis stopped on
  purpose; a note left "for when I'm gone"; a pet handed on with "no pienso estar para la
  navidad"; the wrong insulin by mistake; pills swallowed, how many unknown; "since mom
  passed" is no symptom that passed; "sin saldo" is no denial.
"""

from __future__ import annotations

import pytest

from cxinbox.domain.triage import assess


def flag(body: str, subject: str = "", channel: str = "sms") -> str | None:
    return assess(body, subject=subject, channel=channel).red_flag


# -- a medicine taken as routine or as first aid --------------------------------------------

@pytest.mark.parametrize("body", [
    ("me empezó una opresión en el pecho fuerte cargando las cajas, ya van 15 minutos y sigue, "
     "tengo 52 y tomo pastillas de la presión, ¿qué hago?"),
    ("dolor de pecho como que me aprietan desde hace media hora, sudando, yo tomo pastillas "
     "para el azúcar y para el colesterol"),
    ("my husband has crushing chest pain since he got off the tractor, he's sweaty and pale. "
     "he took an aspirin like the nurse line said. what now"),
    ("grandpa says his chest feels heavy and tight right now, he chewed one of grandma's "
     "baby aspirin an hour ago, should we drive him in"),
])
def test_a_medicine_taken_as_routine_or_first_aid_leaves_the_chest_pain(body: str) -> None:
    assert flag(body) == "chest_pain", body


@pytest.mark.parametrize("body", [
    "mi hijo de 3 años se tomó todas las pastillas de la presión de su abuela, ¿qué hago?",
    "mi nieto se tomó pastillas de la presión de la abuela, las encontró en el buró",
    "my toddler swallowed a bunch of grandma's aspirin, the bottle is empty",
    "my 2 year old got into my purse and ate my aspirin, like 6 of them",
])
def test_someone_elses_pills_or_many_stay_a_poisoning(body: str) -> None:
    assert flag(body) == "overdose_poisoning", body


@pytest.mark.parametrize("body", [
    ("yo tomo muchas pastillas, las de la tiroides y las del colesterol. ¿me pueden mandar "
     "la receta de todas a la farmacia nueva?"),
    "tengo 60 y tomo pastillas de la presión, necesito el resurtido para este mes",
])
def test_routine_pills_alone_are_no_red_flag(body: str) -> None:
    assert flag(body) is None, body


# -- a figure of a blow, a limb asleep, a whistling chest -----------------------------------

@pytest.mark.parametrize("body", [
    ("out of nowhere the worst headache of my life, like a hammer to the back of the head, "
     "now I'm throwing up and my vision is blurry"),
    ("de repente el peor dolor de cabeza de mi vida, como si me hubieran dado un martillazo "
     "en la nuca, y ahora veo doble"),
])
def test_a_headache_like_a_blow_is_a_stroke(body: str) -> None:
    assert flag(body) == "stroke", body


@pytest.mark.parametrize("body", [
    "my son got hit in the head with a bat at practice, he threw up and is seeing double",
    "le pegaron con un bate en la cabeza y ya vomitó dos veces",
])
def test_a_real_blow_with_signs_stays_a_head_injury(body: str) -> None:
    assert flag(body) == "head_injury", body


@pytest.mark.parametrize("body", [
    ("I'm at the shop, all of a sudden everything went double and my right arm feels like "
     "it's not mine"),
    "my left leg is numb, like it's asleep but won't wake up, and my face feels droopy",
    "de repente siento la pierna izquierda como si no fuera mía y se me tuerce la boca",
])
def test_sight_doubled_and_a_limb_not_ones_own_are_a_stroke(body: str) -> None:
    assert flag(body) == "stroke", body


@pytest.mark.parametrize("body", [
    "my hand fell asleep on the drive and won't wake up all the way, it's been pins and needles",
    "the picture on the tv went double for a sec, is the cable box broken",
])
def test_pins_and_needles_and_a_tv_are_no_red_flag(body: str) -> None:
    assert flag(body) is None, body


@pytest.mark.parametrize("body", [
    "mi niña tiene asma, ya le di 8 disparos del inhalador y sigue con el pecho silbando y no puede hablar",
    "le silba el pecho y no puede ni hablar, ya le di el inhalador",
    "his chest is whistling and he can't talk in full sentences, the inhaler isn't helping",
])
def test_a_whistling_chest_that_stops_talk_is_breathing(body: str) -> None:
    assert flag(body) == "breathing", body


def test_a_whistling_kettle_is_no_wheeze() -> None:
    assert flag("la tetera silba mucho, jaja, ¿a qué hora abren mañana?") is None


# -- an organisation in a signature ----------------------------------------------------------

@pytest.mark.parametrize("body", [
    ("Buenas tardes, ¿me pueden confirmar mi cita del martes? Gracias.\n"
     "Lic. Marta Ibarra\nCoalición Regional contra Sobredosis e Intoxicaciones"),
    ("Can you resend my statement for November? Thanks\nJoe Park | Volunteer, Stroke & "
     "Aphasia Support Network"),
    ("Please change my phone number to the new one below.\nRita Moss\nCommunity Blood Center: "
     "\"Patients with severe bleeding count on you. Donate this week.\""),
    ("Hi, I'd like to book my physical. Thanks, Ana\nAna Ruiz | Board member, Anaphylaxis "
     "Families Alliance"),
])
def test_an_organisations_name_or_slogan_is_no_symptom(body: str) -> None:
    assert flag(body, channel="email") is None, body


@pytest.mark.parametrize(("body", "category"), [
    (("I volunteer for the blood drive and right now I'm having heavy bleeding from my nose "
      "that won't stop for 40 minutes"), "severe_bleeding"),
    (("trabajo en el programa de prevención de sobredosis y mi hermano se tomó un frasco de "
      "pastillas hace una hora"), "overdose_poisoning"),
])
def test_working_for_one_does_not_hide_ones_own_emergency(body: str, category: str) -> None:
    assert flag(body) == category, body


# -- a ball to the head ----------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "my daughter took a softball to the side of the head, she's vomiting and very sleepy",
    "he got hit by a puck in the temple, now he's confused and keeps asking what happened",
    "a mi hijo le pegó una pelota de béisbol en la cabeza y ya vomitó, está muy dormido",
])
def test_a_ball_to_the_head_with_signs_is_a_head_injury(body: str) -> None:
    assert flag(body) == "head_injury", body


def test_a_ball_to_the_head_last_season_and_fine_is_no_red_flag() -> None:
    assert flag("he took a baseball to the head last season, he's been fine since. "
                "he needs his sports physical form signed") is None


# -- suicide: the families of the misses -----------------------------------------------------

@pytest.mark.parametrize("body", [
    "my uncle keeps saying he doesn't see why he should stick around, he gave us his truck keys",
    "no le veo sentido a seguir aquí, ya no puedo más",
    "desde el lunes dejé de ponerme la insulina a propósito, que pase lo que pase",
    "I've been skipping dialysis on purpose since friday, I'm done fighting",
    "encontré una carta de mi hermano para mi mamá que dice que es para cuando ya no esté",
    "she left a note on the counter that says it's for when i'm gone, she's not answering",
    ("ya le regalé la moto a mi primo y le dejé la perra a mi vecina. no pienso estar para "
     "la navidad"),
    ("my brother has been tired of living since his wife passed, and tonight he showed me "
     "his loaded pistol"),
])
def test_suicide_families_flag(body: str) -> None:
    assert flag(body) == "suicide_self_harm", body


@pytest.mark.parametrize("body", [
    "ya no me pongo la insulina rápida porque el doctor me la quitó, ¿me confirman la dosis de la lenta?",
    "skipped dialysis on Tuesday because of the snow, can I get a makeup session?",
    "le dejé el perro a mi vecina mientras voy al hospital a la cirugía, ¿a qué hora llego?",
    "the letter is for when i'm gone on vacation, the neighbour will feed the cat",
    "the headache passed after an hour, can I still come in thursday?",
])
def test_suicide_near_misses_are_no_red_flag(body: str) -> None:
    assert flag(body) is None, body


# -- poisonings: the wrong insulin, pills uncounted ------------------------------------------

@pytest.mark.parametrize("body", [
    "me confundí y me puse 25 unidades de insulina rápida en vez de la lenta, estoy temblando",
    "I accidentally injected my fast acting insulin instead of the long one, 30 units",
    "found my son with the pill box open, I don't know how many he swallowed",
    "la niña abrió el pastillero de la abuela, no sé cuántas se tomó",
])
def test_wrong_insulin_and_pills_uncounted_are_a_poisoning(body: str) -> None:
    assert flag(body) == "overdose_poisoning", body


def test_sweets_uncounted_are_no_poisoning() -> None:
    assert flag("no sé cuántas paletas se comió en la piñata, ¿le doy algo para la panza?") is None


def test_a_unit_count_asked_is_no_red_flag() -> None:
    assert flag("¿cuántas unidades de insulina lenta me pongo ahora que cambió la dosis?") is None


# -- "sin" that denies nothing ---------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "le escribo yo porque mi hermana se quedó sin saldo: su bebé de 5 semanas tiene 38.7 de fiebre",
    "estoy sin batería casi, mi bebé de 2 meses tiene fiebre de 38.5 desde la tarde",
])
def test_no_phone_credit_is_no_denial(body: str) -> None:
    assert flag(body) == "infant_fever", body


def test_a_baby_without_fever_is_still_denied() -> None:
    assert flag("mi bebé de 6 semanas está sin fiebre y comiendo bien, ¿lo vacunan el lunes?") is None


# -- traps: an opt-out, an idiom, a recovery, a relative's disorder, a well spell ------------

@pytest.mark.parametrize("body", [
    "Óptica del Valle: ¿su bebé tiene calentura? Paños fríos 3x2. Responda NO para no recibir promociones",
    "Pharmacy Plus: is your baby running a fever? Ear thermometers 20% off this week. Reply STOP to end",
])
def test_an_advert_with_an_opt_out_is_a_mailing(body: str) -> None:
    assert flag(body) is None, body


def test_a_real_fever_told_with_no_is_no_mailing() -> None:
    assert flag("mi bebé de 6 semanas tiene 38.6 de fiebre, no come, responda por favor") \
        == "infant_fever"


@pytest.mark.parametrize("body", [
    "casi me da un infarto con la cuenta del taller, voy en camino",
    "casi me da un derrame cuando vi la fila, llego en 10",
])
def test_almost_having_one_over_a_bill_or_a_queue_is_an_idiom(body: str) -> None:
    assert flag(body) is None, body


@pytest.mark.parametrize("body", [
    ("my dad had a small stroke three weeks ago, his speech came back the same day and he's "
     "fine. can we get his follow-up with Dr. Lee?"),
    ("mi esposo tuvo un derrame leve hace un mes, ya se recuperó. ¿nos dan cita para el "
     "seguimiento?"),
])
def test_a_stroke_weeks_ago_whose_speech_came_back_is_history(body: str) -> None:
    assert flag(body) is None, body


def test_a_symptom_that_came_back_today_is_current() -> None:
    assert flag("I had a mini stroke last year and today my left arm is numb again, "
                "it came back an hour ago") == "stroke"


@pytest.mark.parametrize("body", [
    "mi tío era hemofílico y sangraba por días, ¿me pueden hacer la prueba a mí?",
    "my grandfather was a hemophiliac and bled for days after a tooth pulled, should I be tested?",
])
def test_one_relatives_bleeding_disorder_is_family_history(body: str) -> None:
    assert flag(body) is None, body


@pytest.mark.parametrize("body", [
    "desde el ataque de asma del verano no he tenido problemas, solo necesito el inhalador de control",
    "since the asthma attack in march I haven't had any trouble, just need my controller refill",
])
def test_an_attack_that_began_a_well_spell_is_history(body: str) -> None:
    assert flag(body) is None, body


def test_a_baby_months_old_with_a_temp_is_an_infant_fever() -> None:
    assert flag("5 mo has a temp of 102.3 and won't feed") == "infant_fever"


# -- a screening question answered no --------------------------------------------------------

@pytest.mark.parametrize("body", [
    ("the intake nurse asked whether I ever think about killing myself and no, not at all, "
     "I'm just tired from night shifts. can I get a sleep appointment?"),
    ("la hoja de la clínica pregunta si he pensado en quitarme la vida. no, para nada, la "
     "llené y la traigo el lunes"),
])
def test_a_screening_question_answered_no_is_no_red_flag(body: str) -> None:
    assert flag(body) is None, body


@pytest.mark.parametrize("body", [
    "the nurse asked if I wanted to hurt myself and I said yes, I have a plan for tonight",
    "la enfermera me preguntó si quería hacerme daño y le dije que sí, ya tengo las pastillas juntadas",
])
def test_a_screening_question_answered_yes_flags(body: str) -> None:
    assert flag(body) == "suicide_self_harm", body
