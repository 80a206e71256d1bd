"""bench/triage_operating_point.py replays the red-flag decision from numbers read once per
message; a replay that drifted from `triage.assess` would make its threshold tables wrong."""

from __future__ import annotations

import pytest
from bench import triage_operating_point as op

from cxinbox.domain import hitjudge, textmodel, triage

MESSAGES = [
    ("my chest is crushing and my left arm is numb", "email"),
    ("I had chest pain in 2015, can you send my records?", "email"),
    ("Ya lo decidí. Le regalé mi gato a mi prima.", "sms"),
    ("can I move my Tuesday appointment to Friday?", "sms"),
    ("The billing office is poisoning my whole week", "email"),
    ("my 4 month old is 38.6 and won't feed", "sms"),
]


@pytest.mark.parametrize(("body", "channel"), MESSAGES)
def test_the_replay_at_the_shipped_thresholds_is_the_detectors_answer(body: str,
                                                                       channel: str) -> None:
    model, judge = textmodel.shipped(), hitjudge.shipped()
    assert judge is not None
    entry = op.read_message(body, "", channel, model, judge)
    expected = triage.assess(body, channel=channel).red_flag
    assert op.decide(entry, judge.threshold, model.threshold) == expected


def test_a_hit_the_judge_may_not_veto_is_kept_at_any_threshold() -> None:
    entry = {"hits": [["suicide_self_harm", 0, op.NEVER]], "model": None}
    assert op.decide(entry, 0.0, 0.6) == "suicide_self_harm"


def test_the_model_needs_both_thresholds_and_its_checks() -> None:
    entry = {"hits": [], "model": ["stroke", 0.5, 0.2, True]}
    assert op.decide(entry, 0.75, 0.6) is None  # 0.5 under the threshold
    assert op.decide(entry, 0.75, 0.5) is None  # 0.2 under half of 0.5
    assert op.decide(entry, 0.75, 0.5, share=0.4) == "stroke"
    entry["model"] = ["stroke", 0.9, 0.9, False]  # its words did not read current
    assert op.decide(entry, 0.75, 0.5) is None


def test_figures_count_recall_precision_and_trap_rate() -> None:
    rows = [
        {"id": "a", "label": "stroke", "trap": None, "hits": [["stroke", 0, 0.1]], "model": None},
        {"id": "b", "label": "stroke", "trap": None, "hits": [["stroke", 0, 0.9]], "model": None},
        {"id": "c", "label": None, "trap": "history", "hits": [["stroke", 0, 0.5]], "model": None},
        {"id": "d", "label": None, "trap": "idiom", "hits": [], "model": None},
    ]
    low = op.figures(rows, 0.75, 0.6)
    assert (low["tp"], low["fp"], low["trap_fp"], low["missed"]) == (1, 1, 1, ["b"])
    assert low["recall"] == 0.5 and low["precision"] == 0.5 and low["trap_fpr"] == 0.5
    strict = op.figures(rows, 0.4, 0.6)
    assert (strict["tp"], strict["trap_fp"]) == (1, 0)
