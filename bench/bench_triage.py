"""Red-flag and intent triage benchmark on the held-out labelled set.

    python bench/bench_triage.py [--data FILE [FILE ...]] [--json] [--show-misses]

Runs the real detector (`cxinbox.domain.triage.assess`) on every message of
bench/data/triage_eval.jsonl (written for this bench; the labelling guide and composition are
in bench/data/TRIAGE_EVAL.md) and prints, next to the issue's targets with PASS/MISS:
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
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "bench" / "data" / "triage_eval.jsonl"

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


def _load_assess() -> Assess:
    """The detector's entry point, or a one-line exit when this tree does not have it yet."""
    try:
        module = importlib.import_module("cxinbox.domain.triage")
        assess: Assess = module.assess
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"bench_triage: cannot import cxinbox.domain.triage.assess ({exc})")
    return assess


def _answer(assess: Assess, example: Example) -> tuple[str | None, str]:
    result = assess(example.body, subject=example.subject, channel=example.channel)
    return result.red_flag, result.intent


def run(assess: Assess, examples: Sequence[Example]) -> tuple[list[Prediction], list[str]]:
    """Predictions from the timed pass, and the ids whose answer changed after the warm-up."""
    warm = [_answer(assess, example) for example in examples]
    clock = time.perf_counter
    predictions: list[Prediction] = []
    unstable: list[str] = []
    for example, first in zip(examples, warm, strict=True):
        start = clock()
        answer = _answer(assess, example)
        elapsed = clock() - start
        predictions.append(Prediction(red_flag=answer[0], intent=answer[1], seconds=elapsed))
        if answer != first:
            unstable.append(example.id)
    return predictions, unstable


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
                             "bench/data/triage_eval.jsonl); repeat or list several")
    parser.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    parser.add_argument(
        "--show-misses",
        action="store_true",
        help="list missed red flags and false alarms with their first words",
    )
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
    assess = _load_assess()
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
