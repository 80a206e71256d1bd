"""The triage bench's arithmetic on tiny hand-made sets whose right figures are worked out below.

A fake `assess` lives only here: the bench itself always runs the real detector.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from bench import bench_triage
from bench.triage_metrics import (
    Example,
    Prediction,
    SetError,
    calibration_summary,
    f1,
    latency_summary,
    load_set,
    percentile,
    score,
)


def ex(
    id: str,
    red_flag: str | None = None,
    *,
    intent: str = "other",
    trap: str | None = None,
    near: str | None = None,
    lang: str = "en",
    channel: str = "sms",
) -> Example:
    return Example(
        id=id,
        lang=lang,
        channel=channel,
        subject="",
        body=f"body of {id}",
        red_flag=red_flag,
        trap=trap,
        trap_category=near,
        intent=intent,
    )


def said(red_flag: str | None, intent: str = "other", ms: float = 0.0) -> Prediction:
    return Prediction(red_flag=red_flag, intent=intent, seconds=ms / 1000)


# Four chest-pain positives (3 right, 1 called breathing), two breathing positives (1 right,
# 1 missed), one ordinary message flagged chest_pain, two traps (one flagged breathing).
EXAMPLES = [
    ex("cp1", "chest_pain"),
    ex("cp2", "chest_pain"),
    ex("cp3", "chest_pain", lang="es"),
    ex("cp4", "chest_pain", lang="es"),
    ex("br1", "breathing"),
    ex("br2", "breathing", lang="es"),
    ex("ord1"),
    ex("trap1", trap="negation", near="chest_pain"),
    ex("trap2", trap="idiom", near="breathing", lang="es"),
]
PREDICTIONS = [
    said("chest_pain"),
    said("chest_pain"),
    said("chest_pain"),
    said("breathing"),
    said("breathing"),
    said(None),
    said("chest_pain"),
    said(None),
    said("breathing"),
]


def test_flag_decision_counts_any_category_as_found() -> None:
    report = score(EXAMPLES, PREDICTIONS)
    # 6 positives, 5 flagged (cp4 as breathing still counts); 8 flags, 5 on positives.
    assert report.overall.positives == 6
    assert report.overall.recall == pytest.approx(5 / 6)
    assert report.overall.flagged == 7
    assert report.overall.precision == pytest.approx(5 / 7)
    assert report.overall.trap_fpr == pytest.approx(1 / 2)


def test_category_figures_want_the_right_category() -> None:
    report = score(EXAMPLES, PREDICTIONS)
    chest = report.categories["chest_pain"]
    assert (chest.positives, chest.recall) == (4, pytest.approx(3 / 4))
    assert chest.precision == pytest.approx(3 / 4)  # cp1-3 right, ord1 wrong
    assert chest.misses == ["cp4"]
    assert chest.false_alarms == ["ord1"]
    breathing = report.categories["breathing"]
    assert breathing.recall == pytest.approx(1 / 2)
    assert breathing.precision == pytest.approx(1 / 3)  # br1 right; cp4 and trap2 wrong
    assert breathing.misses == ["br2"]
    assert breathing.false_alarms == ["cp4", "trap2"]
    assert report.categories["stroke"].recall is None  # no positives: nothing to claim


def test_trap_rates_per_kind_and_per_category_they_imitate() -> None:
    report = score(EXAMPLES, PREDICTIONS)
    assert report.trap_kinds["negation"].trap_fpr == 0.0
    assert report.trap_kinds["idiom"].trap_fpr == 1.0
    assert report.trap_flagged_ids == {"negation": [], "idiom": ["trap2"]}
    assert report.categories["chest_pain"].trap_fpr == 0.0
    assert report.categories["breathing"].traps_flagged == ["trap2"]


def test_per_language_slices() -> None:
    report = score(EXAMPLES, PREDICTIONS)
    en, es = report.by_lang["en"], report.by_lang["es"]
    assert (en.positives, en.found) == (3, 3)
    assert (es.positives, es.found) == (3, 2)
    assert es.precision == pytest.approx(2 / 3)  # cp3, cp4 true; trap2 false
    assert es.trap_fpr == 1.0


def test_intent_precision_recall_f1_and_macro() -> None:
    examples = [
        ex("a", intent="billing_insurance"),
        ex("b", intent="billing_insurance"),
        ex("c", intent="referral"),
        ex("d", intent="referral"),
    ]
    predictions = [
        said(None, "billing_insurance"),
        said(None, "referral"),
        said(None, "referral"),
        said(None, "referral"),
    ]
    report = score(examples, predictions)
    billing = report.intents.row("billing_insurance")
    referral = report.intents.row("referral")
    assert (billing["precision"], billing["recall"]) == (1.0, 0.5)
    assert billing["f1"] == pytest.approx(2 / 3)
    assert (referral["precision"], referral["recall"]) == (pytest.approx(2 / 3), 1.0)
    assert referral["f1"] == pytest.approx(0.8)
    assert report.intents.macro_f1() == pytest.approx((2 / 3 + 0.8) / 2)
    assert report.intents.top_confusions() == [("billing_insurance", "referral", 1)]


def test_intent_never_predicted_scores_zero_f1() -> None:
    report = score(
        [ex("a", intent="other"), ex("b", intent="referral")],
        [said(None, "other"), said(None, "other")],
    )
    assert report.intents.row("referral")["f1"] == 0.0
    assert report.intents.row("referral")["precision"] is None
    assert report.intents.macro_f1() == pytest.approx((f1(0.5, 1.0) + 0.0) / 2)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert percentile(values, 0.50) == 10.0
    assert percentile(values, 0.95) == 19.0
    assert percentile(values, 1.0) == 20.0
    assert percentile([7.0], 0.95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_latency_summary_in_milliseconds() -> None:
    summary = latency_summary([0.001, 0.002, 0.003, 0.004])
    assert summary == {
        "p50": pytest.approx(2.0),
        "p95": pytest.approx(4.0),
        "max": pytest.approx(4.0),
    }
    assert latency_summary([]) == {}


def test_targets_marked_pass_and_miss() -> None:
    examples = [ex(f"p{i}", "stroke") for i in range(10)] + [ex("t", trap="idiom")]
    predictions = [said("stroke", ms=5)] * 9 + [said(None, ms=5), said(None, ms=30)]
    checks = {name: met for name, _v, _op, _t, met in score(examples, predictions).checks()}
    assert checks["recall (any flag)"] is False  # 0.9 < 0.97
    assert checks["recall stroke"] is True  # 0.9 >= 0.9
    assert checks["precision (any flag)"] is True
    assert checks["trap false-positive rate"] is True
    assert checks["latency p95 ms"] is False  # p95 of 11 values is the 11th: 30 ms
    assert "recall chest_pain" not in checks  # no positives, no target


def test_load_set_names_the_bad_line(tmp_path: Path) -> None:
    good = {
        "id": "x",
        "lang": "en",
        "channel": "sms",
        "subject": "",
        "body": "hi",
        "red_flag": None,
        "trap": None,
        "intent": "other",
    }
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + "{not json\n", encoding="utf-8")
    with pytest.raises(SetError, match="line 3"):
        load_set(path)
    path.write_text(json.dumps({**good, "body": 3}) + "\n", encoding="utf-8")
    with pytest.raises(SetError, match="line 1: body"):
        load_set(path)
    path.write_text(json.dumps(good) + "\n", encoding="utf-8")
    assert load_set(path)[0].trap_category is None


@dataclass(frozen=True)
class _Answer:
    red_flag: str | None
    matched: str
    intent: str
    confidence: float
    language: str


def test_bench_runs_any_assess_and_scores_the_timed_pass() -> None:
    """The bench's loop with a stand-in detector: keyword on the body, intents from channel."""
    calls: list[tuple[str, str, str]] = []

    def fake_assess(body: str, *, subject: str = "", channel: str = "email") -> _Answer:
        calls.append((body, subject, channel))
        flag = "chest_pain" if body.endswith("cp1") else None
        return _Answer(flag, "", "other", 0.5, "en")

    examples = [ex("cp1", "chest_pain", channel="email"), ex("cp2", "chest_pain")]
    predictions, unstable = bench_triage.run(fake_assess, examples)
    assert len(calls) == 4  # warm-up and timed pass
    assert calls[1] == ("body of cp2", "", "sms")
    assert [p.red_flag for p in predictions] == ["chest_pain", None]
    assert all(p.seconds > 0 for p in predictions)
    assert unstable == []
    assert bench_triage.wrong_answers(examples, predictions) == [
        {"id": "cp2", "kind": "miss", "gold": "chest_pain", "said": None, "head": "body of cp2"},
    ]


def test_bench_reports_a_detector_that_changes_its_mind() -> None:
    answers = iter(["chest_pain", None])

    def fickle(body: str, *, subject: str = "", channel: str = "email") -> _Answer:
        return _Answer(next(answers), "", "other", 0.5, "en")

    _predictions, unstable = bench_triage.run(fickle, [ex("cp1", "chest_pain")])
    assert unstable == ["cp1"]


def test_bench_says_in_one_line_when_the_detector_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cxinbox.domain.triage", None)  # import now fails
    with pytest.raises(SystemExit) as exit_info:
        bench_triage.main(["--data", str(bench_triage.DEFAULT_SET)])
    message = str(exit_info.value)
    assert message.startswith("bench_triage: cannot import cxinbox.domain.triage.assess")
    assert "\n" not in message


def test_bench_refuses_a_broken_set_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "x"}\n', encoding="utf-8")
    assert bench_triage.main(["--data", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 1: missing" in err
    assert bench_triage.main(["--data", str(tmp_path / "absent.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def _line(id_: str, red_flag: str | None, body: str) -> str:
    return json.dumps({"id": id_, "lang": "en", "channel": "sms", "subject": "", "body": body,
                       "red_flag": red_flag, "trap": None, "intent": "clinical_question"})


def test_bench_scores_several_sets_together_and_refuses_a_repeated_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(_line("a1", "chest_pain", "crushing chest pain right now") + "\n",
                     encoding="utf-8")
    second.write_text(_line("b1", None, "is it normal to feel tired after a cold?") + "\n",
                      encoding="utf-8")
    assert bench_triage.main(["--json", "--data", str(first), str(second)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["messages"] == 2
    assert report["intent_calibration"]["bins"]  # confidences were scored
    second.write_text(_line("a1", None, "hello") + "\n", encoding="utf-8")
    assert bench_triage.main(["--data", str(first), "--data", str(second)]) == 2
    assert "id a1 is already in an earlier file" in capsys.readouterr().err


def test_calibration_summary_measures_the_gap_between_confidence_and_accuracy() -> None:
    perfect = calibration_summary([(0.9, True)] * 9 + [(0.9, False)])
    assert perfect["ece"] == pytest.approx(0.0)
    proud = calibration_summary([(0.95, False)] * 4 + [(0.95, True)] * 6)
    assert proud["ece"] == pytest.approx(0.35)
    assert calibration_summary([]) == {}


def test_the_logistic_fit_rises_with_the_margin_when_wide_margins_are_right() -> None:
    points = [(0.9, True)] * 20 + [(0.2, False)] * 5 + [(0.2, True)] * 5
    slope, _bias = bench_triage.fit_logistic(points)
    assert slope > 0


def test_lexicon_only_reads_without_the_statistical_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--lexicon-only` scores `inspect(..., statistical=False)`: the figures of the lexicon
    and rules alone, the ones each round's lexicon changes are judged by."""
    from cxinbox.domain import triage

    seen: list[object] = []
    real = triage.inspect

    def recording(body: str, **kwargs: object) -> object:
        seen.append(kwargs.get("statistical"))
        return real(body, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(triage, "inspect", recording)
    assess = bench_triage._load_assess(lexicon_only=True)
    found = assess("crushing chest pain since an hour ago", subject="", channel="sms")
    assert found.red_flag == "chest_pain"
    assert seen == [False]
    assert bench_triage._load_assess() is triage.assess
