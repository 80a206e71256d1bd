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
from cxinbox.domain.triage import assess, inspect

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


# -- fourth round: the second blind set's misses, by the family of phrasings behind each ---
# Every sentence below was written for this file; none is a message of bench/data.

FOURTH_ROUND = [
    # stroke: half the face or a limb gone to sleep, the same side; a mouth hanging; a hand that will not grip; a dragged foot; waking up lost
    ('en', "my wife's left arm and the left side of her face went numb at the same time, like 10 min ago", 'stroke'),
    ('es', 'se le durmió medio cuerpo a mi papá hace rato', 'stroke'),
    ('en', "grandpa's mouth is hanging on one side and he keeps drooling", 'stroke'),
    ('es', 'a mi abuelo se le cae la boca de un lado desde la comida', 'stroke'),
    ('en', "her left hand can't grip the spoon all of a sudden", 'stroke'),
    ('es', 'mi esposo no puede agarrar el vaso con la mano derecha desde hace una hora', 'stroke'),
    ('en', 'dad is dragging his right leg and slurring', 'stroke'),
    ('es', 'mi tía arrastra la pierna izquierda desde esta mañana', 'stroke'),
    ('en', "mom got up from her nap and doesn't know where she is", 'stroke'),
    ('es', 'mi abuela se despertó y no nos reconoce, anoche estaba bien', 'stroke'),
    ('en', "my husband's right side went dead, arm and leg, out of nowhere", 'stroke'),
    ('en', 'her smile is crooked and she keeps dropping her phone from her left hand', 'stroke'),
    ('es', 'a mi mamá se le cuelga la boca de un lado y no puede sostener la taza', 'stroke'),
    ('es', 'mi papá amaneció desorientado y arrastrando el pie derecho', 'stroke'),
    ('en', 'grandma woke up from her nap totally disoriented and cant lift her right arm', 'stroke'),
    # suicide: a goodbye note or message found; belongings given away; a plan with a date; picturing a crash; fear of oneself, the means in view; a note's opening
    ('en', "found a note from my daughter saying goodbye to all of us, she's not answering", 'suicide_self_harm'),
    ('es', 'mi novio me mandó un mensaje despidiéndose y no contesta', 'suicide_self_harm'),
    ('en', "my son has been giving away his games and his guitar, says he won't need them", 'suicide_self_harm'),
    ('es', 'mi hermana está regalando todas sus cosas y dice que ya tiene un plan y una fecha', 'suicide_self_harm'),
    ('en', 'I keep thinking about steering into oncoming traffic on my way home', 'suicide_self_harm'),
    ('es', 'me imagino estrellando el carro contra un poste y siento alivio', 'suicide_self_harm'),
    ('en', "i'm afraid of what i might do tonight", 'suicide_self_harm'),
    ('es', 'tengo miedo de lo que pueda hacerme esta noche', 'suicide_self_harm'),
    ('en', "i can't stop staring at the pills on my nightstand", 'suicide_self_harm'),
    ('en', 'my roommate left a note for her parents saying goodbye and locked her door', 'suicide_self_harm'),
    ('es', 'le dejó una carta de despedida a su novia y no sabemos dónde está', 'suicide_self_harm'),
    ('en', "he's been giving away his things and said he has a plan and a time", 'suicide_self_harm'),
    ('en', 'sometimes i think about swerving off the bridge when i drive to work', 'suicide_self_harm'),
    ('en', 'i dont trust myself alone tonight', 'suicide_self_harm'),
    ('es', 'no dejo de pensar en las pastillas, tengo miedo de mí misma', 'suicide_self_harm'),
    ('en', "If you are reading this I'm sorry, I took all my pills", 'suicide_self_harm'),
    # bleeding: antiplatelets; all day or all night; a mouth filling with blood; a limb gushing; a wound deep enough to see inside
    ('en', "I'm on Plavix and my gums have been bleeding since this morning after the cleaning, it won't slow", 'severe_bleeding'),
    ('es', 'tomo clopidogrel y me corté afeitándome, sangra y sangra', 'severe_bleeding'),
    ('en', 'my nose has been bleeding all night, cant get it to slow', 'severe_bleeding'),
    ('es', 'la herida de la cesárea lleva sangrando todo el día', 'severe_bleeding'),
    ('en', 'his mouth keeps filling up with blood since the tooth came out', 'severe_bleeding'),
    ('en', 'cut my hand on a broken glass, hand is pouring blood', 'severe_bleeding'),
    ('es', 'se cortó el dedo con el cuchillo y le sale a chorros', 'severe_bleeding'),
    ('en', 'the cut on his leg is so deep you can see the bone', 'severe_bleeding'),
    ('en', "my dad's on Brilinta and the cut on his shin keeps bleeding through everything", 'severe_bleeding'),
    ('es', 'mi esposo toma clopidogrel y le está sangrando la encía desde anoche sin parar', 'severe_bleeding'),
    ('en', "my son's arm is gushing where the glass cut it", 'severe_bleeding'),
    ('es', 'la herida en la pierna le brota a chorros', 'severe_bleeding'),
    ('en', 'my mouth keeps filling with blood since the extraction', 'severe_bleeding'),
    # anaphylaxis: a tongue or lips grown thick, a throat itching, after a food, a sting or a drug
    ('en', 'ate some shrimp at lunch and now my tongue feels thick and weird', 'anaphylaxis'),
    ('en', 'my son had a bite of a cookie with peanuts and says his throat is itchy', 'anaphylaxis'),
    ('es', 'me picó una abeja y siento la lengua pesada', 'anaphylaxis'),
    ('es', 'después del antibiótico nuevo me pica la garganta y tengo los labios hinchados', 'anaphylaxis'),
    ('en', 'had a few bites of shrimp tacos and my lips feel huge and my throat is itchy', 'anaphylaxis'),
    ('es', 'a mi hija le picó una avispa y tiene la lengua gruesa', 'anaphylaxis'),
    # pregnancy: a positive test said any way, and "now" re-dating what follows
    ('en', 'positive test 2 weeks ago, now cramping bad on my right side', 'pregnancy_emergency'),
    ('es', 'me salió positivo el test el lunes y ahora estoy sangrando mucho', 'pregnancy_emergency'),
    ('en', "preg test said positive last week and now i'm bleeding through a pad", 'pregnancy_emergency'),
    ('en', "home test was positive on sunday and now there's a lot of blood and cramping", 'pregnancy_emergency'),
    ('es', 'me dio positivo la prueba hace 3 días y ahora me duele mucho del lado izquierdo', 'pregnancy_emergency'),
    # overdose: a child eating an adult's medicine ("thought they were candy"); a spoon mix-up; medicine to get high; a mouthful of a car or household fluid
    ('en', "my 4 year old chewed up some of grandma's blood pressure pills, thought they were candy", 'overdose_poisoning'),
    ('es', 'mi niña se comió unas pastillas de su abuela, creyó que eran dulces', 'overdose_poisoning'),
    ('en', 'I gave him 10 ml instead of 1 ml of the ibuprofen', 'overdose_poisoning'),
    ('es', 'le di una cucharada en vez de una cucharadita del jarabe', 'overdose_poisoning'),
    ('en', 'my friend took a bunch of benadryl to get high and his heart is racing', 'overdose_poisoning'),
    ('es', 'mi hijo tomó medio frasco de jarabe para la tos para drogarse', 'overdose_poisoning'),
    ('en', 'toddler took a sip of the drain cleaner under the sink', 'overdose_poisoning'),
    ('es', 'mi hijo se tomó un trago del líquido del parabrisas', 'overdose_poisoning'),
    ('en', 'my son swallowed 2 of my tramadol', 'overdose_poisoning'),
    ('en', 'found my 3yo with my purse open, she swallowed 2 of my klonopin', 'overdose_poisoning'),
    ('en', 'i gave him a tablespoon instead of a teaspoon of the antibiotic, 3 doses', 'overdose_poisoning'),
    ('en', 'my cousin drank half a bottle of nyquil to get high and hes super out of it', 'overdose_poisoning'),
    ('es', 'el niño tomó un trago de anticongelante del garaje', 'overdose_poisoning'),
    ('en', 'my daughter drank some of the pool chlorine', 'overdose_poisoning'),
    # head injury: a ball or an elbow to the head said as a noun; head first; the forehead or the back of the head; sleepy after a fall; walking into something, then concussion signs; no helmet is not a denial
    ('en', 'my daughter got a softball to the head and now she keeps throwing up', 'head_injury'),
    ('es', 'a mi hijo le dieron un pelotazo en la cabeza y está vomitando', 'head_injury'),
    ('en', "he dove head first into the shallow end and now he's confused", 'head_injury'),
    ('es', 'se cayó de cabeza del columpio y está muy dormido', 'head_injury'),
    ('es', 'mi papá se pegó en la nuca con el gabinete y está mareado', 'head_injury'),
    ('en', 'stood up under the open cabinet door, since then dizzy and nauseous and seeing stars', 'head_injury'),
    ('es', 'me pegué con la puerta del carro y desde entonces me molesta la luz y vomito', 'head_injury'),
    ('en', 'my 2 year old fell off the couch and is so sleepy now', 'head_injury'),
    ('en', "my son fell off his bike without a helmet and hit his head, he's throwing up", 'head_injury'),
    ('es', 'se cayó de la moto sin casco, se pegó en la cabeza y vomitó', 'head_injury'),
    ('en', 'my son took an elbow to the head in basketball and keeps asking the same questions', 'head_injury'),
    ('es', 'le dieron un codazo en la cabeza jugando fútbol y vomitó dos veces', 'head_injury'),
    ('en', "my grandma hit the back of her head on the tub and she's very sleepy", 'head_injury'),
    ('es', 'se golpeó la frente con la mesa y ahora está vomitando', 'head_injury'),
    ('en', 'banged into the shelf at work this morning, now dizzy and puking', 'head_injury'),
    ('en', 'my toddler fell off the bunk bed and has thrown up twice', 'head_injury'),
    ('en', "my son fell off his bike without a helmet and hit his head, he's throwing up", 'head_injury'),
    ('es', 'se cayó de la moto sin casco, se pegó en la cabeza y vomitó', 'head_injury'),
    # an infant's age given as a birthday to come
    ('es', 'mi bebé cumple mañana 3 meses y tiene fiebre de 38.5', 'infant_fever'),
    # a symptom dated "now" by its verb outweighs a visit a week before
    ('es', 'ahora tengo dolor de pecho, hace una semana me vieron en urgencias', 'chest_pain'),
]


@pytest.mark.parametrize(("lang", "body", "category"), FOURTH_ROUND)
def test_fourth_round_patterns_are_found(lang: str, body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, (lang, body)


# The same words in their other senses, and the traps the blind set raised: a relative's
# event without "my", a form asking "have you ever", a crisis-line footer, a fever that is a
# craze, a blood test, trying to conceive, a dose question, a generic baby in a newsletter.
FOURTH_ROUND_TRAPS = [
    ('en', 'my foot fell asleep sitting on the floor, is that normal?'),
    ('es', 'se me durmió la pierna en el avión, ya pasó'),
    ('en', 'the corner of the wallpaper is hanging down by the front desk'),
    ('en', "can't grip the pen well because of my arthritis, need the disability forms"),
    ('en', "my hands won't grip well since my carpal tunnel surgery, need PT referral"),
    ('en', 'dragging my feet on the paperwork, sorry, will send the forms'),
    ('en', 'woke up confused about which day my appointment is lol'),
    ('en', "I wrote a goodbye card for Dr. Lee since she's retiring"),
    ('en', 'thanks for the lovely farewell note to our patients, Dr. Kim'),
    ('en', "we're giving away our old baby clothes, does the clinic take donations?"),
    ('en', 'I have a plan and a date for my knee surgery, need the pre-op forms'),
    ('en', 'i keep thinking about driving to the coast this weekend'),
    ('en', "I don't trust myself to remember my pills, can you set up reminders"),
    ('en', 'scared of needles, can I have numbing cream for my blood draw?'),
    ('en', 'my husband takes Plavix, can he get his teeth cleaned?'),
    ('en', "I'm on clopidogrel, do I need to stop it before the colonoscopy?"),
    ('en', 'blood test results for my pregnancy came back?'),
    ('es', 'quería saber si ya está la prueba de embarazo de sangre'),
    ('en', 'my tongue feels thick when I wake up, is it the new CPAP?'),
    ('en', 'hay fever season, my throat is itchy and I need my zyrtec refill'),
    ('es', 'garganta con comezón por el polvo, me pueden recetar algo'),
    ('en', "I ate peanuts and I'm totally fine, just wanted to know if the allergy test is still needed"),
    ('en', "we're trying to get pregnant, I had a miscarriage last year, can I book a preconception visit"),
    ('es', 'estamos buscando embarazarnos, quiero saber si puedo tomar ácido fólico'),
    ('en', "pregnancy test was negative, but I'm bleeding more than usual this period"),
    ('en', 'my kid thought the vitamins were candy so we moved them up high, need a refill'),
    ('en', 'is 5 ml or 1 teaspoon the same? the label says teaspoon'),
    ('en', 'forgot my blood pressure pill this morning, should I take two tonight?'),
    ('es', 'me olvidé la pastilla ayer, ¿puedo tomar dos hoy?'),
    ('en', "what's the dose for a 30 lb child, teaspoon or tablespoon?"),
    ('es', 'mi hijo se tomó su jarabe y ya se durmió, gracias'),
    ('en', 'my son took a ball to the face at practice and has a fat lip, can we get seen this week'),
    ('en', 'he loves heading the ball in soccer, is that safe?'),
    ('en', "ran into the glass door at the mall lol I'm fine"),
    ('en', 'my son was so sleepy after the fall festival, had a blast'),
    ('en', 'fell asleep on the couch, missed your call'),
    ('en', 'asked on the form if I ever had a stroke, I did in 2019'),
    ('en', 'the life insurance questionnaire asks whether I have ever overdosed, I have not'),
    ('en', 'If you are experiencing chest pain, call 911. Our office hours are 9 to 5.'),
    ('es', 'mi papá tuvo un derrame a los 60, quiero hacerme chequeo'),
    ('en', 'grandpa had a heart attack in his 50s, I want a cholesterol check'),
    ('en', 'my baby turns 6 months tomorrow, what shots does she get?'),
    ('es', 'tuvo fiebre de recién nacido, ahora tiene 2 años y está bien, necesito su cartilla'),
    ('en', "I'm diving head first into the new diet, can I book a nutrition visit"),
    ('es', 'me lancé de cabeza al proyecto, necesito una nota para el trabajo'),
    ('en', "my mom is giving away her things since she's moving to assisted living, can you send her records"),
    ('es', 'mi abuela está regalando sus cosas porque se muda con mi tía, necesito su expediente'),
    ('en', 'my mouth is hanging open at this bill lol'),
    ('en', "I'm on Brilinta, is it ok to get a flu shot?"),
    ('en', 'took a hit to my wallet with this bill'),
    ('en', 'farewell to our patients: Dr. Ruiz retires in January'),
    ('en', 'got a note from school saying goodbye to the semester, need a physical'),
    ('en', 'the pool chlorine smell gives me a headache, any tips?'),
    ('en', "ate shrimp last night and I'm fine, still want the allergy test"),
    ('en', 'my throat is itchy from the dry air, any advice?'),
    ('en', 'dentist numbed me and my lip feels huge lol, normal?'),
    ('es', 'mi bebé cumple un mes el martes, qué vacunas le tocan?'),
    ('en', 'positive covid test today, now sore throat and cough, can I get paxlovid'),
    ('en', 'positive pregnancy test! now I need to book my first prenatal visit'),
    ('en', 'dad had a heart attack at 62, should I get a calcium score?'),
    ('en', 'my brother died by suicide in 2015, I need grief counseling referral'),
    ('en', "I'm scared of the MRI machine, can I get something to relax"),
    ('en', 'she keeps looking at the pills schedule, can you make it simpler?'),
    ('es', 'mi hijo se cayó en la cancha pero está bien, sólo un raspón'),
    ('en', 'fell on the ice last week, seen at urgent care, need follow up for my wrist'),
    ('en', 'now I have the chest x-ray results, when can we talk?'),
    ('es', 'ahora tengo la receta, gracias'),
    ('en', 'my 16 yo drank half a bottle of gatorade and is hyper lol'),
    ('en', 'he took a ball to the shin at practice, can we get a sports physical this week'),
    ('es', 'se me durmió el brazo por dormir de lado, ya se me quitó'),
    ('es', 'no puedo agarrar bien el lápiz por la artritis, necesito el formulario'),
    ('es', 'le escribí una carta de despedida a la doctora que se jubila'),
    ('es', 'mi hijo de 15 tiene fiebre de videojuegos jaja, necesita examen físico'),
    ('es', 'me da miedo la aguja, me pueden poner anestesia?'),
    ('es', 'tomo clopidogrel, lo suspendo antes de la colonoscopía?'),
    ('es', 'comí camarones anoche y estoy bien, todavía quieren la prueba de alergia?'),
    ('es', 'me pega el sol en la frente en la sala de espera, pueden cerrar la cortina?'),
    ('es', 'ya salió positiva la prueba de embarazo y ahora quiero agendar mi primera cita'),
    ('es', 'mi papá amaneció de buen humor, gracias por la atención'),
    ('es', 'la garganta me pica por el polvo de la obra, tienen algo?'),
    ('es', 'le di una cucharadita como dice la etiqueta, está bien así?'),
]


@pytest.mark.parametrize(("lang", "body"), FOURTH_ROUND_TRAPS)
def test_fourth_round_words_in_other_senses(lang: str, body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, (lang, body)


def test_not_pregnant_keeps_heavy_bleeding_a_bleeding() -> None:
    """A denial of pregnancy keeps a heavy bleed in its own category (and a flag)."""
    for body in ("sangrado muy fuerte desde anoche, no estoy embarazada, lleno una toalla cada hora",
                 "not pregnant, but soaking a pad every hour since this morning"):
        assert assess(body, channel="sms").red_flag == "severe_bleeding", body


def test_a_crisis_footer_under_a_real_message_does_not_hide_it() -> None:
    body = ("I can't stop thinking about ending it tonight.\n"
            "If you are thinking about suicide, call or text 988.")
    assert assess(body).red_flag == "suicide_self_harm"


def test_a_swollen_mouth_from_a_plant_is_a_poisoning() -> None:
    for body in ("my toddler chewed a leaf of the dieffenbachia and his mouth is swollen",
                 "la niña mordió una hoja de la planta venenosa y tiene los labios hinchados"):
        assert assess(body, channel="sms").red_flag == "overdose_poisoning", body
    assert assess("ate shrimp and my lips are swollen", channel="sms").red_flag == "anaphylaxis"


# Own batches written after the fixes above and scored before the next ones (first contact:
# batch 9, 14 of 60 missed and 8 of 20 traps flagged; batch 10, 7 of 38 missed, no trap
# flagged): a crash and then lost memory, a patch in a mouth, edibles, wanting it all to stop
# for good, researching how much it takes, a running car in a closed garage, a weapon with
# "can't take it any more", a will and "ready to go", a face odd on one side, a leg giving
# out, speech gone funny, "a ton of blood", "bleeding really bad", a heavy feeling in the
# chest, hives with a faint, "se descalabró", easier if not here, "no le para la sangre",
# blood spraying, blood from the mouth; Spanish regional words, code-switching, no accents.
FOURTH_ROUND_BATCHES = [
    ('en', 'got stung by a bee and my whole arm is huge and my throat feels tight', 'anaphylaxis'),
    ('es', 'se me hinchó la cara después de comer camarón y me cuesta tragar', 'anaphylaxis'),
    ('en', 'after the new antibiotic im covered in hives and feel like passing out', 'anaphylaxis'),
    ('en', 'my son cant stop coughing and is breathing super hard, his belly is sucking in', 'breathing'),
    ('es', 'mi hija respira muy agitada y se le marcan las costillas', 'breathing'),
    ('en', 'cant catch my breath just walking to the bathroom', 'breathing'),
    ('es', 'le cuesta respirar a mi abuelo y tiene los labios medio morados', 'breathing'),
    ('en', 'my chest feels like its being squeezed in a vice and im sweaty', 'chest_pain'),
    ('es', 'tengo una opresión en el pecho que me llega al brazo izq', 'chest_pain'),
    ('en', 'dad says theres a heavy feeling in the middle of his chest since he shoveled snow', 'chest_pain'),
    ('es', 'me duele el pecho bien feo y estoy sudando frio', 'chest_pain'),
    ('en', 'sharp pain in my chest when i breathe in, started an hour ago', 'chest_pain'),
    ('en', "my daughter hit her head on the monkey bars at recess and now she's saying weird things", 'head_injury'),
    ('en', 'son got tackled hard at football, hit the ground head first, now has a bad headache and feels sick', 'head_injury'),
    ('es', 'mi hijo se dio un trancazo en la cabeza con la puerta y anda medio ido', 'head_injury'),
    ('es', 'el niño se ha dado un golpe en la cabeza en el parque y no para de vomitar', 'head_injury'),
    ('en', "my mom fell in the bathroom, she's on eliquis and has a big bump on her head", 'head_injury'),
    ('en', "grandpa slipped on the stairs and smacked his head, he's on warfarin", 'head_injury'),
    ('es', 'mi abuelita se cayó, se pegó en la cabeza y toma anticoagulante', 'head_injury'),
    ('en', 'baby rolled off the bed and landed on the floor, crying a lot and has a lump on her head', 'head_injury'),
    ('en', 'my 6 month old fell out of the swing onto his head', 'head_injury'),
    ('en', "my husband was in a car wreck this morning and now he can't remember anything from today", 'head_injury'),
    ('es', 'mi esposo choco con el carro y se pegó en el volante, ahora esta confundido', 'head_injury'),
    ('en', 'kid got hit in the head with a baseball bat, theres clear fluid coming from his nose', 'head_injury'),
    ('en', "my son was knocked out for a few seconds during the game, now he's throwing up", 'head_injury'),
    ('es', 'mi hija se cayó de la litera y se quedó inconsciente un ratito', 'head_injury'),
    ('en', 'fell off a ladder onto my head, vision is blurry and I feel really out of it', 'head_injury'),
    ('es', 'me cai de la escalera y me pegue en la cabeza, veo borroso', 'head_injury'),
    ('en', 'my friend got jumped and kicked in the head, hes slurring and really drowsy', 'head_injury'),
    ('es', 'mi hijo se cayo del skateboard y se pego en la cabeza, now hes throwing up', 'head_injury'),
    ('es', 'mi chamaco se descalabró en la escuela y está vomitando', 'head_injury'),
    ('en', 'my son hit his head and is acting weird and super tired', 'head_injury'),
    ('en', 'my 5 week old is 100.6 rectal', 'infant_fever'),
    ('es', 'mi bebé de 2 meses tiene calentura, 38.3', 'infant_fever'),
    ('en', "newborn feels really hot and won't eat", 'infant_fever'),
    ('es', 'bebe de 3 meses con fiebre de 39 desde anoche', 'infant_fever'),
    ('en', "i think my mom took her heart pills twice this morning, she's really dizzy", 'overdose_poisoning'),
    ('es', 'mi mamá se equivocó y se tomó dos veces la pastilla de la presión', 'overdose_poisoning'),
    ('en', 'my son got into the dishwasher pods and bit one', 'overdose_poisoning'),
    ('es', 'el bebé se metió a la boca una pastilla de jabón de la lavadora', 'overdose_poisoning'),
    ('en', 'my husband took like 15 tylenol pm because he couldnt sleep', 'overdose_poisoning'),
    ('es', 'mi hermano se tomó un montón de pastillas para dormir', 'overdose_poisoning'),
    ('en', "my teenager ate a whole pack of her friend's edibles and is freaking out", 'overdose_poisoning'),
    ('en', 'my grandson found my fentanyl patch and put it in his mouth', 'overdose_poisoning'),
    ('en', 'my toddler drank some of the lamp oil from the tiki torch', 'overdose_poisoning'),
    ('es', 'la niña se tomó el enjuague bucal, casi media botella', 'overdose_poisoning'),
    ('en', "I accidentally took my wife's insulin instead of mine", 'overdose_poisoning'),
    ('en', "my brother ODd at a party, we gave narcan and he's groggy", 'overdose_poisoning'),
    ('es', 'mi hijo de 2 anos se comio unas pastillas de hierro que estaban en la mesa', 'overdose_poisoning'),
    ('en', 'kiddo licked the rat poison pellets in the garage', 'overdose_poisoning'),
    ('en', 'my kid ate a bunch of my gummy vitamins, like 20', 'overdose_poisoning'),
    ('es', 'se tomó un bote de pastillas mi hermana', 'overdose_poisoning'),
    ('es', 'mi niño se tomó el clorox', 'overdose_poisoning'),
    ('en', 'i think i took too much of my oxy, i feel weird and sleepy', 'overdose_poisoning'),
    ('en', 'im 30 wks and have the worst headache and seeing spots', 'pregnancy_emergency'),
    ('es', 'tengo 34 semanas y se me rompió la fuente', 'pregnancy_emergency'),
    ('en', '8 weeks pregnant and bleeding heavy with cramps', 'pregnancy_emergency'),
    ('es', 'estoy embarazada de 20 semanas y no siento al bebé moverse desde ayer', 'pregnancy_emergency'),
    ('en', "I'm 2 weeks after my c-section and bleeding through a pad every 30 min with big clots", 'severe_bleeding'),
    ('en', "my son's nose won't stop bleeding, it's been 45 minutes", 'severe_bleeding'),
    ('es', 'se cortó la mano con un vidrio y no deja de sangrar', 'severe_bleeding'),
    ('en', 'dad is throwing up what looks like coffee grounds', 'severe_bleeding'),
    ('es', 'mi papá está vomitando sangre', 'severe_bleeding'),
    ('en', "there's a ton of blood in the toilet after i pooped and im dizzy", 'severe_bleeding'),
    ('en', 'the chainsaw slipped and his thigh is bleeding really bad', 'severe_bleeding'),
    ('es', 'estoy sangrando muchisimo de la regla, lleno una toalla cada hora y me mareo', 'severe_bleeding'),
    ('es', 'mi esposo se cortó con la sierra y no le para la sangre', 'severe_bleeding'),
    ('en', 'he cut his arm on glass and blood is spraying', 'severe_bleeding'),
    ('en', 'nosebleed wont stop, been like 40 min, im on eliquis', 'severe_bleeding'),
    ('es', 'estoy echando sangre por la boca', 'severe_bleeding'),
    ('en', "my dad suddenly can't say words right, he's saying fork when he means cup", 'stroke'),
    ('es', 'mi papá de repente no puede hablar bien, dice cosas sin sentido', 'stroke'),
    ('en', 'her face looks funny on one side and she cant raise her arm', 'stroke'),
    ('en', "mom's speech is all slushy and her left side is weak", 'stroke'),
    ('es', 'mi abuela tiene la cara chueca y no mueve el brazo', 'stroke'),
    ('en', 'I suddenly lost vision in half of my field of view and my arm is tingly', 'stroke'),
    ('en', "dad's leg gave out on one side and hes talking funny", 'stroke'),
    ('es', 'de pronto se le torció la boca a mi tío y no puede levantar el brazo', 'stroke'),
    ('en', 'my wife is talking gibberish and cant understand me all of a sudden', 'stroke'),
    ('es', 'mi abuela de repente no puede hablar y tiene la boca de lado, please call', 'stroke'),
    ('en', "my mom's face is droopy on the left and her speech is slurry", 'stroke'),
    ('es', 'mi viejo anda raro, no le salen las palabras y se le durmio el brazo', 'stroke'),
    ('en', 'i just want everything to stop, permanently', 'suicide_self_harm'),
    ('es', 'ya no quiero estar en este mundo', 'suicide_self_harm'),
    ('en', 'everyone would be better off if i wasnt around', 'suicide_self_harm'),
    ('es', 'mi hija de 14 se esta cortando los brazos, le vi las marcas hoy', 'suicide_self_harm'),
    ('en', 'my son told his teacher he wants to kill himself', 'suicide_self_harm'),
    ('en', "he texted me that he's going to jump off the parking garage", 'suicide_self_harm'),
    ('es', 'no le encuentro sentido a seguir viviendo, ya tengo todo pensado', 'suicide_self_harm'),
    ('en', "I've been researching how many pills it would take", 'suicide_self_harm'),
    ('es', 'estoy pensando en tirarme del puente', 'suicide_self_harm'),
    ('en', 'my partner locked himself in the garage with the car running', 'suicide_self_harm'),
    ('es', 'tengo la pistola de mi papá y ya no aguanto', 'suicide_self_harm'),
    ('en', "I wrote my will last night and I'm ready to go", 'suicide_self_harm'),
    ('es', 'no quiero vivir mas, ya me canse de todo', 'suicide_self_harm'),
    ('en', 'i wanna kms fr', 'suicide_self_harm'),
    ('es', 'mi hijo dice que se quiere morir y se encerró en el baño', 'suicide_self_harm'),
    ('en', 'ive been thinking its easier if im not here anymore', 'suicide_self_harm'),
]


@pytest.mark.parametrize(("lang", "body", "category"), FOURTH_ROUND_BATCHES)
def test_fourth_round_batches_are_found(lang: str, body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, (lang, body)


# Their traps: a small bump and fine, acting normal, poison control's all-clear, "quiero
# morirme de la vergüenza", errands knocked out, a stop after pressure, and the old kinds.
FOURTH_ROUND_BATCH_TRAPS = [
    ('en', "hit my head on the cabinet this morning but I'm fine, just a small bump"),
    ('en', 'my son bumped his head at daycare, they said he is acting normal, just FYI for the chart'),
    ('es', 'se pego en la cabeza jugando pero esta perfectamente, solo queria avisar'),
    ('en', "I took my pills twice yesterday by mistake but poison control said it's fine and I feel ok"),
    ('en', 'can i take two tylenol with my ibuprofen?'),
    ('es', 'me quiero morir de la verguenza jaja, olvidé mi cita'),
    ('en', 'I wrote my will with the lawyer, can you sign the capacity letter?'),
    ('en', "my dad had a stroke in March, he's home now and needs PT"),
    ('en', 'the bleeding stopped after I held pressure for 5 min, do I need a tetanus shot?'),
    ('en', 'can you explain what a TIA is? my doctor mentioned it'),
    ('en', 'my daughter swallowed a grape seed, is that ok?'),
    ('en', 'I think I took my vitamins twice today, is that a problem?'),
    ('en', 'knocked out all my errands today, can I get my flu shot tomorrow?'),
    ('en', 'feeling sick of this weather, need a sick note'),
    ('es', 'mi perro se comió un calcetín, saben de un veterinario?'),
    ('en', 'the car wreck was 2 years ago, need my records for the lawyer'),
    ('en', 'my son is dying to see the new movie, can we move his appointment?'),
    ('en', 'we got narcan training at work, can I get a prescription for it'),
    ('en', "heads up, I'll be 10 min late"),
    ('en', 'my chest xray was fine, can you send it to my cardiologist'),
    ('en', 'I had chest pain last month and the ER said it was reflux, need follow-up'),
    ('es', 'mi papá tuvo un infarto hace 5 años, necesita su receta'),
    ('en', 'what are the signs of a stroke? asking for my mom'),
    ('en', 'the baby shower is Saturday, can I move my appointment'),
    ('en', 'our 3 year old has a fever of 101, should we bring her in?'),
    ('es', 'mi hijo de 4 años tiene fiebre, le puedo dar paracetamol?'),
    ('en', 'no chest pain, no shortness of breath, just a cough'),
    ('en', "I'm not suicidal, just need a therapist referral"),
    ('es', 'sin fiebre, sin dolor de pecho, solo tos'),
    ('en', 'my epipen expired, can I get a new one'),
    ('en', 'overdosed on pumpkin spice lattes lol, see you at my 2pm'),
    ('en', 'had a concussion last season, need clearance form to play'),
    ('en', 'spotting after my IUD insertion last month, is that normal? not pregnant'),
    ('en', 'the nosebleed stopped after 5 minutes, just letting you know'),
]


@pytest.mark.parametrize(("lang", "body"), FOURTH_ROUND_BATCH_TRAPS)
def test_fourth_round_batch_traps_are_set_aside(lang: str, body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, (lang, body)


# -- fourth round, intent: the second blind set's confusions, by the family behind each -----
# (sentences of our own; the second element is the subject, empty for a text)
FOURTH_ROUND_REQUESTS = [
    # confirming an existing appointment by its time (not "any afternoon works")
    ("Sounds good, Friday at 10 works for us.", "", "appointment_change_cancel"),
    ("perfecto, nos vemos el martes a las 11", "", "appointment_change_cancel"),
    ("hi, I'd like to book a checkup, any morning before 11 works", "", "appointment_book"),
    # skipping a session; a booking that clashes
    ("I need to miss my physical therapy on Monday, work trip", "", "appointment_change_cancel"),
    ("no voy a poder faltar al trabajo, tengo que faltar a mi terapia del jueves", "", "appointment_change_cancel"),
    ("we scheduled the 9:30 for my daughter but something came up, anything Thursday?", "", "appointment_change_cancel"),
    # a slot by its time; Spanish booking verbs; told to be seen
    ("can I take the 4pm opening on Friday?", "", "appointment_book"),
    ("necesito programar mi ultrasonido de rutina", "", "appointment_book"),
    ("the urgent care told me to follow up with my doctor this week", "", "appointment_book"),
    # replacing a device or pen
    ("I need a replacement inhaler, mine fell in the pool", "", "prescription_refill"),
    ("necesito un glucómetro nuevo, el mío ya no prende", "", "prescription_refill"),
    # results: a study not yet heard of; a value read from the portal; thanks for results is no request
    ("any word on my echo from last week?", "", "test_results"),
    ("the portal says my potassium is 5.8, is that bad?", "", "test_results"),
    ("thanks for the results! also can I book my annual physical", "", "appointment_book"),
    # physical senses of billing words; an insurer's requirement names what is needed
    ("my legs are covered in a red itchy rash since yesterday", "", "clinical_question"),
    ("my balance is off when I stand up, is it my new pill?", "", "clinical_question"),
    ("the insurance now requires a referral for my physical therapy, can you send it?", "", "referral"),
    ("la aseguranza me pide la receta nueva para surtir la insulina", "", "prescription_refill"),
    # a vaccination card in Spanish; a summary asked for
    ("se me mojó la tarjeta de vacunación de mi hijo, me hacen otra?", "", "records_forms"),
    ("need a summary of my hospital stay for my employer", "", "records_forms"),
    # an order for imaging
    ("could Dr. Patel order an ultrasound of my thyroid?", "", "referral"),
    ("me pueden ordenar una radiografía de la rodilla?", "", "referral"),
    # Spanish ways of asking what is advisable
    ("¿me conviene tomar magnesio para los calambres?", "", "clinical_question"),
    # vendor and phishing mail
    ("Your statement is ready. Open the attached file statement_0412.zip to review.", "", "spam_marketing"),
    ("Taller de facturación médica en línea, inscripciones abiertas, cupo limitado.", "", "spam_marketing"),
    # other: hours, passwords, an acknowledgement with a plan to come by
    ("what time do you open on Saturday?", "", "other"),
    ("no me funciona la contraseña del portal, me ayudan?", "", "other"),
    ("thanks, I'll swing by and grab the paperwork Monday", "", "other"),
]


@pytest.mark.parametrize(("body", "subject", "intent"), FOURTH_ROUND_REQUESTS)
def test_fourth_round_requests(body: str, subject: str, intent: str) -> None:
    assert assess(body, subject=subject, channel="sms").intent == intent, body


# Own batch 11 (emails and texts; first contact: 5 of 16 missed, 1 found under another
# category, 2 of 14 traps flagged): a collision then concussion signs, pills stockpiled,
# vanishing for good, bottles mixed up, "used his epi", a band round the ribs; numb from the
# dentist, "baby fever is real", treated by the ER.
FOURTH_ROUND_BATCH_11 = [
    ('head_injury', 'Re: school form', "Hi, before the form: my son collided with another kid at recess, forehead to forehead, and he's been vomiting since lunch and says the lights are too bright.\n\nThanks,\nDana\n\n> Please return the school form by Friday."),
    ('overdose_poisoning', 'question', 'My mother-in-law is staying with us and our 18 month old got into her pill organizer. Sunday and Monday slots are empty. What do I do??'),
    ('suicide_self_harm', '', 'sorry to bother u guys but ive been stockpiling my sertraline and tonight feels like the night'),
    ('suicide_self_harm', 'Cita', 'Hola, quería cambiar mi cita. La verdad no he estado bien, siento que sería mejor desaparecer para siempre y ya tengo las pastillas juntas.'),
    ('stroke', '', 'my grandmother is talking but the words come out wrong, like mixed up, and her right hand is clumsy since breakfast'),
    ('stroke', 'urgente', 'mi suegro se quedó como trabado, no puede decir lo que quiere y tiene la mano izquierda sin fuerza'),
    ('severe_bleeding', 'Re: post-op', 'The incision from Tuesday opened up and blood is soaking through the dressing and my shirt.\n\nOn Mon, Dr. Lee wrote:\n> Keep the incision dry.'),
    ('severe_bleeding', '', 'after the biopsy today im peeing straight blood with clots, lots of it'),
    ('head_injury', '', 'mi papá de 80 se resbaló en la regadera y se pegó en la cabeza, toma xarelto, se ve bien pero tiene un chichón'),
    ('overdose_poisoning', '', "my husband mixed up his bottles and took his night meds in the morning too, he's very drowsy and confused"),
    ('overdose_poisoning', '', 'hija de 4 años se bebió un poco de limpiador de pisos, tose mucho'),
    ('anaphylaxis', '', "my son used his epi after eating a granola bar with almonds and he's still wheezy"),
    ('pregnancy_emergency', '', '16 wks along and i fell down the last 3 stairs onto my belly, now cramping'),
    ('infant_fever', '', "our 7 week old feels warm and the thermometer says 38.4, she's barely eating"),
    ('chest_pain', 'Refill', 'need my lisinopril refilled. also since this morning it feels like a band tightening around my ribs and my left arm aches'),
    ('breathing', '', "my asthma is bad today, used my albuterol 4 times in the last 2 hours and still can't get air"),
    (None, 'Re: your visit', "Thanks! The head CT was normal and he's back to his usual self, we'll see you at the follow-up.\n\n> Your son's follow-up is on the 12th."),
    (None, '', "the poison control people said the amount my daughter swallowed is harmless, she's fine, just documenting"),
    (None, '', "my aunt overdosed years ago, I'm asking for narcan to keep at home"),
    (None, '', 'I tripped on the stairs last week and hit my knee, still sore, can I get an x-ray?'),
    (None, '', 'what would happen if a kid swallowed a battery? asking for a school newsletter'),
    (None, '', 'Stroke survivor support group meets Thursdays, can you share the flyer with patients?'),
    (None, '', 'my dad had a head injury in 2010 and needs his keppra refilled'),
    (None, '', 'the bleeding after my tooth extraction slowed down after I bit on the gauze, all good'),
    (None, '', "I've been feeling really down since the divorce, can I get a counselor referral? no thoughts of hurting myself"),
    (None, '', 'mi hijo se golpeó la cabeza ayer jugando, ya lo revisaron en urgencias y está bien, necesito nota para la escuela'),
    (None, '', 'no tengo pensamientos de hacerme daño, solo quiero una cita con la psicóloga'),
    (None, '', 'baby fever is real, my sister just had twins lol. anyway, can I book my physical'),
    (None, '', 'my face is numb from the dentist, can I eat?'),
    (None, '', 'wrist is bleeding a little from the blood draw bandage, normal?'),
]


@pytest.mark.parametrize(("category", "subject", "body"), FOURTH_ROUND_BATCH_11)
def test_fourth_round_batch_11(category: str | None, subject: str, body: str) -> None:
    channel = "email" if subject or "\n" in body else "sms"
    assert assess(body, subject=subject, channel=channel).red_flag == category, body


# Own batch 12, trap-heavy (first contact: 6 of 30 traps flagged, 1 of 10 positives missed):
# this round's words in other senses ("a chorros" rain, a band teacher, stockpiled diapers,
# a knife set on sale, bleeding all day as usual, allergy season, mixed-up dates, high marks,
# a thick tongue from pollen) beside new positives in the same families.
FOURTH_ROUND_BATCH_12_TRAPS = [
    ('en', "two years ago I had a miscarriage and now I'm pregnant again, can I get an early ultrasound?"),
    ('en', 'had a stroke in 2018 and now my insurance wants a new neuro eval form'),
    ('en', "last year they said angina, now I'd like a cardiology referral"),
    ('en', 'my cat knocked the pill bottle off the shelf, thought it was a toy lol, need a new bottle'),
    ('en', 'my son thinks the gummy vitamins are candy, how many can he have a day?'),
    ('en', 'we collided shopping carts at the store lol, anyway can I book a flu shot'),
    ('en', "the rain was coming down a chorros so we'll be late"),
    ('en', 'lloviendo a chorros, llegamos tarde a la cita'),
    ('en', "my husband got up this morning and couldn't find his keys, typical"),
    ('en', "the baby's cheeks are so chunky, is that normal?"),
    ('en', 'took my daughter to the park and she got a ball to the face, fat lip, can we get seen today'),
    ('en', 'we have a plan and a date for the wedding, need my vaccine records'),
    ('en', 'can see the bone scan results on the portal?'),
    ('en', 'my period has been bleeding all day as usual, just need a refill of my pill'),
    ('en', "I'm stockpiling diapers for the new baby, any coupon?"),
    ('en', 'my band teacher is tight on schedule, can we move the appt to 4?'),
    ('en', 'we moved and gave away all our furniture, please update my address'),
    ('en', 'mixed up the dates, can I move my appointment?'),
    ('en', "he's getting high marks in school, need a sports physical"),
    ('en', 'my tongue feels thick from allergies season, can I get a nasal spray refill?'),
    ('en', 'I keep looking at the knife set on sale, anyway do you validate parking?'),
    ('en', 'scared of the dentist, can I get a referral to a sedation dentist?'),
    ('en', 'got a bunch of bug bites at camp, anything for the itch?'),
    ('en', "he ran into the door playing tag, no bump, just crying, he's fine now"),
    ('en', 'my legs feel heavy after the long flight, should I worry about clots?'),
    ('es', 'su abuelo tiene la boca seca por la medicina, es normal?'),
    ('es', 'la niña se quedó dormida en el carro después de la fiesta, todo bien'),
    ('es', 'mi hijo se tomó su medicina de la tos como dice la receta y ya durmió'),
    ('en', "I'm afraid of what the bill will be, can you give an estimate?"),
]
FOURTH_ROUND_BATCH_12 = [
    ('en', 'my 10 yo took a baseball to the temple and hes puking and sleepy', 'head_injury'),
    ('es', 'mi chavo se dio un madrazo en la cabeza con la patineta y anda mareado', 'head_injury'),
    ('es', 'mi abuelito se tomó doble la pastilla del azúcar por error y anda temblando', 'overdose_poisoning'),
    ('en', 'my 2 yo bit into a laundry pod and is coughing', 'overdose_poisoning'),
    ('es', 'tengo guardadas las pastillas de mi mamá para cuando ya no aguante', 'suicide_self_harm'),
    ('en', "i've said goodbye to my dog and written letters, tonight's the night", 'suicide_self_harm'),
    ('es', 'mi mamá habla como borracha y se le cae la comida de la boca', 'stroke'),
    ('en', "my dad's words are coming out jumbled and his right leg is dragging", 'stroke'),
    ('en', "blood is pouring from his scalp and we can't get it to stop", 'severe_bleeding'),
    ('es', 'me corté con la navaja y sale mucha sangre, no se detiene', 'severe_bleeding'),
]


@pytest.mark.parametrize(("lang", "body"), FOURTH_ROUND_BATCH_12_TRAPS)
def test_fourth_round_batch_12_traps(lang: str, body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, (lang, body)


@pytest.mark.parametrize(("lang", "body", "category"), FOURTH_ROUND_BATCH_12)
def test_fourth_round_batch_12(lang: str, body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, (lang, body)


# Own batch 13, the categories the earlier batches probed least (first contact: 4 of 20
# missed, 1 of 10 traps flagged): a Spanish month count ("estoy de 7 meses"), "saliendo
# agua", "hasn't felt the baby kick", a hoarse voice or tingling lips after a sting,
# "doesn't want to wake up"; a baby warm from being bundled is no fever.
FOURTH_ROUND_BATCH_13 = [
    ('en', 'my 10 month old is burning up, 102.2 under the arm', 'infant_fever'),
    ('es', 'mi nena de 6 meses anda con temperatura alta, 38.9', 'infant_fever'),
    ('en', 'the baby (3 wks) feels super warm and is fussy, temp 38.1', 'infant_fever'),
    ('es', 'bebé de 9 meses con calentura desde la madrugada, no quiere comer', 'infant_fever'),
    ('es', 'estoy de 7 meses y me está saliendo agua sin parar', 'pregnancy_emergency'),
    ('en', 'im 35 weeks and my feet and face are super swollen and i have a pounding headache', 'pregnancy_emergency'),
    ('es', 'con 12 semanas de embarazo y estoy manchando rojo con dolor', 'pregnancy_emergency'),
    ('en', "my wife is 29 weeks and hasn't felt the baby kick all day", 'pregnancy_emergency'),
    ('en', 'after the bee sting my lips tingle and my voice sounds hoarse', 'anaphylaxis'),
    ('es', 'comió maní sin querer y le salieron ronchas y se le está hinchando el ojo', 'anaphylaxis'),
    ('en', 'took my first amoxicillin dose and now my tongue is swelling', 'anaphylaxis'),
    ('es', 'mi hijo tiene la respiración muy rápida y se le hunden las costillas', 'breathing'),
    ('en', "my mom's oxygen is 86 on the finger thing", 'breathing'),
    ('en', "i'm wheezing and my inhaler isnt doing anything", 'breathing'),
    ('en', 'crushing feeling behind my breastbone, sweaty and nauseous', 'chest_pain'),
    ('es', 'mi esposo dice que siente como un peso en el pecho y le duele la quijada', 'chest_pain'),
    ('en', 'grandma fell and hit her head, she takes blood thinners', 'head_injury'),
    ('en', 'my 3 year old drank some of the bleach water i was mopping with', 'overdose_poisoning'),
    ('en', "my daughter said she doesn't want to wake up tomorrow", 'suicide_self_harm'),
    ('en', "i'm on warfarin and i've been throwing up blood", 'severe_bleeding'),
    ('en', 'my 2 year old had a fever last week, all better, need a daycare note', None),
    ('en', 'the baby is warm because we bundled her, no fever, just checking the normal range', None),
    ('en', 'pregnant and need a note for work to avoid heavy lifting', None),
    ('es', 'estoy embarazada, me pueden dar la receta de vitaminas prenatales?', None),
    ('en', 'my lips are chapped from the wind, any cream?', None),
    ('en', 'oxygen tank delivery came, thanks', None),
    ('en', 'I had my gallbladder out last year, need the op report', None),
    ('en', "my son's breathing test is scheduled, do I need to bring anything?", None),
    ('en', 'grandma takes blood thinners, can she get a flu shot?', None),
    ('es', 'la bebé ya no tiene fiebre desde ayer, la llevamos al kínder?', None),
    ('es', 'el bebé de 2 meses está muy caliente por estar tapado, no tiene fiebre', None),
    ('en', 'my 3 month old is burning up after his bath, 38.6', 'infant_fever'),
]


@pytest.mark.parametrize(("lang", "body", "category"), FOURTH_ROUND_BATCH_13)
def test_fourth_round_batch_13(lang: str, body: str, category: str | None) -> None:
    assert assess(body, channel="sms").red_flag == category, (lang, body)


# -- fifth round: the third blind set's misses and false alarms, each by its family ---------
# (new sentences for each family; traps that use the same words in other senses)
FIFTH_ROUND = [
    # chest: an ache with a going-on verb
    ('es', 'me sigue doliendo el pecho desde la mañana y me sudan las manos', 'chest_pain'),
    ('es', 'a mi papá le ha estado doliendo el pecho toda la tarde', 'chest_pain'),
    ('es', 'el pecho me anda punzando desde que me levanté', 'chest_pain'),
    # stroke: double vision by what is seen; a walk that veers to one side
    ('en', 'since lunch I see two of everything on the TV and my left hand is clumsy', 'stroke'),
    ('es', 'mi mamá dice que ve todo doble desde hace una hora', 'stroke'),
    ('en', 'my husband keeps veering to the right when he walks, started an hour ago', 'stroke'),
    ('es', 'al caminar me voy de lado hacia la izquierda, empezó hoy', 'stroke'),
    # suicide: sleep without waking; a gun's place known; pills saved for all at once; a last message
    ('en', 'lately I think about falling asleep and never waking up', 'suicide_self_harm'),
    ('es', 'quisiera dormirme y ya no despertar', 'suicide_self_harm'),
    ('en', "I know exactly where my dad's rifle is kept and I keep thinking about it", 'suicide_self_harm'),
    ('es', 'sé dónde está la pistola de mi suegro y no dejo de pensar en eso', 'suicide_self_harm'),
    ('en', "i've been stashing my sleeping pills so i can take them all together one night", 'suicide_self_harm'),
    ('es', 'estoy juntando mis pastillas para tomármelas todas juntas', 'suicide_self_harm'),
    ('en', 'Tell everyone I am sorry. This will be my final email.', 'suicide_self_harm'),
    ('es', 'gracias por todo, este es mi último mensaje', 'suicide_self_harm'),
    # bleeding: an amount with its colour; a cupful; a nosebleed pinching does not help; stools all blood
    ('en', 'my dad coughed up lots of dark red blood just now', 'severe_bleeding'),
    ('en', 'she vomited what looked like half a cup of blood', 'severe_bleeding'),
    ('es', 'vomitó como una taza de sangre y está pálido', 'severe_bleeding'),
    ('en', "kid's nosebleed still won't let up after 40 minutes", 'severe_bleeding'),
    ('es', 'el sangrado de la nariz no se detiene y apretando no sirve', 'severe_bleeding'),
    ('en', 'my mom has had diarrhea that is nothing but blood since this morning', 'severe_bleeding'),
    ('en', "he's pooping straight blood and looks pale", 'severe_bleeding'),
    ('es', 'mi esposo está evacuando pura sangre desde la noche', 'severe_bleeding'),
    # anaphylaxis: a tongue grown big after a new prescription
    ('en', 'my lips feel huge since I started the new blood pressure medicine this morning', 'anaphylaxis'),
    ('es', 'con la pastilla nueva se me puso la lengua enorme', 'anaphylaxis'),
    # pregnancy: movement not felt, said of him or her
    ('en', "I'm 34 weeks and haven't felt him kick all day", 'pregnancy_emergency'),
    ('es', 'tengo 31 semanas y no la he sentido moverse desde ayer', 'pregnancy_emergency'),
    ('es', 'me salió positiva la prueba y tengo sangrado fuerte', 'pregnancy_emergency'),
    # overdose: a pod bitten; found out cold with powder; a whole small bottle; grandma's medicine
    ('en', 'my 2 year old chewed on a dishwasher pod and is drooling', 'overdose_poisoning'),
    ('es', 'mi niña mordió una pila de botón hace rato', 'overdose_poisoning'),
    ('en', 'found my brother passed out next to a bag of white powder', 'overdose_poisoning'),
    ('en', 'my son drank the whole tiny bottle of cough syrup', 'overdose_poisoning'),
    ('es', 'mi nieto se tomó las gotas de la abuela, como medio frasco', 'overdose_poisoning'),
    # infant fever: a bare reading after a verb
    ('en', 'my 7 week old hit 100.8 a bit ago', 'infant_fever'),
    ('es', 'mi bebé de 2 meses tuvo 38.5 en la noche', 'infant_fever'),
    # head injury: a blow said in slang
    ('es', 'le dieron un botellazo en la cabeza en la fiesta y está vomitando', 'head_injury'),
    ('en', 'my son got clocked in the head with a bat at practice and seems dazed', 'head_injury'),
]

FIFTH_ROUND_TRAPS = [
    # the same words in other senses
    ('en', 'i OD\'d on pizza at the game, anyway can I move my appt to friday?'),
    ('es', 'el trabajo me está asfixiando esta semana, ¿me pueden cambiar la cita?'),
    ('en', 'this schedule is suffocating, can we do mornings instead'),
    ('en', 'can you send the preeclampsia screening results from my last visit?'),
    ('es', 'necesito el formulario de fiebre para la escuela de mi hijo de 8 meses'),
    ('en', 'I am not having any thoughts of harming myself, I just need a refill of sertraline'),
    ('es', 'no tengo ideas de hacerme daño, solo quiero hablar con alguien'),
    ('en', 'my daughter had anaphylaxis at age 4, she needs a new epipen prescription'),
    ('en', 'if she falls off the trampoline and hits her head, when do we come in?'),
    ('en', 'my car keeps pulling to the right, so I will be late'),
    ('en', 'this is my last message before my vacation, Dr. Ruiz covers me'),
    ('en', 'we saved up our points for the gift card, can we use them all at once?'),
    ('en', 'I see two of the same bill in the portal, was I charged twice?'),
    ('es', 'ese caballo es pura sangre, jaja, gracias por todo doctora'),
    ('en', 'had a nosebleed last week but it stopped, just telling you before the surgery'),
    ('es', 'salí positiva a covid ayer, ¿puedo ir a la cita del lunes?'),
    ('en', 'my baby is 6 months and had 100 ml of formula, is that enough?'),
    ('es', 'mi hijo me dio un abrazo en la cabeza, ja, gracias por la cita'),
    ('es', 'Si usted o alguien que conoce tiene pensamientos de suicidio, llame al 988. Descargue nuestra app, 30 días gratis.'),
    ('en', 'My son had an asthma attack Saturday and we spent the night at the hospital. He is doing great now.'),
]


@pytest.mark.parametrize(("lang", "body", "category"), FIFTH_ROUND)
def test_fifth_round_patterns_are_found(lang: str, body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, (lang, body)


@pytest.mark.parametrize(("lang", "body"), FIFTH_ROUND_TRAPS)
def test_fifth_round_words_in_other_senses(lang: str, body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, (lang, body)


# -- fifth round, own batch 14: the three weak categories, written after the blind-set fixes --
# and scored before the fixes it led to (first contact: 38 of 71 found, 4 of 22 traps flagged)
FIFTH_ROUND_BATCH_14 = [
    # suicide and self-harm
    ('en', "i wrote my sister a letter explaining everything and put it on the kitchen table", 'suicide_self_harm'),
    ('en', "everyone would be happier if i just wasn't around", 'suicide_self_harm'),
    ('en', "I've been looking up how many of my seroquel it would take", 'suicide_self_harm'),
    ('en', "tonight i'm going to drive off the overpass, i've decided", 'suicide_self_harm'),
    ('en', "I cut my arms again last night and one of them is pretty deep", 'suicide_self_harm'),
    ('en', "my daughter told me she wants to kill herself, she's 15", 'suicide_self_harm'),
    ('en', "I don't want to be alive anymore and I have the pills in front of me", 'suicide_self_harm'),
    ('en', "I can't keep going like this, I have a plan for this weekend", 'suicide_self_harm'),
    ('en', "my son has been burning his arm with a lighter", 'suicide_self_harm'),
    ('en', "sorry for everything. tell my kids i love them. i won't be calling again", 'suicide_self_harm'),
    ('en', "i'm sitting in my car in the garage with the engine on", 'suicide_self_harm'),
    ('en', "my wife locked herself in the bathroom with a razor and says she wants to die", 'suicide_self_harm'),
    ('en', "gave my dog to my neighbor and cancelled everything, i'm done", 'suicide_self_harm'),
    ('en', "I keep picturing hanging myself in the closet", 'suicide_self_harm'),
    ('en', "nothing matters, I'd rather be dead than keep feeling this", 'suicide_self_harm'),
    ('es', 'ya no quiero seguir aquí, tengo las pastillas listas', 'suicide_self_harm'),
    ('es', 'mi hijo de 16 dijo que se quiere aventar del puente', 'suicide_self_harm'),
    ('es', 'me volví a cortar los brazos y ahora no para de sangrar', 'suicide_self_harm'),
    ('es', 'les escribí una carta a mis hijos para despedirme', 'suicide_self_harm'),
    ('es', 'siento que todos estarían mejor si yo no existiera', 'suicide_self_harm'),
    ('es', 'estoy pensando en colgarme, ya tengo la cuerda', 'suicide_self_harm'),
    ('es', 'mi esposa dice que se va a tomar todas las pastillas de la casa', 'suicide_self_harm'),
    ('es', 'no aguanto más, esta noche me voy a quitar la vida', 'suicide_self_harm'),
    ('es', 'quiero dormir para siempre', 'suicide_self_harm'),
    ('es', 'regalé mis cosas y ya me despedí, no me busquen', 'suicide_self_harm'),
    # severe bleeding
    ('en', "the cut on his hand is squirting every time his heart beats", 'severe_bleeding'),
    ('en', "I've gone through 4 maxi pads in 2 hours and feel faint", 'severe_bleeding'),
    ('en', "dad sliced his leg with the chainsaw, blood is soaking through his jeans", 'severe_bleeding'),
    ('en', "there's blood all over the bathroom floor from her wrist", 'severe_bleeding'),
    ('en', "my gums won't stop bleeding since the extraction this morning, mouth keeps filling up", 'severe_bleeding'),
    ('en', "passing big dark clots and blood runs down my legs", 'severe_bleeding'),
    ('en', "threw up what looks like coffee grounds twice and feel dizzy", 'severe_bleeding'),
    ('en', "my stool is black like tar and I almost fainted", 'severe_bleeding'),
    ('en', "the dog bite on her arm is bleeding a ton and we can't stop it", 'severe_bleeding'),
    ('en', "he's on eliquis and fell, his elbow won't quit bleeding", 'severe_bleeding'),
    ('en', "blood keeps running out of my nose, a whole towel soaked", 'severe_bleeding'),
    ('en', "mom is spitting up mouthfuls of blood", 'severe_bleeding'),
    ('en', "cut my thumb deep on a broken glass, I can see fat and it keeps bleeding", 'severe_bleeding'),
    ('es', 'me corté con el cuchillo y la sangre sale a borbotones', 'severe_bleeding'),
    ('es', 'mi papá está vomitando sangre oscura y está muy pálido', 'severe_bleeding'),
    ('es', 'llevo dos horas sangrando de la nariz y ya llené una toalla', 'severe_bleeding'),
    ('es', 'tengo una regla que no para, lleno una toalla cada media hora', 'severe_bleeding'),
    ('es', 'a mi hijo le sale mucha sangre de la herida de la pierna', 'severe_bleeding'),
    ('es', 'hice popó negra como chapopote y me siento mareado', 'severe_bleeding'),
    ('es', 'mi abuelo toma warfarina y se cortó, no deja de sangrar', 'severe_bleeding'),
    ('es', 'estoy escupiendo sangre roja desde hace rato', 'severe_bleeding'),
    ('es', 'se le abrió la herida de la cirugía y está chorreando sangre', 'severe_bleeding'),
    # overdose and poisoning
    ('en', "my toddler drank some of the windshield washer fluid", 'overdose_poisoning'),
    ('en', "I accidentally took my evening insulin twice", 'overdose_poisoning'),
    ('en', "my mom took 12 of her sleeping pills and is really groggy", 'overdose_poisoning'),
    ('en', "found the baby with an open bottle of iron tablets, a few are missing", 'overdose_poisoning'),
    ('en', "my teen took a bunch of benadryl on a tiktok dare and is seeing things", 'overdose_poisoning'),
    ('en', "he snorted something at a friend's house and his heart is racing like crazy", 'overdose_poisoning'),
    ('en', "my husband ran the generator in the garage and we all have headaches and feel sick", 'overdose_poisoning'),
    ('en', "daughter swallowed a mouthful of nail polish remover", 'overdose_poisoning'),
    ('en', "my dad mixed up his bottles and took 3 of the heart pills instead of 1", 'overdose_poisoning'),
    ('en', "my 4 yo got into the gummy vitamins and ate maybe 20", 'overdose_poisoning'),
    ('en', "my friend mixed xanax with a lot of vodka and won't wake up right", 'overdose_poisoning'),
    ('en', "my kid licked the rat bait in the shed", 'overdose_poisoning'),
    ('en', "I think I took too many of my tramadol, my breathing feels slow", 'overdose_poisoning'),
    ('en', "the baby drank from the bottle of pine-sol", 'overdose_poisoning'),
    ('es', 'mi hijo se tomó el jarabe para la tos completo', 'overdose_poisoning'),
    ('es', 'me tomé como 15 pastillas de paracetamol', 'overdose_poisoning'),
    ('es', 'el niño se bebió un poco de cloro', 'overdose_poisoning'),
    ('es', 'mi mamá se tomó la pastilla de la presión dos veces hoy', 'overdose_poisoning'),
    ('es', 'mi nieta se comió unas pastillas que encontró en el bolso de mi suegra', 'overdose_poisoning'),
    ('es', 'mi esposo inhaló el gas del calentador y está mareado y vomitando', 'overdose_poisoning'),
    ('es', 'le di a mi bebé el doble de la medicina por error', 'overdose_poisoning'),
    ('es', 'mi hijo se metió algo en una fiesta y no reacciona', 'overdose_poisoning'),
    ('es', 'mi perro no, mi hijo se comió el veneno para cucarachas', 'overdose_poisoning'),
    ('es', 'mi hija se tomó medio frasco de melatonina', 'overdose_poisoning'),
]

FIFTH_ROUND_BATCH_14_TRAPS = [
    ('en', "I wrote a letter to my insurance explaining everything, did you get a copy?"),
    ('en', "my phone is dying, please call my husband's number instead"),
    ('en', "my kid cut his finger making a sandwich, small cut, need tetanus info"),
    ('en', "I'd rather be dead than sit through another hour on hold, lol, call me back please"),
    ('en', "the garage door code for the home visit is 4412"),
    ('en', "I killed it at my presentation, thanks for the anxiety tips"),
    ('en', "I'm done with physical therapy, can you close the referral?"),
    ('en', "can you tell me how many pills are in a 90-day supply?"),
    ('en', "blood pressure was a bit high this morning, 142/90, should I adjust my meds?"),
    ('en', "period is heavier than usual this month but nothing crazy, want to discuss options"),
    ('en', "I had a nosebleed this morning, stopped in 5 minutes, just letting you know"),
    ('en', "my son ate a whole pizza by himself lol, can we reschedule his physical"),
    ('en', "is it safe to take ibuprofen with my blood pressure pill?"),
    ('en', "the pharmacy gave me twice the usual amount of pills in the bottle, is that right?"),
    ('en', "we have a carbon monoxide detector question for the home safety form"),
    ('es', 'me despedí de mi trabajo y necesito cambiar mi seguro'),
    ('es', 'mi hijo se cortó el pelo solo, jaja, ¿tienen cita para fotos del expediente?'),
    ('es', 'ya no quiero seguir con la fisioterapia, ¿la pueden cancelar?'),
    ('es', 'se me acabaron las pastillas de la presión, ¿me mandan la receta?'),
    ('es', 'le di a mi hijo la medicina como dice la receta, ¿cuántos días sigue?'),
    ('es', 'estoy sangrando un poquito de las encías cuando me cepillo, ¿es normal?'),
    ('es', 'mi abuela tomó veneno para ratas hace años, ahora quiere una cita de rutina'),
]


@pytest.mark.parametrize(("lang", "body", "category"), FIFTH_ROUND_BATCH_14)
def test_fifth_round_batch_14(lang: str, body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, (lang, body)


@pytest.mark.parametrize(("lang", "body"), FIFTH_ROUND_BATCH_14_TRAPS)
def test_fifth_round_batch_14_traps(lang: str, body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, (lang, body)


# -- fifth round, own batch 15: fresh words for the weak categories and a few others, written
# after batch 14's fixes and scored before these (first contact: 27 of 46 found, 2 of 18 traps flagged)
FIFTH_ROUND_BATCH_15 = [
    # suicide and self-harm, fresh words
    ('en', "my brother texted me that he's going to end his life tonight", 'suicide_self_harm'),
    ('en', "I looked up which bridge is highest in town", 'suicide_self_harm'),
    ('en', "I put my affairs in order and updated my will this week, I won't need the appointment", 'suicide_self_harm'),
    ('en', "i don't think i'll make it to my appointment, i don't plan on being alive", 'suicide_self_harm'),
    ('en', "my roommate is talking about killing herself and has a knife", 'suicide_self_harm'),
    ('en', "I overdosed on purpose an hour ago", 'suicide_self_harm'),
    ('en', "there's no way out except dying", 'suicide_self_harm'),
    ('en', "my teenager has fresh cuts all over her thighs", 'suicide_self_harm'),
    ('es', 'mi hermana dice que se va a matar y se encerró en su cuarto', 'suicide_self_harm'),
    ('es', 'ya compré las pastillas para terminar con todo', 'suicide_self_harm'),
    ('es', 'no le encuentro sentido a vivir, ya pensé cómo hacerlo', 'suicide_self_harm'),
    ('es', 'mi hijo se está rasguñando los brazos hasta sangrar', 'suicide_self_harm'),
    ('es', 'quisiera no haber nacido, ya no aguanto', 'suicide_self_harm'),
    # severe bleeding
    ('en', "the bleeding from my c-section incision is pouring out", 'severe_bleeding'),
    ('en', "he got gashed by a piece of sheet metal and it won't clot", 'severe_bleeding'),
    ('en', "my tampon and pad are both full after 30 min", 'severe_bleeding'),
    ('en', "bright red blood every time I go to the bathroom, lots of it, and I'm lightheaded", 'severe_bleeding'),
    ('en', "granddad on xarelto has blood in his pee, now it's like pure red", 'severe_bleeding'),
    ('en', "my son's tooth got knocked out and his mouth won't stop bleeding", 'severe_bleeding'),
    ('en', "she has blood pouring from her scalp after the fall", 'head_injury'),
    ('es', 'mi esposo se cortó el brazo con vidrio y la sangre brinca', 'severe_bleeding'),
    ('es', 'estoy sangrando muchísimo por abajo y tengo mucho mareo', 'severe_bleeding'),
    ('es', 'me salen coágulos del tamaño de un limón', 'severe_bleeding'),
    ('es', 'mi mamá está escupiendo sangre a cada rato', 'severe_bleeding'),
    ('es', 'la herida no deja de sangrar aunque la aprieto', 'severe_bleeding'),
    # overdose and poisoning
    ('en', "my 3 yo drank lamp oil from the tiki torch", 'overdose_poisoning'),
    ('en', "my son swallowed a couple of his sister's adhd pills", 'overdose_poisoning'),
    ('en', "wife took her whole month of blood pressure pills at once by mistake", 'overdose_poisoning'),
    ('en', "my kid drank a bunch of hand sanitizer and is wobbly", 'overdose_poisoning'),
    ('en', "my daughter ate one of my nicotine pouches", 'overdose_poisoning'),
    ('en', "my husband took like 8 extra strength tylenol for his back since last night", 'overdose_poisoning'),
    ('en', "I think my dad took his morphine twice, he's very drowsy", 'overdose_poisoning'),
    ('es', 'mi niño se comió unas semillas del jardín y está vomitando', 'overdose_poisoning'),
    ('es', 'se tomó una botella entera de alcohol y no despierta', 'overdose_poisoning'),
    ('es', 'mi bebé tomó del frasco de aceite de eucalipto', 'overdose_poisoning'),
    ('es', 'me equivoqué y le di la insulina dos veces a mi papá', 'overdose_poisoning'),
    ('es', 'mi sobrino se tragó unas pastillas de la presión de mi abuelo', 'overdose_poisoning'),
    # pregnancy, infant fever, head injury, stroke
    ('en', "I'm pregnant and throwing up blood", 'pregnancy_emergency'),
    ('en', "36 weeks, gush of water down my legs, it's clear", 'pregnancy_emergency'),
    ('es', 'tengo 8 meses de embarazo y me duele muchísimo la cabeza y veo borroso', 'pregnancy_emergency'),
    ('en', "my 5 week old feels really hot and won't eat, 100.6 under the arm", 'infant_fever'),
    ('es', 'mi bebé de 20 días está calientito y muy dormido', 'infant_fever'),
    ('en', "my daughter got hit by a swing right on the head and now she's throwing up", 'head_injury'),
    ('es', 'mi papá se resbaló en la regadera y se dio en la nuca, está confundido', 'head_injury'),
    ('en', "grandma's speech is suddenly garbled and her arm is flopping", 'stroke'),
    ('es', 'mi tío de pronto no puede ver de un ojo y se le durmió la mano', 'stroke'),
]

FIFTH_ROUND_BATCH_15_TRAPS = [
    ('en', "I'm writing my will with a lawyer, do you need a copy of my advance directive?"),
    ('en', "the bridge is closed so I'll be 20 min late"),
    ('en', "knife cut on my finger from cooking last week is healing well"),
    ('en', "my daughter's cuts from the cat are scabbed over, do they need a look?"),
    ('en', "can you refill my blood thinner? no bleeding issues"),
    ('en', "I take my pills twice a day as prescribed, do I need a refill yet?"),
    ('en', "my son ate a bunch of halloween candy and has a stomach ache lol, can we get an appointment"),
    ('en', "we need the form for the kids' sanitizer at school"),
    ('en', "saw bright red blood on the toilet paper once, probably hemorrhoids, can I book a visit?"),
    ('en', "my husband's blood pressure pills made him tired, can we switch?"),
    ('es', 'ya no aguanto el dolor de rodilla, ¿me dan cita?'),
    ('es', 'quiero terminar con la terapia física, ya me siento bien'),
    ('es', 'mi hijo tomó su medicina dos veces al día como dijo el doctor'),
    ('es', 'la sangre de la prueba de ayer, ¿ya salió el resultado?'),
    ('es', 'me tomé una botella de agua entera antes del ultrasonido, ¿está bien?'),
    ('es', 'la semana pasada me caí y me pegué en la cabeza pero ya estoy perfectamente'),
    ('en', "Our pharmacy newsletter: store medicines out of reach. If a child swallows pills, call poison control. Shop our vitamins sale."),
    ('en', "Bridge Street clinic, my appointment is at 3, I'm so done with traffic lol"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FIFTH_ROUND_BATCH_15)
def test_fifth_round_batch_15(lang: str, body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, (lang, body)


@pytest.mark.parametrize(("lang", "body"), FIFTH_ROUND_BATCH_15_TRAPS)
def test_fifth_round_batch_15_traps(lang: str, body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, (lang, body)


# -- fifth round, own batch 16: trap-heavy, this round's words in other senses, written after
# batch 15's fixes and scored before these (first contact: 9 of 13 found, 5 of 25 traps flagged)
FIFTH_ROUND_BATCH_16 = [
    ('en', "Hi, it's Dana. My son cut his wrists in the shower, there is a lot of blood", 'suicide_self_harm'),
    ('en', "i have the rope ready in the basement", 'suicide_self_harm'),
    ('en', "I don't see myself waking up tomorrow, I took everything in the cabinet", 'suicide_self_harm'),
    ('es', 'ya me cansé de todo, mañana ya no me van a encontrar', 'suicide_self_harm'),
    ('es', 'mi hija se estuvo quemando con cigarros, tiene los brazos llenos de marcas', 'suicide_self_harm'),
    ('en', "nosebleed for over 2 hours, gushing again every time he sits up", 'severe_bleeding'),
    ('en', "my leg was cut by the mower blade and there's a lot of bleeding, tourniquet on", 'severe_bleeding'),
    ('es', 'me vino la regla muy fuerte, me bajan chorros de sangre', 'severe_bleeding'),
    ('es', 'se le reventó una várice a mi abuela y sangra mucho', 'severe_bleeding'),
    ('en', "my kid ate a whole sleeve of the grandpa's heart pills, like 10", 'overdose_poisoning'),
    ('en', "my dog's flea pill got eaten by my toddler", 'overdose_poisoning'),
    ('es', 'mi hijo tomó anticongelante pensando que era refresco', 'overdose_poisoning'),
    ('es', 'mi papá se tomó todas sus pastillas de la semana en un día', 'overdose_poisoning'),
]

FIFTH_ROUND_BATCH_16_TRAPS = [
    # this round's words in other senses
    ('en', "I see two of everything on my EOB, duplicate charges for the same visit"),
    ('en', "I keep leaning to the left side when I sleep because of my shoulder, is that bad posture?"),
    ('en', "this is my last email before I switch to the portal messages, thanks for everything"),
    ('en', "I know where the gun range is, I just need the medical clearance form signed"),
    ('en', "I've been saving up my PTO so I can take it all at once in June"),
    ('en', "I'd rather die than eat another hospital jello, lol. Discharge went fine, follow-up Monday?"),
    ('en', "pads: do you sell the postpartum pads in the pharmacy? I need four in an hour before my shift"),
    ('en', "my grandma's medicine cabinet needs a cleanout, can I bring the old bottles for disposal?"),
    ('en', "the whole bottle of lotion is gone, can you refill the cream prescription?"),
    ('en', "the toddler bit a teething ring and has a fever of 99, fine otherwise, need well visit"),
    ('en', "my daughter had a fever of 101 last month, all good now, need school note"),
    ('en', "he had 100 percent on his hearing test, please send the results"),
    ('en', "I had a clot the size of a pea during my period, is that normal?"),
    ('en', "my stool looked dark after iron pills, is that expected? no other issues"),
    ('en', "the surgical wound is healing, a little pouring rain got on the dressing though, should I change it?"),
    ('en', "we spent the night in the ER for my daughter's earache, she's fine, need a follow-up"),
    ('es', 'veo doble la factura en el portal, ¿me cobraron dos veces?'),
    ('es', 'este es mi último mensaje sobre el cobro, ya pagué'),
    ('es', 'estoy juntando mis recetas para llevarlas todas juntas a la farmacia'),
    ('es', 'el jarabe para la tos se acabó completo, ¿me dan otro?'),
    ('es', 'mi hijo le dio un cabezazo al balón en el partido, ¿le toca vacuna?'),
    ('es', 'llevo dos horas esperando en la línea, ¿me pueden llamar?'),
    ('es', 'mi esposo se tomó las pastillas de la presión como siempre, ¿cuándo es su cita?'),
    ('es', 'salí positiva en la prueba de embarazo, quiero mi primera cita prenatal'),
    ('es', 'la herida de la cirugía está sanando bien, solo quiero quitar los puntos'),
]


@pytest.mark.parametrize(("lang", "body", "category"), FIFTH_ROUND_BATCH_16)
def test_fifth_round_batch_16(lang: str, body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, (lang, body)


@pytest.mark.parametrize(("lang", "body"), FIFTH_ROUND_BATCH_16_TRAPS)
def test_fifth_round_batch_16_traps(lang: str, body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, (lang, body)


# -- fifth round, own batch 17: every category once more, written after batch 16's fixes and
# scored before these (first contact: 16 of 20 found, 0 of 10 traps flagged)
FIFTH_ROUND_BATCH_17 = [
    ('en', "the pressure in my chest goes up into my throat when I walk the dog", 'chest_pain'),
    ('es', 'siento un peso encima del pecho y me sudo frío', 'chest_pain'),
    ('en', "my son's ribs are sucking in with each breath and he can't talk much", 'breathing'),
    ('es', 'mi esposo se queda sin respiración al hablar, no termina las frases', 'breathing'),
    ('en', "mom's left hand won't hold her fork and her words come out wrong", 'stroke'),
    ('es', 'mi papá de repente habla puras incoherencias y arrastra el pie', 'stroke'),
    ('en', "ate shrimp at the party, now my whole face is puffing and my chest is tight", 'anaphylaxis'),
    ('es', 'le picó una avispa y se le está hinchando la cara y respira feo', 'anaphylaxis'),
    ('en', "my 10 week old's temp is 100.9 rectally", 'infant_fever'),
    ('es', 'mi bebé de 6 semanas anda con calentura de 38.2', 'infant_fever'),
    ('en', "he fell off the ladder, landed on his head and keeps asking the same questions", 'head_injury'),
    ('es', 'mi hija se cayó del columpio de cabeza y está muy adormilada', 'head_injury'),
    ('en', "i'm 30 weeks and bleeding bright red with cramps", 'pregnancy_emergency'),
    ('es', 'tengo 35 semanas y se me pone dura la panza cada 4 minutos', 'pregnancy_emergency'),
    ('en', "i keep thinking everyone would be better if i ended it", 'suicide_self_harm'),
    ('es', 'mi novio me dijo que se iba a dar un tiro', 'suicide_self_harm'),
    ('en', "my dad's dialysis access is spurting blood", 'severe_bleeding'),
    ('es', 'a mi hijo le sangra la boca a chorros después de la caída de la bici', 'severe_bleeding'),
    ('en', "my toddler swallowed one of those little lithium batteries from the remote", 'overdose_poisoning'),
    ('es', 'mi hija se tomó 20 pastillas para dormir', 'overdose_poisoning'),
]

FIFTH_ROUND_BATCH_17_TRAPS = [
    ('en', "there's a lot of pressure at work, can I get a note for a day off?"),
    ('es', 'tengo un peso encima con tantas cuentas, ¿me dan plan de pagos?'),
    ('en', "my son's speech therapy words are coming along, can we add sessions?"),
    ('en', "I ate shrimp last night with no problem, is my shellfish allergy gone?"),
    ('en', "the baby's 10 week shots, can we book them?"),
    ('en', "he fell off the ladder last year and still has knee pain, need PT referral"),
    ('es', 'mi hija se cayó del columpio y se raspó la rodilla, nada grave'),
    ('en', "I'm 30 and want my first mammogram"),
    ('en', "I'd be better off with the morning appointment, can we switch?"),
    ('es', 'mi hijo se tomó su pastilla para dormir como le dijo el doctor'),
]


@pytest.mark.parametrize(("lang", "body", "category"), FIFTH_ROUND_BATCH_17)
def test_fifth_round_batch_17(lang: str, body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, (lang, body)


@pytest.mark.parametrize(("lang", "body"), FIFTH_ROUND_BATCH_17_TRAPS)
def test_fifth_round_batch_17_traps(lang: str, body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, (lang, body)


# -- seventh round: the fifth blind set's false alarms, by pattern (sentences of our own) ---

SEVENTH_ROUND_TRAPS = [
    # a negation after the symptom: asked and answered, or "it never came back"
    ('en', 'quick update for the nurse: fever? no. cough? a little. wheezing? none'),
    ('en', 'symptom check - chest pain - none, just tired after the long shift'),
    ('es', 'sangrado: no. dolor: poquito. ¿sigo con la misma dosis?'),
    ('en', 'the pressure in my chest never came back after the new pills, do I still see cardiology?'),
    ('es', 'no he vuelto a tener dolor de pecho desde la consulta, ¿cuándo me toca el control?'),
    ('en', 'his face drooping from the bell palsy has not returned, can we skip the recheck'),
    ('es', 'la bebé se mueve bastante, no sangro ni tengo dolor, ¿a qué hora es el ultrasonido?'),
    # resolved: a verb of ending after a long subject; found after all; symptom-free
    ('en', 'the swelling of his lips after the peanut cookie yesterday went away with the allergy syrup'),
    ('en', 'I thought the baby swallowed one of my vitamins but then we found it in the car seat'),
    ('en', 'we were scared she drank some bleach, but we counted the bottle and none missing'),
    ('en', 'my daughter had a concussion a month ago and has been symptom-free since, she needs a sports note'),
    ('es', 'mi hijo se golpeó la cabeza hace un mes y ya está sin síntomas, ¿me dan la constancia?'),
    ('es', 'el sábado lo llevaron a urgencias por dolor de pecho y fue estrés, ¿le mando el informe?'),
    ('es', 'mi niña de 6 meses tuvo fiebre el martes, la vio la doctora y era un virus, ya está bien'),
    # a date that opens the sentence frames all of it; episodes counted in the past
    ('es', 'hace tres años tuve una reacción muy fuerte a un antibiótico y se me hinchó toda la cara, quiero que lo anoten'),
    ('en', 'Three years ago I had a terrible reaction to shellfish and my throat closed, please add it to my chart'),
    ('es', 'en marzo tuve una hemorragia después de la cirugía, ahora solo necesito la receta del hierro'),
    ('en', 'my brother overdosed twice before he went into rehab, he is doing great, can I get naloxone to keep at home?'),
    ('en', 'my roommate had a stroke last spring, what are the risk factors I should know about'),
    # a conditional question in the first person; a subject naming a topic
    ('es', 'me van a operar de la rodilla y tomo warfarina, si sangro mucho después, ¿qué hago?'),
    # idioms
    ('en', 'I will not breathe easy until the insurance approves the MRI, any news?'),
    ('en', 'been hitting my head against the keyboard with this portal password lol'),
    ('en', 'I snore like a train and my husband says I stop breathing at night, can I get a sleep study?'),
    ('en', 'my plantar wart keeps coming back, can I see a podiatrist?'),
    # a medicine or a form named by what it treats; advice to parents at large
    ('en', 'how much of the infant fever reducer can I give a 12 lb baby before her shots?'),
    ('es', '¿cuánto jarabe para la fiebre le doy a mi bebé de 5 meses antes de las vacunas?'),
    ('en', 'the school needs the return-to-play form after his concussion signed'),
    ('en', 'Thanks for the visit!\n\nWarmly,\nDana\nNewborn Care Class\nBaby under 2 months with a fever of 100.4? Call us right away.'),
    # mailings
    ('es', 'Curso de primeros auxilios: cómo parar una hemorragia. Plazas limitadas, 30 €. Para salir responder BAJA'),
]

SEVENTH_ROUND = [
    # the same patterns must not hide a current emergency
    ('es', 'se cayó de la escalera, se golpeó la cabeza y no ha vuelto en sí', 'head_injury'),
    ('en', 'chest pain? yes, crushing, since 20 minutes ago', 'chest_pain'),
    ('en', 'after his fall he hit his head and now he is vomiting and confused', 'head_injury'),
    ('en', 'two years ago I had a stroke and now my face is drooping again', 'stroke'),
    ('en', 'my son swallowed a button battery and we cannot find it anywhere', 'overdose_poisoning'),
    ('es', 'mi hija de 3 meses tiene fiebre de 38.5 desde anoche', 'infant_fever'),
    ('en', 'the bleeding from the cut on his arm has not stopped after 30 minutes of pressure', 'severe_bleeding'),
    ('en', 'my roommate took a whole bottle of her sleeping pills an hour ago and is hard to wake', 'overdose_poisoning'),
    ('es', 'está embarazada de 30 semanas y está sangrando mucho', 'pregnancy_emergency'),
    ('en', 'her lips and tongue are swelling up after the shrimp, she says her throat feels tight', 'anaphylaxis'),
]


@pytest.mark.parametrize(("lang", "body"), SEVENTH_ROUND_TRAPS)
def test_seventh_round_traps_are_set_aside(lang: str, body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, (lang, body)


@pytest.mark.parametrize(("lang", "body", "category"), SEVENTH_ROUND)
def test_seventh_round_patterns_keep_emergencies(lang: str, body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, (lang, body)


def test_another_categorys_denied_words_do_not_silence_the_model() -> None:
    """The lexicon sets aside "no chest pain"; that says nothing about the breathing the
    statistical model reads in the rest of the message."""
    body = ("no chest pain, but I feel like I am breathing through a straw and it has been "
            "getting worse for an hour")
    assert assess(body, channel="sms").red_flag == "breathing"


# -- eighth round: the lexicon's scopes, by pattern (sentences of our own) -----------------
EIGHTH_ROUND_TRAPS = [
    # past history: an event dated right after its noun or by a year before it; an event
    # as the start of a lasting state ("since the heart attack I take ...")
    ('es', 'desde el infarto del 2019 tomo aspirina diaria, ¿me la pueden resurtir?'),
    ('en', 'ever since the heart attack my cardiologist wants me on a statin, can you send the refill'),
    ('en', 'the 2018 stroke left me with a weak grip, need the handicap placard form renewed'),
    # family history: a relative lost to it; a family statement that opens the sentence
    ('en', 'we lost my uncle to a heart attack at 50, should I get my cholesterol checked?'),
    ('es', 'mi abuelo murió de un infarto a los 60, ¿me hacen un electro?'),
    ('es', 'perdimos a mi tía por una sobredosis y quiero tener naloxona en casa, ¿me la recetan?'),
    ('es', 'en mi familia hay problemas de coagulación, mis abuelas sangraban sin parar después de cualquier cirugía, ¿me mandan a hematología?'),
    # hypothetical: a form asking whether it ever happened; a condition set later in time;
    # symptoms asked one by one after a question about which signs matter
    ('es', 'para la póliza me preguntan si he tenido intentos de suicidio o sobredosis, ¿lo contesta el doctor?'),
    ('en', 'my son gets his tonsils out friday. who do we call if tonight he bleeds a lot and it will not stop?'),
    ('es', 'me sacan la muela del juicio el lunes y tomo anticoagulante. ¿a quién llamo si luego me sangra demasiado y no se detiene?'),
    ('en', 'long flight next week at 32 weeks pregnant. which signs mean I should find a hospital when we land? heavy bleeding? fluid gushing?'),
    ('es', 'viajo a las 33 semanas de embarazo. ¿cuándo debo ir a urgencias? ¿sangrado? ¿contracciones?'),
    # idioms: a hedge that calls the sentence a figure of speech; money bleeding away; a
    # thing "giving me" a condition; breath taken by admiration or by a long wait
    ('en', 'reading my EOB I felt my chest tighten, figuratively speaking, what is this charge?'),
    ('es', 'con esta fila siento que me falta el aire, es un decir, ¿atienden sin cita?'),
    ('en', 'my savings are hemorrhaging cash with all these specialist copays, is there financial aid?'),
    ('en', 'this phone tree is giving me a concussion, can I just email?'),
    ('en', 'the view from the new rooftop garden left us breathless, in a good way. thanks to the whole team'),
    ('es', 'me quedé sin aliento de tanto explicarle al seguro lo mismo'),
    ('en', 'an hour in the phone queue left me breathless, can someone just call me back'),
    # clinical terms: a service or a form named by the condition, in Spanish
    ('es', '¿ya mandaron mi referencia a la clínica de ictus? nadie me ha llamado'),
    ('es', 'el formulario de la escuela sobre conmoción cerebral, ¿lo llena la doctora?'),
    # a text with an opt-out keyword
    ('es', 'Clínica Sol recuerda: cara caída, brazo débil = llame al 911. Txt STOP para salir'),
    # resolved: a later sentence says it is over, and it was seen to or is days behind
    ('en', 'Sunday my son broke out in hives and his lips swelled after a cashew. The ER gave him a shot and it all settled down. Could we get an allergy referral?'),
    ('es', 'el domingo a mi esposa se le adormeció medio cuerpo unos minutos; en urgencias le hicieron resonancia y ya está bien. ¿le dan cita con neurología?'),
    ('en', 'our 4 month old ran a fever of 100.8 on Saturday, the after-hours nurse reassured us and it was gone by Sunday. She has been fine since. Okay to do her shots?'),
    ('en', 'heads up for her file: my toddler chewed one of my iron pills yesterday, poison control said that dose was safe, she is perfectly fine.'),
    # a condition whose answer asks what to do, with no question mark; a test named by the
    # condition; breath taken by too many of something; advice addressed to the reader
    ('en', 'starting blood thinners monday, if i get a nosebleed that will not stop what do i do'),
    ('es', 'voy a empezar con el anticoagulante, si me sangra la nariz y no para que hago'),
    ('es', 'me toca la prueba de preeclampsia la otra semana, ¿necesito ayuno?'),
    ('es', 'ay me dejaron sin aire con tantas preguntas en la cita, cuándo sale la receta'),
    ("en", "my OB's sheet says call your provider for bleeding, a gush of fluid or fewer kicks. does that apply at 12 weeks?"),
]

EIGHTH_ROUND = [
    # the same patterns must not hide a current emergency
    ('en', 'my dad had a stroke in 2019 and now his face is drooping again', 'stroke'),
    ('es', 'desde el infarto de 2021 estaba bien, pero ahora mismo tengo un dolor opresivo en el pecho', 'chest_pain'),
    ('en', 'since the stroke last year she is on blood thinners and now her nose has been gushing blood for 40 minutes', 'severe_bleeding'),
    ('en', 'we lost my cousin to an overdose last year and tonight my brother took way too many of his pain pills and is hard to wake', 'overdose_poisoning'),
    ('es', 'en mi familia hay hemofilia y ahora mi hijo se cortó y sangra mucho y no para', 'severe_bleeding'),
    ('en', "I had a tooth pulled this morning and it is still bleeding a lot and won't stop, what do I do?", 'severe_bleeding'),
    ('en', 'pregnant 34 weeks and I am bleeding heavily right now, should I go to the hospital?', 'pregnancy_emergency'),
    ('en', 'the fall gave me a concussion, I keep throwing up and the room is spinning', 'head_injury'),
    ('en', 'I literally cannot breathe, my lips are turning blue', 'breathing'),
    ('es', 'vengo de la unidad de ictus y a mi mamá se le volvió a caer la cara de un lado ahorita', 'stroke'),
    ('en', 'my chest hurts so bad, please make it stop', 'chest_pain'),
    # "seems fine" is how someone looks, not an ending; an ending then "but ... again"
    ('en', 'my son swallowed a button battery an hour ago, he seems fine right now, what do we do?', 'overdose_poisoning'),
    ('en', 'he hit his head on saturday and threw up, the ER said it was fine, but now he is throwing up again and very sleepy', 'head_injury'),
    ('en', 'our 6 week old had a fever on monday that broke, but tonight it is back up to 101', 'infant_fever'),
    ('es', 'el martes se le durmió la cara a mi papá y desde entonces no puede hablar bien', 'stroke'),
    ('en', 'my daughter drank some bleach on saturday, poison control said the amount was small, but she keeps vomiting', 'overdose_poisoning'),
    # a relative lost to something else is not history of this; "anymore" is now
    ('en', "I lost my husband to cancer last month and I don't want to live anymore", 'suicide_self_harm'),
    ('es', 'perdí a mi esposo por el cáncer y ya no quiero vivir', 'suicide_self_harm'),
    # symptoms asked one by one after a plea for help are the writer's own
    ('en', 'help what do i do? chest pain? numb arm?', 'chest_pain'),
    ('es', 'qué hago? dolor de pecho? sudor frío?', 'chest_pain'),
    # a hedge never sets aside thoughts of ending one's life
    ('en', 'figuratively speaking my life is over, I have the pills counted out and I am ready', 'suicide_self_harm'),
    ('es', 'es un decir, pero ya no quiero vivir y tengo las pastillas juntas', 'suicide_self_harm'),
    # "whether it is happening" is not a condition; advice from someone else, then "now"
    ('es', 'no sé si me está dando un infarto, me aprieta el pecho, qué hago', 'chest_pain'),
    ('en', 'if this is a heart attack what do i do, my chest is crushing and my arm is numb', 'chest_pain'),
    ('es', 'si mi hijo se está ahogando qué hago, no puede respirar', 'breathing'),
    ('en', 'the nurse said to call the doctor for bleeding and now I am soaking a pad every 20 minutes at 30 weeks pregnant', 'pregnancy_emergency'),
]


def _lexicon_flag(body: str) -> str | None:
    return inspect(body, channel="sms", statistical=False).assessment.red_flag


@pytest.mark.parametrize(("lang", "body"), EIGHTH_ROUND_TRAPS)
def test_eighth_round_traps_are_set_aside_by_the_lexicon(lang: str, body: str) -> None:
    assert _lexicon_flag(body) is None, (lang, body)


@pytest.mark.parametrize(("lang", "body", "category"), EIGHTH_ROUND)
def test_eighth_round_patterns_keep_emergencies_in_the_lexicon(lang: str, body: str,
                                                               category: str) -> None:
    assert _lexicon_flag(body) == category, (lang, body)
