"""The lexicon's twenty-first pass: the families blind17 (a development set since its first
contact, TRIAGE_EVAL.md "Round 21") left unread, misnamed or read as a false alarm, each fixed
as a family of phrasings in both languages, with sentences of our own here (none is a line of
the set):

- stroke: sight lost suddenly in one eye; double vision with the balance lost, the head not
  struck ("I haven't hit my head" is a denial);
- suicide: care cancelled because one does not plan to be alive; a recurring thought of
  driving into something asked as "is it normal";
- pregnancy: a seizure in a pregnancy, even one said to be over (eclampsia);
- severe bleeding: a socket, a biopsy or a wound that has bled without stopping for hours,
  gauze soaked every few minutes, asked as "do I need to come in";
- infant fever: a NICU graduate, a preemie, an age corrected for prematurity;
- breathing: after choking on something (not a reaction), an asthmatic child's wheeze the
  inhaler did not ease (not a stroke); head injury: a struck head asked as "do I need to get
  checked" with the blow dated an hour back;
- trap families kept quiet: a campaign's "learn a stroke's signs", a past psych stay told for
  context, a medicine leaflet's suicidality warning, the examples after a question about signs,
  a poison centre that already said all is fine, an office's "baby" and a holiday's "fever", a
  past pregnancy dated by its year, a relative's standing allergy, a name that is no panting.

Positives are read with the lexicon and rules alone (no model, no judge), so each case says
what the lexicon itself makes of the pattern; near misses with the lexicon alone and the whole
detector.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import assert_both_languages, assert_quiet, assert_read
from tests.support.redflag_rounds import lexicon_flag as _lexicon_flag

FLAGS = [
    # stroke: sight gone suddenly in one eye
    ("en", "this morning out of nowhere I can't see out of my right eye, like a curtain came down", "stroke"),
    ("en", "my dad woke up and lost the vision in his left eye, it's just black", "stroke"),
    ("es", "de repente no veo nada de un ojo, el izquierdo, no me duele", "stroke"),
    ("es", "mi mamá amaneció y perdió la vista del ojo derecho", "stroke"),
    # stroke: double vision with the balance lost, the head denied
    ("en", "seeing double since lunch and I keep leaning to one side. I haven't hit my head", "stroke"),
    ("es", "desde la mañana veo doble y me voy de lado al caminar, no me golpeé", "stroke"),
    # suicide: care cancelled because one will not be alive; a recurring thought asked about
    ("en", "cancel my refill please, I'm not planning on being alive next week", "suicide_self_harm"),
    ("en", "is it normal to keep thinking about driving off the bridge on the way home?", "suicide_self_harm"),
    ("es", "cancelen mi cita del lunes, no pienso estar viva para entonces", "suicide_self_harm"),
    ("es", "¿es normal pensar en estrellar el carro contra un poste todos los días?", "suicide_self_harm"),
    # pregnancy: a seizure, even one said to be over
    ("es", "mi esposa tiene 7 meses de embarazo, le dio una convulsión, ya se le pasó pero está confundida", "pregnancy_emergency"),
    ("en", "my wife is 32 weeks pregnant and had a seizure, it stopped but she's confused", "pregnancy_emergency"),
    # severe bleeding: a procedure's site that has not stopped
    ("en", "do I need to come in when my biopsy site has bled nonstop since noon?", "severe_bleeding"),
    ("en", "after the extraction I'm soaking through the gauze every 10 minutes", "severe_bleeding"),
    ("es", "me sacaron la muela ayer y sigue sangrando sin parar, empapo la gasa cada 10 minutos", "severe_bleeding"),
    # infant fever: a NICU graduate, a preemie, a corrected age
    ("en", "our son came home from the NICU last week. tonight his temp is 38.2", "infant_fever"),
    ("en", "preemie, 2 months corrected, temp 38.3 rectal", "infant_fever"),
    ("es", "mi bebé prematura tiene 38.4 de temperatura", "infant_fever"),
    ("es", "gemelos de 3 meses corregidos, uno tiene fiebre de 38.5", "infant_fever"),
    # breathing: after choking, and a wheeze the inhaler did not ease
    ("en", "he choked on a grape, coughed it out, but now he's breathing noisy and his lips look blue. no allergies", "breathing"),
    ("es", "se atragantó con un dulce y ahora respira con ruido y está morado", "breathing"),
    ("en", "my asthmatic son is wheezing, gave him the inhaler 4 times and he can't talk in full sentences", "breathing"),
    ("es", "mi niña con asma tiene silbido en el pecho, el inhalador no le hizo nada y no puede hablar", "breathing"),
    # head injury: a struck head asked about, dated an hour back
    ("en", "do I need to get checked if I hit my head on the cupboard an hour ago and I'm dizzy and throwing up?", "head_injury"),
    ("es", "¿tengo que ir si me pegué en la cabeza con la puerta hace una hora y vomité?", "head_injury"),
]

TRAPS = [
    # a campaign's line about a stroke's signs
    ("es", "CENTRO MÉDICO: Aprenda a reconocer un infarto y un derrame. Vacunas gratis el sábado.", "stroke"),
    ("en", "Clinic news: know the signs of a stroke this winter. Flu shots available Saturday.", "stroke"),
    # a past stay told for context
    ("en", "I was admitted for a week after I told my therapist I was thinking of ending it. home now, safety plan in place, need a follow up", "suicide_self_harm"),
    ("es", "estuve internada una semana después de que le dije a mi terapeuta que pensaba quitarme la vida. ya estoy en casa y estable", "suicide_self_harm"),
    # a medicine's warning
    ("en", "my son starts sertraline. the leaflet has a warning about suicidal thoughts, what should we watch for?", "suicide_self_harm"),
    ("es", "el prospecto trae una advertencia sobre pensamientos suicidas, ¿qué vigilamos? ella está bien", "suicide_self_harm"),
    # examples after a question about signs, while fine
    ("en", "I'm 30 weeks and fine. which symptoms mean I should call? like bleeding or the baby moving less?", "pregnancy_emergency"),
    ("es", "estoy de 28 semanas y bien. ¿qué síntomas son para ir a urgencias? ¿como sangrado o que el bebé no se mueva?", "pregnancy_emergency"),
    # a poison centre already called, all fine
    ("en", "we called poison control about the crayon he chewed, they said he's fine", "overdose_poisoning"),
    ("es", "hablamos con el centro de control de intoxicaciones por la crema que probó, dijeron que no pasa nada", "overdose_poisoning"),
    # an office's baby, a holiday's fever
    ("es", "el bebé de la oficina, la app nueva, tiene calentura otra vez jaja", "infant_fever"),
    ("en", "the whole office has holiday fever, can someone still answer the phones?", "infant_fever"),
    # a past pregnancy dated by its year
    ("en", "for my work form: in my pregnancy in 2019 I bled a lot and was admitted. my son is 6 now", "pregnancy_emergency"),
    ("es", "para el seguro: durante mi embarazo de 2018 sangré mucho, ya tengo a mi hija de 7", "pregnancy_emergency"),
    # a relative's standing allergy
    ("en", "my brother is anaphylactic to shellfish. should I be tested before I try shrimp?", "anaphylaxis"),
    ("es", "mi hermana es alérgica al cacahuate, una vez se le cerró la garganta. ¿deben hacerse pruebas mis hijos?", "anaphylaxis"),
    # a name that sounds like panting; a throat swab's result
    ("en", "did jaden's strep swab come back? the pharmacy is waiting", "breathing"),
    ("es", "¿ya salió el resultado de la prueba de estreptococo de jaden?", "breathing"),
    # an eye without glasses, double vision from tired eyes, alive as an exasperation
    ("en", "I can't see out of my left eye without my readers, need a new prescription", "stroke"),
    ("es", "no veo nada de un ojo sin mis lentes, ¿me dan cita para graduarlos?", "stroke"),
    ("en", "at this rate I won't be alive by the time the billing office calls back lol", "suicide_self_harm"),
    # a seizure history before a pregnancy; a socket that bled a little and stopped
    ("en", "I had seizures as a kid, now 12 weeks pregnant, can I stay on my keppra?", "pregnancy_emergency"),
    ("es", "la muela me sangró un poquito y ya paró con la gasa, ¿es normal?", "severe_bleeding"),
    # a NICU nurse with a fever of her own
    ("en", "I'm a NICU nurse and I have a fever of 38.3, can I still come for my physical?", "infant_fever"),
]


@pytest.mark.parametrize(("lang", "body", "category"), FLAGS)
def test_the_lexicon_reads_the_family(lang: str, body: str, category: str) -> None:
    assert_read(body, category)


@pytest.mark.parametrize(("lang", "body", "category"), TRAPS)
def test_the_near_misses_stay_quiet(lang: str, body: str, category: str) -> None:
    assert_quiet(body)


def test_a_seizure_in_a_pregnancy_said_to_be_over_stays_a_flag() -> None:
    """Eclampsia: the seizure is the emergency even once it has passed ("ya se me pasó"); a
    seizure that ended years before the pregnancy is not (among the near misses above)."""
    now = "tengo 30 semanas, tuve una convulsión hace un rato, ya se me pasó pero me duele la cabeza"
    assert _lexicon_flag(now) == "pregnancy_emergency"


def test_both_languages_are_covered() -> None:
    assert_both_languages(FLAGS, TRAPS, 7)
