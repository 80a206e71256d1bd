"""Suicide and self-harm read by the concepts of risk (domain/selfharm.py, TRIAGE_EVAL.md
"Round 30"): two different warning signs in the patient's new text (a wish not to be
alive, hopelessness, a decision, calm after it, final arrangements, the means, a place, a
goodbye, a time set, self-injury) raise suicide/self-harm, and the same signs in ordinary
lives (a move, a trip, a will for a new baby, rope for a barn, a decision about a job, a
form) stay quiet. Sentences of our own, none a line of any labelled set, read by the whole
detector (triage.assess), in English and Spanish.
"""

from __future__ import annotations

import pytest

from cxinbox.domain import redflag, selfharm, triage

POSITIVES = [
    # final arrangements beside a goodbye or a decision
    ("en", ("gave the neighbours my records and my fishing gear this week. told my brother "
           "I love him. that's all I wanted to say")),
    ("en", ("I handed back the keys to the apartment and found a new home for my parrot. "
           "it isn't anybody's fault")),
    ("en", "all my papers are in order now and I feel strangely calm. thank you for trying, doc"),
    ("en", ("Please cancel all my appointments. I won't need them anymore. Thank you for the "
           "kindness over the years")),
    ("es", "ya dejé todo arreglado, las cartas para mis hijos están en la mesa. no se preocupen por mí"),
    ("es", "mi tía está regalando sus joyas y sus muebles y dice que ya no va a molestar a nadie"),
    ("es", "ya lo decidí. estoy en paz por primera vez"),
    # the means beside a decision, a goodbye or hopelessness
    ("en", "ive decided. the pistol is in my glovebox"),
    ("en", "the shotgun is on the kitchen table. i'm sorry for everything"),
    ("es", "ya no aguanto más. tengo la escopeta de mi papá en el cuarto"),
    ("en", "been keeping my sleeping tablets in a jar, there's enough now. just telling someone"),
    # a place to die beside a wish, a goodbye or a decision
    ("en", "I'm parked by the overpass again. I don't want to be here anymore"),
    ("es", "estoy en la azotea del hospital. solo quería que alguien lo supiera"),
    ("en", "I keep driving out to the bridge every night and sitting there"),
    # a wish not to be alive, a burden
    ("en", "my family would be better off with my life insurance than with me"),
    ("es", "ya para qué sigo, soy una carga para todos"),
    ("es", "desde el parto no quiero estar viva, no sé qué hacer"),
    ("en", "i'm such a burden to everyone, they'd all be fine without me"),
    # self-injury now
    ("en", "my son keeps punching his own legs until they bruise, he says he deserves it"),
    ("es", "mi hija se rasguña los brazos hasta sangrar cuando se pone nerviosa"),
]

NEAR_MISSES = [
    # a move, a trip, a new job
    ("en", ("giving away my furniture and handing back the lease, moving to Denver for work. "
           "please send my records there")),
    ("es", ("ya regalé mis muebles y devolví el departamento porque me voy a vivir a Chile. "
           "les mando mi nuevo correo")),
    ("en", "I won't be around next month, we fly to Lisbon on the 3rd. I'll call to rebook"),
    ("es", "cancelen mi cita, ya no voy a estar en la ciudad esa semana. llamo cuando vuelva"),
    # a will for a new baby, a decision about a treatment or a doctor
    ("en", "we made our will now that the baby is here. the lawyer needs a letter from the doctor"),
    ("es", "ya lo decidí, quiero probar el implante. me dan cita con la doctora?"),
    ("en", "I've decided to go ahead with the shoulder surgery, can I book the pre-op"),
    ("en", "ever since I decided to stop drinking coffee I feel fine, can I get bloodwork"),
    # the means in ordinary use
    ("en", "picked up rope for the calf pen, might be 10 min late to my 2pm"),
    ("es", "mi esposo trae la escopeta porque venimos de la cacería, dónde la puede dejar?"),
    ("en", "I counted my pills and only have three left, can you send the refill"),
    ("en", "can I get extra tablets for the trip? want enough for six weeks away"),
    ("es", "se me cayó la cuerda del tendedero y me raspé la mano, abren mañana?"),
    # places in ordinary lives
    ("en", "stuck in traffic on the bridge, running late for my 10am"),
    ("en", "going to the cliffs with the kids tomorrow, do you have sunscreen samples"),
    ("es", "me caí del techo arreglando las tejas, me duele el tobillo, voy mañana?"),
    # goodbyes and thanks in ordinary lives
    ("en", "wanted to say goodbye to nurse Ana before she retires, is there a card going round"),
    ("es", "gracias por todo doctora, nos mudamos a Monterrey el mes que viene, me despido"),
    # grief, exhaustion, an attempt long ago, a form
    ("en", "my wife passed in spring and I'm exhausted all the time, could I see someone about sleep"),
    ("en", "it's been six years since my attempt and I'm doing well, need my lithium refilled"),
    ("es", "el formulario del seguro pregunta si alguna vez pensé en quitarme la vida, lo llenan ustedes?"),
]


@pytest.mark.parametrize(("lang", "body"), POSITIVES)
def test_concepts_read_as_suicide(lang: str, body: str) -> None:
    assert triage.assess(body).red_flag == "suicide_self_harm", (lang, body)


@pytest.mark.parametrize(("lang", "body"), NEAR_MISSES)
def test_same_concepts_in_ordinary_lives_stay_quiet(lang: str, body: str) -> None:
    assert triage.assess(body).red_flag is None, (lang, body)


def test_both_languages_are_covered() -> None:
    assert {lang for lang, _ in POSITIVES} == {"en", "es"}
    assert {lang for lang, _ in NEAR_MISSES} == {"en", "es"}


def _concepts(text: str) -> set[str]:
    folded, _ = redflag.fold(text)
    return {s.concept for s in selfharm.signs(folded)}


@pytest.mark.parametrize(("text", "concept"), [
    ("they would all be better off without me", "wish"),
    ("ya no sé para qué sigo", "wish"),
    ("nothing left to look forward to", "hopeless"),
    ("ya lo decidí.", "decision"),
    ("I feel weirdly calm", "calm"),
    ("found a new home for my two cats", "arrange"),
    ("le regaló sus herramientas a mi hermano", "arrange"),
    ("got the rope in the shed", "means"),
    ("I'm on the roof of my building", "place"),
    ("please tell my sister I love her", "final"),
    ("tonight", "time"),
    ("I burn my arm until it blisters", "injury"),
])
def test_each_sign_is_found(text: str, concept: str) -> None:
    assert concept in _concepts(text)


def test_one_sign_alone_is_not_enough() -> None:
    # a single arrangement, a single means, a single place: ordinary until a second sign
    for body in ("gave away my old books to the library", "the rope is in the barn",
                 "I'm at the bridge", "ya lo decidí."):
        assert selfharm.concept_flag(body) is None, body


def test_a_sign_denied_or_past_does_not_count() -> None:
    # "I don't have a plan" and an attempt years ago are not current signs
    assert selfharm.concept_flag("no thoughts of ending it and I don't have a plan. "
                                 "i won't need the refill") is None
    assert selfharm.concept_flag("years ago I gave away my things and wrote letters to my "
                                 "kids; I'm well now and in therapy") is None


def test_a_time_pairs_only_with_a_wish_a_decision_or_a_goodbye() -> None:
    assert selfharm.pairs({"time", "decision"})
    assert selfharm.pairs({"time", "final"})
    assert not selfharm.pairs({"time", "means"})
    assert not selfharm.pairs({"time", "place"})
    assert not selfharm.pairs({"time", "arrange"})
    assert selfharm.pairs({"means", "place"})
    assert selfharm.pairs({"wish", "time"})


def test_flag_quotes_the_patients_words() -> None:
    found = selfharm.concept_flag("Ya dejé todo arreglado. No se preocupen por mí.")
    assert found is not None
    assert found[0] == "suicide_self_harm"
    assert found[1]  # the patient's own words, accents kept
    assert "é" in found[1] or "í" in found[1]


def test_a_mailing_is_not_read() -> None:
    body = ("Warning signs: giving away possessions, saying goodbye, talking about being a "
            "burden. Unsubscribe here. Manage your email preferences.")
    assert triage.assess(body).red_flag is None


@pytest.mark.parametrize(("lang", "body"), [
    # the harm is intended: suicide/self-harm over a poisoning or a head injury
    ("en", "my brother swallowed rat poison, he says he doesn't want to be alive anymore"),
    ("es", "mi hijo se golpea la cabeza contra la pared hasta sangrar y dice que se lo merece"),
])
def test_intended_harm_is_read_as_suicide(lang: str, body: str) -> None:
    assert triage.assess(body).red_flag == "suicide_self_harm", (lang, body)


@pytest.mark.parametrize(("lang", "body", "flag"), [
    # an accident stays what it is
    ("en", "my toddler swallowed rat poison from the garage, he's vomiting", "overdose_poisoning"),
    ("en", "my son fell off the trampoline onto his head, threw up and now wants to sleep", "head_injury"),
])
def test_accidents_keep_their_category(lang: str, body: str, flag: str) -> None:
    assert triage.assess(body).red_flag == flag, (lang, body)


def test_a_wish_after_a_birth_is_suicide_not_pregnancy() -> None:
    body = "since the baby was born four weeks ago I don't want to be alive. I feel nothing"
    assert triage.assess(body).red_flag == "suicide_self_harm"


@pytest.mark.parametrize(("lang", "body"), [
    # the risk denied, someone else's, long past: the suicide words are not a red flag
    ("en", ("been low since the breakup, crying a lot, but no thoughts of hurting myself. can I "
           "talk to someone about counselling?")),
    ("en", "my uncle died by suicide last spring. I'm coping, could I get a grief counsellor"),
    ("es", "me siento triste desde la mudanza pero no pienso en hacerme daño, quiero hablar con alguien"),
    ("en", "I'm 7 years out from my suicide attempt and doing well, can we talk about tapering"),
])
def test_a_denied_or_past_risk_is_quiet(lang: str, body: str) -> None:
    assert triage.assess(body).red_flag is None, (lang, body)


@pytest.mark.parametrize(("lang", "body"), [
    # a denial beside a sign of risk now is not believed
    ("en", ("not suicidal exactly, but I've given away my guitar and my records and I'm at the "
           "bridge")),
    ("es", "no pienso en matarme, pero ya dejé las cartas para mis hijos y tengo la soga en el carro"),
])
def test_a_denial_beside_a_sign_of_risk_still_flags(lang: str, body: str) -> None:
    assert triage.assess(body).red_flag == "suicide_self_harm", (lang, body)


def test_since_a_loss_is_current() -> None:
    # "since my husband died" dates a time up to now, not a past event
    assert selfharm.concept_flag("since my husband died I've been storing up my tablets. "
                                 "I thought you ought to know") is not None


# Round 31: one strong sign alone where it is unambiguous, the wish said in more ways, the
# means kept or looked at, a method researched; and the same families' near misses.
ROUND31_POSITIVES = [
    # one strong sign alone: a method researched or planned, the means in hand
    ("en", "quick question, how many of my blood pressure pills would do it"),
    ("en", "I've spent the week planning how to end my life and I need someone to stop me"),
    ("es", "llevo dos noches pensando en aventarme del cuarto piso"),
    ("en", "I'm in the car holding with the gun. please call"),
    ("en", "on the bathroom floor sitting here with the pills, can someone call me back"),
    ("en", "dropping my keys at the desk. I won't be around after tonight"),
    ("es", "ya sé a qué hora pasa el último camión por la carretera"),
    # the wish said in other words
    ("en", "honestly I'm out of reasons to keep going and the referral is taking forever"),
    ("en", "it'd be okay if a truck hit me on the way to work, thats where my head is"),
    ("es", "mi abuelo reza cada noche que no lo deje despertar, ya casi no come"),
    ("es", "quiero que todo esto se termine de una vez, ya no duermo"),
    ("es", "desde el divorcio no le encuentro sentido a la vida y ya no salgo"),
    ("en", "can you move my appointment up, I'm afraid of what I might do to myself"),
    ("es", "ando con ganas de no querer vivir, me pueden dar cita"),
    # the means kept or looked at
    ("es", "el cuchillo lo tengo debajo de la cama, lo miro todas las noches"),
    ("en", "i keep the rope in my closet and i look at it every night"),
    ("en", "can you move my visit up, i can't hold on until friday and i keep thinking about the gun in the drawer"),
    # final arrangements and goodbyes in new words
    ("en", "left my cat to my neighbour and paid back everything I owe. thanks for trying doc"),
    ("en", "been clearing out my locker and giving away my guitar. figured the doctor should know"),
    ("es", "le dejé el terreno a mis nietos y regalé mis caballos. estoy lista para irme con mi viejo"),
    ("en", "I've closed my accounts and I'd rather not leave anything unpaid. you'll find the papers"),
    ("en", "you won't have to remind me about my refills again. thank you for being kind to me"),
    # self-injury now, told without the old words
    ("en", "i keep cutting myself when the house goes quiet and i cant stop"),
    ("en", "two years clean but last night i cut again. i don't know who else to tell"),
]

ROUND31_NEAR_MISSES = [
    # a plan, a time, a method about ordinary things
    ("en", "how many of these allergy pills would be safe for a 10 year old"),
    ("en", "I won't be around next week, I'm at a conference. can we move the visit"),
    ("en", "got a plan for saturday with the grandkids, can I still come friday"),
    # the wish words in a screening form, a past event with the person well now
    ("en", "the PHQ-9 asks about thinking you'd be better off dead. I put not at all. where do I send it"),
    ("es", "en el cuestionario la pregunta de si he pensado que estaría mejor muerto, puse que nunca"),
    ("en", ("last spring my daughter said she wanted to die; after therapy she's doing great now and "
           "needs a sports physical")),
    ("es", "hace tres semanas estuve internado por lo que hice. ya estoy mejor y quiero la cita de control"),
    ("en", ("I made an attempt at 16, I'm 40 now and have been stable for years. the adoption agency "
           "needs a letter")),
    # someone else's suicide long ago, a will with a notary, a retirement or a move
    ("en", "my uncle took his own life in 2015. would it help to mention it at my checkup"),
    ("es", "estoy preparando mi testamento con el notario y dejo todo en orden, necesito un certificado"),
    ("en", "after 30 years I'm retiring and this is my goodbye note to the whole clinic"),
    ("en", ("this is my last message from this address, we leave for Denver on Monday and the new owners "
           "get the keys")),
    # an overdose or an injury not meant to kill
    ("en", "took six of my sleeping pills, not to kill myself, I just couldn't sleep. now I feel dizzy"),
    ("en", "cut my wrist on the table saw in the garage, wrapped it, it keeps bleeding"),
    # the words of a wish or the means denied or ordinary
    ("en", "I don't wish I was dead, I just hate this cast. when can it come off"),
    ("es", "la cuerda de la hamaca la tengo en la mochila, ¿la puedo dejar en recepción?"),
    ("en", "I stopped my meds because of the rash and I'm putting my files in order for the new doctor"),
]


@pytest.mark.parametrize(("lang", "body"), ROUND31_POSITIVES)
def test_round31_signs_read_as_suicide(lang: str, body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag == selfharm.CATEGORY, (lang, body)


@pytest.mark.parametrize(("lang", "body"), ROUND31_NEAR_MISSES)
def test_round31_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag != selfharm.CATEGORY, (lang, body)


def test_round31_covers_both_languages() -> None:
    for cases in (ROUND31_POSITIVES, ROUND31_NEAR_MISSES):
        assert {lang for lang, _ in cases} == {"en", "es"}


def test_an_overdose_not_meant_to_kill_keeps_its_category() -> None:
    body = "took six of my sleeping pills, not to kill myself, I just couldn't sleep. now I feel dizzy"
    assert triage.assess(body, channel="sms").red_flag == "overdose_poisoning"


def test_the_means_kept_counts_only_beside_the_means() -> None:
    assert selfharm.pairs({"kept", "means"})
    assert not selfharm.pairs({"kept", "time"})
    assert not selfharm.pairs({"kept", "hopeless"})


def test_a_screening_answered_yes_is_the_writers_own() -> None:
    body = ("the PHQ-9 question about being better off dead, I marked nearly every day. "
            "should I tell someone before Thursday")
    assert triage.assess(body, channel="sms").red_flag == selfharm.CATEGORY


def test_a_plan_is_read_only_with_its_method() -> None:
    assert "plan" in _concepts("I've been planning how to end my life")
    assert "plan" not in _concepts("I've been planning how to tell my boss about the surgery")
    assert "plan" not in _concepts("how many of these allergy pills would be safe for a child")
    assert "plan" in _concepts("i keep thinking about the gun in the drawer")
    assert "plan" not in _concepts("I keep thinking about the pills I forgot on the counter")


# Round 32: the families a new writer still got past, widened by meaning (sentences of our own)
ROUND32_POSITIVES = [
    # a method researched by amount
    ("en", "been reading online how much of my insulin it would take to never wake up, I can't stop"),
    ("en", "googled the lethal dose of my sleeping tablets twice this week"),
    ("es", "estuve buscando en internet cuántas pastillas de mi papá harían falta para no despertar"),
    # arrangements said of a pet, the rent paid ahead, the rest sorted; someone told to know soon
    ("en", ("I've taken care of everything else. the dog is going to live with my sister and I paid the "
            "rent ahead for the next three months")),
    ("es", "la perrita se va a vivir con mi hermana y la renta ya quedó pagada hasta junio. ya arreglé todo lo demás"),
    ("en", "my son will need to know things soon. the papers are in the blue folder, everything is in order"),
    # the means got with its ordinary use denied; no meaning found, said bare
    ("en", "bought rat poison yesterday and I don't even have mice. life feels pointless"),
    ("es", "compré una soga y ni tengo patio. ya no le veo sentido"),
    ("es", "desde el divorcio ya no le veo sentido, tengo guardadas las pastillas de mi mamá"),
    # an end made conditional on news, beside the means
    ("es", "si la biopsia sale mal hasta aquí llego, ya tengo las pastillas apartadas"),
    ("en", "if the scan shows it's back I'm done. the rope is in the garage"),
]

ROUND32_NEAR_MISSES = [
    # an amount looked up for an ordinary purpose
    ("en", "looking up how many steps a day I need for my heart"),
    ("es", "busqué cuántas pastillas de hierro se necesitan al día para la anemia"),
    ("en", "how many tablets it would take to help this toothache"),
    # a contact, a pet, the rent in ordinary lives
    ("en", "please change my emergency contact to my husband, he'll need to know about the surgery date soon"),
    ("en", "the dog is going to my sister's while we're in Cancun, can you send the vet records"),
    ("es", "el gato se va con la vecina mientras estoy en el hospital, me dan la cita"),
    ("en", "my rent is paid through June so I can't move before then. need a letter for housing"),
    ("es", ("mi hijo se va a vivir con su papá y ya arreglé todo lo demás, la renta está pagada hasta marzo, "
            "me mandan mis recetas?")),
    # a poison with its use, an end that is a complaint, no meaning in a bill
    ("en", "bought rat poison because we have mice in the garage, is it safe with a toddler around?"),
    ("en", "if the insurance says no again I'm done, I'll just pay cash"),
    ("es", "no le veo sentido a pagar otra consulta si ya me vieron"),
]


@pytest.mark.parametrize(("lang", "body"), ROUND32_POSITIVES)
def test_round32_signs_read_as_suicide(lang: str, body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag == selfharm.CATEGORY, (lang, body)


@pytest.mark.parametrize(("lang", "body"), ROUND32_NEAR_MISSES)
def test_round32_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag != selfharm.CATEGORY, (lang, body)


def test_round32_covers_both_languages() -> None:
    for cases in (ROUND32_POSITIVES, ROUND32_NEAR_MISSES):
        assert {lang for lang, _ in cases} == {"en", "es"}


def test_a_conditional_end_pairs_only_with_a_plan_s_signs() -> None:
    assert selfharm.pairs({"cond", "means"})
    assert selfharm.pairs({"cond", "final"})
    assert not selfharm.pairs({"cond", "hopeless"})
    assert not selfharm.pairs({"cond", "time"})


@pytest.mark.parametrize("body", [
    "el pozole de la fiesta está envenenado jaja, a qué hora abren mañana",
    "my week has been poisoned by the hold music, just need to reschedule",
    "tengo veneno para hormigas en la cocina y un niño de 2 años, si se llegara a comer algo cuál es el número",
])
def test_a_poisoning_joked_about_or_not_yet_come_is_no_flag(body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag is None


@pytest.mark.parametrize("body", [
    "me quedé intoxicada con el cloro jaja no es broma, me arde la garganta y vomité",
    "my toddler got poisoned by the dishwasher pods lol i mean it, he is throwing up",
])
def test_a_poisoning_told_with_a_laugh_and_meant_is_a_flag(body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag == "overdose_poisoning"


def test_a_cut_asked_about_ahead_is_no_flag() -> None:
    body = "empecé el anticoagulante. si me corto rasurándome cuánto tiempo es normal que sangre"
    assert triage.assess(body, channel="sms").red_flag is None
