"""Trouble breathing read by its signs (domain/breathing.py, TRIAGE_EVAL.md "Round 32"): two
different signs in the patient's new text (the air itself, too breathless to talk, the body
working to breathe, a noise, a colour, a home device's number, the rescue treatment failing,
an airway, breathless after a few steps; a fume, a course or a cough beside one of them), or
one strong sign, raise `breathing`; the same words in ordinary lives (a sleep study, an
inhaler refill with no wheeze, a breathtaking view, a bill fixed, spirometry, a trip's what
if, a child's cold, quitting smoking) stay quiet. Sentences of our own, none a line of any
labelled set, read by the whole detector (triage.assess), in English and Spanish.
"""

from __future__ import annotations

import pytest

from cxinbox.domain import breathing, redflag, triage

POSITIVES = [
    # the work of breathing
    ("en", "my dad keeps stopping between words to breathe and he's propped up on pillows to get air"),
    ("en", "she is sitting bent forward with her hands on her knees, every breath is a fight, been 20 minutes"),
    ("en", "the baby's nostrils keep flaring and the skin under her ribs pulls in each breath"),
    ("es", "mi mamá no termina las frases, se tiene que sentar para respirar y va cada vez peor"),
    ("es", "al niño se le hunden las costillas y hace un quejido con cada respiración"),
    # colour and a device's numbers
    ("en", "grandpa's fingernails look grey and the clip on his finger reads 87"),
    ("en", "the oximeter at home says 89 and he's breathing 40 breaths a minute"),
    ("es", "el oxímetro marca 88 y tiene los labios moraditos"),
    # the rescue treatment failing
    ("en", "used the nebuliser four times since lunch and his chest still whistles when he breathes"),
    ("en", "puffer is doing nothing, i've had like 10 puffs and i still can't pull in a full breath"),
    ("es", "ya le di 6 disparos del inhalador y no le hace nada, sigue con el silbido"),
    ("es", "se me terminó el inhalador y tengo un chiflido en el pecho, no me deja ni hablar"),
    # an airway
    ("en", "my 3 year old choked on a grape, coughed it up maybe, but now there's a high pitched sound when he breathes"),
    ("es", "la bebé se atragantó con una palomita y ahora respira con ruido y tose sin parar"),
    ("en", "my throat is tightening up and I can barely get any air, no allergies, it came out of nowhere"),
    # an exposure followed by trouble
    ("en", "after the brush fire smoke blew over the yard my wife is wheezing and can't catch her breath"),
    ("es", "mi hijo estuvo rociando insecticida sin cubrebocas y ahora no le entra el aire"),
    ("en", "after the kitchen fire smoke, my son's breathing got ragged and it's getting worse"),
    # speed, worsening, a few steps
    ("en", "i get winded going from the bed to the bathroom now, had to sit on the floor halfway"),
    ("es", "no puede caminar ni al baño sin ahogarse, lleva toda la mañana así"),
]

NEAR_MISSES = [
    # asthma history, an inhaler refill with nothing now
    ("en", "I had asthma as a child, used to wheeze every spring, doing fine for years. Need a new PCP"),
    ("en", "please refill my albuterol inhaler, no wheezing lately, just want a spare for the car"),
    ("es", "me pueden resurtir el inhalador? no he tenido silbido en meses, solo para tenerlo"),
    # a sleep study, spirometry, breathtaking, a bill
    ("en", "when are the results of my sleep study? my wife says I stop breathing and gasp at night"),
    ("en", "can you send me my spirometry results, they said my lungs were at 91 percent"),
    ("en", "the view from the hospital garden is breathtaking, thank the staff for me"),
    ("en", "thank you for fixing the bill, I can breathe again!"),
    ("es", "gracias por arreglar la factura, ya respiro tranquila"),
    # a hypothetical, a child's cold, a smoker
    ("en", "what if my inhaler runs out on the camping trip and I start wheezing, should I get a second one?"),
    ("es", "si en el viaje se me acaba el inhalador y me falta el aire, qué hago? mejor pido otro?"),
    ("en", "my daughter has a runny nose and a cough for two days, breathing is fine, no fever. ok for school?"),
    ("en", "I smoke a pack a day and get winded on stairs, I'd like help to quit smoking"),
    ("es", "quiero dejar de fumar, me canso al subir escaleras, tienen programa?"),
    # idioms and a workout
    ("en", "running late, traffic on the ring road is suffocating, 10 min out"),
    ("en", "couldn't breathe from laughing at the nurse's joke, thanks for a nice visit"),
    ("en", "did the treadmill test at the gym and was gasping after 12 minutes, is that normal for 60?"),
    # colour and numbers of other things
    ("en", "my toe went purple after I stubbed it on the bed yesterday, walking fine. ice?"),
    ("en", "her oxygen concentrator shows 90 hours on the filter, who replaces it?"),
    # something run out that is no rescue treatment, a nasal spray
    ("es", "se me acabó el champú de la receta y llevo una hora buscando en farmacias, me lo mandan?"),
    ("en", "my nasal spray ran out and I'm stuffy since this morning, can you refill it"),
]


@pytest.mark.parametrize(("lang", "body"), POSITIVES)
def test_signs_read_as_breathing(lang: str, body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag == "breathing", body


@pytest.mark.parametrize(("lang", "body"), NEAR_MISSES)
def test_same_words_in_ordinary_lives_stay_quiet(lang: str, body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag is None, body


def test_both_languages_are_covered() -> None:
    for cases in (POSITIVES, NEAR_MISSES):
        assert {lang for lang, _ in cases} == {"en", "es"}


@pytest.mark.parametrize(("text", "concept"), [
    ("i can't get enough air in", "air"),
    ("no le llega el aire", "air"),
    ("she can't finish a sentence", "speech"),
    ("his ribs are pulling in", "effort"),
    ("her lips look a bit blue", "colour"),
    ("la saturación marca 86", "device"),
    ("the inhaler isn't helping", "rescue"),
    ("se atragantó con un dulce", "airway"),
    ("winded walking just a few steps", "exertion"),
    ("fumigando sin mascarilla", "exposure"),
    ("cada vez peor", "course"),
    ("tose sin parar", "cough"),
])
def test_each_sign_is_found(text: str, concept: str) -> None:
    folded, _ = redflag.fold(text)
    assert concept in {s.concept for s in breathing.signs(folded)}


def test_one_weak_sign_or_one_plain_sign_alone_is_not_a_flag_of_the_reader() -> None:
    # a course, a fume or a cough says when or why, not what
    assert breathing.concept_flag("we had smoke in the kitchen this morning, getting worse") is None
    # one sign of the breathing alone is the lexicon's to read, not the reader's
    assert breathing.concept_flag("the puffer is not helping") is None
    # a strong sign alone is enough, unless a pair is asked for
    assert breathing.concept_flag("his nostrils are flaring") is not None
    assert breathing.concept_flag("his nostrils are flaring", pair_needed=True) is None


def test_a_sign_denied_hypothetical_or_habitual_does_not_count() -> None:
    assert breathing.concept_flag("no wheezing and he can finish his sentences fine") is None
    assert breathing.concept_flag("in case her lips go blue and she wheezes, what do we do?") is None
    assert breathing.concept_flag("my father used to wheeze and gasp at night before his oxygen") is None


def test_cant_without_reads_the_sign_as_current() -> None:
    # "can't walk to the door without gasping": the gasping is now, not denied
    found = breathing.concept_flag("I can't walk to the door without gasping and the inhaler isn't helping")
    assert found is not None and found[0] == "breathing"


def test_a_negation_stops_at_and_now() -> None:
    # what is denied comes before "and now"; the sign after it is current
    found = breathing.concept_flag("no tengo mascarilla en la bodega y ahora se está ahogando, tose sin parar")
    assert found is not None and found[0] == "breathing"
    assert breathing.concept_flag("no wheezing and no trouble getting air, he's fine") is None


def test_past_episode_told_as_happening_now() -> None:
    # a date about the cause, the signs in the present tense, and "what do I do"
    body = ("my aunt (flu last week) is breathing fast and can't finish a sentence, "
            "her oximeter says 88. what do I do?")
    assert triage.assess(body, channel="sms").red_flag == "breathing"
    # the same signs long past with the person well now stay quiet
    body = ("back in 2015 he couldn't finish a sentence and his lips went blue, "
            "he's been fine for years. need his vaccine record")
    assert triage.assess(body, channel="sms").red_flag is None


@pytest.mark.parametrize("body", [
    "my throat feels like it is closing, no allergies at all, can't get a breath, 20 minutes now",
    "se me cierra la garganta y no me entra el aire, no soy alérgica a nada, empezó de repente",
])
def test_a_throat_closing_with_the_allergy_ruled_out_is_breathing(body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag == "breathing"


@pytest.mark.parametrize("body", [
    "ate shrimp an hour ago, my lips are swelling and my throat is closing, I can't get a breath",
    "la picó una abeja, tiene la cara hinchada y le falta el aire",
])
def test_a_true_anaphylaxis_keeps_its_category(body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag == "anaphylaxis"


def test_a_child_choking_on_food_is_breathing_but_a_battery_is_poisoning() -> None:
    food = "mi niño de 3 años se metió un cacahuate, se atragantó y ahora respira con un silbido"
    assert triage.assess(food, channel="sms").red_flag == "breathing"
    battery = "my son swallowed a button battery an hour ago and he's coughing, what do we do"
    assert triage.assess(battery, channel="sms").red_flag == "overdose_poisoning"


def test_chest_pain_keeps_its_place_before_breathing() -> None:
    body = "crushing chest pressure going into my left arm and I'm short of breath walking a few steps"
    assert triage.assess(body, channel="sms").red_flag == "chest_pain"


def test_flag_quotes_the_patients_words() -> None:
    body = "Hola. Mi papá se tiene que sentar para respirar y tiene un silbido en el pecho."
    a = triage.assess(body, channel="sms")
    assert a.red_flag == "breathing"
    assert a.matched and a.matched in body


def test_a_mailing_is_not_read() -> None:
    body = ("Asthma Awareness Week: if your child's ribs pull in, their lips turn blue or the "
            "inhaler isn't helping, call 911. Unsubscribe at any time.")
    assert triage.assess(body, channel="email").red_flag is None
    raw = (b"From: news@example.org\r\nTo: desk@example.org\r\nSubject: Breathing signs\r\n"
           b"List-Id: <news.example.org>\r\n\r\n"
           b"my sister's lips look blue and she can't finish a sentence\r\n")
    assert triage.assess_message(raw).red_flag is None
