"""The lexicon's nineteenth pass: the families blind12 and blind13 (development sets since their
first contact, TRIAGE_EVAL.md "Round 19") found unread, misnamed or read as a false alarm, each
fixed as a family of phrasings in both languages, with sentences of our own here (none is a
line of either set):

- breathing without a trigger is not anaphylaxis: an allergist referral or a flu-shot clinic
  named as an appointment is no allergen; "SOB" at rest, breath short lying flat, "no agarra
  aire", "se me cierra el pecho", breathing through a straw;
- suicide told as a height ("no sé si quiero bajar"), a gun out at hand, arrangements and
  farewells read in pairs (belongings given away, "won't be around for christmas", "dejé todo
  arreglado", a letter to the family, care cancelled "ya no la voy a necesitar");
- infant fever as an age in months set off by commas beside a reading, a baby's reading among
  questions about older children, one twin febrile and the other fine;
- poisoning without the word: iron tablets bitten by a child, an organophosphate with drooling
  or twitching, paracetamol every hour or two;
- chest pressure on exertion asked as "is it normal" when it spreads, a squeezing back in both
  arms; early pregnancy with severe one-sided pain; a weight on the forehead with headache or
  nausea; a hand that stopped working or speech that sounds odd; "odd" is no overdose;
- trap families kept quiet: seasons counted back, a parent's childhood, a relative who died of
  it, a discharge, talking and walking normally again, a doctor's standing instruction, a
  treatment started, "bleeding is basically done".

Positives are read with the lexicon and rules alone (no model, no judge), so each case says
what the lexicon itself makes of the pattern; near misses with the lexicon alone and the whole
detector.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import assert_quiet, assert_read
from tests.support.redflag_rounds import lexicon_flag as _lexicon_flag

from cxinbox.domain.triage import assess

FLAGS = [
    # breathing
    ('en', 'short of breath sitting on the couch since this morning and wheezing, my rescue inhaler barely helps', 'breathing'),
    ('en', "booked for my flu shot clinic appointment friday but since last night I can't catch my breath even resting", 'breathing'),
    ('es', 'se me cierra el pecho desde la mañana y tengo los labios morados, no me entra el aire', 'breathing'),
    ('es', 'mi mamá no agarra aire desde hace rato, está sentada y no se le quita', 'breathing'),
    ('en', "pt SOB at rest since last night, can't lie flat, legs swollen, hx heart failure", 'breathing'),
    ('en', 'my dad gets short of breath lying down now, sleeps on 3 pillows and his ankles are huge', 'breathing'),
    ('es', 'mi abuelo se ahoga acostado desde anoche y tiene los pies hinchados', 'breathing'),
    ('en', "feels like breathing through a straw since lunch and it isn't letting up", 'breathing'),
    # suicide_self_harm
    ('es', 'estoy en la azotea de mi trabajo y no sé si quiero bajar', 'suicide_self_harm'),
    ('en', "I'm up on the parking garage roof right now and I don't know if I want to come down", 'suicide_self_harm'),
    ('en', "I have my husband's pistol in my lap right now, I don't know what to do", 'suicide_self_harm'),
    ('es', 'tengo la pistola de mi papá en la mesa, cargada', 'suicide_self_harm'),
    ('en', "my son gave away his guitar and games this week and said he won't be around for thanksgiving", 'suicide_self_harm'),
    ('es', 'mi hermano está regalando sus cosas y dice que ya no va a estar para navidad', 'suicide_self_harm'),
    ('es', 'ya dejé todo arreglado y escribí una carta para mis hijos', 'suicide_self_harm'),
    ('en', "please cancel my refill, I won't need it anymore, I've put my affairs in order", 'suicide_self_harm'),
    # infant_fever
    ('en', "9 mo, temp 38.9, very fussy and won't nurse", 'infant_fever'),
    ('es', 'la gemela menor, 7 meses, tiene calentura de 39.2 y la otra no', 'infant_fever'),
    ('en', 'twins (5 months). Leo 101.4 since noon, Max is fine.', 'infant_fever'),
    ('es', 'tengo dudas: mi hijo de 6 años tiene tos, y el bebé de 3 meses está con 38.5 desde anoche', 'infant_fever'),
    ('en', 'questions about all three: my 8 year old needs a sports form, my 4 year old has a rash, and my 2 month old is at 38.3', 'infant_fever'),
    # overdose_poisoning
    ('en', 'my 2 year old chewed up some of my iron pills, maybe three are missing', 'overdose_poisoning'),
    ('es', 'mi niño de 2 años se comió unas pastillas de hierro de su abuela', 'overdose_poisoning'),
    ('en', "sprayed pesticide in the orchard without a mask, now I'm drooling and my muscles are twitching", 'overdose_poisoning'),
    ('es', 'fumigando con insecticida se me mojó la ropa, ahora estoy sudando mucho y con calambres y babeando', 'overdose_poisoning'),
    ('en', "dad has been taking 2 tylenol every hour for his tooth since last night and now he's throwing up", 'overdose_poisoning'),
    ('es', 'mi mamá se ha estado tomando 2 paracetamol cada 2 horas desde ayer y tiene náuseas', 'overdose_poisoning'),
    # chest_pain
    ('en', 'is it normal that I get chest tightness when I walk uphill? now it comes on with every walk and goes into my left arm', 'chest_pain'),
    ('es', '¿es normal? me da dolor de pecho cada vez que subo escaleras y ahora se me fue a la mandíbula', 'chest_pain'),
    ('en', "thanks for the call back. the crushing feeling from yesterday is back, stronger, and now it's in my jaw", 'chest_pain'),
    # pregnancy_emergency
    ('en', "6 weeks pregnant and the worst pain of my life on my right side, I can't stand up straight", 'pregnancy_emergency'),
    ('es', 'tengo 7 semanas de embarazo y un dolor muy fuerte del lado izquierdo, no puedo enderezarme', 'pregnancy_emergency'),
    # stroke
    ('en', 'refill my lisinopril please. also since noon my right arm and right leg went numb together and still feel dead', 'stroke'),
    ('en', "when the aide arrived she couldn't lift her left arm and her speech was garbled", 'stroke'),
    ('es', 'cuando llegué no podía levantar el brazo derecho y hablaba raro', 'stroke'),
    ('en', "his left hand stopped working about an hour ago, he can't hold a cup", 'stroke'),
    # head_injury
    ('en', "dropped a dumbbell on my forehead, cut is bleeding a lot and now I'm nauseous with a headache", 'head_injury'),
    ('es', 'se le cayó una repisa en la frente, sangra mucho y ahora tiene ganas de vomitar', 'head_injury'),
    # severe_bleeding
    ('en', 'bleeding after my procedure is way heavier now, soaked 3 pads in 2 hours and I almost passed out', 'severe_bleeding'),
    # a trap family's words, with the episode still going: these stay flags
    ("en", "my dad died of a heart attack at 50 and now I have crushing chest pain", "chest_pain"),
    ("es", "mi abuela murió de un infarto; ahora yo tengo dolor de pecho fuerte", "chest_pain"),
    ("en", "she was discharged last night and now her lips are swelling again", "anaphylaxis"),
    ("en", "they started him on a statin and his speech is slurred again right now", "stroke"),
    ("es", "le dieron de alta ayer pero hoy otra vez no puede hablar bien y tiene la cara caída", "stroke"),
    ("en", "two summers ago I broke my wrist, today I hit my head and threw up twice", "head_injury"),
    ("en", "my 3 month old had a fever in october, now she has a fever of 38.6 again", "infant_fever"),
    ("en", "the doctor said to use the EpiPen if her throat swells and her throat is swelling now", "anaphylaxis"),
    ("en", "bleeding is basically done but now I'm soaking a pad every hour again", "severe_bleeding"),
    ("es", "casi me da un infarto, me duele el pecho y el brazo izquierdo desde hace una hora", "chest_pain"),
]

TRAPS = [
    ('en', 'my allergist referral needs resending, I have hives again, no breathing trouble'),
    ('en', 'I had the flu shot at the clinic saturday, can you put it in my chart'),
    ('es', 'recordatorio: la campaña de vacuna empieza mañana, no necesita cita'),
    ('en', "my dad's SOB of a landlord won't fix the heat"),
    ('en', 'when lying down I get heartburn, is that reflux?'),
    ('es', 'salí a agarrar aire al patio porque hacía calor en la oficina'),
    ('en', "we went up on the roof deck for the fireworks, lovely view, my kids didn't want to come down"),
    ('es', 'mi gato está en el techo y no quiere bajar jaja'),
    ('en', 'I got my gun out of the safe to clean it before hunting season, anything about lead exposure?'),
    ('es', 'tengo la pistola en la mesa para limpiarla, es para el campo de tiro'),
    ('en', "we won't be around for christmas, traveling to Ohio, can I get my refill early?"),
    ('es', 'ya dejé todo arreglado con el seguro, gracias'),
    ('en', "my mom is giving away her stuff because she's moving to assisted living"),
    ("en", "I'm giving away my stuff before the move, we won't be around for christmas"),
    ("es", "estoy regalando mis cosas por la mudanza, no vamos a estar para navidad porque viajamos"),
    ('es', 'cancelen mi cita, ya no la voy a necesitar, ya me siento mejor'),
    ('en', 'I wrote a letter to my family about the reunion plans'),
    ('en', "my 11 month old had a fever of 39 last month, now she's well, can we get her shots?"),
    ('es', 'el gemelo mayor, 8 meses, ya no tiene calentura desde el martes'),
    ('en', 'my 3 year old has a fever of 39.1, the 9 month old is fine'),
    ('en', 'my iron tablets make me constipated, can I switch to another?'),
    ('es', 'las pastillas de hierro de la abuela están guardadas arriba'),
    ('en', 'what are the signs of pesticide poisoning? I spray the orchard next week'),
    ('en', 'can I take 2 tylenol every 6 hours for my back?'),
    ('en', 'is it normal to get sore legs on the treadmill?'),
    ('en', 'chest x-ray came back fine, the pressure I had is gone'),
    ('es', '¿es normal que me den calambres en las piernas cuando subo escaleras?'),
    ('es', 'tengo 8 semanas de embarazo, ningún dolor, ¿cuándo es el primer ultrasonido?'),
    ('en', 'dropped my phone on my forehead while reading in bed lol, no bleeding, all fine'),
    ('en', 'hit my head on the cabinet last week, small bump, no headache or nausea since'),
    ('en', "my right hand stopped working after I slept on it wrong, it's fine now"),
    ('en', 'my voice sounds odd since my cold, is that laryngitis?'),
    ('en', 'the squeezing in my calf is back after running, any stretches?'),
    ('en', 'a blood pressure cuff squeezing both arms at the pharmacy, is that how they measure?'),
    ('en', 'I nearly passed out from laughing at the comedy show'),
    ('en', 'something odd on my bill this month, can you check?'),
    # trap families: history, a relative, a discharge, a standing instruction, an ending
    ("en", "a concussion playing rugby three winters ago, knocked out and threw up, fine since; need a sports physical"),
    ("en", "in the spring of 2019, on a hike, I had crushing pain in my chest and got a stent; the form asks about it"),
    ("en", "my great-uncle killed himself when my dad was a teenager, I'd like to talk to someone about the family history"),
    ("es", "mi abuelo murió de un derrame, ya no podía hablar; ¿me conviene revisarme la presión?"),
    ("es", "su bebé de dos meses tuvo fiebre en agosto y ya está sanito, les manda saludos"),
    ("es", "el sábado me sangró mucho la encía y me la cosieron en urgencias, ya no me ha vuelto a sangrar"),
    ("es", "gracias por mandarlo a urgencias, resultó ser la presión; le dieron de alta y hoy habla y camina normal"),
    ("en", "Thursday his face drooped and his speech was slurred for ten minutes, ER said TIA and started him on aspirin. He's completely back to normal. When can he be seen?"),
    ("en", "the boy stung by a wasp at camp got epi from EMS, he was discharged yesterday and he's back at school today"),
    ("en", "my pediatrician says give the inhaler if she wheezes. how do I know when it's bad enough to call?"),
    ("en", "6 weeks postpartum and the bleeding is basically done. how much would be too much if it came back?"),
    # blind13's idioms and a relative's death told from one's own childhood
    ("en", "the copay has me suffocating this month, can we do a payment plan?"),
    ("es", "casi me da un infarto cuando vi la cuenta del hospital jaja"),
    ("en", "nearly had a heart attack when I saw the parking fee lol"),
    ("es", "mi tía se quitó la vida cuando yo era chica; quiero hablar con alguien de eso"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FLAGS)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert_quiet(body)


def test_both_languages_are_covered() -> None:
    for cases in (FLAGS, TRAPS):
        assert {case[0] for case in cases} == {"en", "es"}
    by_category: dict[str, set[str]] = {}
    for lang, _body, category in FLAGS:
        by_category.setdefault(category, set()).add(lang)
    assert len(by_category) >= 9
    # every family of this pass has a positive in each language
    for category in ("breathing", "suicide_self_harm", "infant_fever", "overdose_poisoning",
                     "chest_pain", "pregnancy_emergency", "stroke", "head_injury"):
        assert by_category[category] == {"en", "es"}, category


def test_breathing_without_a_trigger_is_not_anaphylaxis_but_a_sting_still_is() -> None:
    assert _lexicon_flag("skipping the flu shot clinic, I'm wheezing and short of breath at rest") == "breathing"
    assert _lexicon_flag("got stung by a bee 10 min ago, wheezing and short of breath") == "anaphylaxis"
    assert _lexicon_flag("después de la vacuna de ayer se me cierra el pecho y no me entra el aire") == "anaphylaxis"


def test_one_arrangement_alone_is_no_flag_but_a_pair_is() -> None:
    assert _lexicon_flag("dejé todo arreglado con el banco") is None
    assert _lexicon_flag("we won't be around for christmas, visiting family") is None
    assert _lexicon_flag("dejé todo arreglado y ya no voy a estar para navidad") == "suicide_self_harm"


@pytest.mark.parametrize("text", [
    "El año pasado tuve un dolor de pecho horrible. Pensé que ya no, pero sí me volvió el dolor",
    "Le dio dolor de pecho el lunes, lo vieron en urgencias y ya está bien. Si me volvió ayer?",
    "pense que ya no pero si me volvio el dolor de pecho, el año pasado fue horrible",
    ("Had crushing chest pain in March, the ER said it was fine. Not sure if it's back but"
     " it feels the same"),
])
def test_a_return_said_with_si_or_doubted_is_still_a_return(text: str) -> None:
    """Folded, the emphatic "sí me volvió" (yes, it came back) reads "si" (if): a question
    about a return ("... if it came back?") must not swallow it, nor "not sure if it's back"."""
    assert assess(text).red_flag == "chest_pain", text


def test_a_return_only_asked_about_stays_an_old_episode() -> None:
    text = ("I had chest pain in 2019 and the cardiologist cleared me. How much aspirin would be"
            " too much if it came back?")
    assert assess(text).red_flag is None
