"""The lexicon's twenty-third pass: the families blind19 (a development set since its first
contact, TRIAGE_EVAL.md "Round 23") left unread, named under another category or read as a
false alarm, each fixed as a family of phrasings in both languages, with sentences of our own
here (none is a line of the set):

- carbon monoxide: a household's headaches, nausea or dizziness since a heater, furnace,
  generator or brasero went on is a poisoning, not a head injury or a bleed; an insulin dose
  given twice ("gave himself his dinner insulin twice") is an overdose, not a stroke; pills
  taken in excess stay the overdose when the gums bleed or the vomit is blood;
- suicide told indirectly: "better off without her" is no negation of what follows, pills
  saved up to "just take them all", a last week or night decided, farewells (letters, things
  given away, "won't need it");
- a blow from someone (punched, jumped, "le dieron una golpiza") before speech that fails is a
  head injury, unless the blow is dated years back;
- trap families kept quiet: history dated by an age or decade of one's life, seasons counted
  back, "the last time ... was years ago", an earlier pregnancy that "ended with"; a relatives'
  pair who bled; a game that took one's breath, a queue that was "un veneno", a recipe's
  colour; a list that names it as criteria, a risk screening form, warning signs listed, a
  yearly statistic, calls answered about it, a care plan's title or quote, a voicemail greeting
  quoted; "at what temperature ... ? someone said 100.4" before a birth; a knock whose scan was
  normal and the child himself since.

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
    # carbon monoxide: a household's headaches and nausea since a heater went on
    ("en", "all of us have headaches and feel sick to our stomach since we turned the heater on last night", "overdose_poisoning"),
    ("en", "my wife and both kids are dizzy and nauseous ever since we fired up the space heater in the basement", "overdose_poisoning"),
    ("en", "the whole family woke up with pounding headaches and throwing up, we had the generator running in the garage", "overdose_poisoning"),
    ("es", "toda la familia tiene dolor de cabeza y vómito desde que encendimos la estufa de gas", "overdose_poisoning"),
    ("es", "mis hijos y yo estamos mareados y con náuseas desde que prendimos el brasero en el cuarto", "overdose_poisoning"),
    # insulin taken twice
    ("en", "I think I took my night insulin twice, I'm shaky and sweating buckets", "overdose_poisoning"),
    ("en", "my dad injected his lantus twice tonight by mistake and now he's confused", "overdose_poisoning"),
    ("es", "mi hijo se puso la insulina dos veces en la cena, está temblando y sudando", "overdose_poisoning"),
    ("es", "creo que me inyecté la insulina de la noche dos veces, estoy temblorosa", "overdose_poisoning"),
    # overdose with bleeding: the pills decide
    ("en", "I took a whole handful of my warfarin this morning and now my gums won't stop bleeding", "overdose_poisoning"),
    ("en", "my mom swallowed most of her blood thinner pills and is vomiting blood", "overdose_poisoning"),
    ("es", "me tomé como 15 pastillas de warfarina y me sangran mucho las encías", "overdose_poisoning"),
    ("es", "mi papá se tomó todas las pastillas del frasco y está vomitando sangre", "overdose_poisoning"),
    # suicide told indirectly
    ("en", "my sister keeps saying her kids would be better off without her and she thinks about walking into traffic", "suicide_self_harm"),
    ("es", "mi esposo dice que estaríamos mejor sin él y que piensa en tirarse del puente", "suicide_self_harm"),
    ("en", "been stockpiling my oxy for a while, if nothing changes by friday ill just take them all", "suicide_self_harm"),
    ("es", "llevo meses juntando mis pastillas en un frasco, si esto sigue igual me las voy a tomar todas", "suicide_self_harm"),
    ("en", "thank you for everything, really. I've decided tonight is my last night and I'm at peace", "suicide_self_harm"),
    ("es", "gracias por todo doctora. ya decidí que esta es mi última semana y estoy en paz", "suicide_self_harm"),
    ("en", "cancel my refills, I won't need them after this weekend. I already wrote letters to my kids", "suicide_self_harm"),
    ("es", "regalé mis cosas a mis sobrinos y ya no voy a necesitar la cita, ya dejé una carta para mi mamá", "suicide_self_harm"),
    # a blow from someone, then speech that fails: the head, not a stroke
    ("en", "my brother got jumped outside the bar last night and now his speech is slurred and he can't stay awake", "head_injury"),
    ("es", "anoche a mi hijo le dieron una golpiza en la fiesta y hoy habla raro y no puede mantenerse despierto", "head_injury"),
]

TRAPS = [
    ("en", "the furnace guy is coming today, the heater makes a weird noise, can I move my appt?"),
    ("es", "desde que prendimos la calefacción todos andamos con la nariz seca, ¿me dan cita?"),
    ("en", "he takes his insulin twice a day, can you send the refill for the pens?"),
    ("es", "se pone la insulina dos veces al día, ¿me mandan más agujas?"),
    ("en", "my gums bleed when I floss, I'm on warfarin, can I book a cleaning?"),
    ("en", "the new puppy would be better off without the cone, can we take it off?"),
    ("es", "estaríamos mejor sin tanto papeleo, ¿me mandan el formulario por correo?"),
    ("en", "I've been saving my old pills to bring to the take-back day, where is it?"),
    ("en", "do I take them all at once in the morning or spread them out?"),
    ("es", "¿me las tomo todas juntas en la mañana o separadas?"),
    ("en", "this is my last week at this job, thanks for everything, please update my insurance"),
    ("es", "esta es mi última semana en la ciudad, gracias por todo, mándenme mis registros"),
    # history with its own age or decade
    ("en", "Back in my thirties I had an asthma attack so bad my lips went blue. I'm well controlled now, need a pulmonology referral"),
    ("es", "A los 6 años comió maní y se le hinchó la cara; desde entonces nada. La escuela pide la historia de alergias"),
    ("en", "Three winters back (Jan '22) I had a small stroke, I've been cleared. Can I get a cholesterol check?"),
    ("es", "la última vez que se me cerró la garganta fue hace como 5 años con el maní, ocupo otra epipen"),
    ("en", "the last time my throat closed up was years ago with walnuts, I need a new epipen"),
    ("en", "my first pregnancy, which was with you in 2019, ended with pre-eclampsia at 35 weeks and a terrible headache. please send the notes"),
    # idioms
    ("en", "the Cubs won in the 10th, I couldn't breathe the whole ninth inning lol. see you tuesday"),
    ("es", "el partido de anoche, no podía respirar en los penales jaja. nos vemos el martes"),
    ("en", "here's the brownie recipe, everyone says they're lethal and to die for"),
    ("es", "la fila del banco hoy fue un veneno, tres horas! gracias por la cita"),
    # clinical terms, forms, screening
    ("en", "the intake form lists suicidal ideation and self-harm as criteria for the program, I'm going for the anxiety group, is it covered?"),
    ("es", "me piden el formulario de tamizaje de riesgo suicida para el trabajo nuevo"),
    ("en", "work needs my suicide risk screening form from the last checkup"),
    ("en", "I worked three years at poison control taking calls about overdoses and swallowed batteries, my resume is attached"),
    ("es", "trabajé dos años en el centro de toxicología atendiendo llamadas de sobredosis, adjunto mi currículum"),
    ("en", 'her school allergy action plan says: "Severe symptoms: throat tightness, trouble breathing, give epinephrine." she has had no reactions'),
    # newsletters
    ("en", "Every year thousands of kids swallow button batteries. Store them locked. If your child swallows a battery go to the ER. 15% off cabinet locks!"),
    ("en", "Warning signs of suicide include giving away possessions and writing goodbye letters. Call or text 988. You are receiving this as a member."),
    # quoted greeting
    ("en", 'your voicemail says "if you are having chest pain or difficulty breathing hang up and call 911" but the box is full'),
    # family history, hypothetical, resolved
    ("es", "mi abuela y mi mamá sangraban mucho con la regla, quiero estudios de coagulación"),
    ("en", "my mom and sister both bled heavily with their periods, can I get tested?"),
    ("en", "baby due in march. at what temperature should we call you for a newborn? we heard 100.4"),
    ("es", "el bebé nace el mes que viene, ¿con qué temperatura les llamamos? nos dijeron 38"),
    ("en", "need a note for school, she hit her head at practice friday and threw up once, the ER scan was normal and she's been herself since"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FAMILIES)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert_quiet(body)


def test_a_blow_dated_years_back_leaves_the_stroke_a_stroke() -> None:
    assert_read("my dad was punched in a fight 5 years ago, today his face is drooping on one side and his words are slurred", "stroke")
    assert_read("a mi papá lo asaltaron hace dos años, hoy tiene la boca chueca y no puede hablar bien", "stroke")


def test_better_off_without_negates_nothing_but_without_still_does() -> None:
    """"better off without her" leaves what follows read; "without" alone still negates."""
    assert_read("she says the kids would be better off without her and she thinks about driving off the bridge", "suicide_self_harm")
    assert_quiet("I can walk to the mailbox without chest pain now")
    assert_quiet("we'd all be better off without my ex, can you update my emergency contact?")


def test_an_age_dates_the_story_a_moment_does_not() -> None:
    """"when I was 8", "cuando tenía 8 años" date what follows as history; "when I was
    changing her", "cuando tenía al bebé" are a moment of today."""
    assert_quiet("when I was 8 I had an asthma attack so bad my lips went blue, need a pulmonology referral for my insurance")
    assert_quiet("cuando tenía 8 años me dio un ataque de asma y se me pusieron los labios morados, necesito la referencia")
    assert_read("when I was changing her diaper just now she stopped breathing and turned blue", "breathing")
    assert_read("hoy cuando tenía al bebé en brazos se puso morado y no respiraba", "breathing")


def test_both_languages_are_covered() -> None:
    assert_both_languages(FAMILIES, TRAPS, 3)
