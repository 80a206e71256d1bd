"""The lexicon's thirteenth pass: the ninth blind set's twelve unflagged red flags, each traced
to the pattern that was missing (TRIAGE_EVAL.md, round 13), and that pattern written for the
general case: sentences of our own in both languages that must flag, and near misses using the
same words that must stay quiet.

Read with the lexicon and rules alone (no statistical model, no judge), so each case says
what the lexicon itself makes of the pattern.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import lexicon_flag as _lexicon_flag

MUST_FLAG = [
    # a nose pouring, with pinching, blood or a blood thinner said
    ("en", "I take warfarin and my nose has been gushing for forty minutes", "severe_bleeding"),
    ("en", "his nose is pouring, we have pinched it for half an hour and nothing", "severe_bleeding"),
    ("es", "tomo Sintrom y la nariz me sale a chorros desde hace una hora", "severe_bleeding"),
    ("es", "a mi padre la nariz le está chorreando sangre y apretando no para", "severe_bleeding"),
    # oozing or bleeding through a dressing
    ("en", "the cut on her hand is bleeding through a fresh bandage already", "severe_bleeding"),
    ("en", "he is still oozing through a gauze pad we put on ten minutes ago", "severe_bleeding"),
    # a wound that squirts
    ("en", "my son cut his thigh on glass and it is squirting every time his heart beats", "severe_bleeding"),
    ("es", "se cortó la pierna con la sierra y la herida chorrea sin parar", "severe_bleeding"),
    # urine with clots
    ("en", "his urine is dark red with clots tonight and barely coming out, a week after bladder surgery", "severe_bleeding"),
    ("es", "mi abuelo tiene coágulos en la sonda y la orina sale roja", "severe_bleeding"),
    # chest: a heavy, pressing feeling under the breastbone; pressure into both arms
    ("en", "there is a tight, crushing ache under my sternum since I climbed the stairs", "chest_pain"),
    ("en", "my wife has pressure going down into both arms and feels sick", "chest_pain"),
    ("es", "siento una presión que se va hacia los dos brazos y estoy sudando", "chest_pain"),
    # stroke: the textbook phrase without "my"; one-sided weakness; word finding
    ("en", "pt reports worst headache of life this morning", "stroke"),
    ("en", "new left arm weakness since lunch, slurring a bit", "stroke"),
    ("en", "grandma is suddenly having trouble with word finding, started an hour ago", "stroke"),
    ("en", "her right arm is just hanging limp at her side and she looks confused", "stroke"),
    ("es", "a mi tío de repente se le cuelga la mano izquierda y no la puede mover", "stroke"),
    ("es", "mi madre de repente dejó de hablar mientras cenábamos", "stroke"),
    # anaphylaxis: the pen named first, given after
    ("en", "Epinephrine administered by the coach after he ate peanuts, lips swelling", "anaphylaxis"),
    ("es", "epinefrina aplicada hace cinco minutos, sigue con ronchas y tos", "anaphylaxis"),
    # overdose: several tablets at once by mistake
    ("en", "my mother has been taking three tablets at a time by mistake, she is very drowsy", "overdose_poisoning"),
    ("es", "mi padre se tomó cuatro pastillas a la vez por error porque leyó mal la caja", "overdose_poisoning"),
    # head: Spain's perfect tense
    ("es", "mi hijo se ha dado con la cabeza contra la mesa y ahora vomita", "head_injury"),
    ("es", "la abuela se ha golpeado en la nuca al caerse en la ducha", "head_injury"),
    # a farewell with the means at hand
    ("en", "my brother just messaged 'take care of my cats'. He keeps a rifle in the house", "suicide_self_harm"),
    ("en", "she wrote that she is done. There is a gun in her apartment", "suicide_self_harm"),
    ("es", "mi hermano me escribió 'cuida a mis perros'. Tiene una pistola en casa", "suicide_self_harm"),
]

# Wrong categories: the right category's words were missing, so another category's words named
# the message; with them present PRIORITY picks the right one.
RIGHT_CATEGORY = [
    ("en", "there's a weight on my chest since dinner and my left hand feels tingly", "chest_pain"),
    ("en", "he keeps rubbing at the centre of his chest and he's breathing fast", "chest_pain"),
    ("es", "siento un peso sobre el pecho y me hormiguea el brazo izquierdo", "chest_pain"),
    ("en", "the baby's chest is heaving and she grunts with each breath", "breathing"),
    ("en", "my wife's head slammed against the dashboard and now she sees double", "head_injury"),
    ("es", "en el choque la cabeza rebotó contra la ventanilla y ahora ve doble", "head_injury"),
    ("en", "mum slid off her chair, her left arm and leg aren't moving and she didn't hit her head", "stroke"),
    ("es", "a mi abuelo el brazo y la pierna derechos no se le mueven desde hace un rato", "stroke"),
    # a tight chest that wheezes is an airway; an inhaler given twice is a rescue dose
    ("en", "my chest is tight and I'm wheezing, the puffer isn't helping", "breathing"),
    ("es", "mi hija tiene el pecho apretado y le silba al respirar", "breathing"),
    ("es", "le di el inhalador tres veces y sigue sin poder respirar bien", "breathing"),
    # breathing trouble after a pill from someone else or fumes of mixed cleaners
    ("en", "my daughter took a pill a stranger gave her at the club and she is barely breathing", "overdose_poisoning"),
    ("en", "I mixed bleach and ammonia cleaning the shower and now I can't breathe", "overdose_poisoning"),
    ("es", "limpié con lejía y amoniaco y ahora no puedo respirar", "overdose_poisoning"),
    # pills taken to make it all stop
    ("en", "he swallowed his whole bottle of sleeping pills because he wanted everything to end", "suicide_self_harm"),
    ("es", "mi hermana se tomó todas las pastillas, dice que quería matarse", "suicide_self_harm"),
    # pre-eclampsia's signs told loosely in a pregnancy; a week count written "33w"
    ("en", "I'm 35 weeks, my vision has these tiny black spots and my rings don't fit", "pregnancy_emergency"),
    ("en", "my wife is 34w and has the worst headache she has ever had", "pregnancy_emergency"),
    ("es", "estoy de 36 semanas, los anillos ya no me entran y veo borroso", "pregnancy_emergency"),
    ("en", "partner is 31w, just had a seizure on the sofa", "pregnancy_emergency"),
]

MUST_STAY_QUIET = [
    # a pouring nose alone is a cold
    ("en", "my nose has been pouring all week with this cold, can I get a sick note?"),
    ("es", "tengo la nariz chorreando por la alergia, ¿me pueden dar cita?"),
    # a bandage without bleeding; squirting without a wound
    ("en", "the nurse changed a dressing on my leg yesterday, when is the next one?"),
    ("en", "the baby keeps squirting milk out of the bottle, is the teat too big?"),
    # urine without clots
    ("en", "my urine has been dark yellow this week, should I drink more water?"),
    # pressure or weakness said of something else
    ("en", "I have blood pressure readings to send for both arms, which form should I use?"),
    ("en", "she has a history of left arm weakness after her stroke in 2019, needs a form signed"),
    ("es", "el brazo derecho le cuelga del cabestrillo desde la operación, ¿cuándo se lo quitan?"),
    ("en", "his arm is hanging in a sling after the fracture, when is the follow-up?"),
    # the pen named but not given
    ("en", "can you refill my EpiPen, the old one expired"),
    ("en", "the epinephrine pen used to cost less, is there a generic?"),
    # several tablets at once as directed
    ("en", "the label says to take two tablets at once, is that right for a child?"),
    ("en", "my dad takes three pills at a time for his joints, as his doctor said"),
    # Spain's perfect tense without the head
    ("es", "mi hijo se ha dado un golpe en el dedo con la puerta"),
    ("es", "se ha dado cuenta de que perdió la tarjeta sanitaria"),
    # a heaving chest word in other senses; a head and a knock denied
    ("en", "the bag was heavy and I was heaving it up the stairs, my arms ache"),
    ("en", "he fell on the grass but didn't hit his head and got straight up, he is fine"),
    # wanting something to stop that is a symptom; bleach used alone
    ("en", "I just wanted it all to stop hurting, is it ok to take ibuprofen with my tea?"),
    ("en", "I cleaned the bathroom with bleach today, can I book a flu shot for Monday?"),
    # the same signs without a pregnancy; a wattage
    ("en", "my rings don't fit since I gained weight, can I get a dietitian referral?"),
    ("en", "is a 40w bulb enough for the waiting room lamp?"),
    # "done" and pets without a weapon, or a weapon without a farewell
    ("en", "I'm done with my paperwork, can I drop it off tomorrow?"),
    ("en", "please take care of the dog while I'm in hospital, says my neighbour"),
    ("en", "I'm done with the antibiotics, do I need a follow-up? My husband keeps a gun safe for hunting"),
]


@pytest.mark.parametrize(("lang", "body", "category"), MUST_FLAG)
def test_flags(lang: str, body: str, category: str) -> None:
    assert _lexicon_flag(body) == category, (lang, body)


@pytest.mark.parametrize(("lang", "body"), MUST_STAY_QUIET)
def test_stays_quiet(lang: str, body: str) -> None:
    assert _lexicon_flag(body) is None, (lang, body)


@pytest.mark.parametrize(("lang", "body", "category"), RIGHT_CATEGORY)
def test_right_category(lang: str, body: str, category: str) -> None:
    assert _lexicon_flag(body) == category, (lang, body)
