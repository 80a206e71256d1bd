"""Round 28's retrained statistical model, shipped at threshold 0.6 with four families of its
near misses set aside (TRIAGE_EVAL.md, "Model retrained and shipped (round 28)"), each as a
family of phrasings in both languages with sentences of our own (none is a line of a set):

- (a) the writer says they are well now ("ya me siento mejor", "all better, cancel my
  appointment", "se me pasó"): a hit of the model alone is not current. A resolution never
  sets aside a lexicon hit of an emergency told in the same message ("se me pasó el dolor
  de pecho pero ahora no puedo respirar"), nor a better spell told beside a decision or a
  goodbye, nor an episode of today that eased;
- (b) medicines or chemicals told stored, kept, locked up, put away or counted, nobody
  having taken them ("las pastillas de hierro de la abuela están guardadas arriba", "I keep
  my pills in the kitchen"), against a current ingestion ("the pills she keeps upstairs are
  gone and she's sleepy"); pills counted or kept ready for a purpose stay self-harm's means;
- (c) a decision or an apology told with its ordinary object ("we're going with the other
  surgeon", "texted that he's sorry he's late for his appt"): a thought of self-harm read by
  the model alone is set aside, never beside a goodbye or the means;
- (d) a negation that is the symptom itself ("no se despierta bien", "no encuentra las
  palabras", "won't wake up"): a word the model leans on inside it reads current, not
  denied (two red flags of the fitted sets the retrained model had lost that way).

The cues of (a)-(c) are read by the model's gate only (triage.set_aside): each family's words are
checked on their own (redflag.resolved_now, redflag.stored_not_taken, redflag.ordinary_reason,
redflag.negation_is_symptom), the positives with the
whole detector (and with the lexicon alone where it is the lexicon that reads them), the near
misses quiet under the lexicon alone and the whole detector.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import assert_quiet, assert_read

from cxinbox.domain import redflag, triage
from cxinbox.domain.triage import assess

# (a) a resolution does not silence a current emergency the lexicon reads
RESOLVED_BUT_CURRENT = [
    ("es", "se me pasó el dolor de pecho pero ahora no puedo respirar", "breathing"),
    ("en", "felt better this morning but now the chest pain is back", "chest_pain"),
    ("en", "I felt fine for an hour but now the chest pain is back and it's crushing", "chest_pain"),
    ("es", "ya me siento mejor del estómago pero ahora tengo dolor de pecho muy fuerte", "chest_pain"),
    ("en", "all better from the flu, but my husband just collapsed and isn't breathing", "breathing"),
    ("es", "ya se me quitó la gripa, pero ahorita mi bebé de 2 meses tiene 39 de fiebre", "infant_fever"),
    ("en", "I feel fine now, my arm went numb and my speech was slurred an hour ago", "stroke"),
]

# (b) medicines stored, then taken: the whole detector flags
STORED_BUT_TAKEN = [
    ("en", "the pills she keeps upstairs are gone and she's sleepy", "overdose_poisoning"),
    ("en", "I keep my pills in the kitchen and my toddler got into them, he swallowed some", "overdose_poisoning"),
    ("es", "las pastillas que la abuela guarda arriba no están y el niño está muy somnoliento", "overdose_poisoning"),
    ("es", "guardo mis pastillas en el cajón y mi hijo se tomó varias, está vomitando", "overdose_poisoning"),
]

RESOLVED_TRAPS = [
    ("es", "cancelen mi cita, ya no la voy a necesitar, ya me siento mejor"),
    ("es", "ya no necesito la cita, se me pasó todo, muchas gracias"),
    ("es", "ya me siento mucho mejor, cancelen la consulta del jueves por favor"),
    ("es", "ya estoy bien, no voy a ir mañana, gracias por todo"),
    ("en", "all better, cancel my appointment"),
    ("en", "I feel fine now, please cancel tomorrow's visit, I won't need it"),
    ("en", "I'm much better now, you can give my slot to someone else"),
    ("en", "feeling a lot better, no need for the follow up call"),
]

STORED_TRAPS = [
    ("es", "las pastillas de hierro de la abuela están guardadas arriba"),
    ("es", "guardo mis medicinas en el botiquín del baño, ¿cuál es la mejor temperatura?"),
    ("es", "el cloro y los productos de limpieza están bajo llave en la alacena"),
    ("en", "I keep my pills in the kitchen, is that ok or should they be somewhere cooler?"),
    ("en", "I keep my pills in the kitchen"),
    ("en", "the meds are locked in the cabinet since the grandkids started visiting"),
    ("en", "mom's blood pressure pills are stored upstairs in her pill organizer"),
    ("en", "we count her pain pills every night, the bottle is locked up high"),
]


@pytest.mark.parametrize(("lang", "body", "category"), RESOLVED_BUT_CURRENT)
def test_a_resolution_never_silences_a_current_emergency(lang: str, body: str,
                                                          category: str) -> None:
    assert_read(body, category)
    assert assess(body, channel="sms").red_flag == category, body


@pytest.mark.parametrize(("lang", "body", "category"), STORED_BUT_TAKEN)
def test_medicines_stored_then_taken_still_flag(lang: str, body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, body
    folded, _ = redflag.fold(body)
    assert redflag.stored_not_taken(folded, 0) is None, body


@pytest.mark.parametrize(("lang", "body"), RESOLVED_TRAPS)
def test_a_resolution_said_now_keeps_the_model_quiet(lang: str, body: str) -> None:
    folded, _ = redflag.fold(body)
    assert redflag.resolved_now(folded) is not None, body
    assert_quiet(body)


@pytest.mark.parametrize(("lang", "body"), STORED_TRAPS)
def test_medicines_told_stored_keep_the_model_quiet(lang: str, body: str) -> None:
    folded, _ = redflag.fold(body)
    assert redflag.stored_not_taken(folded, folded.index(_medicine_word(folded))) is not None, body
    assert_quiet(body)


def _medicine_word(folded: str) -> str:
    return next(w for w in ("pastillas", "medicinas", "cloro", "pills", "meds") if w in folded)


@pytest.mark.parametrize("body", [
    "ya me siento mejor, ya tomé la decisión",
    "I feel better now that I've decided, thank everyone for me",
    "me siento en paz, ya me siento mejor, dejé una carta",
    "am I better? the pain comes and goes",
    "if I feel better tomorrow can I cancel?",
    "I feel fine but my chest is tight",
    "ya me siento mejor pero sigo sangrando",
    "my face drooped an hour ago, I'm fine now",
    "se me pasó hace un rato, ya estoy bien",
])
def test_what_is_no_resolution(body: str) -> None:
    folded, _ = redflag.fold(body)
    assert redflag.resolved_now(folded) is None, body


@pytest.mark.parametrize("body", [
    "I keep my pills in the kitchen and I've been saving them up",
    "guardo mis pastillas en el cajón, las estoy juntando",
    "the pills are locked in the cabinet but the bottle is empty",
])
def test_stored_medicines_saved_up_or_missing_are_not_set_aside(body: str) -> None:
    folded, _ = redflag.fold(body)
    assert redflag.stored_not_taken(folded, 0) is None, body


def test_the_stored_family_holds_poisoning_and_self_harm_only() -> None:
    folded, _ = redflag.fold("I keep my pills in the kitchen")
    assert triage.set_aside(folded, "overdose_poisoning", 0)
    assert triage.set_aside(folded, "suicide_self_harm", 0)
    assert not triage.set_aside(folded, "chest_pain", 0)


@pytest.mark.parametrize(("lang", "body"), [
    ("en", "I keep all my pills in one drawer now so I can take them all at once tonight"),
    ("en", "i count my pills every night and think about how many it would take"),
    ("es", "tengo mis pastillas guardadas en el cajón para cuando me decida"),
    ("es", "cuento mis pastillas cada noche, pienso en cuántas harían falta"),
])
def test_pills_kept_ready_are_the_means_not_a_store(lang: str, body: str) -> None:
    # pills counted or kept ready for a purpose: a thought of self-harm, never set aside
    folded, _ = redflag.fold(body)
    assert redflag.stored_not_taken(folded, 0) is None, body
    assert assess(body, channel="sms").red_flag == "suicide_self_harm", body


# (c) a decision or an apology told with its ordinary object (a change of doctor, a late
# arrival): what the model alone reads as a farewell is set aside; never beside a goodbye or
# the means, and never a lexicon hit
ORDINARY_TRAPS = [
    ("en", "I've decided, we're going with the other surgeon, so we won't need the appointment"),
    ("en", "my husband is on the bridge crew today and texted that he's sorry he's late for his appt"),
    ("en", "we decided to switch to another pediatrician closer to home, please send the records"),
    ("es", "ya lo decidimos, nos vamos con el otro cirujano, cancelen la cita"),
    ("en", "so sorry, have to cancel today, my kid is sick"),
    ("es", "perdón, tengo que cancelar la cita de hoy, mi hija está enferma"),
    ("es", "mi esposo está en el puente con su cuadrilla y me escribió que lo siente, llega tarde a la cita"),
]

ORDINARY_BUT_CURRENT = [
    ("en", "sorry I'm late with the forms, I decided I can't go on like this", "suicide_self_harm"),
    ("en", "my son is sitting on the railroad bridge and keeps texting me he's sorry", "suicide_self_harm"),
    ("es", "perdón por llegar tarde a la cita, ya no quiero vivir", "suicide_self_harm"),
    ("en", "cancel my appointment, my kid is sick of me and I won't be around much longer", "suicide_self_harm"),
    ("es", "no me manden más la receta de las pastillas para dormir, ya tengo suficientes guardadas para lo que voy a hacer", "suicide_self_harm"),
    ("en", "been counting my sleeping pills in the drawer every night and thinking of swallowing every one", "suicide_self_harm"),
]


@pytest.mark.parametrize(("lang", "body"), ORDINARY_TRAPS)
def test_a_decision_or_an_apology_with_its_ordinary_object_keeps_the_model_quiet(
        lang: str, body: str) -> None:
    folded, _ = redflag.fold(body)
    assert redflag.ordinary_reason(folded) is not None, body
    assert_quiet(body)


@pytest.mark.parametrize(("lang", "body", "category"), ORDINARY_BUT_CURRENT)
def test_a_goodbye_or_the_means_still_flags(lang: str, body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, body


# (d) a negation that is the symptom itself: the model's word inside it is not denied
@pytest.mark.parametrize(("body", "word"), [
    ("mi abuelo se tomó todo el frasco y ahora no se despierta bien", "despierta"),
    ("mi mamá no encuentra las palabras desde la comida", "palabras"),
    ("he took a bunch of his mom's pills and won't wake up", "wake"),
    ("my wife can't find her words since lunch and her hand is weak", "words"),
])
def test_a_negation_that_is_the_symptom_is_not_a_denial(body: str, word: str) -> None:
    folded, _ = redflag.fold(body)
    start = folded.index(word)
    assert redflag.negation_is_symptom(folded, start, start + len(word)), body


@pytest.mark.parametrize(("body", "word"), [
    ("no tengo dolor de pecho, solo preguntaba por la cita", "pecho"),
    ("he didn't take any of the pills, we counted them", "pills"),
    ("she is not confused and her words are fine", "words"),
])
def test_an_ordinary_negation_still_denies(body: str, word: str) -> None:
    folded, _ = redflag.fold(body)
    start = folded.index(word)
    assert not redflag.negation_is_symptom(folded, start, start + len(word)), body


def test_both_languages_are_covered() -> None:
    for cases in (RESOLVED_BUT_CURRENT, STORED_BUT_TAKEN, RESOLVED_TRAPS, STORED_TRAPS,
                  ORDINARY_TRAPS, ORDINARY_BUT_CURRENT):
        assert {case[0] for case in cases} == {"en", "es"}
