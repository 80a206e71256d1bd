"""The lexicon's tenth pass: the patterns behind the seventh blind set's misses, each in
sentences written for this file (never a message of the set), in English and Spanish, and
the words of each pattern in senses that must stay quiet.

Read with the lexicon and rules alone (no statistical model, no judge), so each case says
what the lexicon itself makes of the pattern.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import lexicon_flag as _lexicon_flag

FOUND = [
    # a symptom that "hasn't really gone away" is still there
    ("en", "the pressure in my chest hasn't really gone away since lunch and I'm sweating", "chest_pain"),
    ("en", "my husband's chest pain has not fully gone away, he is pale and clammy", "chest_pain"),
    ("en", "the tightness in my chest hasn't quite gone away after the walk", "chest_pain"),
    ("es", "el dolor en el pecho todavía no se me ha quitado desde la mañana", "chest_pain"),
    ("es", "la presión en el pecho no se le ha ido y está sudando", "chest_pain"),
    # "gone" with a state is what the symptom became, not its end
    ("en", "my chest feels heavy and my left arm has gone numb", "chest_pain"),
    ("en", "there is a squeezing in my chest and my arm has gone rather weak", "chest_pain"),
    ("en", "her left arm has gone weak and her face looks crooked", "stroke"),
    ("es", "mi mamá tiene presión en el pecho y el brazo izquierdo se le puso débil", "chest_pain"),
    # pills gone from the box are missing pills, not an episode over
    ("en", "the whole week of his heart pills are gone from the organizer and he is confused", "overdose_poisoning"),
    ("es", "faltan todas las pastillas de la semana del pastillero y mi papá está muy dormido", "overdose_poisoning"),
    # Spanish "bien" before an adjective is "very", not "fine"
    ("es", "mi abuelo vomitó sangre roja hace rato y está bien pálido", "severe_bleeding"),
    ("es", "mi hijo vomitó sangre y está bien mareado", "severe_bleeding"),
    ("es", "la bebé de 2 meses tiene 38.5 y está bien caliente", "infant_fever"),
    ("es", "mi esposa está sangrando por la nariz hace una hora sin parar y está bien débil", "severe_bleeding"),
    # the negation of a helmet is not of the blow
    ("en", "his head hit the pavement, no helmet, now he keeps throwing up", "head_injury"),
    ("en", "my son's head hit the road when he fell off his scooter and he is confused now", "head_injury"),
    ("es", "se pegó en la cabeza contra el piso, no llevaba casco, y ahora vomita", "head_injury"),
    # a blow in a fight, then vomiting or lost memory, the head not named
    ("en", "I got punched at a bar last night and I've been throwing up and can't remember getting home", "head_injury"),
    ("en", "my son got jumped after school and keeps vomiting and doesn't remember what happened", "head_injury"),
    ("es", "a mi hijo le pegaron en una pelea y está vomitando y no se acuerda de nada", "head_injury"),
    ("es", "me golpearon anoche en un asalto y no me acuerdo de cómo llegué a casa", "head_injury"),
    # breath lost walking a few steps
    ("en", "I have to stop twice to catch my breath walking to the car since yesterday", "breathing"),
    ("en", "can't climb the stairs without stopping to catch my breath, started this week", "breathing"),
    ("es", "tengo que pararme a tomar aire cada pocos pasos desde ayer", "breathing"),
    ("es", "no puedo caminar a la esquina sin detenerme a recuperar el aliento", "breathing"),
    # unable to breathe said another way; air that will not go in
    ("es", "me despierto sin poder respirar y tengo que sentarme", "breathing"),
    ("es", "mi esposo se despierta en la noche sin poder respirar", "breathing"),
    ("es", "tiene que sentarse en la cama para que le entre el aire", "breathing"),
    ("en", "my wife cannot take the air since this morning", "breathing"),
    ("en", "I keep waking up and have to sit up in bed to breathe", "breathing"),
    # talk in short bursts
    ("en", "she can only say two or three words before she has to stop", "breathing"),
    ("en", "he can not speak long words, his shoulders go up and down", "breathing"),
    ("es", "no puede hablar frases completas y se le ve cansado", "breathing"),
    ("es", "solo dice dos palabras y tiene que parar", "breathing"),
    # slow breathing with an opioid or its antidote named is an overdose
    ("en", "my brother uses heroin and he is barely breathing, his lips are blue", "overdose_poisoning"),
    ("en", "I gave him the narcan and he is barely breathing", "overdose_poisoning"),
    ("es", "mi hijo usa fentanilo y casi no respira", "overdose_poisoning"),
    ("es", "le pusimos la naloxona y sigue respirando muy lento", "overdose_poisoning"),
    # something taken at a festival or a show
    ("en", "my friend took something at the festival and now she is shaking and talking nonsense", "overdose_poisoning"),
    ("en", "he took something at a rave, jaw clenching and burning up", "overdose_poisoning"),
    ("es", "mi hermano se tomó algo en la boda y ahora no reacciona bien", "overdose_poisoning"),
    # a handful taken together
    ("es", "me tomé 6 juntas para dormir y no me puedo despertar", "overdose_poisoning"),
    ("es", "mi tía se tomó ocho de golpe anoche", "overdose_poisoning"),
    ("en", "she swallowed like 10 of them together an hour ago", "overdose_poisoning"),
    ("en", "he took twelve of his sleeping tablets at the same time", "overdose_poisoning"),
    # a face like a balloon after a new pill; spit that will not go down after a trigger
    ("es", "mi mamá se tomó la pastilla nueva y se le puso la cara como un globo", "anaphylaxis"),
    ("en", "after the new antibiotic his lips blew up like a balloon", "anaphylaxis"),
    ("en", "she ate shrimp and now she can't swallow her own spit", "anaphylaxis"),
    ("es", "no le pasa la saliva después de la picadura de abeja", "anaphylaxis"),
    # speech that comes out mushy or odd
    ("en", "since breakfast my tongue feels heavy and my words come out mushy", "stroke"),
    ("en", "all of a sudden his speech is slushy and he drops his cup", "stroke"),
    ("es", "de repente sus palabras salen raras y no se le entiende", "stroke"),
    # one-sided pain in a pregnancy
    ("en", "positive pregnancy test on monday, now sharp one-sided pain on the left", "pregnancy_emergency"),
    ("en", "I'm 6 weeks pregnant with one sided cramping that won't let up", "pregnancy_emergency"),
    ("es", "embarazada de 7 semanas y tengo un dolor fuerte de un solo lado", "pregnancy_emergency"),
    # "for the past hour" dates the symptom now, whatever history follows
    ("en", "for the past hour my chest has felt tight, I had a stent put in years ago", "chest_pain"),
    ("en", "over the past few hours his chest pain keeps building", "chest_pain"),
    ("es", "desde hace una hora siento el pecho apretado, hace tres años me pusieron un stent", "chest_pain"),
    ("es", "en las últimas horas el dolor de pecho no me deja, ya tuve un infarto antes", "chest_pain"),
]

QUIET = [
    # the same words, no emergency now
    ("en", "the chest pain has gone away since the ER gave me antacids on friday, all good"),
    ("en", "my old inhaler is gone from the cabinet, can you send a refill"),
    ("es", "tuvo dolor de pecho el martes, lo vieron en urgencias y ya está bien, gracias"),
    ("es", "mi papá tuvo un sangrado de nariz el lunes, ya está bien, solo quiero cita de control"),
    ("en", "I took 2 tylenol together for my headache, is that ok with my other meds?"),
    ("en", "what should I do if he takes 6 of them together by accident?"),
    ("en", "naloxone refill please, my breathing is fine, just want it at home"),
    ("en", "I got punched in the arm at hockey, just a bruise, need a note for work"),
    ("es", "cuando era joven me pegaron en una pelea, ahora necesito mi expediente"),
    ("en", "I used to have to stop to catch my breath on stairs years ago, now I jog daily"),
    ("es", "hace dos años me tomé 6 juntas, ya estoy estable, necesito el formulario"),
    ("en", "it's time to hit the road, thanks for squeezing me in"),
    ("en", "past history of chest pain, need my cardiology records sent over"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FOUND)
def test_the_tenth_pass_patterns_are_found_by_the_lexicon(lang: str, body: str,
                                                          category: str) -> None:
    assert _lexicon_flag(body) == category, (lang, body)


@pytest.mark.parametrize(("lang", "body"), QUIET)
def test_the_tenth_pass_words_in_other_senses_stay_quiet(lang: str, body: str) -> None:
    assert _lexicon_flag(body) is None, (lang, body)
