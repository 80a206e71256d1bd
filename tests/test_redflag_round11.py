"""The lexicon's eleventh pass: the patterns behind the eighth blind set's misses (suicide and
self-harm first, then stroke, infant fever and poisoning), each in sentences written for
this file (never a message of the set), in English and Spanish, and the words of each
pattern in senses that must stay quiet.

Read with the lexicon and rules alone (no statistical model, no judge), so each case says
what the lexicon itself makes of the pattern.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import lexicon_flag as _lexicon_flag

FOUND = [
    # not waking up "would be fine": a passive death wish
    ("en", "to be honest if i didn't wake up in the morning it would be fine with me", "suicide_self_harm"),
    ("en", "he told me if he never woke up again that would be a relief", "suicide_self_harm"),
    ("en", "sometimes I think if I did not wake up nobody would mind", "suicide_self_harm"),
    ("es", "la verdad si no me despertara mañana estaría bien", "suicide_self_harm"),
    ("es", "si no amaneciera sería un descanso para todos", "suicide_self_harm"),
    # a death wish said of oneself in Spanish, in any tense; "no ganas de seguir"
    ("es", "mi hijo me dijo que se quería morir", "suicide_self_harm"),
    ("es", "a veces me quiero morir y no sé qué hacer", "suicide_self_harm"),
    ("es", "ya no tengo ganas de vivir desde que murió mi esposo", "suicide_self_harm"),
    ("es", "la verdad no tengo ganas de seguir, estoy cansada de todo", "suicide_self_harm"),
    # a rope kept, and pills gathered up
    ("en", "I've had a rope hidden in the garage since last month", "suicide_self_harm"),
    ("en", "i have kept a noose under my bed for a while now", "suicide_self_harm"),
    ("es", "tengo guardada una soga en el armario desde hace días", "suicide_self_harm"),
    ("en", "I've been stockpiling my sleeping pills for weeks", "suicide_self_harm"),
    ("en", "she admitted she has been saving up her tablets in a drawer", "suicide_self_harm"),
    ("es", "he juntado todas mis pastillas en una caja", "suicide_self_harm"),
    ("es", "estoy acumulando todas las pastillas que me recetan", "suicide_self_harm"),
    # "ready to go" beside the means or refusing food
    ("en", "my father keeps saying he is ready to die and he asked for his gun", "suicide_self_harm"),
    ("en", "grandma says she's 'ready to go' and has stopped eating and wants the pills", "suicide_self_harm"),
    ("es", "mi abuelo dice que está listo para irse y me pidió las pastillas de mi abuela", "suicide_self_harm"),
    # one side's arm and leg numb or heavy together
    ("en", "since lunch my right arm and leg feel heavy and numb", "stroke"),
    ("en", "his left leg and arm went weak a few minutes ago", "stroke"),
    ("es", "de repente tengo el brazo y la pierna derecha dormidos", "stroke"),
    ("es", "a mi papá se le pusieron la mano y la pierna izquierda débiles", "stroke"),
    # half the field of vision gone
    ("en", "all of a sudden I can only see the left half of things", "stroke"),
    ("en", "she says the right half of everything is missing since this morning", "stroke"),
    ("es", "de golpe solo veo la mitad de las cosas", "stroke"),
    # "sin sentido" is nonsense, not a negation of what follows
    ("es", "mi papá dice cosas sin sentido y no puede mover el brazo", "stroke"),
    ("es", "habla sin sentido y tiene la cara torcida", "stroke"),
    # a curtain that came down over one eye is the symptom, not its end
    ("en", "my left eye went black like a curtain came down over it", "stroke"),
    # "was fine this morning" says when it began, not that it ended
    ("en", "my 3 week old has a fever of 100.8, he was fine this morning", "infant_fever"),
    ("en", "the baby is 5 weeks old, 38.3 rectal, she was fine yesterday", "infant_fever"),
    # drain cleaner and caustic soda swallowed
    ("es", "mi hija se tomó un trago de líquido para destapar caños", "overdose_poisoning"),
    ("es", "el niño bebió sosa cáustica del garaje", "overdose_poisoning"),
    # the quiet senses above leave the real ones alone
    ("es", "mi hija está intoxicada, se tomó las pastillas de la abuela", "overdose_poisoning"),
    ("en", "I'm 30 weeks pregnant with a pounding headache and my vision is blurry", "pregnancy_emergency"),
    ("en", "I'm 12 weeks pregnant and there is blood in my underwear with cramps", "pregnancy_emergency"),
]

QUIET = [
    ("en", "if I didn't wake up for the 7am slot, could you move me to the afternoon"),
    ("en", "my alarm did not go off so I didn't wake up in time, sorry for missing it"),
    ("es", "si no me despierto temprano no llego a la cita de las ocho"),
    ("es", "mi hija se quiere mover de horario para la vacuna"),
    ("es", "no tengo ganas de seguir con este seguro, quiero cambiarlo"),
    ("es", "no tengo ganas de seguir tomando el jarabe, sabe horrible"),
    ("en", "we keep a rope in the car for towing, unrelated, but I need a refill"),
    ("en", "I have a rope swing question for the pediatric safety flyer"),
    ("es", "junté todas las pastillas vencidas para llevarlas a la farmacia"),
    ("en", "I have my pills in a weekly organizer now, thanks for the tip"),
    ("en", "I'm ready to go home, can someone sign the discharge papers and send my pills"),
    ("en", "ready to go to the pharmacy for the pills, is the script in"),
    ("es", "estoy lista para irme a la farmacia por las pastillas"),
    ("en", "my right arm and leg are fine now after the physio, just need the invoice"),
    ("en", "I can only see half of the portal page, the layout is broken"),
    ("es", "el formulario no tiene sentido, ¿me lo explican?"),
    ("en", "the curtain came down on the play and we all went home, anyway a refill please"),
    ("es", "necesito comprar líquido para destapar la pileta, ¿lo venden en la farmacia?"),
    # a form or scale named for suicide risk; "intoxicated" by work; pregnant with a feeling
    ("es", "¿dónde recojo el cuestionario de riesgo suicida que pidió la universidad?"),
    ("en", "the school wants a suicide risk screening form filled in before the program starts"),
    ("es", "estoy intoxicado de tanto papeleo, ¿me mandan el recibo?"),
    ("es", "ando intoxicada de trabajo, cámbienme la cita por favor"),
    ("en", "the whole office is pregnant with anticipation about the new building, any news on parking?"),
    # "blood drawn" is a lab visit like "blood draw"
    ("en", "I'm 20 weeks pregnant and had blood drawn on friday, are the results back?"),
    ("en", "she is pregnant, blood drawing is booked for tuesday morning"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FOUND)
def test_the_eleventh_pass_patterns_are_found_by_the_lexicon(lang: str, body: str,
                                                             category: str) -> None:
    assert _lexicon_flag(body) == category, (lang, body)


@pytest.mark.parametrize(("lang", "body"), QUIET)
def test_the_eleventh_pass_words_in_other_senses_stay_quiet(lang: str, body: str) -> None:
    assert _lexicon_flag(body) is None, (lang, body)
