"""The lexicon's sixteenth pass: the kinds of wording our own first-contact batch
(bench/data/triage_dev16.jsonl, TRIAGE_EVAL.md "Round 16") found unread, each fixed as a
family of phrasings in both languages, with sentences of our own here (none is a line of the
batch):

- an episode set aside (over, seen to, dated, a relative's) that a later clause or sentence
  says came back now ("It came back tonight", "pero ahora le volvió el dolor", "hoy le
  regresó"), or that is still bleeding; the hit judge never vetoes such a hit either;
- stroke told in the third person in Spanish ("se le durmió todo el lado izquierdo", "no le
  salen las palabras") and in English ("can't feel the right side of my face", "his left leg
  drags");
- chest pain as "una puntada en el pecho" or "le dolió el pecho", and an ache "in the middle
  of me" that reaches the jaw or the left arm;
- a wish to be dead reported by someone else ("he said he wishes he was dead");
- bleeding that "no le paran de sangrar", a cut still going after minutes of pressure;
- a saturation told with whose it is ("la saturación de mi papá está en 85");
- trap false alarms: "if one day my dad can't talk and his face droops, what do we do?"
  (a conditional about someone else, ended by a question, spans both symptoms); breathless
  from laughing; an inhaler ("la bomba") given twice; a head knock whose scan came back clear
  with no symptoms since.

Read with the lexicon and rules alone (no statistical model, no judge), so each case says
what the lexicon itself makes of the pattern; the judge's guard has its own test.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import assert_read
from tests.support.redflag_rounds import lexicon_flag as _lexicon_flag

from cxinbox.domain import hitjudge, redflag
from cxinbox.domain.triage import inspect

FLAGS = [
    # an episode over or dated, then back now
    ("en", "Had some chest tightness Sunday, it eased off by itself. It's back this afternoon and it's heavier", "chest_pain"),
    ("en", "my mom had chest pain on Tuesday and it went away, but now it came back and she's clammy", "chest_pain"),
    ("en", "I had chest pressure last week that stopped after an hour. It started again tonight, going into my jaw", "chest_pain"),
    ("es", "mi papá tuvo dolor de pecho el lunes, pero ahora le volvió el dolor y está sudando", "chest_pain"),
    ("es", "Tuve dolor en el pecho la semana pasada y se me quitó. Hoy me volvió, más fuerte que antes.", "chest_pain"),
    ("es", "A mi abuela le dolió el pecho el sábado y se le pasó, pero esta tarde le regresó el dolor", "chest_pain"),
    ("en", "my husband had a tooth pulled this morning and it's still bleeding through the gauze", "severe_bleeding"),
    # stroke in the third person
    ("es", "A mi mamá se le durmió todo el lado derecho hace una hora", "stroke"),
    ("es", "mi tío no le salen las palabras desde el almuerzo y tiene la mano torpe", "stroke"),
    ("es", "a mi abuelo se le adormeció el lado izquierdo del cuerpo de golpe", "stroke"),
    ("en", "since lunch I can't feel the left side of my face and my words are slow", "stroke"),
    ("en", "my dad's right leg is dragging all of a sudden and he looks confused", "stroke"),
    ("en", "she's dragging her left foot since she woke up and her smile is off", "stroke"),
    # chest said otherwise
    ("es", "mi papá anda con una puntada en el pecho que no se le pasa", "chest_pain"),
    ("es", "tengo una puntada fuerte en el pecho desde hace media hora", "chest_pain"),
    ("es", "A mi esposo le dolió el pecho toda la mañana y ahora le sube a la quijada", "chest_pain"),
    ("en", "there's a pressure in the middle of me that's going up into my jaw", "chest_pain"),
    ("en", "ache in the center of my chest, and now my left arm feels heavy", "chest_pain"),
    ("en", "dull ache right in the middle of me and my left shoulder since I carried the boxes", "chest_pain"),
    # a wish to be dead, reported
    ("en", "my son told his teacher he wishes he was dead", "suicide_self_harm"),
    ("en", "she said tonight she wished she were dead and went to her room", "suicide_self_harm"),
    ("en", "my brother keeps saying he wishes he was dead, he won't eat", "suicide_self_harm"),
    ("es", "mi hija dice que quisiera estar muerta", "suicide_self_harm"),
    ("es", "mi papá repite que ojalá estuviera muerto, ya no come", "suicide_self_harm"),
    ("es", "mi novio me escribió que quiere estar muerto", "suicide_self_harm"),
    # bleeding
    ("es", "a mi abuela no le paran de sangrar las encías y toma anticoagulante", "severe_bleeding"),
    ("es", "a mi hijo no le dejan de sangrar las rodillas desde que se cayó, ya van tres toallas", "severe_bleeding"),
    ("es", "no me paran de sangrar los puntos de la cirugía del brazo, ya cambié la venda dos veces", "severe_bleeding"),
    ("en", "sliced my finger on a can, it's still going after 20 minutes of pressure", "severe_bleeding"),
    ("en", "his cut won't stop even after ten minutes of pressing on it", "severe_bleeding"),
    ("en", "the wound is still coming despite holding pressure with two towels", "severe_bleeding"),
    # a relative's episode dated minutes or hours ago, or told with a sign of now
    ("en", "my dad had chest pain about an hour ago and he's sweating", "chest_pain"),
    ("en", "my mom had a bad pressure in her chest 20 minutes ago and she's clammy", "chest_pain"),
    ("en", "grandpa had crushing chest pain like half an hour ago, he's grey", "chest_pain"),
    ("es", "a mi papá le dio un dolor en el pecho hace rato y está sudando", "chest_pain"),
    ("es", "mi mamá tuvo un dolor de pecho muy fuerte hace 20 minutos", "chest_pain"),
    ("es", "a mi abuelo le dio un dolor de pecho hace media hora y le sigue", "chest_pain"),
    ("es", "mi esposo siente como que le están apretando el pecho con una mano", "chest_pain"),
    # hanging said in Spanish
    ("es", "mi hijo dice que ya no aguanta más y que se va a colgar", "suicide_self_harm"),
    ("es", "me escribió que se va a ahorcar en el patio", "suicide_self_harm"),
    ("es", "ya no puedo, me voy a colgar esta noche", "suicide_self_harm"),
    # a child's face, lips and eyes said with diminutives
    ("es", "a mi nena se le hinchó la boquita después de comer fresas y tiene ronchas", "anaphylaxis"),
    ("es", "al bebé se le está hinchando la carita después del antibiótico", "anaphylaxis"),
    ("es", "tiene los labiecitos hinchados después de probar el huevo", "anaphylaxis"),
    # an infant's reading said of the age or as where the baby is
    ("en", "my daughter's 11 month old is 102 and won't nurse", "infant_fever"),
    ("en", "our 3 month old is at 38.6 tonight", "infant_fever"),
    ("en", "the 8 week old was 100.9 when I checked just now", "infant_fever"),
    ("es", "mi bebé de 3 meses está en 38.5", "infant_fever"),
    ("es", "la niña de 7 meses anda con 39, no la puedo bajar", "infant_fever"),
    ("es", "mi bebito de 5 semanas sigue en 38.2", "infant_fever"),
    # (from the second and third batches) strength gone from a limb; speech nobody follows
    ("es", "A mi mamá se le fue la fuerza de la mano derecha de repente", "stroke"),
    ("es", "a mi abuelo no le entendemos nada de lo que dice desde hace una hora", "stroke"),
    ("es", "se le está yendo la fuerza del brazo izquierdo y arrastra las palabras", "stroke"),
    ("en", "all the strength went out of his left arm about 20 minutes ago", "stroke"),
    ("en", "the power has gone from her right leg and her face looks off", "stroke"),
    ("en", "strength drained out of my left hand all at once, I can't hold the mug", "stroke"),
    # "mejor se mata"; a nose bleeding for more than half an hour; waters as water
    ("es", "mi papá dice que mejor se mata para no ser una carga", "suicide_self_harm"),
    ("es", "ya no puedo más, mejor me mato", "suicide_self_harm"),
    ("es", "mi hermano repite que mejor se quita la vida", "suicide_self_harm"),
    ("es", "mi hija está echando sangre por la nariz desde hace 40 minutos y no para", "severe_bleeding"),
    ("es", "le sangra la nariz desde hace más de 35 minutos", "severe_bleeding"),
    ("es", "la herida sigue sangrando por más de 45 minutos", "severe_bleeding"),
    ("es", "tengo 33 semanas y me bajó un chorro de agua, no paro de mojarme", "pregnancy_emergency"),
    ("es", "estoy embarazada de 5 meses y estoy botando líquido como agua", "pregnancy_emergency"),
    ("es", "mi esposa tiene 30 semanas y le salió mucha agua de repente", "pregnancy_emergency"),
    ("en", "I'm 32 weeks pregnant and there was a gush of water when I stood up", "pregnancy_emergency"),
    ("en", "30 weeks and I keep leaking clear fluid into my pad", "pregnancy_emergency"),
    ("en", "pregnant, 34 weeks, a trickle of clear fluid won't stop", "pregnancy_emergency"),
    # a header into a goalpost; double vision is no double dose
    ("en", "coach here, a kid took a header into the goalpost and has double vision", "head_injury"),
    ("en", "my son took a header off the top bunk and threw up", "head_injury"),
    ("en", "she took a header down the stairs and is drowsy now", "head_injury"),
    # the left arm and the jaw aching together; words hard to get out; a hand gone to sleep
    ("en", "my left arm and jaw have been aching since I mowed the lawn and I'm sweaty", "chest_pain"),
    ("en", "jaw and left arm hurt when I walk to the mailbox, stops when I sit", "chest_pain"),
    ("en", "his left arm and his jaw feel heavy and sore since lunch", "chest_pain"),
    ("es", "me duelen el brazo izquierdo y la quijada desde que subí la escalera", "chest_pain"),
    ("es", "a mi papá le duelen la mandíbula y el brazo izquierdo y está sudando", "chest_pain"),
    ("es", "le duele el brazo izquierdo y la quijada desde hace media hora", "chest_pain"),
    ("en", "I'm having trouble getting my words out since lunch", "stroke"),
    ("en", "she's struggling to get her words out and her face looks off", "stroke"),
    ("en", "my right hand feels asleep and my speech is a bit slow since 2pm", "stroke"),
    ("en", "dad's on warfarin, cut his arm on the fence, it's still bleeding after an hour of pressure", "severe_bleeding"),
    # a relative's "le dio" told with a sign of now; speech lost; a whole jar; a baby not felt
    ("es", "a mi abuelo le dio un ACV, no puede hablar", "stroke"),
    ("es", "a mi mamá le dio una embolia y está medio ida, no responde", "stroke"),
    ("es", "a mi mamá le agarró un ataque cerebral hace media hora", "stroke"),
    ("es", "mi tía se quedó sin habla de repente y no mueve el brazo", "stroke"),
    ("es", "mi hijo se echó todo el pomo de pastillas de la abuela", "overdose_poisoning"),
    ("es", "el chamo se tomó un poco de creolina del patio", "overdose_poisoning"),
    ("es", "mi papá se tragó medio frasco de pastillas para dormir", "overdose_poisoning"),
    ("es", "mi hermana está embarazada de 7 meses y no siente al bebé desde ayer", "pregnancy_emergency"),
    # a saturation with whose it is
    ("es", "la saturación de mi papá está en 85 y respira rápido", "breathing"),
    ("es", "el oxígeno de mi abuela marca 86", "breathing"),
    ("es", "la saturacion de mi hijo salio de 88 en el oximetro", "breathing"),
    ("en", "the oxygen of my grandpa is at 84 on the finger thing", "breathing"),
    ("en", "sats of my mom read 87 and she's gasping", "breathing"),
    ("en", "oxygen of my husband was 85 a minute ago", "breathing"),
]

QUIET = [
    # the episode did not come back, or came back long ago, or a result "came back"
    ("en", "I had chest pain in 2019, it was reflux, and it hasn't come back. Can I renew my omeprazole?"),
    ("en", "My dad had a stroke in 2015 and it came back in 2017; he needs his disability forms"),
    ("en", "I had chest pain last week, the ER said it was a muscle strain, and the results came back normal"),
    ("es", "Tuve dolor de pecho hace dos años y no me ha vuelto. ¿Me renuevan el omeprazol?"),
    ("es", "A mi mamá le dio un derrame en 2016 y le volvió a dar en 2018; necesito sus papeles"),
    ("es", "Mi papá tuvo dolor de pecho el domingo, en urgencias dijeron que era gastritis y nunca volvió"),
    # words not come, a leg that drags from the knee
    ("es", "no me salen las palabras para agradecerles todo lo que hicieron por mi mamá"),
    ("es", "en la entrevista no me salen las palabras por los nervios, ¿me dan algo?"),
    ("en", "my left leg drags a bit since my knee replacement, can I get more PT visits?"),
    ("en", "his right foot is dragging since the ankle fracture, is the boot still needed?"),
    # a conditional about someone else, ended by a question
    ("en", "If one day my dad can't talk and his face droops, what do we do?"),
    ("en", "if one day my mom gets chest pain and her arm goes numb, should we call you first?"),
    ("en", "What if my son ever swallows a battery and starts vomiting, where do we go?"),
    ("es", "Si algún día a mi papá se le tuerce la boca y no puede hablar, ¿qué hacemos?"),
    ("es", "Si un día mi hija se traga una pila y vomita, ¿adónde la llevo?"),
    ("es", "si algún día a mi mamá le falta el aire y se pone morada, ¿llamamos al 911?"),
    # a relative's episode dated long ago; hanging a medal; a baby's weight
    ("en", "My mom had a heart attack in 2015 and she's doing well, I'm due for my own checkup"),
    ("es", "a mi abuelo le dio un infarto a los 60, ¿cada cuánto me reviso el corazón?"),
    ("es", "mi hijo se va a colgar la medalla el sábado, ¿le dan permiso de faltar a la cita?"),
    ("en", "my 2 month old was 7 pounds at birth, is her weight gain ok?"),
    # an hour ago said of a call, not of the old episode
    ("en", "I had a stroke in 2019 and called an hour ago about my PT forms, nobody answered"),
    ("es", "a mi papá le dio un derrame hace años, hace rato llamé para pedir la cita"),
    ("es", "mi mamá tuvo preeclampsia en su embarazo, y hace rato me dijeron que yo también tengo la presión alta"),
    # crying that won't stop beside a scrape; a voice not understood on the phone
    ("es", "se cayó, se raspó la rodilla, un poco de sangre, no para de llorar"),
    ("es", "no le entiendo lo que dice por teléfono, ¿me pueden llamar?"),
    ("es", "estoy embarazada y tomo mucha agua, ¿está bien?"),
    ("es", "mejor me muero de risa con ese video jaja"),
    # an arm asleep from the couch; jaw and arm after an accident; words hard in public
    ("en", "my left arm fell asleep on the couch and my jaw clicks, can I see the dentist?"),
    ("en", "my jaw and left arm hurt since the car accident, need the PT referral"),
    ("en", "I have trouble getting my words out in front of people, is there speech therapy?"),
    # a relative's stroke that left its mark, dated or not
    ("es", "a mi abuela le dio un derrame en 2010 y no puede hablar bien desde entonces"),
    ("es", "a mi abuelo le dio un derrame y quedó que no puede caminar, necesito la silla de ruedas"),
    # a return to come, as instructions put it
    ("es", "el cardiólogo dijo que si me vuelve la puntada en el pecho me ponga la pastilla, ¿cuántas puedo usar?"),
    ("es", "si le regresa el dolor de pecho al caminar, ¿le damos la nitro o lo llevamos?"),
    # laughing, an inhaler twice, a scan clear
    ("es", "Me quedé sin aire de la risa con el video, gracias jaja"),
    ("es", "de tanto reírnos nos quedamos sin aire en la sala de espera, qué buen equipo"),
    ("es", "le di la bomba dos veces como dijo el doctor y ya respira tranquilo, ¿la cita sigue el jueves?"),
    ("en", "Thanks for seeing my son Friday after he hit his head at hockey. CT was clear, no symptoms since. Can he skate Monday?"),
    ("en", "My daughter bumped her head at gym on Monday, the scan came back clear and she has had no symptoms since. Note for school?"),
    ("es", "Gracias por atender a mi hijo el viernes después del golpe en la cabeza. La tomografía salió normal, sin síntomas desde entonces."),
]


@pytest.mark.parametrize(("lang", "body", "category"), FLAGS, ids=[f"{t[0]}-{i}" for i, t in enumerate(FLAGS)])
def test_the_sixteenth_pass_red_flags_are_found_in_their_category(lang: str, body: str,
                                                                  category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body"), QUIET, ids=[f"{t[0]}-{i}" for i, t in enumerate(QUIET)])
def test_the_sixteenth_pass_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert _lexicon_flag(body) is None


@pytest.mark.parametrize("body", [
    "if my son's lips are turning blue right now should I call 911?",
    "if my dad is slurring his words right now and can't lift his arm, do I call 911?",
    "si mi papá tiene la boca torcida ahorita y no puede hablar, ¿llamo al 911?",
    "si a mi bebé de 2 meses le está dando 38.5 en este momento, ¿lo llevo a urgencias?",
    "I had chest pain in 2019, it went away, but it's back right now and crushing",
])
def test_a_conditional_about_now_or_a_return_stays_a_flag(body: str) -> None:
    assert _lexicon_flag(body) is not None


@pytest.mark.parametrize(("body", "back"), [
    ("I had chest pain last week that went away. It came back tonight.", True),
    ("mi papá tuvo dolor de pecho el martes, pero ahora le volvió", True),
    ("I had chest pain last week that went away and it hasn't come back", False),
    ("I had chest pain in March; the test came back negative", False),
    ("tuve dolor de pecho y me volvió hace dos años", False),
])
def test_comes_back_reads_a_return_now_only(body: str, back: bool) -> None:
    folded = redflag.fold(body)[0]
    start = folded.index("chest pain") if "chest" in folded else folded.index("dolor")
    assert redflag.comes_back(folded, start) is back


def test_the_judge_never_vetoes_a_hit_said_to_be_back() -> None:
    judge = hitjudge.shipped()
    assert judge is not None
    body = ("Two years ago I went to the ER for chest pain, they said it was reflux and sent me "
            "home. I had chest pain last week that went away on its own. It came back tonight.")
    folded = redflag.fold(body)[0]
    findings = redflag.find(body)
    current = [f for f in findings if f.status == "current" and f.category == "chest_pain"]
    assert current, findings
    assert not any(judge.vetoes(folded, f, findings) for f in current)
    assert inspect(body, channel="sms").assessment.red_flag == "chest_pain"


def test_each_family_has_three_sentences_per_language() -> None:
    per_category: dict[tuple[str, str], int] = {}
    for lang, _body, category in FLAGS:
        per_category[(lang, category)] = per_category.get((lang, category), 0) + 1
    assert all(count >= 3 for count in per_category.values()), per_category
    assert {lang for lang, _category in per_category} == {"en", "es"}
