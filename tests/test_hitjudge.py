"""The judge of each lexicon hit (domain/hitjudge.py): its features see the hit's context
and the lexicon's cues, a judge trained on a few hits tells a history from a current one,
its file round-trips, and it never removes a hit of suicide or self-harm."""

from __future__ import annotations

import pytest
from bench import train_hit_judge as training

from cxinbox.domain import hitjudge, redflag


def _current(text: str, current_only: bool = True) -> tuple[str, redflag.Finding, list[redflag.Finding]]:
    findings = redflag.find(text)
    hit = next(f for f in findings if f.status == "current" or not current_only)
    return redflag.fold(text)[0], hit, findings


def test_features_read_the_words_around_the_hit_and_the_lexicons_cues() -> None:
    folded, hit, findings = _current("Back in 2019. I had chest pain, they said.\nAll good now")
    names = hitjudge.feature_names(folded, hit, findings)
    assert f"cat {hit.category}" in names
    assert "h chest" in names
    assert "l0 had" in names and "r0 they" in names
    assert "p 2019" in names and "n good" in names
    folded2, hit2, findings2 = _current("I have chest pain right now")
    assert "l0 have" in hitjudge.feature_names(folded2, hit2, findings2)
    assert any(n.startswith("m current") for n in hitjudge.feature_names(folded2, hit2, findings2))


def test_features_are_the_same_in_every_call() -> None:
    folded, hit, findings = _current("my dad has chest pain and is sweating")
    assert hitjudge.features(folded, hit, findings) == hitjudge.features(folded, hit, findings)


CURRENT = ["I have chest pain right now", "my chest pain started an hour ago",
           "she has chest pain and is sweating", "tengo dolor de pecho ahora mismo"]
TRAPS = ["my grandfather used to get chest pain", "grandpa always had chest pain back then",
         "my grandfather died of chest pain years ago", "mi abuelo tenia dolor de pecho"]


def _trained(threshold: float) -> hitjudge.HitJudge:
    pairs = []
    for texts, label in ((CURRENT, "chest_pain"), (TRAPS, "none")):
        for text in texts:
            read = training.Read(redflag.fold(text)[0], redflag.find(text), False, None)
            pairs += training.hits(read, label)
    assert {y for _f, y in pairs} == {0, 1}
    return training.fit(pairs * 5, threshold)


def test_a_judge_trained_on_a_few_hits_tells_the_grandfathers_from_the_writers() -> None:
    judge = _trained(0.5)
    folded, hit, findings = _current("my grandfather had chest pain", current_only=False)
    assert judge.trap_probability(folded, hit, findings) > 0.5
    folded, hit, findings = _current("I have chest pain now")
    assert judge.trap_probability(folded, hit, findings) < 0.5


def test_suicide_and_self_harm_are_never_vetoed() -> None:
    judge = hitjudge.HitJudge(_trained(0.5).model, 0.0)  # vetoes every other hit
    folded, hit, findings = _current("I want to kill myself")
    assert hit.category == "suicide_self_harm"
    assert not judge.vetoes(folded, hit, findings)
    folded, hit, findings = _current("I have chest pain now")
    assert judge.vetoes(folded, hit, findings)


def test_the_file_round_trips_and_a_damaged_one_is_refused() -> None:
    judge = _trained(0.9)
    again = hitjudge.HitJudge.from_bytes(judge.to_bytes())
    assert again.threshold == 0.9
    assert again.to_bytes() == hitjudge.HitJudge.from_bytes(again.to_bytes()).to_bytes()
    bad = judge.as_dict() | {"bits": 7}
    with pytest.raises(ValueError, match="hit judge"):
        hitjudge.HitJudge.from_dict(bad)


def test_the_shipped_judge_loads_and_triage_keeps_a_plain_emergency() -> None:
    from cxinbox.domain.triage import assess

    judge = hitjudge.shipped()
    assert judge is not None and judge.model.classes == hitjudge.CLASSES
    assert 0.5 < judge.threshold < 1.0
    assert assess("I have crushing chest pain right now").red_flag == "chest_pain"
    assert assess("quiero matarme esta noche").red_flag == "suicide_self_harm"


def _reach(text: str) -> set[str]:
    folded, hit, findings = _current(text, current_only=False)
    return {n for n in hitjudge.feature_names(folded, hit, findings)
            if n.split(" ", 1)[0] in ("t", "tp", "tm", "para", "pos")}


def test_the_judge_reads_time_cues_paragraphs_away_by_side_and_distance() -> None:
    text = ("Form for work\n\nBack in 2019 I went to the ER. Crushing chest pain, the ambulance, "
            "three stents and a long rehab, the works, every bit of it.\n\nI was kept overnight "
            "and I have been fine since then, walking daily. Could the doctor sign the form?")
    names = _reach(text)
    assert "t date<" in names and "t date<a" in names  # the year, just before the hit
    assert "t kept>" in names and "t since_then>" in names  # the ending, a paragraph after
    assert any(n.startswith("t since_then>") and n[-1] in "bc" for n in names)
    assert "t admin>" in names
    assert "para 1 of 3" in names


def test_the_judge_reads_the_tense_of_the_paragraph_and_of_the_message() -> None:
    past = _reach("Years ago my chest pain was bad. I went in, they said it was fine, I walked home.")
    now = _reach("I have chest pain right now, it is crushing and I am sweating, help")
    assert "tp 4" in past and "tm 4" in past
    assert "tp 0" in now and "t now>" in now and "t ask_now>" in now


def test_spanish_time_cues_are_read_too() -> None:
    names = _reach("Hace cinco años tuve dolor de pecho.\n\nMe dejaron internado y desde "
                   "entonces estoy bien. Necesito el formulario.")
    assert {"t years_ago<", "t kept>", "t since_then>", "t admin>"} <= names


def _story(text: str) -> set[str]:
    folded, hit, findings = _current(text, current_only=False)
    return {n for n in hitjudge.feature_names(folded, hit, findings)
            if n.split(" ", 1)[0] in ("x", "ts")}


def test_the_judge_reads_a_story_told_before_the_request_that_is_its_point() -> None:
    story = _story("Hello,\n\nTwo winters ago I had a bad asthma attack, could not breathe at all, "
                   "and they kept me three nights in the ICU. No flares since.\n\n"
                   "Could you renew my inhaler and sign the school form?")
    assert "x anchor years_ago" in story and "x anchor past a" in story
    assert "x resolved after" in story and "x request later" in story
    assert "x story" in story and "x present near False" in story
    now = _story("I can't breathe right now and my lips look blue, what should I do")
    assert "x anchor none" in now and "x present near True" in now
    assert not {"x story", "x resolved after", "x request later"} & now


def test_new_time_cues_name_how_stories_are_told() -> None:
    for text, cue in (("Back in the spring I had chest pain, it went away", "t last_period<"),
                      ("When Ava was two she had chest pain, a long time", "t years_ago<"),
                      ("I had chest pain. The ER said it was reflux.", "t diagnosed>"),
                      ("I had chest pain and they kept him two nights", "t kept>"),
                      ("En mi embarazo anterior tuve dolor de pecho", "t last_period<"),
                      ("I had chest pain, no episodes since", "t since_then>")):
        assert cue in _reach(text), (text, cue)


def test_a_hit_said_to_be_back_now_or_set_against_a_denial_is_never_vetoed() -> None:
    always = hitjudge.HitJudge(_trained(0.5).model, 0.0)  # would veto every other hit
    for text in ("went to the ER Sunday for chest pain, they sent me home, but it's back right now",
                 "No fever, but my chest hurts really bad",
                 "tengo dolor de pecho otra vez, ya me habían visto en urgencias"):
        folded, hit, findings = _current(text)
        assert not always.vetoes(folded, hit, findings), text
    folded, hit, findings = _current("my grandfather had chest pain, it never came back after 1990",
                                     current_only=False)
    assert hitjudge.back_now_after(folded, hit.start, hit.end) is False
