"""The lexicon's twenty-second pass: the families blind18 (a development set since its first
contact, TRIAGE_EVAL.md "Round 22") left unread, misnamed or read as a false alarm, each fixed
as a family of phrasings in both languages, with sentences of our own here (none is a line of
the set):

- the main family: a question about coming in ("do I need to be seen / come in / go to the ER
  if ...", "¿tengo que ir / hay que llevarlo si ...?") whose condition is happening now: a time
  anchor ("since", "this morning", "an hour after", "desde", "anoche ... hoy"), the present
  progressive ("are swelling", "estoy sangrando", a gerund), the first person's state ("I'm"),
  or the patient's state told after the question ("está llorón", "I feel dizzy"). The true
  hypothetical stays one: "if I ever ...", "si le llega a dar ...", the head after the
  condition, instructions that list "come in if ...", a generic "if a child ...";
- blood and nothing else passed, urine with clots by its verb; not being here next month with
  the decision said; a rescue dose of nitroglycerin (not an overdose); "was fine at my 8am
  check" says when it began; twins named before their age;
- trap families kept quiet: history framed by its own date to the sentence's end (an
  anniversary, years counted since it, "desde que ... en 2016", "back in 2021,", a first
  pregnancy, a school grade), a stay that was for it, a relatives' bleeding disorder, a throat
  closed "once" with something, instructions quoted by a paper, a history named as one, the
  details a form asks of a past event, exhaust choked on in traffic.

Positives are read with the lexicon and rules alone (tests/support/redflag_rounds.py), near
misses with the lexicon alone and the whole detector.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import assert_both_languages, assert_quiet, assert_read

# the main family: a question about coming in, about something happening now
ASKED_NOW = [
    ("en", "do I need to be seen if my chest has been tight since I woke up and it's going into my jaw?", "chest_pain"),
    ("en", "do i need to come in if my throat is closing up an hour after the shrimp?", "anaphylaxis"),
    ("en", "do I need to be seen if I'm bleeding through a pad every hour today? I'm 10 weeks pregnant", "pregnancy_emergency"),
    ("en", "do i need to come in if my 5 week old is 38.4 this morning?", "infant_fever"),
    ("en", "should I come in if I'm struggling to breathe just walking to the bathroom?", "breathing"),
    ("en", "do I need to be seen if my son swallowed a handful of my blood pressure pills this afternoon?", "overdose_poisoning"),
    ("en", "do I need to go in if the cut on my leg is still pouring blood through the towel since lunch?", "severe_bleeding"),
    ("en", "do we need to come in if my dad fell and hit his head last night and today he's confused?", "head_injury"),
    ("en", "do we need to go to the ER if my husband's face is drooping on one side since dinner?", "stroke"),
    ("en", "do I need to be seen if I've been thinking about killing myself since last night?", "suicide_self_harm"),
    ("en", "do i need to come in if i want to kill myself right now?", "suicide_self_harm"),
    ("es", "¿tengo que ir si desde anoche estoy pensando en matarme?", "suicide_self_harm"),
    ("es", "¿tengo que ir si me está doliendo el pecho desde la mañana y se me va al brazo?", "chest_pain"),
    ("es", "¿hay que ir si se me está cerrando la garganta después de comer camarones?", "anaphylaxis"),
    ("es", "¿hay que llevarla si tiene 6 semanas y 38.3 de temperatura? está muy dormida", "infant_fever"),
    ("es", "¿necesito ir si me falta el aire subiendo dos escalones desde ayer?", "breathing"),
    ("es", "¿tengo que ir si mi papá tiene la boca chueca y no puede hablar bien desde la cena?", "stroke"),
    ("es", "¿tengo que ir si estoy sangrando mucho por la herida desde hace una hora?", "severe_bleeding"),
    ("es", "¿hay que ir si mi hijo se tomó unas pastillas de la abuela esta mañana? está muy dormido", "overdose_poisoning"),
    ("es", "¿tengo que ir si mi mamá se cayó y se pegó en la cabeza anoche y hoy vomita?", "head_injury"),
    ("es", "¿tengo que ir si estoy embarazada de 30 semanas y estoy sangrando desde la mañana?", "pregnancy_emergency"),
]

# the other families of blind18's misses
OTHERS = [
    ("es", "desde la operación estoy echando pura sangre roja cuando voy al baño y me mareo", "severe_bleeding"),
    ("en", "since this morning I'm passing straight blood when I go, no stool at all", "severe_bleeding"),
    ("en", "after the cystoscopy he's peeing blood with clots and feels faint", "severe_bleeding"),
    ("es", "mi papá está orinando con coágulos desde la biopsia", "severe_bleeding"),
    ("en", "cancel my therapy, I won't be here next month. I've made up my mind", "suicide_self_harm"),
    ("es", "ya no me manden recordatorios, no voy a estar aquí la semana que viene, ya lo tengo decidido", "suicide_self_harm"),
    ("en", "I used 2 nitro sprays and the pressure in my chest hasn't let up, can you refill them", "chest_pain"),
    ("es", "me puse dos nitroglicerinas y me sigue doliendo el pecho igual", "chest_pain"),
    ("en", "I took 20 of my nitro pills on purpose", "suicide_self_harm"),
    ("en", "mom's face is drooping on the right and her speech is slurred, she was fine at breakfast", "stroke"),
    ("en", "my husband can't lift his left arm and his words are garbled, he was fine when I left for work", "stroke"),
    ("es", "a mi mamá se le cayó la cara de un lado y habla mocho, estaba bien en el desayuno", "stroke"),
    ("en", "the triplets are 4 months and two of them are 38.9 tonight", "infant_fever"),
    ("es", "los gemelos tienen 5 meses y los dos con 39 de fiebre desde la tarde", "infant_fever"),
    # what the history frames ends at a word of now: these stay flags
    ("en", "back in 2021, I had pre-eclampsia with my first. now at 33 weeks my vision is blurry and my head is pounding", "pregnancy_emergency"),
    ("en", "a year ago today my face drooped, and right now it's happening again, my left arm is numb", "stroke"),
    ("en", "it's been five years since my last attempt but tonight I want to die again", "suicide_self_harm"),
    ("es", "desde que me picó la abeja en 2016 cargo el epipen, hoy me picó otra y se me está cerrando la garganta", "anaphylaxis"),
    ("en", "I was discharged from the psych unit on Friday after I was there for suicidal thoughts, and I'm having them again tonight", "suicide_self_harm"),
    ("en", "today I hit my head at practice and threw up twice, my concussion history is on file", "head_injury"),
    ("es", "mi mamá y mi tía tienen hemofilia, y ahora yo estoy sangrando mucho de la nariz y no para", "severe_bleeding"),
    ("es", "salí del hospital el viernes y hoy otra vez quiero matarme", "suicide_self_harm"),
    ("en", "my son is choking on a grape and can't breathe", "breathing"),
    ("en", "the paper says to call if she has a fever, and she has 38.5 right now, she's 6 weeks old", "infant_fever"),
]

TRAPS = [
    # the true hypothetical, a question about coming in or not
    ("en", "what should I do if I ever get chest pain like my dad did?"),
    ("es", "si al bebé le llega a dar fiebre después de las vacunas, ¿lo traigo?"),
    ("en", "do I need to come in if my lips swell after the allergy shot next week?"),
    ("en", "do I need to be seen if I get chest pain during the stress test tomorrow?"),
    ("es", "¿tengo que ir si me empieza a sangrar la herida después de la cirugía del lunes?"),
    ("en", "should we go to the ER if she's ever short of breath again?"),
    ("es", "Los papeles dicen que vaya a urgencias si tengo dolor de pecho o me falta el aire. ¿Eso también aplica al mes que viene?"),
    ("en", "do we need to go to the ER if the baby gets a fever over 100.4 after her shots on monday?"),
    ("es", "¿necesito ir si algún día me falta el aire al caminar como a mi mamá?"),
    ("en", "do i need to come in if my toddler ever swallows a button battery, or can i just call poison control?"),
    # instructions said or quoted by a paper
    ("en", "The sheet says come in if your baby is breathing fast or has a fever over 100.4. Is that the same for his brother?"),
    ("es", "el papel dice que lleve al bebé a urgencias si tiene fiebre de 38 o más. ¿eso aplica a los 2 meses?"),
    ("en", 'the handout says: "Go to the ER if you have chest pain or trouble breathing." can I get a copy in Spanish?'),
    ("es", 'la hoja dice: "vaya a urgencias si tiene sangrado abundante o fiebre". ¿me la mandan por correo?'),
    # near misses of the other families
    ("en", "we bought a pura sangre horse for my daughter, can she still get her tetanus shot Friday?"),
    ("es", "mi abuelo decía que éramos de sangre pura española, ¿necesitan eso para la historia?"),
    ("en", "I won't be here next month, I've decided to move back to Ohio, please send my records"),
    ("es", "no voy a estar aquí el mes que viene, ya lo decidí, me voy de vacaciones a Oaxaca, cancelen la cita"),
    ("en", "my dad was fine at his checkup yesterday, thanks for seeing him"),
    ("en", "the twins are 8 months and have their shots friday, can we do 9am"),
    ("es", "los gemelos tienen 8 meses, ¿me dan cita para la vacuna?"),
    # history framed by its own date, a stay, relatives, a form
    ("en", "in 6th grade I hit my head on the monkey bars and threw up, the camp form asks about it"),
    ("en", "it's been two years since the night I told my therapist I wanted to kill myself. thank you for everything"),
    ("es", "hace un año hoy me dio el derrame en su sala de espera, ya camino sin bastón, gracias por todo"),
    ("es", "con mi primer embarazo, tuve preeclampsia con dolor de cabeza y visión borrosa. quiero planear el segundo"),
    ("en", "my mom and aunt both have hemophilia, they bled for days after dental work. should I be tested?"),
    ("en", "my son's father's throat closed up with shrimp once. does my son need allergy testing?"),
    ("en", "stuck behind a bus, choking on diesel fumes lol, 10 min late"),
    ("en", "the form needs the date and details of my heart attack, can the doctor fill it in and fax it back?"),
    ("es", "salí del hospital el martes después de lo del intento, estoy bien, necesito cita de seguimiento"),
    ("en", "I was admitted for suicidal thoughts last spring and I'm doing well, can I get a letter for work?"),
    ("es", "necesito una referencia a terapia por mi historial de autolesiones, estoy estable hace 2 años"),
    ("en", "it was in March 2018, I woke up and couldn't move my left arm, two weeks in rehab. the DMV form needs the dates"),
]


@pytest.mark.parametrize(("lang", "body", "category"), ASKED_NOW + OTHERS)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert_quiet(body)


def test_the_question_turns_on_what_is_dated_now_not_on_the_symptom() -> None:
    """The same symptom in the same question: a report when the condition is dated now, a
    hypothetical when it is not (the cue is the tense and the time, not a word list)."""
    assert_read("do i need to come in if my lips are swelling an hour after the new antibiotic?", "anaphylaxis")
    assert_quiet("do i need to come in if my lips ever swell after the new antibiotic?")
    assert_read("¿tengo que ir si estoy sangrando por la nariz desde hace dos horas y no para?", "severe_bleeding")
    assert_quiet("¿tengo que ir si me llega a sangrar la nariz después de la cirugía?")


def test_both_languages_are_covered() -> None:
    assert_both_languages(ASKED_NOW, TRAPS, 10)
