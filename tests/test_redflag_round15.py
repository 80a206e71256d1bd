"""The lexicon's fifteenth pass: the kinds of wording behind the tenth blind set's misses
(TRIAGE_EVAL.md, "Round 15: blind10's misses"), each fixed as a family of phrasings in both
languages rather than as the one sentence the set had, with sentences of our own here:

- someone said they would kill themselves and then left (with the means): "se fue" as a
  departure is not "se fue" as a symptom gone;
- shut in alone with the means ("se encerró en el galpón con una soga");
- goodbye letters, in a sentence that also names a place ("compañera de cuarto en la
  universidad" is where she lives, not when it happened);
- unable to manage speech, or to hold a glass in one hand ("no atina a hablar");
- nitroglycerin, or a pill under the tongue, taken for the chest now;
- a tooth out, or a dialysis access, bleeding without stopping;
- a child who ate iron tablets or prenatal vitamins (cued: an adult's iron is a refill);
- lithium (or digoxin) taken double;
- named in the wrong category before: a child who cannot talk while breathing fast is short
  of breath; a face swelling with the breath short is a reaction; a chest burning in the
  fumes of bleach mixed with a cleaner is a poisoning; pills taken "to sleep, I didn't want
  to die" are an overdose;
- trap false alarms: "si algún día / if one day" as a day to come; a screening form named by
  its scale; an episode seen to and told as over ("I'm way better now", "ya está en casa"),
  none of which may hide a symptom said to be back.

Each family has at least three sentences per language and near misses that must stay quiet.
Read with the lexicon and rules alone (no statistical model, no judge), so each case says
what the lexicon itself makes of the pattern.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import assert_read
from tests.support.redflag_rounds import lexicon_flag as _lexicon_flag

FLAGS = [
    # said they would kill themselves, then left
    ("es", "mi esposo dijo que se va a matar y se fue con la pistola, no contesta", "suicide_self_harm"),
    ("es", "mi hijo dijo q se iba a matar y se fue en el carro, no sabemos dónde está", "suicide_self_harm"),
    ("es", "che, mi hermano me escribió que se va a matar y se fue solo a la costa", "suicide_self_harm"),
    ("en", "my brother said he's going to kill himself and drove off with his gun", "suicide_self_harm"),
    ("en", "she texted that she was going to kill herself and left the house with the pills", "suicide_self_harm"),
    ("en", "he said he was gonna kill himself and walked out, not answering his phone", "suicide_self_harm"),
    # shut in with the means
    ("es", "mi hija se encerró en el baño con las pastillas de mi mamá y no abre", "suicide_self_harm"),
    ("es", "se encerró en su cuarto con la pistola de su papá, está llorando", "suicide_self_harm"),
    ("es", "mi viejo se encerró en el galpón con una cuerda, estoy re asustada", "suicide_self_harm"),
    ("en", "he locked himself in the garage with a rope and won't answer", "suicide_self_harm"),
    ("en", "my daughter locked herself in the bathroom with a razor", "suicide_self_harm"),
    ("en", "my husband shut himself in the shed with his rifle after the fight", "suicide_self_harm"),
    # goodbye letters, with a place in the sentence
    ("es", "mi compañera de cuarto en la universidad escribió cartas de despedida y dice que ya decidió", "suicide_self_harm"),
    ("es", "encontré notas de despedida de mi hijo en su mochila", "suicide_self_harm"),
    ("es", "mi amigo dejó mensajes de despedida para todos, ¿qué hago?", "suicide_self_harm"),
    ("en", "my roommate in college wrote goodbye letters to her family and left them on her desk", "suicide_self_harm"),
    ("en", "i found a suicide note in my son's room", "suicide_self_harm"),
    ("en", "my friend left goodbye notes for everyone and says she has decided", "suicide_self_harm"),
    # cannot manage to speak; cannot hold something in one hand
    ("es", "mi marido lleva un rato que no atina a hablar", "stroke"),
    ("es", "mi mamá de repente no puede sostener la taza con la derecha", "stroke"),
    ("es", "el abuelo no acierta a decir nada desde el almuerzo", "stroke"),
    ("en", "my dad suddenly can't hold his cup in his right hand", "stroke"),
    ("en", "she can't seem to get the words out and it started an hour ago", "stroke"),
    ("en", "he can't grip the fork with his left hand since lunch", "stroke"),
    # nitroglycerin for the chest
    ("es", "ya me tomé dos nitroglicerinas porque me aprieta el pecho", "chest_pain"),
    ("es", "mi papá se puso la pastilla debajo de la lengua por el dolor de pecho y sigue igual", "chest_pain"),
    ("es", "necesito receta de la nitro, me tomé una hace rato por el apretón en el pecho", "chest_pain"),
    ("en", "I took two nitro for the chest pressure and it's still there", "chest_pain"),
    ("en", "used my nitro spray twice for the tightness in my chest, need a refill", "chest_pain"),
    ("en", "he took a nitroglycerin under his tongue for the pain 20 min ago, still hurting in his chest", "chest_pain"),
    # a tooth out bleeding without stopping
    ("es", "ayer me sacaron una muela y no me para de sangrar", "severe_bleeding"),
    ("es", "a mi mamá le extrajeron un diente y sigue sangrando, ya se llenaron las gasas", "severe_bleeding"),
    ("es", "le sacaron la muela del juicio y desde la mañana no le para de sangrar, toma warfarina", "severe_bleeding"),
    ("en", "had a tooth pulled this morning and it won't stop bleeding, I'm on warfarin", "severe_bleeding"),
    ("en", "my dad's tooth was pulled this morning and it's still bleeding after 4 hours", "severe_bleeding"),
    ("en", "wisdom tooth extraction yesterday and the gauze keeps soaking through", "severe_bleeding"),
    # a dialysis access bleeding
    ("en", "my fistula started bleeding at home and it's squirting with each beat", "severe_bleeding"),
    ("en", "probably nothing but the dialysis access in his arm is bleeding and won't quit", "severe_bleeding"),
    ("en", "her dialysis graft is spurting where the needle was", "severe_bleeding"),
    ("es", "la fístula de mi papá está sangrando mucho y no para", "severe_bleeding"),
    ("es", "el acceso de diálisis le sangra a chorros desde que llegó", "severe_bleeding"),
    ("es", "perdón, la fístula de diálisis de mi mamá está brotando sangre", "severe_bleeding"),
    # a child and iron tablets
    ("en", "my toddler ate some of my iron pills, the bottle was open", "overdose_poisoning"),
    ("en", "our 2 year old got into the prenatal vitamins and swallowed a few", "overdose_poisoning"),
    ("en", "found my son chewing my iron tablets, not sure how many", "overdose_poisoning"),
    ("es", "mi nena se comió unas pastillas de hierro de su papá", "overdose_poisoning"),
    ("es", "mi hijo de 2 años se tragó las vitaminas prenatales de su mamá", "overdose_poisoning"),
    ("es", "el niño agarró el frasco de sulfato ferroso y encontramos el frasco abierto", "overdose_poisoning"),
    # lithium taken double
    ("en", "I doubled up on my lithium by mistake and now I'm shaky", "overdose_poisoning"),
    ("en", "my mom took twice her lithium dose all week, she's confused and trembling", "overdose_poisoning"),
    ("en", "he's been taking an extra lithium pill for days and can't walk straight", "overdose_poisoning"),
    ("es", "me tomé el doble de litio sin querer y tiemblo mucho", "overdose_poisoning"),
    ("es", "mi hermano se tomó dos veces la dosis de litio y está confundido", "overdose_poisoning"),
    ("es", "mi mamá lleva días tomando de más el litio y le tiemblan las manos", "overdose_poisoning"),
    # a child breathing fast who cannot talk
    ("en", "my son is breathing really fast and can't talk, his ribs are sucking in", "breathing"),
    ("en", "she can barely talk and you can see retractions", "breathing"),
    ("en", "he is breathing hard and can't get the words out", "breathing"),
    ("es", "mi hija respira muy rápido y casi no puede hablar", "breathing"),
    ("es", "a mi nene se le marcan las costillas y no puede hablar", "breathing"),
    ("es", "mi niño respira agitado y no puede hablar, se le hunde entre las costillas", "breathing"),
    # a face swelling with the breath short
    ("en", "her face and eyes are very swollen and she cant breathe good", "anaphylaxis"),
    ("en", "his eyelids are puffy and he's struggling to breathe", "anaphylaxis"),
    ("en", "my face is swelling and I can't catch my breath", "anaphylaxis"),
    ("es", "se le hinchó la cara y no puede respirar", "anaphylaxis"),
    ("es", "tiene los ojos hinchados y le falta el aire", "anaphylaxis"),
    ("es", "tengo la lengua hinchada y me cuesta respirar", "anaphylaxis"),
    # bleach mixed with a cleaner, and the chest burning
    ("en", "I mixed bleach and a toilet cleaner and now my chest burns", "overdose_poisoning"),
    ("en", "he mixed bleach with ammonia in the bathroom and his chest hurts", "overdose_poisoning"),
    ("en", "breathed bleach fumes from the cleaner for an hour, chest pain now", "overdose_poisoning"),
    ("es", "mezclé cloro con limpiador y me arde el pecho", "overdose_poisoning"),
    ("es", "mi esposo mezcló lejía con amoniaco y le duele el pecho", "overdose_poisoning"),
    ("es", "respiré los vapores del cloro con el limpiador del baño y me quema el pecho", "overdose_poisoning"),
    # pills to sleep, "I didn't want to die"
    ("en", "took 10 of my sleeping pills, I didn't want to die I just wanted to sleep", "overdose_poisoning"),
    ("en", "he swallowed a handful of his tylenol, he didn't mean to die, just to stop the pain", "overdose_poisoning"),
    ("en", "i took a bunch of xanax, i didnt want to die, i just needed to calm down", "overdose_poisoning"),
    ("es", "me tomé 8 pastillas para dormir, no quería morir, solo quería dormir", "overdose_poisoning"),
    ("es", "se tomó el frasco de clonazepam, no quería matarse, solo descansar", "overdose_poisoning"),
    ("es", "se tomó muchas pastillas, no buscaba morirse sino dormir", "overdose_poisoning"),
]

QUIET = [
    # a symptom gone still reads as gone; a departure that is not
    ("es", "tenía dolor en el pecho pero ya se fue"),
    ("es", "le dolía la cabeza y se fue a trabajar, ya está bien"),
    ("en", "my dad said he'd kill me if I was late lol, then he left for work"),
    # shut in without means, or locked out
    ("es", "se encerró en su cuarto con el celular toda la tarde"),
    ("en", "he locked himself out of the house with the keys inside"),
    ("en", "my son locked himself in his room with his video games again"),
    ("es", "mi hijo se encerró con los videojuegos otra vez, ¿pueden cambiar la cita?"),
    # a goodbye for a staff member; a past told as past
    ("es", "estamos preparando una fiesta de despedida para la doctora que se jubila"),
    ("es", "la carta de despedida del doctor a sus pacientes me llegó hoy"),
    ("en", "the farewell letter from Dr. Ames to her patients was lovely"),
    # shyness, a cast, a child learning
    ("es", "mi hijo no atina a hablar en público, le da verguenza"),
    ("es", "no puede agarrar el lápiz con la derecha por el yeso"),
    ("en", "she can't hold a pen with her right hand since the wrist fracture"),
    # a nitroglycerin refill with no chest now
    ("en", "please refill my nitroglycerin, I haven't needed it in months"),
    ("es", "necesito la receta de nitroglicerina, la tengo por si acaso"),
    ("en", "what should I do if I take a nitro and the chest pain doesn't go away?"),
    # a tooth out and healed, or not yet out
    ("es", "me sacaron una muela y ya dejó de sangrar, gracias"),
    ("en", "I had a tooth extracted last week, no bleeding, just a question about the bill"),
    ("en", "my tooth extraction is scheduled for Friday, I take Eliquis, should I stop it?"),
    # a dialysis access without bleeding
    ("en", "question about my dialysis access appointment next week"),
    ("es", "la fístula no sangra, solo tiene un moretón"),
    ("en", "my fistula bruised after dialysis but no bleeding"),
    # iron for the child prescribed, or the adult's own
    ("en", "my son takes iron pills for his anemia, can I get a refill?"),
    ("es", "¿mi hija puede tomar vitaminas de hierro con la leche?"),
    ("en", "I take my iron tablets with orange juice, is that ok?"),
    # lithium to be changed by the doctor, or a level
    ("en", "my lithium level was a bit high last time, should we double check the dose?"),
    ("es", "el doctor dijo que vamos a doblar la dosis de litio el mes que viene"),
    ("en", "can I double my lithium if I missed yesterday's dose?"),
    # bleach used alone, a face swelling gone
    ("en", "I clean with bleach every week, can I get the allergy form?"),
    ("es", "mezclé el cloro con agua para limpiar el piso, ¿a qué hora abren?"),
    ("en", "her face was swollen last year after the bee sting, she's fine now"),
    # a day that has not come (the tenth set's hypothetical traps)
    ("es", "mi papá tiene la presión alta, si algún día se le tuerce la boca o no puede hablar q hago?"),
    ("es", "tengo 20 semanas, ¿qué hago si un día no siento al bebé moverse?"),
    ("es", "si alguna vez a mi mamá le duele el pecho así de fuerte, ¿la llevo o llamo?"),
    ("es", "si un día mi hijo no puede respirar por el asma, ¿lo llevo a urgencias o llamo?"),
    ("en", "if one day my dad's face droops, do I call 911 or drive him?"),
    ("en", "if someday she gets chest pain like that again, which ER should we use?"),
    ("en", "if some day my mom starts slurring her words, is that a 911 call?"),
    # an episode seen to and over: better now, himself again, doing well at home, recovered
    ("en", "my son hit his head at soccer on Saturday and threw up, the ER did a scan, he's been totally himself since"),
    ("en", "I went to urgent care last night because I couldn't breathe, they gave me a neb and I'm way better now"),
    ("en", "she had chest pain on Monday, the ER ran tests, she's doing well at home"),
    ("es", "mi hijo se golpeó la cabeza el sábado y vomitó, lo vieron en urgencias y ya está en casa jugando"),
    ("es", "a mi papá le dolía el pecho el lunes, lo internaron y se recuperó por completo"),
    ("es", "mi hija no podía respirar el domingo, la atendieron en la guardia y ya está en casa"),
    # screening forms named after the condition
    ("en", "the school sent the Columbia suicide severity screening form, do we fill it out before?"),
    ("en", "can you send the stroke risk screening results to my cardiologist?"),
    ("es", "me mandaron el formulario de evaluación de riesgo de suicidio para la cita de mi hija"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FLAGS, ids=[f"{t[0]}-{i}" for i, t in enumerate(FLAGS)])
def test_the_fifteenth_pass_red_flags_are_found_in_their_category(lang: str, body: str,
                                                                  category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), QUIET, ids=[f"{t[0]}-{i}" for i, t in enumerate(QUIET)])
def test_the_fifteenth_pass_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert _lexicon_flag(body) is None


@pytest.mark.parametrize("body", [
    "one day he said he wanted to kill himself, today he has a gun",
    "si un dia se le tuerce la boca le llamo, y hoy se le torcio la boca y no puede hablar",
    "if one day it comes back I'll call, well today I have crushing chest pain",
    "I went to the ER yesterday because I couldn't breathe and I'm way better now but it's back tonight and worse",
    "mi hijo se golpeó la cabeza el sábado, lo vieron en urgencias y ya está en casa, pero hoy vomitó otra vez y está muy dormido",
    "he was admitted for chest pain last week and he's doing well at home, but tonight the chest pain is back and crushing",
    "i didnt want to die but now i keep thinking about killing myself",
    "no quería morir pero ahora pienso en matarme todos los días",
])
def test_a_day_to_come_or_an_episode_over_does_not_hide_one_now(body: str) -> None:
    assert _lexicon_flag(body) is not None


def test_each_family_has_three_sentences_per_language() -> None:
    per_category: dict[tuple[str, str], int] = {}
    for lang, _body, category in FLAGS:
        per_category[(lang, category)] = per_category.get((lang, category), 0) + 1
    assert all(count >= 3 for count in per_category.values())
    assert {lang for lang, _category in per_category} == {"en", "es"}
