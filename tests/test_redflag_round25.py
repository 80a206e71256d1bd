"""The lexicon's twenty-fifth pass: the families blind21 (a development set since its first
contact, TRIAGE_EVAL.md "Round 25") left unread, named under another category or read as a
false alarm, each fixed as a family of phrasings in both languages, with sentences of our own
here (none is a line of the set):

- poisoning told by what was taken and how much: a child into someone's pills with some
  counted gone or missing, eight or more of a common painkiller asked about ("¿es mucho?"),
  something vaped or smoked before a changed state, naloxone just used on someone, an insulin
  pump's double bolus or extra units with the low's signs;
- suicide told by a goodbye ("you tried ... I'm done", a goodbye ending in "I'm done.") or
  by a picture of the means sent with "sorry";
- stroke seen by a relative on a call (half the face stopped moving, simple words lost); the
  worst headache told by a simile of a blow ("hit me like a bat") is no blow;
- infant fever of a grandchild, niece or nephew counted in months; an early pregnancy in
  weeks ("8 wks preg") with a stabbing pain on one side; wheezing with an allergy denied and
  asthma named is breathing; the Portuguese "dor no peito" is no denial;
- trap families kept quiet: the overdose that brought one in, told from years of recovery; a
  spouse's relatives' episodes counted; "how long ... is too much" asked; overdosed on a
  dessert; traffic that was a headache and a head "going to explode" from stress.

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
    # a child into someone's pills, the count gone or missing
    ("en", "my 2 year old got into grandpa's pill box and swallowed some of his heart pills, 3 are missing", "overdose_poisoning"),
    ("es", "mi niña de 2 años se metió en la bolsa de su abuela y se comió unas pastillas de la presión, faltan 3", "overdose_poisoning"),
    ("en", "my toddler chewed up some of my mom's diabetes pills, a few are gone from the bottle", "overdose_poisoning"),
    # "too many" of a common painkiller, counted and asked about
    ("en", "I took 12 tylenol since lunch for my back, is that too much?", "overdose_poisoning"),
    ("en", "she took like 15 advil over the afternoon for cramps, is that ok?", "overdose_poisoning"),
    ("es", "me tomé 12 paracetamoles desde anoche por la fiebre, ¿es mucho?", "overdose_poisoning"),
    ("es", "mi esposo se tomó como 20 aspirinas por el dolor de cabeza, ¿es peligroso?", "overdose_poisoning"),
    # something vaped or smoked, then a changed state
    ("en", "my daughter vaped something at a party and now she's out of it and not making sense", "overdose_poisoning"),
    ("en", "he smoked something a guy gave him and now he won't wake up right", "overdose_poisoning"),
    ("es", "mi sobrino fumó algo que le pasó un amigo y ahora está ido y no reacciona", "overdose_poisoning"),
    ("es", "mi hija vapeó algo en la escuela y ahora está confundida y respira raro", "overdose_poisoning"),
    # naloxone just used on someone
    ("en", "we gave narcan to my roommate 10 minutes ago, he's breathing but barely awake", "overdose_poisoning"),
    ("en", "sprayed narcan on my boyfriend just now and he is groggy, ambulance on the way", "overdose_poisoning"),
    ("es", "le pusimos narcan a mi hermano hace 10 minutos, ya respira pero está muy ido", "overdose_poisoning"),
    ("es", "usamos la naloxona con mi primo hace un rato y sigue muy dormido", "overdose_poisoning"),
    # an insulin pump's double bolus or extra units, with the low's signs
    ("en", "I bolused twice for dinner by accident and now I'm shaky and sweating", "overdose_poisoning"),
    ("en", "my son's pump gave 10 units extra, he's clammy and confused", "overdose_poisoning"),
    ("es", "me puse 10 unidades de más en la bomba y estoy temblando y sudando", "overdose_poisoning"),
    ("es", "mi hijo se puso el bolo dos veces y está sudando y confundido", "overdose_poisoning"),
    # suicide: "you tried ... I'm done", a goodbye ending in "I'm done."
    ("en", "You all tried so hard. I'm done.", "suicide_self_harm"),
    ("en", "thank you dr lee and the nurses, you tried. i give up.", "suicide_self_harm"),
    ("es", "Ustedes lo intentaron, gracias por todo. Ya no puedo más.", "suicide_self_harm"),
    ("en", "Goodbye to everyone at the clinic. I'm done.", "suicide_self_harm"),
    ("es", "Adiós a todos en la clínica. Ya no puedo más.", "suicide_self_harm"),
    # a picture of the means sent with "sorry" or a goodbye
    ("en", 'my daughter just sent me a photo of a bottle of pills and "sorry mom"', "suicide_self_harm"),
    ("en", 'my brother posted a pic of a gun and "goodbye everyone"', "suicide_self_harm"),
    ("es", 'mi hijo me mandó una foto de una soga y "perdóname mamá"', "suicide_self_harm"),
    ("es", 'mi hermana me mandó una foto del puente y "lo siento"', "suicide_self_harm"),
    # stroke seen by a relative on a call: half the face stopped, simple words lost
    ("en", "on facetime with my dad and half his face stopped moving, he can't find simple words", "stroke"),
    ("en", "I was on the phone with grandma and she couldn't find words like spoon and door, slurring too", "stroke"),
    ("es", "en videollamada con mi mamá, la mitad de su cara dejó de moverse y no encontraba palabras sencillas", "stroke"),
    ("es", "hablando por teléfono mi papá no podía encontrar palabras simples y se le caía la boca", "stroke"),
    # the worst headache told by a simile of a blow: no blow, a stroke
    ("en", "worst headache of my life came on like a hammer 20 minutes ago, now I'm throwing up", "stroke"),
    ("en", "worst headache of my life, like getting hit with a bat, and my vision is double", "stroke"),
    ("es", "el peor dolor de cabeza de mi vida, como si me hubieran dado un batazo, de repente hace una hora", "stroke"),
    ("es", "me dio un dolor de cabeza horrible de golpe, como un martillazo, y ahora veo doble", "stroke"),
    # infant fever: a grandchild, niece or nephew in months, with degrees
    ("en", "my grandson 7 months is 103.1 and very sleepy", "infant_fever"),
    ("en", "our niece 4 months has a fever of 101 and won't feed", "infant_fever"),
    ("es", "mi nieto, 9 meses, tiene 39.5 y no quiere comer", "infant_fever"),
    ("es", "mi sobrina de 5 meses está ardiendo en fiebre, 39.2", "infant_fever"),
    # early pregnancy in weeks with a stabbing pain on one side
    ("en", "7 wks preg and sharp pain on the right side and dizzy", "pregnancy_emergency"),
    ("en", "I'm 6 weeks pregnant with stabbing pain on my left side since this morning", "pregnancy_emergency"),
    ("es", "tengo 7 semanas de embarazo y un dolor punzante del lado derecho", "pregnancy_emergency"),
    ("es", "8 semanas de embarazo y dolor muy fuerte en el costado izquierdo, me duele el hombro", "pregnancy_emergency"),
    # wheezing with an allergy denied and asthma named: the airway
    ("en", "my wife is wheezing hard, her inhaler isn't working, no allergies she knows of, she has asthma", "breathing"),
    ("en", "he's wheezing and can only say 2 words, no known allergies, asthmatic since a kid, albuterol not helping", "breathing"),
    ("es", "mi hijo está silbando del pecho y el inhalador no le ayuda, no tiene alergias, es asmático", "breathing"),
    ("es", "mi esposo tiene asma, está con sibilancias y el inhalador no sirve, no es alérgico a nada", "breathing"),
    # Portuñol chest pain: "dor no peito" is no denial
    ("es", "meu pai com dor no peito muito forte desde o almoço", "chest_pain"),
    ("es", "mi papá tiene dor no peito, muy fuerte, y está sudando", "chest_pain"),
    ("en", "my husband keeps saying dor no peito since lunch and he's sweating", "chest_pain"),
]

TRAPS = [
    # a child and a painkiller, pills gone that were not swallowed, two of them, days of them
    ("en", "can my 2 year old take children's tylenol with her antibiotic? the bottle says 5 ml"),
    ("en", "my pill box is missing, 2 are gone from the bathroom, can you resend the list of my meds?"),
    ("en", "I took 2 advil this morning for a headache, can I take tylenol too?"),
    ("en", "he's taken ibuprofen for 10 days for his knee, should he keep going?"),
    ("es", "me tomé 2 ibuprofenos en la mañana, ¿puedo tomar paracetamol también?"),
    ("es", "¿cuántos ibuprofenos de 400 puedo tomar al día?"),
    # vaping and smoking named with no changed state, or years back
    ("en", "my son vapes, can we get him into a program to quit?"),
    ("es", "mi hijo fuma, ¿tienen programa para dejarlo?"),
    ("en", "he smoked something at a concert in college years ago and was out of it for a day, the form asks about drug use"),
    # naloxone carried, asked about or out of stock
    ("en", "I carry narcan for my brother, can I get a refill of it?"),
    ("en", "can you teach me how to give narcan to my son if he ever needs it?"),
    ("es", "necesito otra caja de narcan, la farmacia no tiene"),
    # a pump's settings asked about
    ("en", "my pump has a double bolus setting, how do I use it for pizza?"),
    ("en", "does the pump let me take extra units on sick days?"),
    ("es", "¿la bomba tiene bolo doble? quiero usarlo en las fiestas"),
    # goodbyes and "you tried" that end nothing
    ("en", "I'm done with PT, goodbye and thanks to the whole care team!"),
    ("en", "goodbye Dr. Ruiz, enjoy your retirement, you tried so hard with my knee haha"),
    ("es", "adiós doctora, ya terminé con la terapia, gracias por todo"),
    # a picture sent with "sorry for", words lost for thanks, a face frozen in a photo
    ("en", "I sent a picture of the pills I take, sorry for the blurry photo"),
    ("es", "te mandé una foto de las pastillas nuevas, perdón si salió borrosa"),
    ("en", "here's a pic of the gun safe we installed, sorry it's sideways, for the home safety form"),
    ("en", "on the video call grandma couldn't find the words to thank you enough"),
    ("es", "no encuentro las palabras para agradecerles"),
    ("en", "my face froze in the photo lol, can I retake the ID picture?"),
    # a bill that hit like a ton of bricks
    ("en", "the ER bill hit me like a ton of bricks"),
    # a grandchild counted in years; early weeks without the pain, or a mild one gone
    ("en", "my granddaughter 4 years has a fever of 101, should she stay home?"),
    ("es", "mi nieto de 6 años tiene 38.5, ¿lo llevo a la escuela?"),
    ("en", "8 wks pregnant, when is my first ultrasound?"),
    ("es", "7 semanas de embarazo, ¿cuándo es mi primera cita?"),
    ("en", "I'm 8 weeks pregnant, mild cramps on the left side yesterday, gone now, normal?"),
    # a spouse's relatives' episodes counted; years clean and the overdose that brought one in
    ("en", "my husband's whole family is allergic to peanuts, his sister went into anaphylaxis twice as a kid, should we test the baby?"),
    ("es", "la familia de mi esposo es alérgica a los mariscos, su mamá tuvo anafilaxia dos veces, ¿hacemos pruebas a los niños?"),
    ("en", "4 years sober this week, the overdose that got me here feels like another life. need my refill"),
    ("es", "hace 3 años que estoy limpio, la sobredosis que me trajo con ustedes parece otra vida, ¿me mandan la receta?"),
    # how long is too long, asked
    ("en", "on blood thinners now, how long of a nosebleed is too long before I call?"),
    ("es", "tomo anticoagulantes, ¿cuánto tiempo de sangrado de encías es normal?"),
    # overdosed on desserts, a headache of traffic, a head "going to explode" from forms
    ("en", "I overdosed on the brownies at the party, thanks for the invite"),
    ("es", "me empaché de pasteles en la posada de la clínica, gracias!"),
    ("en", "traffic was a real headache, running 10 min late"),
    ("en", "the paperwork is a headache and my head is going to explode from all these forms lol"),
    ("es", "el tráfico fue un dolor de cabeza, llego tarde"),
    ("es", "me va a explotar la cabeza con tanto papeleo jaja"),
    # a Spanish "no" before chest pain still denies it
    ("es", "no tengo dolor en el pecho, solo tos"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FAMILIES)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert_quiet(body)


def test_a_real_blow_before_the_headache_stays_a_head_injury() -> None:
    """The simile is set aside, a blow told as one is not."""
    assert_read("got hit in the back of the head with a bat at softball, now the worst headache and dizzy", "head_injury")
    assert_read("le pegaron con un bate en la cabeza jugando béisbol y ahora le duele muchísimo", "head_injury")


def test_an_allergen_named_keeps_the_wheeze_an_anaphylaxis() -> None:
    """An allergy denied makes the wheeze the airway's only when nothing that sets one off
    is named."""
    assert_read("no known allergies but he just ate shrimp and he's wheezing and his lips are swelling", "anaphylaxis")
    assert_read("no tiene alergias que sepamos pero le picó una abeja y ahora tiene sibilancias y se le hinchan los labios", "anaphylaxis")


def test_pills_gone_without_a_child_or_a_swallow_are_no_poisoning() -> None:
    assert lexicon_flag("my pain is gone, 3 of the pills are left, should I finish them?") is None
    assert lexicon_flag("ya no tengo dolor, me faltan 3 pastillas del tratamiento, ¿las termino?") is None


def test_both_languages_are_covered() -> None:
    assert_both_languages(FAMILIES, TRAPS, 7)
