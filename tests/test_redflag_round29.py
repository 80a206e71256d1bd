"""The lexicon's twenty-ninth pass: suicide told without its words, the family every blind
set's first contact reads worst, gathered from the misses of blind12 to blind26 (blind24,
blind25 and blind26 development sets since their first contact, TRIAGE_EVAL.md "Round 29")
and fixed as families of phrasings in both languages, with sentences of our own here (none
is a line of a set):

- a passive wish not to go on, not to exist, not to wake up, told as thoughts that keep
  coming ("I keep thinking about not existing", "pienso mucho en no seguir aquí"), and
  Portuguese speakers writing Spanish ("vontade de morrer", "de no acordar más");
- a drowning pictured over and over ("picturing walking into the river");
- the means in a place, told to someone as news ("got the rope in the barn. just telling
  somebody"); a place found by water or a bridge, told so someone knows where one will be;
- a decision told alone beside arrangements made ("notes in the drawer. ive decided");
- someone else's goodbye in a game's voice chat ("logging off for good", items given away);
- postpartum: "since the baby was born I feel nothing" is no baby that stopped moving, so the
  wish not to be alive beside it is read as suicide/self-harm (the labelling guide puts
  pregnancy first only while the writer is pregnant);
- blind24-26's other misses: what one cannot do without gasping or holding the chest, a
  chest pressing hard, no swallowing since a contrast dye, a handful of pills beside someone
  sleepy, bleeding in a pregnancy told as "grávida" or by its weeks alone;
- trap families kept quiet: a form or a questionnaire that asks about suicide, a pupil's wish
  to die asked about for a school protocol, the years since an attempt counted with thanks, a
  stay for suicidal thoughts told as past with "more stable now"; and the same props harmless
  (a rope for a calf, everything in order for a move, a spot by the lake for a picnic); "she's
  breathing" as a reassurance, fever-free, a story in a book or a film, homework or training
  about a condition with its signs, a baby's fever of long ago with the child's age now, a
  daycare's fever form, "overdosed on christmas music", a relative who died unable to
  breathe, rat poison asked about ahead of time, which signs mean going at once.

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
    # a passive wish not to go on, not to exist, not to wake up
    ("en", "honestly i keep thinking about not existing. every day now", "suicide_self_harm"),
    ("en", "can I get an earlier appt? been thinking a lot about not waking up.", "suicide_self_harm"),
    ("en", "I think about not being alive all the time lately", "suicide_self_harm"),
    ("es", "me pueden llamar? pienso mucho en no despertar, más que antes", "suicide_self_harm"),
    ("es", "necesito el resurtido de sertralina. últimamente pienso en no seguir aquí.", "suicide_self_harm"),
    ("es", "pienso todo el día en no existir", "suicide_self_harm"),
    ("es", "perdón, hablo portugués. tengo vontade de morrer desde el lunes", "suicide_self_harm"),
    ("es", "quiero dormir y no acordar más, disculpe mi español", "suicide_self_harm"),
    # a drowning pictured over and over
    ("en", "since the baby came I keep imagining walking into the lake and staying there", "suicide_self_harm"),
    ("en", "i keep picturing driving into the river on the way home", "suicide_self_harm"),
    ("es", "me imagino metiéndome al río y no salir, no le he dicho a nadie", "suicide_self_harm"),
    # the means in a place, told as news
    ("en", "put the rope in the garage this morning. just wanted someone to know", "suicide_self_harm"),
    ("en", "have my dad's pistol in the truck. not sure why im telling you", "suicide_self_harm"),
    ("es", "tengo la soga en el granero. solo quería que alguien supiera", "suicide_self_harm"),
    ("es", "dejé la pistola en el carro, alguien tenía que saberlo", "suicide_self_harm"),
    # a place found, told so someone knows where one will be
    ("en", "found the spot by the tracks. figured someone should know where i'll be", "suicide_self_harm"),
    ("es", "ya encontré el lugar junto al puente. solo quería avisar dónde voy a estar", "suicide_self_harm"),
    # a decision told alone beside arrangements made
    ("en", "letters for my kids are on the counter. i've made up my mind.", "suicide_self_harm"),
    ("en", "Please close my account. I want everything in order before I go. I've decided.", "suicide_self_harm"),
    ("es", "ya dejé las cartas en la mesa. ya lo decidí.", "suicide_self_harm"),
    ("es", "quiero todo en orden antes de irme. ya tomé la decisión y estoy en paz con eso", "suicide_self_harm"),
    # someone else's goodbye in a game's voice chat
    ("en", "a guy in my guild said he was logging off for good and gave away all his gear, now he isn't answering", "suicide_self_harm"),
    # postpartum: a wish not to be alive beside a baby born
    ("es", "desde que nació mi bebé no siento nada. no quiero estar viva", "suicide_self_harm"),    # what one cannot do without gasping or holding the chest
    ("en", "cant walk to the mailbox without gasping since this morning, do i come in", "breathing"),
    ("es", "mi papá no puede caminar a la cocina sin ahogarse desde anoche", "breathing"),
    ("en", "my chest is squeezing hard since I sat down, 58, sweaty", "chest_pain"),
    ("es", "mi tío no puede subir la escalera sin sobarse el pecho desde hoy, dice que le aprieta", "chest_pain"),
    # no swallowing since a contrast dye or a shot
    ("en", "cant swallow since the iv contrast an hour ago, lips feel big", "anaphylaxis"),
    ("es", "no puedo tragar desde la inyección de hace media hora, se me hinchó la cara", "anaphylaxis"),
    # a handful of pills beside someone sleepy
    ("en", "my roommate took a handful of her sleeping pills and is really drowsy now", "overdose_poisoning"),
    ("es", "mi abuelo se tomó un puñado de sus pastillas y está muy adormilado", "overdose_poisoning"),
    # bleeding in a pregnancy told as grávida or by its weeks alone
    ("en", "im 11 weeks and bleeding through a pad every hour since noon", "pregnancy_emergency"),
    ("es", "soy brasileña, estoy grávida y estoy sangrando mucho desde la mañana", "pregnancy_emergency"),
]

TRAPS = [
    # the wish's words said of ordinary things
    ("en", "thinking about not waking up early for the 7am slot, can I have 10 instead?"),
    ("es", "pienso mucho en no seguir con el gimnasio, ¿eso afecta mi presión?"),
    ("es", "pienso en no seguir aquí en este trabajo, ¿me dan una carta médica?"),
    ("es", "tengo ganas de morirme de risa con el video que mandaron jaja"),
    # a drowning pictured: a lake house, a trip
    ("en", "I keep picturing walking into the lake house for the reunion, so excited! can I move my appt?"),
    ("en", "been imagining wading into the ocean on our honeymoon next month, do I need any shots?"),
    ("es", "me imagino metiéndome al mar en las vacaciones, ¿necesito vacunas para el viaje?"),
    # the same props harmless
    ("en", "got the rope in the barn for pulling the calf. vet says she's fine"),
    ("es", "tengo la soga en el granero para el becerro, ¿me renuevan la receta?"),
    ("en", "I want everything in order before I go. I've decided. We're moving to Denver in June, can you send my records?"),
    ("es", "quiero todo en orden antes de irme, nos mudamos en junio. ya lo decidí."),
    ("en", "found a spot by the lake for the picnic. figured someone should know where we'll be"),
    ("es", "encontré un lugar junto al río para la carne asada del domingo, avísenle a la doctora"),
    ("en", "I've decided. Switching to the generic, just wanted someone to know."),
    ("en", "my kid says he's logging off for good from fortnite until his grades come up lol"),
    # forms and questionnaires that ask about suicide
    ("en", "The camp intake form asks whether she has ever had thoughts of self-harm. She hasn't. Can you sign it?"),
    ("es", "el formulario del trabajo pregunta si alguna vez tuve intentos de suicidio, ¿lo llenan ustedes?"),
    # a pupil's wish to die asked about ahead of time
    ("en", "school counselor here: if a student tells me they want to die, who do I call at your clinic? asking for our protocol"),
    ("es", "soy entrenador. si uno de mis jugadores dice que se quiere morir, ¿a quién llamo? es para el reglamento"),
    # the years since an attempt counted with thanks
    ("en", "today is five years since my attempt. I'm doing well and wanted to say thank you"),
    ("es", "hoy son seis años desde que intenté suicidarme. estoy bien, gracias por todo"),
    # a stay for suicidal thoughts told as past
    ("es", "estuve internada por ideas suicidas en octubre, ya estoy estable. necesito cita de control"),
    ("en", "I was admitted for suicidal thoughts in the spring and I'm much better now. need a follow-up"),    # reassurance, fever gone, stories, classes, forms, idioms, relatives, what-ifs
    ("en", "she slipped on the ice, no head hit, she's breathing fine and talking, just a bruised hip. can we book an x-ray?"),
    ("en", "our 3 month old is fever-free for four days now, thank you to the night nurse"),
    ("en", "the movie where the detective gets poisoned was so good, anyway can I move my appt"),
    ("es", "la novela donde envenenan al doctor está buenísima jaja, ¿me cambian la cita?"),
    ("en", "my homework is about anaphylaxis: throat swelling, hives, wheezing. does the clinic have a handout?"),
    ("es", "mi tarea es sobre derrame: cara caída, brazo débil, habla arrastrada. ¿tienen folletos?"),
    ("en", "my daughter was hospitalized at 2 weeks with a fever, all negative, she's 7 now. for the school form"),
    ("es", "la escuela pide una constancia sobre la fiebre de mi bebé, ya está sano"),
    ("en", "I think I overdosed on christmas music at the mall lol"),
    ("es", "mi abuela murió sin poder respirar por el enfisema, quiero una espirometría preventiva"),
    ("en", "we have rat poison in the garage, what do i do if the dog gets into it? just to be prepared"),
    ("es", "tengo 30 semanas. ¿qué señales serían para ir a urgencias? sangrado, contracciones, qué más"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FAMILIES)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert_quiet(body)


def test_the_wish_said_back_now_stays_a_flag() -> None:
    """The masks of this round cover the past and the form, not a wish told now beside them."""
    assert lexicon_flag("five years since my attempt and tonight I keep thinking about not existing again") == "suicide_self_harm"
    assert lexicon_flag("estuve internada por ideas suicidas en octubre y volvieron, pienso en no despertar") == "suicide_self_harm"


def test_a_baby_not_felt_in_pregnancy_stays_a_pregnancy_flag() -> None:
    """The postpartum mask reads only a baby already born."""
    assert lexicon_flag("tengo 34 semanas y desde anoche al bebé no lo siento moverse") == "pregnancy_emergency"


def test_both_languages_are_covered() -> None:
    assert_both_languages(FAMILIES, TRAPS, 6)
