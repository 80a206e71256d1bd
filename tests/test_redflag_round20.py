"""The lexicon's twentieth pass: the families blind15 and blind16 (development sets since their
first contact, TRIAGE_EVAL.md "Round 20") left unread, misnamed or read as a false alarm, each
fixed as a family of phrasings in both languages, with sentences of our own here (none is a
line of either set):

- one side of the body not moving said of someone else ("no mueve el lado derecho"); a passive
  wish not to be alive ("sería mejor no estar viva"); a low home oximeter reading; a nurse's
  "not work" (not at work) is no negation;
- a head struck, in shorthand or against a thing, with vomiting or a growing pain; pre-eclampsia's
  sight signs ("ve lucecitas", scotomata) and obstetric shorthand ("G2P1 @ 31w"); heavy bleeding
  said to be now in a pregnancy whose test is dated; a wound that opened and is bleeding now;
- infant fever as an age in months a few words before the reading, or in brackets; a double
  dose told as a count against one or as "doubled up"; a chemical drunk from a drink's bottle;
  a new pill of any kind before a wheeze; "suicides" as a running drill;
- trap families kept quiet: a heater's water that broke, a game that gave chest pains, breath
  lost to laughing or a song's line, a pet's symptoms, a stroke slogan in a signature, a
  questionnaire's item, a brain-injury clinic, a diagnosis quoted from a bill, a cut on the job,
  a relative's habitual allergy or past bleeding, an illness at an age, history told for a form
  after a preamble, a year's when-clause, signs to watch for, denied danger signs after a bump,
  a reading dated by a weekday.

Positives are read with the lexicon and rules alone (no model, no judge), so each case says
what the lexicon itself makes of the pattern; near misses with the lexicon alone and the whole
detector.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import assert_both_languages, assert_quiet, assert_read

from cxinbox.domain.triage import assess

FLAGS = [
    # stroke: one side not moving, said of someone else
    ("es", "mi abuela se desplomó en el baño y no mueve el lado izquierdo, está despierta pero no habla", "stroke"),
    ("es", "che, mi viejo no mueve un lado del cuerpo desde hace un rato, no se golpeó", "stroke"),
    ("en", "my husband collapsed in the garage and isn't moving his right side", "stroke"),
    # suicide: passive ideation
    ("es", "ya no puedo más, a veces pienso que sería mejor estar muerta", "suicide_self_harm"),
    ("es", "creo que sería mejor no despertar mañana, perdón por escribir esto", "suicide_self_harm"),
    ("en", "honestly it would be better for everyone if I wasn't alive", "suicide_self_harm"),
    ("en", "some nights I think it'd be better if I didn't wake up", "suicide_self_harm"),
    # breathing: a low reading; "not work" is where the nurse is, not a negation
    ("en", "my oxygen on the finger thing says 87% and I'm breathing fast", "breathing"),
    ("es", "mi papá está saturando 86 en el oxímetro de casa y respira rápido", "breathing"),
    ("en", "not at work today: short of breath at rest since 5am", "breathing"),
    # head injury
    ("en", "pt me. fell off ladder, struck head on concrete, vomited x3, worsening HA", "head_injury"),
    ("en", "he hit his head on the trailer hitch and it's bleeding a lot and getting worse", "head_injury"),
    ("es", "se golpeó la nuca contra el piso y ya vomitó dos veces", "head_injury"),
    ("es", "me di con el palo de la escalera en la cabeza y me duele cada vez más", "head_injury"),
    # pregnancy: pre-eclampsia's signs, obstetric shorthand, bleeding now
    ("en", "G3P2 @ 34w, BP 165/112 at home and a bad headache", "pregnancy_emergency"),
    ("en", "I'm 30 weeks and seeing spots with a headache that won't go", "pregnancy_emergency"),
    ("es", "estoy de 8 meses, me duele mucho la cabeza y veo lucecitas", "pregnancy_emergency"),
    ("es", "mi esposa tiene 33 semanas y está viendo estrellitas desde la tarde", "pregnancy_emergency"),
    ("en", "pregnant (found out monday) and bleeding heavily now with clots", "pregnancy_emergency"),
    ("es", "embarazada de 6 semanas, la prueba salió positiva el lunes, y estoy sangrando mucho ahora", "pregnancy_emergency"),
    # infant fever: an age, then the reading a few words on; an age in brackets
    ("en", "our 9 mo son, fever 102.4 since noon", "infant_fever"),
    ("es", "gemelos de 10 meses, los dos con fiebre de 39.2", "infant_fever"),
    ("en", "sorry to bother, probably nothing, but the baby (7 months) is 101.8", "infant_fever"),
    ("es", "perdón la hora, el bebé (5 meses) está con 38.9 desde la siesta", "infant_fever"),
    # overdose: a double dose, a chemical in a drink's bottle
    ("en", "I think I doubled up on my lithium this morning, what do I do", "overdose_poisoning"),
    ("es", "creo que dupliqué la dosis de la pastilla de la presión sin querer", "overdose_poisoning"),
    ("en", "so I've had 3 doses today instead of one, is that dangerous", "overdose_poisoning"),
    ("es", "me he tomado 3 pastillas hoy en vez de una, qué hago", "overdose_poisoning"),
    ("en", "my coworker took a swig from a water bottle that had paint thinner in it", "overdose_poisoning"),
    ("es", "mi hijo se tomó de una botella de refresco que tenía cloro", "overdose_poisoning"),
    # anaphylaxis: a new pill of any kind before a wheeze
    ("en", "took the new blood pressure pill an hour ago and now my tongue is thick and I'm wheezing", "anaphylaxis"),
    ("es", "me dieron una pastilla nueva para el dolor y ahora me silba el pecho y se me hinchan los labios", "anaphylaxis"),
    # severe bleeding: a wound that opened, after a dated operation
    ("en", "had my gallbladder out 10 days ago and the wound opened up and it's bleeding a lot", "severe_bleeding"),
    ("es", "me operaron hace dos semanas, se me abrió la herida y está sangrando mucho", "severe_bleeding"),
    # chest pain after a drill called "suicides"
    ("en", "we ran suicides at practice and now my chest is crushing and my left arm is numb", "chest_pain"),
    ("es", "nos pusieron a correr suicidios y ahora tengo un dolor de pecho que no se quita", "chest_pain"),
    # a trap family's words, with the emergency still now: these stay flags
    ("en", "can't breathe lol not joking, my lips are going blue", "breathing"),
    ("en", "cant breathe lol help, lips going blue", "breathing"),
    ("en", "my dog bit me on the hand and I'm bleeding a lot, it won't stop", "severe_bleeding"),
    ("en", "the new pill gave me chest pains and my arm is numb", "chest_pain"),
    ("en", "I cut myself on purpose again last night and it's deep", "suicide_self_harm"),
    ("en", "For the record: in 2019 I had a stroke, and since this morning my left arm is weak again", "stroke"),
    ("en", "my dad had a stroke at 60 and now at 75 his face is drooping again", "stroke"),
    ("es", "mi papá, 80, se cayó y se pegó en la cabeza, no se desmayó pero tiene una herida que sangra", "head_injury"),
    # a preamble before a recent time, a dose, a baby's age now: no history
    ("en", "FYI: 2 hours ago my dad collapsed and can't move his right side", "stroke"),
    ("es", "Para que sepan: hace una hora mi papá se desplomó y no mueve el lado derecho", "stroke"),
    ("en", "FYI: my 5 weeks old baby has 38.9 and won't feed", "infant_fever"),
    ("en", "FYI: I was at work when the crushing chest pain started 20 min ago", "chest_pain"),
    ("en", "FYI, high grade fever in my 2 month old, 39.1", "infant_fever"),
    ("en", "the baby (4 months) had 38.5 on monday, fever gone since tuesday, but today she is 39.4 and floppy", "infant_fever"),
]

TRAPS = [
    # idioms: a heater's water, a game's thrill, a laugh, a song
    ("en", "lol my water broke - the hot water heater, not me. can we push to 4?"),
    ("es", "se rompió la fuente del patio y se inundó todo, llego tarde a la cita"),
    ("en", "that overtime finish gave me chest pains, anyway can I move my appointment"),
    ("es", "el partido de anoche me dio un infarto jaja, ¿tienen cita el lunes?"),
    ("en", "can't breathe lol my kid just told the funniest joke"),
    ("es", "no puedo respirar jajaja con el video que me mandaste, gracias por la cita"),
    ("en", "'I can't breathe' is the only line my daughter sings from that show, see you monday"),
    # a pet's symptoms
    ("en", "oops wrong number, meant for the vet: our dog is coughing again"),
    ("es", "perdón, era para el veterinario: mi gato está vomitando otra vez"),
    # a signature's slogan, a questionnaire's item, a clinic, a quoted diagnosis
    ("en", "Are my labs in? Thanks, Ana | Stroke Awareness Volunteer | Face drooping? Arm weakness? Speech difficulty? Time to call 911"),
    ("es", "¿Ya están mis análisis? Gracias. Rosa, voluntaria | ¿Cara caída? ¿Brazo débil? Llame al 911"),
    ("en", "the school counselor's PHQ-9 question 9 about suicidal thoughts needs your signature, she scored zero"),
    ("es", "el cuestionario PHQ-9 de la escuela, la pregunta 9 sobre hacerse daño, necesita su firma; contestó que no"),
    ("en", "the TBI program wants my records from the old accident, can you fax them?"),
    ("en", 'my statement lists "stroke" as the diagnosis for a visit that was a routine checkup, please fix'),
    ("es", 'mi factura dice "hemorragia" pero fue una consulta normal, ¿la pueden revisar?'),
    # an accident's cut, asked ahead on a blood thinner
    ("en", "if I cut myself on the job on this blood thinner, how long should I hold pressure?"),
    # a relative's habitual allergy, past bleeding, an illness at an age
    ("en", "my grandpa's throat swells up with peanuts, can the kids get tested?"),
    ("es", "a mi cuñado se le cierra la garganta con los mariscos, ¿pueden hacerle la prueba a mi hijo?"),
    ("en", "my aunt and grandma both bled out after their deliveries, should I get checked before mine?"),
    ("es", "mi abuela sangraba mucho con cualquier corte, quiero hacerme estudios"),
    ("en", "dad had a heart attack at 52, crushing chest pain and sweating, so I'd like a cholesterol check"),
    ("es", "mi papá tuvo un derrame a los 58, se le torció la boca y no podía hablar; quiero un chequeo"),
    # history told for a form after a preamble; a year's when-clause
    ("en", "Some background for the disability form: back in 2018 my left arm went numb and my face drooped, and I was in rehab for months."),
    ("en", "For the camp paperwork: in 3rd grade, at the lake, she got stung, her throat swelled and she couldn't breathe. She carries an EpiPen."),
    ("es", "Para que conste en el expediente: en el 2017, cuando trabajaba en la fábrica, me dio un dolor de pecho fuerte y me pusieron un stent."),
    ("es", "Le escribo por una factura del año 2020, cuando tuve la crisis y no podía respirar; ya la pagó el seguro."),
    ("en", "Hi, I need my FMLA form filled. For context: in March 2020, while I was working nights at the plant, I had a seizure and hit my head, and I was in the ICU for a week."),
    ("en", "my water broke!! just kidding, it's the fish tank lol. running late"),
    ("es", "mi perra está sangrando mucho de la pata, ¿atienden animales?"),
    ("en", "Nurse Manager, Stroke Unit | BE FAST: Balance, Eyes, Face drooping, Arm weakness, Speech, Time"),
    # signs to watch for, asked ahead
    ("en", "the leaflet says to watch for suicidal thoughts when she starts the new medication"),
    ("es", "el folleto dice que vigilemos si tiene ideas suicidas con la pastilla nueva"),
    ("es", "¿qué hacer si se le tuerce la boca o no puede hablar? mi mamá vive sola"),
    # a bump with the danger signs denied; a reading dated by a weekday, over since
    ("en", "smacked my head on the car door, didn't pass out, no vomiting, just a lump. ice?"),
    ("es", "me pegué en la cabeza con la alacena, no me desmayé ni vomité, solo un chichón"),
    ("en", "our 4 month old had 38.6 sunday, urgent care checked her, fever gone since monday, follow-up?"),
    ("en", "update: the baby (5 mo) had 38.4 on sunday, seen at urgent care, fever gone since tues. can we move her shots?"),
    ("es", "mi bebé (3 meses) tuvo 38.7 el viernes, lo vieron en urgencias, sin fiebre desde el sábado, ¿cuándo es su cita?"),
    # a drill's name; a nurse off shift; a bottle and bleach apart
    ("en", "my daughter ran suicides at practice and she's fine, just sore, can she get a sports physical?"),
    ("en", "I drank from my water bottle after cleaning the tub with bleach, is my skin ok to touch the baby?"),
    ("en", "I'm 24 weeks and saw a spot on my ultrasound picture, can the doctor explain it at my visit?"),
    ("en", "my oxygen was 97% at the visit, the form needs it"),
    ("en", "sat in traffic for an hour, phone at 85%, running late"),
    ("en", "oxygen tank at 80%, need a refill order"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FLAGS)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert_quiet(body)


def test_denied_danger_signs_do_not_hide_what_comes_after_but() -> None:
    """The list of denied signs sets the bump aside; what the sentence says after "but" is the
    whole detector's to read (the lexicon alone reads no target in "confused")."""
    body = ("hit my head on the cabinet, didn't pass out, no vomiting, but now I'm confused and "
            "can't see straight")
    assert assess(body, channel="sms").red_flag == "head_injury"
    quiet = "hit my head on the cabinet, didn't pass out, no vomiting, just a bruise"
    assert assess(quiet, channel="sms").red_flag is None


@pytest.mark.parametrize(("body", "category"), [
    ("Hoping for a same-day visit. Since yesterday I get winded walking to the mailbox and I have to stop after a few steps.", "breathing"),
    ("¿Tienen cita hoy? Desde anoche me falta el aire al caminar y no puedo dar ni dos pasos sin parar.", "breathing"),
])
def test_breath_too_short_to_walk_is_never_set_aside(body: str, category: str) -> None:
    """A booking request that ends in breath too short to walk a few steps: the hit judge
    reads the request around it as a trap's setting, and may not remove it (round 20)."""
    assert assess(body, subject="Appointment", channel="email").red_flag == category


def test_both_languages_are_covered() -> None:
    assert_both_languages(FLAGS, TRAPS, 10)
