"""The lexicon's twenty-fourth pass: the families blind20 (a development set since its first
contact, TRIAGE_EVAL.md "Round 24") left unread, named under another category or read as a
false alarm, each fixed as a family of phrasings in both languages, with sentences of our own
here (none is a line of the set):

- suicide told indirectly: the last a family will hear ("this is the last time you'll hear
  from me"), walking into water and not coming back, pills taken with a wish said to
  disappear or after a breakup (self-harm, not an accidental overdose); thoughts said to be
  back after a stay in the hospital;
- a question about coming in asked after its condition ("if my lips are swelling right after
  the shrimp, do I come in?") is a report when the condition is dated now, while "what if",
  "what does a ... feel like?", "if someone ...?", a list closed by "what else?" and a story
  on a screen stay hypothetical;
- idioms: a head bitten or knocked off, a bleeding battery, a thing one does not swallow
  called poison, a feast that poisoned, out of breath on an errand, no air in a car laughing;
- history told with its date far from the symptom words, a relative's illness told with its
  past episodes, episodes over and treated (thoughts under control, playing as always, a
  reading that was fine), a stay in the hospital after it;
- clinical terms: a first-aid class and its topics, a chart entry after a colon, a screening
  questionnaire, "an overdose can cause", a blood pregnancy test; a subscription footer;
- a headache "de golpe" (all at once), the worst of one's life, is a stroke, not a blow;
  early pregnancy with "un dolor fuertísimo en el lado derecho" is an emergency;
- falling to one side is no "without" negation; twins whose age is told as "they're 2 months"
  are infants.

Positives are read with the lexicon and rules alone (tests/support/redflag_rounds.py), near
misses with the lexicon alone and the whole detector.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import (
    assert_both_languages,
    assert_quiet,
    assert_read,
)

FAMILIES = [
    # suicide told indirectly
    ("en", "my dad texted us all 'sorry for everything, take care of mom, this is the last time you'll hear from me' and won't answer", "suicide_self_harm"),
    ("es", "mi hermano mandó al grupo 'perdón por todo, los quiero, esta es la última vez que saben de mí' y apagó el teléfono", "suicide_self_harm"),
    ("en", "my son swallowed a bunch of my sleeping pills after his girlfriend dumped him, he said he wanted to disappear", "suicide_self_harm"),
    ("es", "mi hija se tomó un puño de pastillas de su abuela porque dice que quería desaparecer, fue hace 20 min", "suicide_self_harm"),
    ("en", "since the birth I keep imagining wading into the lake and not coming back out", "suicide_self_harm"),
    ("es", "desde que nació el bebé me imagino caminando hacia el mar y no regresando", "suicide_self_harm"),
    ("en", "I was discharged last week after thinking of ending things and tonight the thoughts are back and I have the pills", "suicide_self_harm"),
    # the question about coming in asked after its condition, dated now
    ("en", "if my lips are swelling right after the shrimp, do I come in?", "anaphylaxis"),
    ("en", "if my chest is still tight an hour after the inhaler, should I go to the ER?", "chest_pain"),
    ("es", "si se me está cerrando la garganta después de los camarones, ¿voy a urgencias?", "anaphylaxis"),
    ("es", "si ahorita le sangra la herida sin parar, ¿lo llevo a urgencias?", "severe_bleeding"),
    # near misses of the hypothetical family that stay reports
    ("en", "what if this is a stroke? his face is drooping right now and he can't lift his arm", "stroke"),
    ("es", "estábamos viendo la película y a mi papá se le torció la boca de repente, no puede hablar", "stroke"),
    # near misses of the idioms that stay reports
    ("en", "the cabinet door knocked my head and now I'm throwing up and confused", "head_injury"),
    ("en", "my phone is dying but my son's leg is bleeding through every towel and won't stop", "severe_bleeding"),
    ("es", "me quedé sin aire subiendo las escaleras y ahora no puedo respirar bien, tengo los labios morados", "breathing"),
    ("en", "my son can't breathe in the car, he's wheezing and his lips are blue", "breathing"),
    ("es", "la puerta del mueble me pegó en la cabeza y ahora estoy vomitando y confundido", "head_injury"),
    ("en", "my pregnancy test was positive last week and now I'm bleeding heavily with bad cramps", "pregnancy_emergency"),
    # near misses of history and a relative's illness that stay reports
    ("es", "hace tres años tuve un infarto y ahora otra vez tengo dolor en el pecho y sudo frío", "chest_pain"),
    ("en", "years ago I had an asthma attack; right now I can't breathe and my inhaler isn't helping", "breathing"),
    ("en", "my dad has COPD and was hospitalized twice, today he can't breathe and his lips are blue", "breathing"),
    ("es", "mi papá tiene EPOC, ya lo han intubado dos veces, y ahora no puede respirar y está morado", "breathing"),
    ("en", "doing CPR on my husband right now, he collapsed with chest pain, ambulance coming", "chest_pain"),
    ("en", "can you add to my chart that I am having chest pain right now, it started an hour ago and goes to my jaw", "chest_pain"),
    ("es", "la prueba de embarazo salió positiva y estoy sangrando mucho con cólicos fuertes", "pregnancy_emergency"),
    # falling to one side is no negation
    ("en", "can't walk without falling to the right since I woke up and half my face is numb", "stroke"),
    ("es", "no puedo caminar sin irme hacia la izquierda y tengo la cara dormida de un lado desde esta mañana", "stroke"),
    # a sudden headache, the worst of one's life ("de golpe" is all at once, not a blow)
    ("es", "de golpe me dio un dolor de cabeza terrible, el peor de mi vida, y ve doble", "stroke"),
    ("es", "le dio un dolor de cabeza de golpe, la peor de su vida, y ve doble", "stroke"),
    ("en", "the worst headache of my life came on all at once and now I'm seeing double", "stroke"),
    ("es", "mi hija se pegó en la cabeza con la puerta y ahora ve doble", "head_injury"),
    # early pregnancy and a strong pain on one side, said in Spanish's order
    ("es", "tengo un dolor intensísimo del lado izquierdo y tengo 6 semanas de embarazo, estoy mareada", "pregnancy_emergency"),
    ("en", "my pregnancy test was positive 5 days ago and I have a really sharp pain on my right side, I almost passed out", "pregnancy_emergency"),
    # infants whose age is told after them
    ("en", "the twins have a fever, 101 rectal, they're 2 months", "infant_fever"),
    ("es", "los gemelos tienen fiebre de 38.5, los dos tienen 2 meses", "infant_fever"),
]

TRAPS = [
    # hypotheticals
    ("en", "what does a heart attack feel like in women? asking for my mom, she's fine"),
    ("es", "¿qué se siente cuando te da un derrame? mi abuela está bien, es pura curiosidad"),
    ("en", "what if my son has an allergic reaction at camp and his throat swells? should I give the epipen or call 911?"),
    ("es", "¿y si a mi hija le da una reacción alérgica en el viaje y se le hincha la garganta? ¿le pongo la epipen primero?"),
    ("en", "if somebody swallowed too many of their sleeping pills by mistake, what should you watch for?"),
    ("es", "si alguien se toma demasiadas pastillas por accidente, ¿qué hay que vigilar?"),
    ("es", "estoy de 30 semanas y todo bien, ¿qué señales son de alarma? sangrado, contracciones, ¿algo más?"),
    ("en", "we're 28 weeks and all good, which symptoms mean we come in? bleeding, cramps, what else?"),
    ("en", "in the show last night the dad has a heart attack at dinner and nobody calls 911, is that realistic?"),
    ("es", "en la película que vimos al abuelo le da un derrame en la boda, ¿eso pasa así?"),
    # idioms
    ("en", "my boss nearly bit my head off about the form, can you fax it today?"),
    ("es", "mi jefa casi me arranca la cabeza por el justificante, ¿me lo mandan hoy?"),
    ("en", "my phone is dying, battery bleeding out all afternoon, I'll call tomorrow about the referral"),
    ("en", "the parking at the new building is pure poison, $6 an hour, any validation?"),
    ("es", "el estacionamiento del centro es puro veneno, ¿hay lugar gratis cerca?"),
    ("es", "nos intoxicamos de tanto pozole en año nuevo jaja, ¿abren el 2?"),
    ("es", "quedé sin aire corriendo a buscar el carro al estacionamiento jaja, ya llegué, ¿dónde firmo?"),
    ("en", "got totally out of breath running back up to grab my jacket lol, is it still at the front desk?"),
    ("en", "can't breathe in this bus with the heater blasting lol, running 10 min late"),
    ("es", "no puedo respirar en este carro con la calefacción jaja, llego en 10"),
    # history with the date far from the symptom words
    ("es", "Para el seguro: hace cuatro años, durante las fiestas de fin de año, tuve un infarto con dolor fuerte en el pecho; me pusieron un stent y estoy bien."),
    ("en", "Years ago, the winter I lived in Denver, I tried to kill myself. I'm stable now and want to restart therapy"),
    ("es", "hace como quince años, cuando estudiaba en Lima, intenté suicidarme. ahora estoy bien, quiero retomar terapia"),
    ("es", "me cobraron la ambulancia de marzo cuando tuve el ataque de asma y no podía respirar, ya estoy bien, ¿por qué tanto?"),
    ("en", "I got the bill for the February stay when I had the asthma attack and couldn't breathe. I'm fine now, but the amount is wrong"),
    ("en", "renew my epipen please, I carry it because years ago a wasp stung me at a picnic and my throat closed, nothing since"),
    ("en", "did my thyroid results come in? background: I miscarried at 8 weeks last fall, heavy bleeding, had a D&C"),
    # a relative's illness with its past episodes
    ("en", "please book me a colonoscopy, my mom had colon cancer, they found it because she was bleeding from the rectum"),
    ("es", "mi papá tuvo cáncer de pulmón, lo descubrieron porque tosía sangre; quiero hacerme la tomografía de tamizaje"),
    ("en", "my brother has asthma and was intubated twice when he couldn't breathe as a kid, can I get allergy testing?"),
    # episodes over and treated
    ("en", "Just letting Dr. Lee know I'm home from the hospital. The stay after I told her I wanted to end my life helped a lot; I have a safety plan and a counselor now, I feel safe"),
    ("es", "Ya me dieron de alta. Los pensamientos de quitarme la vida de hace unas semanas están controlados con terapia, me siento mejor. Quiero cita de control"),
    ("es", "Mi hijo se cayó de la bicicleta el sábado y se golpeó la cabeza. Lo llevamos a urgencias, le hicieron tomografía y salió bien. Ya anda corriendo como siempre."),
    ("en", "my mom took her heart pill twice on Tuesday, poison control had her checked at urgent care, pressure was fine. they said see her doctor"),
    # the last words that are not a farewell; water on a holiday
    ("en", "this is the last time you'll hear from me about the billing error, please fix it"),
    ("es", "es la última vez que les escribo por lo del cobro, por favor arréglenlo"),
    ("en", "I keep imagining walking into the ocean on our vacation next month, can't wait! need my travel vaccines"),
    # clinical terms, quoted warnings, newsletters
    ("en", "signing up me and my wife for the first aid course with the stroke and heart attack module, tuesday the 9th"),
    ("es", "quiero inscribirme al curso de primeros auxilios de infarto y derrame del sábado"),
    ("en", "please add to my allergy list: anaphylaxis to shellfish, the dentist asked"),
    ("es", "agreguen a mi expediente: anafilaxia a la penicilina, me lo pidió la farmacia"),
    ("en", "attached is my suicide and self-harm screening questionnaire, all zeros, for my physical"),
    ("es", "> Farmacia: no tome más de lo indicado; una sobredosis puede causar somnolencia grave. ¿ya está mi receta?"),
    ("en", "February newsletter: know the signs of a stroke, face drooping, arm weakness. You received this because you subscribed to our list."),
    ("es", "¿ya están los resultados de la prueba de embarazo? la de sangre, la de orina salió positiva"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FAMILIES)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert_quiet(body)


def test_an_overdose_by_accident_stays_an_overdose() -> None:
    """Pills taken with no wish said and no breakup are the overdose they are."""
    assert_read("my son took a bunch of his sister's tylenol by accident, he's 4", "overdose_poisoning")
    assert_read("mi hija se tomó como diez pastillas de mi ibuprofeno por accidente", "overdose_poisoning")


def test_what_if_reaches_no_further_than_its_question() -> None:
    """"what if" puts off its own question only: what is told after it is read."""
    assert_read("what if it's my heart? my chest is crushing and my left arm is numb", "chest_pain")
    assert_read("¿y si es un derrame? ahorita tiene la boca chueca y no puede hablar", "stroke")


def test_the_coming_in_question_after_a_condition_not_dated_now_stays_hypothetical() -> None:
    assert_quiet("if my lips ever start swelling after shrimp, do I come in?")
    assert_quiet("si algún día se le hincha la cara con el maní, ¿la llevo a urgencias?")
    # a state told after the question does not date its condition
    assert_quiet("si mi papá se cae y se pega en la cabeza, ¿lo llevo a urgencias aunque se vea bien? Ahorita está bien, solo pregunto")


def test_both_languages_are_covered() -> None:
    assert_both_languages(FAMILIES, TRAPS, 9)
