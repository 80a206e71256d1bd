"""Red-flag and intent triage benchmark on the labelled triage sets.

    python bench/bench_triage.py [--data FILE [FILE ...]] [--json] [--show-misses] [--lexicon-only]

Runs the real detector (`cxinbox.domain.triage.assess`) on every message of
bench/data/triage_blind7.jsonl by default (the newest set written blind, scored once at first
contact; every earlier set is in the model's training data and was read while tuning the
lexicon; --data picks others: triage_blind6.jsonl ... triage_blind2.jsonl,
triage_holdout.jsonl, triage_eval.jsonl, triage_dev_extra.jsonl; guide and composition in
bench/data/TRIAGE_EVAL.md) and prints, next to the issue's targets with PASS/MISS:
per category positives, recall, precision, misses and false alarms; overall recall and
precision of the flag decision; the trap false-positive rate per trap kind and overall;
the same per language and channel; per-intent precision/recall/F1, macro-F1 and the commonest
confusions; and detection latency p50/p95/max.

Latency: one untimed pass over the whole set warms caches and lazy loads, then a timed pass
(time.perf_counter around each call) gives both the figures and the predictions scored. If
the two passes disagree on any message the bench says so: a detector must be deterministic.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "bench" / "data" / "triage_blind7.jsonl"

if str(ROOT) not in sys.path:  # run as a script: make `bench.triage_metrics` importable
    sys.path.insert(0, str(ROOT))

from bench.triage_metrics import (
    CATEGORIES,
    Example,
    Prediction,
    Report,
    SetError,
    load_set,
    score,
)

Assess = Callable[..., Any]


def _load_assess(lexicon_only: bool = False) -> Assess:
    """The detector's entry point, or a one-line exit when this tree does not have it yet.
    `lexicon_only`: the lexicons and rules alone (`inspect(..., statistical=False)`)."""
    try:
        module = importlib.import_module("cxinbox.domain.triage")
        assess: Assess = module.assess
        if lexicon_only:
            inspect = module.inspect

            def assess(body: str, **kwargs: Any) -> Any:
                return inspect(body, statistical=False, **kwargs).assessment
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"bench_triage: cannot import cxinbox.domain.triage.assess ({exc})")
    return assess


def _answer(assess: Assess, example: Example) -> tuple[str | None, str, float | None]:
    result = assess(example.body, subject=example.subject, channel=example.channel)
    return result.red_flag, result.intent, getattr(result, "confidence", None)


def run(assess: Assess, examples: Sequence[Example]) -> tuple[list[Prediction], list[str]]:
    """Predictions from the timed pass, and the ids whose answer changed after the warm-up."""
    warm = [_answer(assess, example) for example in examples]
    clock, cpu = time.perf_counter, time.thread_time
    predictions: list[Prediction] = []
    unstable: list[str] = []
    for example, first in zip(examples, warm, strict=True):
        start, start_cpu = clock(), cpu()
        answer = _answer(assess, example)
        elapsed, elapsed_cpu = clock() - start, cpu() - start_cpu
        predictions.append(Prediction(red_flag=answer[0], intent=answer[1], seconds=elapsed,
                                      confidence=answer[2], cpu_seconds=elapsed_cpu))
        if answer != first:
            unstable.append(example.id)
    return predictions, unstable


def decision_points(examples: Sequence[Example]) -> list[tuple[str, float, bool]]:
    """(path, margin, right) of the intent classifier for each example: what the confidence
    curve is fitted on. Reads them by wrapping `intent.classify`, so it works on any tree
    whose classifier reports a path and a margin (run it on the tree *before* a batch was
    tuned against, for figures that were not learnt from)."""
    module = importlib.import_module("cxinbox.domain.intent")
    triage = importlib.import_module("cxinbox.domain.triage")
    original = module.classify
    seen: list[Any] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs)
        seen.append(found)
        return found

    module.classify = spy
    try:
        points = []
        for example in examples:
            result = triage.assess(example.body, subject=example.subject, channel=example.channel)
            points.append((seen[-1].path, seen[-1].margin, result.intent == example.intent))
    finally:
        module.classify = original
    return points


def fit_logistic(points: Sequence[tuple[float, bool]], rounds: int = 4000,
                 step: float = 0.5, ridge: float = 0.05) -> tuple[float, float]:
    """(slope, bias) of P(right) = 1 / (1 + exp(-(slope * margin + bias))), by gradient
    descent on the log loss with a small ridge (few errors must not make it certain)."""
    slope = bias = 0.0
    n = len(points)
    for _ in range(rounds):
        g_slope = ridge * slope
        g_bias = ridge * bias
        for margin, right in points:
            p = 1.0 / (1.0 + math.exp(-(slope * margin + bias)))
            error = p - (1.0 if right else 0.0)
            g_slope += error * margin / n
            g_bias += error / n
        slope -= step * g_slope
        bias -= step * g_bias
    return round(slope, 2), round(bias, 2)


def print_fit(examples: Sequence[Example]) -> None:
    points = decision_points(examples)
    print(f"{len(points)} messages, {sum(1 for *_, r in points if not r)} intents wrong")
    for path in sorted({p for p, _, _ in points}):
        chosen = [(m, r) for p, m, r in points if p == path]
        wrong = sum(1 for _, r in chosen if not r)
        print(f"  {path:<9} n={len(chosen):>4} wrong={wrong:>3} (slope, bias) = "
              f"{fit_logistic(chosen)}")


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.3f}"


def _ids(ids: Sequence[str], limit: int = 20) -> str:
    if not ids:
        return "-"
    shown = ", ".join(ids[:limit])
    return shown if len(ids) <= limit else f"{shown} (+{len(ids) - limit})"


def print_report(report: Report, examples: Sequence[Example], unstable: Sequence[str]) -> None:
    total = len(examples)
    print(
        f"triage eval: {total} messages, {report.overall.positives} red flags, "
        f"{report.overall.traps} traps"
    )
    print()
    print("red flag per category (exact category)")
    print(
        f"{'category':<20} {'pos':>4} {'recall':>6} {'prec':>6} {'traps':>5} {'trapFPR':>7}"
        "  misses / false alarms"
    )
    for name, fig in report.categories.items():
        print(
            f"{name:<20} {fig.positives:>4} {_pct(fig.recall):>6} {_pct(fig.precision):>6}"
            f" {fig.traps:>5} {_pct(fig.trap_fpr):>7}  miss: {_ids(fig.misses)}"
        )
        if fig.false_alarms:
            print(f"{'':<53}false: {_ids(fig.false_alarms)}")
    extra = [name for name in report.categories if name not in CATEGORIES]
    if extra:
        print(f"(unknown categories answered: {', '.join(extra)})")
    print()
    print("flag decision (any category)")
    print(
        f"{'slice':<10} {'pos':>4} {'recall':>6} {'flagged':>7} {'prec':>6} {'traps':>5}"
        f" {'trapFPR':>7}"
    )
    slices = {"all": report.overall, **report.by_lang, **report.by_channel}
    for name, flags in slices.items():
        print(
            f"{name:<10} {flags.positives:>4} {_pct(flags.recall):>6} {flags.flagged:>7}"
            f" {_pct(flags.precision):>6} {flags.traps:>5} {_pct(flags.trap_fpr):>7}"
        )
    print()
    print("traps per kind (red-flag words, no current emergency)")
    for kind, trap in report.trap_kinds.items():
        print(
            f"{kind:<16} {trap.traps:>4} flagged {trap.traps_flagged:>3}  FPR {_pct(trap.trap_fpr)}"
            f"  {_ids(report.trap_flagged_ids[kind])}"
        )
    print()
    print("intent")
    print(f"{'intent':<26} {'n':>4} {'prec':>6} {'recall':>6} {'F1':>6}")
    for label in report.intents.labels():
        row = report.intents.row(label)
        if row["support"] or row["predicted"]:
            print(
                f"{label:<26} {row['support']:>4} {_pct(row['precision']):>6}"
                f" {_pct(row['recall']):>6} {_pct(row['f1']):>6}"
            )
    by_lang = ", ".join(
        f"{lang} {fig.macro_f1():.3f}" for lang, fig in report.intents_by_lang.items()
    )
    print(f"macro-F1 {report.intents.macro_f1():.3f} ({by_lang})")
    confusions = report.intents.top_confusions()
    if confusions:
        print(
            "commonest confusions (gold -> predicted: count): "
            + "; ".join(f"{gold} -> {pred}: {count}" for gold, pred, count in confusions)
        )
    print()
    lat = report.latency_ms
    print(
        f"latency per message: p50 {lat['p50']:.2f} ms, p95 {lat['p95']:.2f} ms, "
        f"max {lat['max']:.2f} ms"
    )
    if report.cpu_ms:
        cpu_ms = report.cpu_ms
        print(f"CPU time per message: p50 {cpu_ms['p50']:.2f} ms, p95 {cpu_ms['p95']:.2f} ms "
              "(wall time above counts waiting on a loaded machine)")
    cal = report.calibration
    if cal:
        print(f"intent confidence: expected calibration error {cal['ece']:.3f}, "
              f"Brier {cal['brier']:.3f}; per bin (confidence -> accuracy, n): "
              + "; ".join(f"{b['confidence']:.2f} -> {b['accuracy']:.2f} ({b['n']})"
                          for b in cal["bins"]))
    if unstable:
        print(f"WARNING: answers changed between warm-up and timed pass: {_ids(unstable)}")
    print()
    print("targets")
    for name, value, op, target, met in report.checks():
        shown = "n/a" if value is None else f"{value:.3f}"
        print(f"  {'PASS' if met else 'MISS'}  {name:<28} {shown:>8} {op} {target:g}")


def wrong_answers(
    examples: Sequence[Example], predictions: Sequence[Prediction]
) -> list[dict[str, str | None]]:
    """Every message whose red-flag answer differs from its label, with its first words."""
    return [
        {
            "id": example.id,
            "kind": "miss" if example.red_flag is not None else "false alarm",
            "gold": example.red_flag,
            "said": prediction.red_flag,
            "head": _head(example.body),
        }
        for example, prediction in zip(examples, predictions, strict=True)
        if prediction.red_flag != example.red_flag
    ]


def print_misses(examples: Sequence[Example], predictions: Sequence[Prediction]) -> None:
    wrong = wrong_answers(examples, predictions)
    for kind in ("miss", "false alarm"):
        print()
        print(f"{kind}es" if kind == "miss" else f"{kind}s", "(id, gold -> said, first 80 chars)")
        for row in wrong:
            if row["kind"] == kind:
                print(f"  {row['id']}  {row['gold']} -> {row['said']}  {row['head']}")


def _head(body: str) -> str:
    return " ".join(body.split())[:80]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", action="extend",
                        help="labelled JSONL sets, scored together (default: "
                             "bench/data/triage_blind7.jsonl); repeat or list several")
    parser.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    parser.add_argument(
        "--fit-calibration", action="store_true",
        help="fit the intent confidence curve per decision path on these sets and print it")
    parser.add_argument(
        "--show-misses",
        action="store_true",
        help="list missed red flags and false alarms with their first words",
    )
    parser.add_argument(
        "--lexicon-only", action="store_true",
        help="the lexicon detector and intent rules alone, without the statistical model")
    args = parser.parse_args(argv)
    examples: list[Example] = []
    seen: set[str] = set()
    for path in args.data or [DEFAULT_SET]:
        try:
            loaded = load_set(path)
        except (OSError, SetError) as exc:
            print(f"bench_triage: cannot read {path}: {exc}", file=sys.stderr)
            return 2
        clash = next((e.id for e in loaded if e.id in seen), None)
        if clash is not None:
            print(f"bench_triage: {path}: id {clash} is already in an earlier file",
                  file=sys.stderr)
            return 2
        seen.update(e.id for e in loaded)
        examples.extend(loaded)
    if str(ROOT / "src") not in sys.path:  # this tree's detector, not an installed copy
        sys.path.insert(0, str(ROOT / "src"))
    assess = _load_assess(args.lexicon_only)
    if args.fit_calibration:
        print_fit(examples)
        return 0
    predictions, unstable = run(assess, examples)
    report = score(examples, predictions)
    if args.json:
        out = report.as_dict()
        out["messages"] = len(examples)
        out["unstable_ids"] = list(unstable)
        if args.show_misses:
            out["wrong"] = wrong_answers(examples, predictions)
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    print_report(report, examples, unstable)
    if args.show_misses:
        print_misses(examples, predictions)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
