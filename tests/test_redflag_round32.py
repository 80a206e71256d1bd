"""Round 32's trap kinds (TRIAGE_EVAL.md, "Round 32: suicide/self-harm"): a fever named by
a daycare's plan or told as common after a shot, a fever threshold asked about, babies a
relative lost, a relative's pregnancy told by which baby it was, a relative's advice about
what would count, a list of signs asked for, a pregnancy panel named by its condition. Each stays quiet by its kind; the same words told
as happening now still flag. Sentences of our own, none a line of any labelled set, read by
the whole detector (triage.assess), in English and Spanish.
"""

from __future__ import annotations

import pytest

from cxinbox.domain import redflag, triage

QUIET = [
    # a form or a plan named by a fever; a panel named by preeclampsia
    ("en", "daycare wants the fever care plan filled out for our 5 month old, he's healthy, just paperwork"),
    ("es", "la guardería necesita un plan de fiebre firmado para mi niña de 7 meses, está bien"),
    ("en", "can you send my preeclampsia urine panel results from Monday?"),
    # a fever told as common after a shot, in someone's words; a threshold asked about
    ("en", "the clinic told us a fever after the shots is common, is the 4 month visit billed separately for my baby?"),
    ("es", "¿con cuánta fiebre tengo que llevar a mi bebé de 3 meses a urgencias? ahorita no tiene nada"),
    # babies a relative lost; a relative's advice; a list of signs asked for
    ("en", "my aunt lost two babies to placenta previa, I'm 10 weeks and want to book my first visit, feeling fine"),
    ("es", "mi suegra dice que si sangro o si el bebé no se mueve hay que ir al hospital, tengo 20 semanas y estoy bien"),
    ("en", "I'm 26 weeks, all good so far. what should make me go to L&D right away? bleeding, what else."),
    # a relative's pregnancy told by which baby it was
    ("en", ("my sister had an abruption with her second baby and lost a lot of blood, I'm 9 weeks and "
            "feeling fine, booking my first visit")),
    ("es", ("mi hermana tuvo desprendimiento de placenta con su segundo bebé y sangró muchísimo, yo tengo "
            "10 semanas y estoy bien, quiero cita")),
]

STILL_FLAGGED = [
    ("en", "pregnancy_emergency", "I'm 30 weeks and bleeding a lot right now, soaking a pad an hour"),
    ("en", "pregnancy_emergency", "my wife is bleeding a lot with her second pregnancy, 20 weeks, what do we do"),
    ("es", "pregnancy_emergency", "mi esposa está sangrando mucho con su segundo embarazo, tiene 20 semanas"),
    ("es", "pregnancy_emergency", "tengo 28 semanas y estoy sangrando mucho ahorita, ¿voy a urgencias?"),
    ("en", "infant_fever", "my 6 week old has a fever of 38.6 since this morning and won't feed"),
    ("es", "infant_fever", "mi bebé de 2 meses tiene 38.7 de fiebre desde anoche y no quiere comer"),
]


@pytest.mark.parametrize(("lang", "body"), QUIET)
def test_round32_trap_kinds_stay_quiet(lang: str, body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag is None, (lang, body)
    # the lexicon itself reads the kind, not only the model and the judge after it
    assert [f.category for f in redflag.find(body) if f.status == "current"] == [], (lang, body)


@pytest.mark.parametrize(("lang", "category", "body"), STILL_FLAGGED)
def test_round32_the_same_words_now_still_flag(lang: str, category: str, body: str) -> None:
    assert triage.assess(body, channel="sms").red_flag == category, (lang, body)


def test_round32_covers_both_languages() -> None:
    assert {lang for lang, _ in QUIET} == {"en", "es"}
    assert {lang for lang, _, _ in STILL_FLAGGED} == {"en", "es"}
