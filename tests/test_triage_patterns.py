"""The red-flag and intent detectors, pattern by pattern, in English and Spanish.

Each case is a sentence written for this file (not taken from the evaluation or development
sets) that exercises one linguistic pattern the detector must get right: a category's
symptom said a new way, or a trap kind (negation, history, family history, hypothetical,
idiom, clinical term, newsletter, quoted text, signature, resolved). The properties at the
end check what must hold for any message: quoted history and signatures never raise a flag,
appending them never changes an answer, and neither case nor accents matter.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxinbox.domain.intent import CALIBRATION, calibrated
from cxinbox.domain.newtext import new_text
from cxinbox.domain.triage import assess

# -- each category, said in ways the lexicon must generalise to ----------------------------

CURRENT = [
    # chest pain: pressure that spreads; a simile; a hurried spelling
    ("en", "tight band around my chest since lunch and it's going into my left jaw", "chest_pain"),
    ("es", "siento como si me apretaran el pecho, me duele desde hace rato", "chest_pain"),
    ("es", "me duele mucho el pexo y me falta poquito el aire", "chest_pain"),
    # breathing
    ("en", "my son is breathing so fast and his lips look bluish", "breathing"),
    ("es", "no me entra el aire y el inhalador no me hace nada", "breathing"),
    # stroke: one side's arm and leg; vision gone in one eye; speech that makes no sense
    ("en", "my right arm and leg feel heavy and numb since this morning", "stroke"),
    ("en", "grandma's vision went dark in her left eye ten minutes ago", "stroke"),
    ("es", "mi esposo amaneció sin fuerza en el brazo izquierdo y arrastra las palabras", "stroke"),
    ("en", "dad is not making any sense and his face looks lopsided", "stroke"),
    # suicide and self-harm: passive ideation; the means made ready
    ("en", "some nights I hope I just don't wake up", "suicide_self_harm"),
    ("en", "i've been saving up my pills for a while now", "suicide_self_harm"),
    ("es", "ya tengo las pastillas juntadas, no quiero seguir", "suicide_self_harm"),
    # severe bleeding: long, anticoagulated, pressure held for minutes
    ("en", "nosebleed for over an hour and I'm on Xarelto", "severe_bleeding"),
    ("es", "ya llevo 30 minutos apretando la herida y sigue sangrando", "severe_bleeding"),
    ("es", "a mi papá le sangra la nariz sin parar, toma warfarina", "severe_bleeding"),
    # anaphylaxis: swelling that stops swallowing; a drug or a sting as the cause
    ("en", "her eyes are swelling shut and she says she can't swallow", "anaphylaxis"),
    ("es", "después de la penicilina se me hincharon los labios y me cuesta tragar", "anaphylaxis"),
    # pregnancy: a week count instead of the word "pregnant"
    ("en", "31 weeks and leaking watery fluid since midnight", "pregnancy_emergency"),
    ("es", "tengo 28 semanas y contracciones cada cinco minutos", "pregnancy_emergency"),
    # overdose: approximate counts, a child in the pill box, foraged plants, a double dose
    ("en", "I took maybe 12 of my sleeping pills an hour ago", "overdose_poisoning"),
    ("en", "my toddler got into the pill organizer on the counter", "overdose_poisoning"),
    ("es", "mi hijo se comió unas bayas que encontró en el parque y está vomitando",
     "overdose_poisoning"),
    ("en", "gave my son his seizure medicine twice tonight by accident", "overdose_poisoning"),
    ("es", "sin querer le di doble dosis del jarabe a mi hija", "overdose_poisoning"),
    # infant fever
    ("en", "our 2 month old is warm to touch and reads 100.9", "infant_fever"),
    ("es", "mi bebé de 6 semanas tiene temperatura de 38.3", "infant_fever"),
    # head injury: a blow by a person, fluid from the ear, unequal pupils, a baby's fall
    ("en", "he got kicked in the head at practice and now his pupils look different sizes",
     "head_injury"),
    ("en", "my 5 month old rolled off the changing table and has a lump on her head",
     "head_injury"),
    ("es", "me caí en la calle y me di en la cabeza, ahora estoy vomitando", "head_injury"),
]


@pytest.mark.parametrize(("lang", "body", "category"), CURRENT)
def test_each_category_is_found_however_it_is_said(lang: str, body: str, category: str) -> None:
    found = assess(body, channel="sms")
    assert found.red_flag == category, (lang, body, found)


# -- each trap kind, in both languages -----------------------------------------------------

TRAPS = [
    ("negation", "en", "my chest isn't hurting at all, I just have a cold"),
    ("negation", "es", "se cayó pero no se pegó en la cabeza, solo se raspó la rodilla"),
    ("history", "en", "I had a stroke back in 2018 and need my disability paperwork renewed"),
    ("history", "es", "hace dos años tuve una hemorragia, me piden el expediente"),
    ("history", "en", "she had a fever with a seizure when she was 9 months old, she's 4 now"),
    ("family_history", "en", "my aunt died of a heart attack, should I get a cholesterol test?"),
    ("family_history", "es", "a mi mamá le dio una embolia y quiero hacerme un chequeo"),
    ("hypothetical", "en", "what should I watch for if his lips swell after the vaccine?"),
    ("hypothetical", "en", "don't want to overdose on the tylenol, how many can I take?"),
    ("hypothetical", "es", "si empiezo a sangrar después de la biopsia, qué hago?"),
    ("hypothetical", "es", "se le puede cerrar la garganta si es alérgico al maní?"),
    ("idiom", "en", "overdosed on pumpkin pie this weekend haha, need to book my physical"),
    ("idiom", "es", "me estoy ahogando en deudas con tantas facturas"),
    ("clinical_term", "es", "me inscribí al programa de prevención de sobredosis y piden la naloxona"),
    ("clinical_term", "en", "please send the results of my chest x-ray to Dr. Wu"),
    ("newsletter", "es", "Boletín: señales de alarma del derrame cerebral. Date de baja aquí."),
    ("resolved", "en", ("had chest pain Friday, went to the ER, they said it was my stomach, "
                        "need a follow up")),
    ("resolved", "es", "el sangrado paró desde el domingo, ya me revisaron y todo bien"),
    ("resolved", "en", "the wheezing passed after the breathing treatment at urgent care"),
]


@pytest.mark.parametrize(("kind", "lang", "body"), TRAPS)
def test_each_trap_kind_is_set_aside(kind: str, lang: str, body: str) -> None:
    found = assess(body, channel="sms")
    assert found.red_flag is None, (kind, lang, body, found)


def test_a_recurrence_outweighs_an_earlier_visit() -> None:
    body = "went to the ER Sunday for chest pain, they sent me home, but it's back right now"
    assert assess(body, channel="sms").red_flag == "chest_pain"


def test_a_now_far_from_the_symptom_does_not_make_it_current() -> None:
    body = ("tuve preeclampsia en mi primer embarazo hace años, ahora estoy embarazada de "
            "nuevo y quiero la cita")
    assert assess(body, channel="sms").red_flag is None


# -- signatures ----------------------------------------------------------------------------

SIGNATURE_BLOCKS = [
    ("Thank you,\nDana Whitfield, LCSW\nCounty Behavioral Health\n"
     "If you or someone you know is thinking about suicide, call or text 988."),
    ("Best,\nTom Becker\nStroke Survivors Support Group\n"
     "Face drooping, arm weakness, speech trouble? Call 911 right away."),
    "Greg Ito\nChest Pain Center\nExample General Hospital",
    "Atte.\nGuardería Pasitos\nAviso: si su bebé tiene fiebre de 38 o más no podrá asistir.",
    ("Saludos,\nLic. Marta Ruiz\nLínea de Prevención del Suicidio\n"
     "Si tienes pensamientos suicidas o quieres hacerte daño, llama al 988."),
]


@pytest.mark.parametrize("block", SIGNATURE_BLOCKS)
def test_a_signature_block_is_cut(block: str) -> None:
    body = f"Could you send my vaccination record to the school office?\n\n{block}"
    assert new_text(body) == "Could you send my vaccination record to the school office?"
    assert assess(body).red_flag is None


def test_a_patient_writing_on_under_their_name_is_kept() -> None:
    body = "Need to move my appointment.\n\nThanks,\nMaria Lopez\nmy chest hurts since last night"
    assert assess(body).red_flag == "chest_pain"


# -- intent: requests win over symptoms; confidence --------------------------------------

INTENT_CASES = [
    ("can you refund my copay? also my husband's speech is slurred", "billing_insurance"),
    ("quisiera cambiar mi cita del martes, además tengo dolor de pecho", "appointment_change_cancel"),
    ("is my follow up on the 3rd or the 4th?", "appointment_change_cancel"),
    ("running about 10 min late for my 11:30", "appointment_change_cancel"),
    ("can I still get a flu shot this week?", "appointment_book"),
    ("do you have anything Friday afternoon for my daughter?", "appointment_book"),
    ("please update my address, we moved to 12 Example Road", "records_forms"),
    ("can you send the report to my cardiologist?", "records_forms"),
    ("who should I see about my knee, can you recommend someone?", "referral"),
    ("ya se me acabaron las pastillas de la tiroides", "prescription_refill"),
    ("any news on my pap smear?", "test_results"),
    ("lost my balance this morning and keep feeling dizzy, please advise", "clinical_question"),
    ("I left my umbrella in the waiting room yesterday", "other"),
    ("Dear customer, verify your account to avoid suspension: http://acct.example/x",
     "spam_marketing"),
]


@pytest.mark.parametrize(("body", "intent"), INTENT_CASES)
def test_intent_follows_the_labelling_guide(body: str, intent: str) -> None:
    assert assess(body, channel="sms").intent == intent, body


def test_confidence_is_a_probability_that_grows_with_the_margin() -> None:
    for path in CALIBRATION:
        values = [calibrated(path, margin / 10) for margin in range(11)]
        assert all(0.0 < v < 1.0 for v in values)
        assert values == sorted(values), path
    clear = assess("Please refill my lisinopril at the CVS on Main", channel="sms")
    mixed = assess("refill my lisinopril and why was I billed twice, also my results?",
                   channel="sms")
    assert 0.0 < mixed.confidence < clear.confidence < 1.0


# -- properties ----------------------------------------------------------------------------

BENIGN = [
    "Can I get a copy of my vaccination record?",
    "Is Dr. Lee taking new patients?",
    "Necesito una carta para el trabajo, por favor.",
    "Could you resend the invoice from March?",
    "¿Me pueden cambiar la cita del jueves?",
]
RED = [body for _lang, body, _category in CURRENT]
HARMFUL_HISTORY = [
    "I have crushing chest pain right now",
    "mi bebé de 3 semanas tiene 38.5 de fiebre",
    "I want to kill myself tonight",
    "se le cayó la cara de un lado y no puede hablar",
]
QUOTES = [
    "On Mon, Nov 2, 2026 at 9:00 AM Front Desk <desk@clinic.example> wrote:\n> {t}",
    "-----Original Message-----\nFrom: Ana Ruiz\nSent: Monday\nSubject: hi\n{t}",
    "El lun, 2 nov 2026 a las 9:00, Recepción <desk@clinic.example> escribió:\n> {t}",
    "> {t}",
]
# A signature speaks for its organisation ("Chest pain? Call 911"); a first-person line
# under a name is the patient writing on and is kept on purpose, so the taglines here are
# impersonal. After a "-- " separator anything goes.
TAGLINES = [
    "Chest pain or pressure? Call 911 - minutes matter.",
    "Know the signs of stroke: face drooping, arm weakness, slurred speech.",
    "Thinking about suicide? Call or text 988, any time.",
    "Si su bebé menor de 3 meses tiene fiebre de 38, llame al pediatra.",
    "Ante un golpe en la cabeza con vómito, acuda a urgencias.",
    "Severe allergic reaction? Use the EpiPen and call 911.",
]
SIGNATURES = [
    "Thanks,\nRobin Vega\nVolunteer, Example Crisis Line\n{s}",
    "--\nSam Ortiz\n{t}",
    "Saludos,\nJorge Medina\nEntrenador\n{s}",
    "Robin Vega\nCommunity Health Outreach\n{s}",
]


def _tail(style: str, history: str, tagline: str) -> str:
    return style.format(t=history, s=tagline) if "{s}" in style else style.format(t=history)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(new=st.sampled_from(BENIGN), history=st.sampled_from(HARMFUL_HISTORY + RED),
       tagline=st.sampled_from(TAGLINES), style=st.sampled_from(QUOTES + SIGNATURES))
def test_quoted_history_and_signatures_never_raise_a_flag(new: str, history: str,
                                                           tagline: str, style: str) -> None:
    body = f"{new}\n\n" + _tail(style, history, tagline)
    assert assess(body).red_flag is None, body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(new=st.sampled_from(RED + BENIGN), history=st.sampled_from(HARMFUL_HISTORY + BENIGN),
       tagline=st.sampled_from(TAGLINES), style=st.sampled_from(QUOTES + SIGNATURES))
def test_appending_a_quote_or_a_signature_changes_nothing(new: str, history: str,
                                                          tagline: str, style: str) -> None:
    alone = assess(new)
    with_tail = assess(f"{new}\n\n" + _tail(style, history, tagline))
    assert (with_tail.red_flag, with_tail.matched, with_tail.intent) == (
        alone.red_flag, alone.matched, alone.intent)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.sampled_from(RED + BENIGN + [body for _k, _l, body in TRAPS]),
       form=st.sampled_from(["upper", "lower", "title", "plain", "swapcase"]))
def test_case_and_accents_do_not_matter(body: str, form: str) -> None:
    changed = {"upper": body.upper(), "lower": body.lower(), "title": body.title(),
               "plain": _strip_accents(body), "swapcase": body.swapcase()}[form]
    before, after = assess(body, channel="sms"), assess(changed, channel="sms")
    assert (after.red_flag, after.intent) == (before.red_flag, before.intent), changed


# -- third round: indirect ideation, long bleeding, pregnancy signs, children's poisonings --

THIRD_ROUND = [
    # suicide: not being around; tired of living; letters left; thanks and farewell; cutting
    ("en", "drop me from the reminders, I won't be here any longer by next week", "suicide_self_harm"),
    ("en", "i'm so sick of being alive honestly", "suicide_self_harm"),
    ("es", "ya me cansé, estoy harto de la vida", "suicide_self_harm"),
    ("en", "I wrote letters to my parents and put them in the drawer", "suicide_self_harm"),
    ("es", "gracias por todo, ya no me van a ver en la clínica", "suicide_self_harm"),
    ("en", "i've been cutting again and last night it was deeper", "suicide_self_harm"),
    ("es", "anoche me hice cortes en los muslos otra vez", "suicide_self_harm"),
    ("en", "keep thinking about taking every one of my pills tonight", "suicide_self_harm"),
    ("es", "pienso mucho en morirme estos días", "suicide_self_harm"),
    ("en", "I hope I just never wake up", "suicide_self_harm"),
    # bleeding: pressure for a long time; pads by the hour; clots of a size; anticoagulated
    ("en", "been pushing gauze on his chin for 35 minutes and it's still gushing", "severe_bleeding"),
    ("en", "going through a pad every 40 min and the clots are like plums", "severe_bleeding"),
    ("es", "cambio la toalla cada hora y me salen coágulos enormes", "severe_bleeding"),
    ("en", "her gums have bled since breakfast and she's on Eliquis", "severe_bleeding"),
    # pregnancy: a test, a slip, tightening at intervals, a high reading, a puffy face
    ("en", "test came back positive Monday, now sharp pain on my left side", "pregnancy_emergency"),
    ("en", "26 weeks pregnant and I tripped on the curb, landed on my belly", "pregnancy_emergency"),
    ("es", "tengo 33 semanas y la barriga se pone dura cada 6 minutos", "pregnancy_emergency"),
    ("en", "i'm 35 weeks, my reading is 165/105 and my face looks puffy", "pregnancy_emergency"),
    ("en", "I'm 7 weeks pregnant and soaking pads", "pregnancy_emergency"),
    # overdose: a battery near a mouth; plants chewed; a week's pills; three doses; a party
    ("en", "he had a button battery in his mouth and now it's missing", "overdose_poisoning"),
    ("es", "mi hijo mordió las hojas de la planta de la sala", "overdose_poisoning"),
    ("en", "grandpa took the whole week's worth of pills from his box", "overdose_poisoning"),
    ("es", "mi papá se tomó la pastilla de la presión tres veces hoy", "overdose_poisoning"),
    ("es", "mi hermano se metió algo en el antro y no despierta", "overdose_poisoning"),
    ("en", "found my daughter with the vitamins, a bunch are missing", "overdose_poisoning"),
    # the rest: an epinephrine pen given in Spanish; a baby's age in brackets; a forehead
    ("es", "le pusimos la epipen a mi hijo hace un momento", "anaphylaxis"),
    ("en", "Noah (7 weeks) has a fever of 100.8 tonight", "infant_fever"),
    ("en", "he bumped his forehead on the table and now he keeps vomiting", "head_injury"),
    # "de golpe" is "all at once", not a blow
    ("es", "me vino de golpe un dolor de cabeza terrible y ahora veo doble", "stroke"),
]


@pytest.mark.parametrize(("lang", "body", "category"), THIRD_ROUND)
def test_third_round_patterns_are_found(lang: str, body: str, category: str) -> None:
    found = assess(body, channel="sms")
    assert found.red_flag == category, (lang, body, found)


THIRD_ROUND_TRAPS = [
    ("hypothetical", "en", "what type of bleeding at 18 weeks means I should call?"),
    ("hypothetical", "es", "si a mi hijo le pica una abeja y se hincha, qué hago?"),
    ("hypothetical", "es", "me van a operar el jueves y tomo xarelto, qué pasa si no para de sangrar?"),
    ("hypothetical", "es", "Estimados pacientes: si su hijo se traga una pila de botón acuda a urgencias."),
    ("history", "en", "I had a stroke in May 2021 and I'm fine; the insurer wants my notes"),
    ("idiom", "es", "nos dejó sin aliento la nueva sala, felicidades"),
    ("idiom", "en", "everyone at work has baby fever now lol"),
    ("newsletter", "es", "Mes del Corazón: dolor de pecho o falta de aire? llame al 911. Resp BAJA p/ salir"),
    ("newsletter", "en", "Safety tips: keep pills and button batteries up high. Book your visit online, 15% off."),
    ("resolved", "en", "the cut bled a lot but it has gone quiet and stopped now"),
]


@pytest.mark.parametrize(("kind", "lang", "body"), THIRD_ROUND_TRAPS)
def test_third_round_traps_are_set_aside(kind: str, lang: str, body: str) -> None:
    found = assess(body, channel="sms")
    assert found.red_flag is None, (kind, lang, body, found)


def test_a_reply_subject_gives_the_age_but_never_a_symptom() -> None:
    body = "her temperature is 101.2 and she won't feed"
    assert assess(body, subject="Re: 2 month checkup").red_flag == "infant_fever"
    assert assess("thanks, see you then", subject="Re: chest pain follow up").red_flag is None


def test_a_subject_naming_a_topic_asks_about_it() -> None:
    body = "If he knocks his head at practice, what should we watch for?"
    assert assess(body, subject="concussion question").red_flag is None
    assert assess("please call me", subject="crushing chest pain").red_flag == "chest_pain"


THIRD_ROUND_INTENTS = [
    ("did my lipid numbers come back yet?", "test_results"),
    ("ya salieron los análisis de mi hija?", "test_results"),
    ("el azúcar me salió alta en los análisis, qué tan alta?", "test_results"),
    ("what did my echo show? nobody called", "test_results"),
    ("the ultrasound report says I need more views, what does that mean", "test_results"),
    ("could you send the prescription to the mail order place", "prescription_refill"),
    ("hay alguna opción genérica de esta crema? es muy cara", "prescription_refill"),
    ("the pill works great, can I get another 6 months of it?", "prescription_refill"),
    ("please put in an order for physical therapy for my knee", "referral"),
    ("Your prescription at Lakeside Pharmacy is ready for pickup. Reply STOP to opt out", "spam_marketing"),
    ("take me off the schedule for Thursday please", "appointment_change_cancel"),
    ("I need to see someone this week about my anxiety", "appointment_book"),
    ("the rash is gone and no fever anymore, thanks so much for the help", "other"),
]


@pytest.mark.parametrize(("body", "intent"), THIRD_ROUND_INTENTS)
def test_third_round_intents(body: str, intent: str) -> None:
    assert assess(body, channel="sms").intent == intent, body


# What this round's new words must not catch: the same words about a move, a phone queue,
# the weather, a haircut, a pet, a slip without a fall; and what they must.
THIRD_ROUND_GUARDS = [
    ("en", "we relocate to Austin next month so I won't be around anymore; records to the new clinic please", None),
    ("es", "muchas gracias por todo, cambio de clínica por el seguro", None),
    ("en", "I've been holding for 40 minutes on the phone, is anyone there?", None),
    ("en", "running late, it keeps pouring and the bus is stuck", None),
    ("en", "just got my hair cut again, can I still make the 3:30?", None),
    ("en", "so tired of living with this knee, can I get the MRI ordered", None),
    ("es", "mi perro se comió una planta del jardín, conocen un veterinario?", None),
    ("en", "31 weeks, stumbled on the stairs but caught the rail, no fall, all fine", None),
    ("en", "I can't see myself being around by spring, I've said goodbye to my sister", "suicide_self_harm"),
    ("es", "me despedí de mis hijos, hoy se acaba todo", "suicide_self_harm"),
    ("en", "she takes Eliquis and the scrape keeps oozing through every dressing", "severe_bleeding"),
    ("es", "el niño se tragó el líquido del vape de su hermano", "overdose_poisoning"),
    ("en", "12 weeks pregnant, my son ran into me and hit my belly hard, cramping now", "pregnancy_emergency"),
]


@pytest.mark.parametrize(("lang", "body", "category"), THIRD_ROUND_GUARDS)
def test_third_round_words_in_other_senses(lang: str, body: str, category: str | None) -> None:
    assert assess(body, channel="sms").red_flag == category, (lang, body)


THIRD_ROUND_REQUESTS = [
    ("no voy a poder llegar a mi cita, a mi hija le está sangrando mucho la rodilla", "appointment_change_cancel"),
    ("we can't make it to our appointment, my son's lips are swelling after peanuts", "appointment_change_cancel"),
    ("me la pueden pasar para el jueves? tengo trabajo", "appointment_change_cancel"),
    ("got the forms, thanks. also my chest has been tight since this morning", "clinical_question"),
    ("recibí la factura, gracias. y mi papá no puede mover el brazo derecho", "clinical_question"),
    ("debo 300 dólares, se puede hacer un plan de pagos?", "billing_insurance"),
    ("me mandan otra vez la receta a la farmacia por favor", "prescription_refill"),
]


@pytest.mark.parametrize(("body", "intent"), THIRD_ROUND_REQUESTS)
def test_third_round_requests(body: str, intent: str) -> None:
    assert assess(body, channel="sms").intent == intent, body


def test_a_question_after_a_current_symptom_does_not_undo_it() -> None:
    """The question scopes reach forward only: a symptom said before "how much is too
    much?" or "is it ok if ...?" stays current."""
    assert assess("soaking a pad every hour since noon. how much bleeding is too much?",
                  channel="sms").red_flag == "severe_bleeding"
    assert assess("mi bebé de 3 meses tiene 38.6 de fiebre, qué hago si no baja?",
                  channel="sms").red_flag == "infant_fever"
