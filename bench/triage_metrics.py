"""The triage evaluation set's loader and the figures bench_triage.py prints.

Kept apart from the bench so the arithmetic can be unit-tested on tiny hand-made inputs
(tests/test_triage_metrics.py): a recall that is silently wrong would make every figure the
bench prints a lie. Nothing here imports the detector; `score` takes its answers as data.

How the red-flag figures count (the labelling guide is bench/data/TRIAGE_EVAL.md):
- overall recall and precision are about the safety decision, flag or no flag: a chest-pain
  message flagged as `breathing` still reaches a clinician, so it counts as found;
- per-category recall and precision want the right category: that message is a miss for
  `chest_pain` and a false alarm for `breathing`;
- the trap false-positive rate is the share of trap messages (red-flag words, no current
  emergency) that got any flag, per trap kind, per category the trap is built around, and
  overall.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CATEGORIES: tuple[str, ...] = (
    "chest_pain",
    "breathing",
    "stroke",
    "suicide_self_harm",
    "severe_bleeding",
    "anaphylaxis",
    "pregnancy_emergency",
    "overdose_poisoning",
    "infant_fever",
    "head_injury",
)
INTENTS: tuple[str, ...] = (
    "appointment_book",
    "appointment_change_cancel",
    "prescription_refill",
    "test_results",
    "billing_insurance",
    "records_forms",
    "referral",
    "clinical_question",
    "other",
    "spam_marketing",
)
TRAPS: tuple[str, ...] = (
    "negation",
    "history",
    "family_history",
    "hypothetical",
    "idiom",
    "clinical_term",
    "newsletter",
    "quoted",
    "signature",
    "resolved",
)
LANGS: tuple[str, ...] = ("en", "es")
CHANNELS: tuple[str, ...] = ("email", "sms")

TARGETS: dict[str, float] = {
    "recall": 0.97,
    "category_recall": 0.90,
    "precision": 0.85,
    "trap_fpr": 0.10,
    "p95_ms": 20.0,
    "macro_f1": 0.85,
}


@dataclass(frozen=True)
class Example:
    """One labelled message of the set."""

    id: str
    lang: str
    channel: str
    subject: str
    body: str
    red_flag: str | None
    trap: str | None
    trap_category: str | None
    intent: str


@dataclass(frozen=True)
class Prediction:
    """What the detector said about one message, and how long it took."""

    red_flag: str | None
    intent: str
    seconds: float = 0.0
    confidence: float | None = None  # the detector's confidence in `intent`, 0-1
    cpu_seconds: float = 0.0  # CPU time of the call (wall time suffers on a loaded machine)


class SetError(ValueError):
    """The evaluation file is not what the bench can read; the message names the line."""


_FIELDS = ("id", "lang", "channel", "subject", "body", "red_flag", "trap", "intent")


def parse_line(line: str, number: int) -> Example:
    """One JSONL line as an Example; a clear error naming the line when it is malformed."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise SetError(f"line {number}: not JSON ({exc.msg})") from None
    if not isinstance(raw, dict):
        raise SetError(f"line {number}: not a JSON object")
    missing = [name for name in _FIELDS if name not in raw]
    if missing:
        raise SetError(f"line {number}: missing {', '.join(missing)}")
    for name in ("id", "lang", "channel", "subject", "body", "intent"):
        if not isinstance(raw[name], str):
            raise SetError(f"line {number}: {name} is not a string")
    for name in ("red_flag", "trap", "trap_category"):
        if raw.get(name) is not None and not isinstance(raw[name], str):
            raise SetError(f"line {number}: {name} is neither a string nor null")
    return Example(
        id=raw["id"],
        lang=raw["lang"],
        channel=raw["channel"],
        subject=raw["subject"],
        body=raw["body"],
        red_flag=raw["red_flag"],
        trap=raw["trap"],
        trap_category=raw.get("trap_category"),
        intent=raw["intent"],
    )


def load_set(path: Path) -> list[Example]:
    """Every example in the JSONL file at `path`, blank lines skipped."""
    examples: list[Example] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                examples.append(parse_line(line, number))
    return examples


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1): a value that was measured, never interpolated."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def f1(precision: float | None, recall: float | None) -> float:
    """Harmonic mean; 0 when either side is missing or zero (as scikit-learn's default does)."""
    if not precision or not recall:
        return 0.0
    return 2 * precision * recall / (precision + recall)


@dataclass
class FlagFigures:
    """Recall, precision and trap false alarms for one slice of the set (all, or one language)."""

    positives: int = 0
    found: int = 0
    flagged: int = 0
    flagged_true: int = 0
    traps: int = 0
    traps_flagged: int = 0

    @property
    def recall(self) -> float | None:
        return _ratio(self.found, self.positives)

    @property
    def precision(self) -> float | None:
        return _ratio(self.flagged_true, self.flagged)

    @property
    def trap_fpr(self) -> float | None:
        return _ratio(self.traps_flagged, self.traps)

    def add(self, example: Example, prediction: Prediction) -> None:
        if example.red_flag is not None:
            self.positives += 1
            self.found += prediction.red_flag is not None
        if prediction.red_flag is not None:
            self.flagged += 1
            self.flagged_true += example.red_flag is not None
        if example.trap is not None:
            self.traps += 1
            self.traps_flagged += prediction.red_flag is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "positives": self.positives,
            "found": self.found,
            "flagged": self.flagged,
            "recall": self.recall,
            "precision": self.precision,
            "traps": self.traps,
            "traps_flagged": self.traps_flagged,
            "trap_fpr": self.trap_fpr,
        }


@dataclass
class CategoryFigures:
    """One category: exact-category recall and precision, and the ids behind the errors."""

    positives: int = 0
    hits: int = 0
    predicted: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    traps: int = 0
    traps_flagged: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return _ratio(self.hits, self.positives)

    @property
    def precision(self) -> float | None:
        return _ratio(self.hits, self.predicted)

    @property
    def trap_fpr(self) -> float | None:
        return _ratio(len(self.traps_flagged), self.traps)

    def as_dict(self) -> dict[str, Any]:
        return {
            "positives": self.positives,
            "recall": self.recall,
            "precision": self.precision,
            "misses": self.misses,
            "false_alarms": self.false_alarms,
            "traps": self.traps,
            "trap_fpr": self.trap_fpr,
            "traps_flagged": self.traps_flagged,
        }


@dataclass
class IntentFigures:
    """Per-intent precision, recall and F1 from a confusion matrix of gold -> predicted."""

    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    def labels(self) -> list[str]:
        seen = {gold for gold, _ in self.confusion} | {pred for _, pred in self.confusion}
        return [*INTENTS, *sorted(seen - set(INTENTS))]

    def row(self, intent: str) -> dict[str, Any]:
        gold = sum(n for (g, _), n in self.confusion.items() if g == intent)
        predicted = sum(n for (_, p), n in self.confusion.items() if p == intent)
        hits = self.confusion[(intent, intent)]
        precision, recall = _ratio(hits, predicted), _ratio(hits, gold)
        return {
            "support": gold,
            "predicted": predicted,
            "precision": precision,
            "recall": recall,
            "f1": f1(precision, recall),
        }

    def macro_f1(self) -> float:
        """Mean F1 over the intents that occur in the gold labels (absent ones would be noise)."""
        present = sorted({gold for gold, _ in self.confusion})
        if not present:
            return 0.0
        return sum(float(self.row(intent)["f1"]) for intent in present) / len(present)

    def top_confusions(self, limit: int = 10) -> list[tuple[str, str, int]]:
        wrong = [(g, p, n) for (g, p), n in self.confusion.items() if g != p]
        wrong.sort(key=lambda item: (-item[2], item[0], item[1]))
        return wrong[:limit]


@dataclass
class Report:
    """Every figure the bench prints, computed from labels and predictions alone."""

    overall: FlagFigures
    by_lang: dict[str, FlagFigures]
    by_channel: dict[str, FlagFigures]
    categories: dict[str, CategoryFigures]
    trap_kinds: dict[str, FlagFigures]
    trap_flagged_ids: dict[str, list[str]]
    intents: IntentFigures
    intents_by_lang: dict[str, IntentFigures]
    latency_ms: dict[str, float]
    cpu_ms: dict[str, float] = field(default_factory=dict)
    calibration: dict[str, Any] = field(default_factory=dict)

    def checks(self) -> list[tuple[str, float | None, str, float, bool]]:
        """(figure, value, comparison, target, met) for each target the issue sets."""
        rows: list[tuple[str, float | None, str, float, bool]] = []

        def at_least(name: str, value: float | None, target: float) -> None:
            rows.append((name, value, ">=", target, value is not None and value >= target))

        def below(name: str, value: float | None, target: float, strict: bool) -> None:
            met = value is not None and (value < target if strict else value <= target)
            rows.append((name, value, "<" if strict else "<=", target, met))

        at_least("recall (any flag)", self.overall.recall, TARGETS["recall"])
        for name, figures in self.categories.items():
            if figures.positives:
                at_least(f"recall {name}", figures.recall, TARGETS["category_recall"])
        at_least("precision (any flag)", self.overall.precision, TARGETS["precision"])
        below("trap false-positive rate", self.overall.trap_fpr, TARGETS["trap_fpr"], False)
        if self.latency_ms:
            below("latency p95 ms", self.latency_ms["p95"], TARGETS["p95_ms"], True)
        at_least("intent macro-F1", self.intents.macro_f1(), TARGETS["macro_f1"])
        return rows

    def as_dict(self) -> dict[str, Any]:
        labels = self.intents.labels()
        return {
            "overall": self.overall.as_dict(),
            "by_lang": {lang: fig.as_dict() for lang, fig in self.by_lang.items()},
            "by_channel": {ch: fig.as_dict() for ch, fig in self.by_channel.items()},
            "categories": {name: fig.as_dict() for name, fig in self.categories.items()},
            "trap_kinds": {
                kind: {**fig.as_dict(), "flagged_ids": self.trap_flagged_ids[kind]}
                for kind, fig in self.trap_kinds.items()
            },
            "intent": {
                "per_intent": {label: self.intents.row(label) for label in labels},
                "macro_f1": self.intents.macro_f1(),
                "macro_f1_by_lang": {
                    lang: fig.macro_f1() for lang, fig in self.intents_by_lang.items()
                },
                "confusion": [
                    {"gold": g, "predicted": p, "count": n}
                    for (g, p), n in sorted(self.intents.confusion.items())
                ],
                "top_confusions": [
                    {"gold": g, "predicted": p, "count": n}
                    for g, p, n in self.intents.top_confusions()
                ],
            },
            "latency_ms": self.latency_ms,
            "cpu_ms": self.cpu_ms,
            "intent_calibration": self.calibration,
            "targets": [
                {"figure": name, "value": value, "op": op, "target": target, "met": met}
                for name, value, op, target, met in self.checks()
            ],
        }


def score(examples: Sequence[Example], predictions: Sequence[Prediction]) -> Report:
    """All the figures for `predictions[i]` as the detector's answer to `examples[i]`."""
    if len(examples) != len(predictions):
        raise ValueError(f"{len(examples)} examples but {len(predictions)} predictions")
    overall = FlagFigures()
    by_lang: dict[str, FlagFigures] = {}
    by_channel: dict[str, FlagFigures] = {}
    categories = {name: CategoryFigures() for name in CATEGORIES}
    trap_kinds: dict[str, FlagFigures] = {}
    trap_flagged_ids: dict[str, list[str]] = {}
    intents = IntentFigures()
    intents_by_lang: dict[str, IntentFigures] = {}
    for example, prediction in zip(examples, predictions, strict=True):
        overall.add(example, prediction)
        by_lang.setdefault(example.lang, FlagFigures()).add(example, prediction)
        by_channel.setdefault(example.channel, FlagFigures()).add(example, prediction)
        gold, said = example.red_flag, prediction.red_flag
        if gold is not None:
            figures = categories.setdefault(gold, CategoryFigures())
            figures.positives += 1
            if said == gold:
                figures.hits += 1
            else:
                figures.misses.append(example.id)
        if said is not None:
            figures = categories.setdefault(said, CategoryFigures())
            figures.predicted += 1
            if said != gold:
                figures.false_alarms.append(example.id)
        if example.trap is not None:
            trap_kinds.setdefault(example.trap, FlagFigures()).add(example, prediction)
            flagged = trap_flagged_ids.setdefault(example.trap, [])
            if said is not None:
                flagged.append(example.id)
            if example.trap_category is not None:
                near = categories.setdefault(example.trap_category, CategoryFigures())
                near.traps += 1
                if said is not None:
                    near.traps_flagged.append(example.id)
        intents.confusion[(example.intent, prediction.intent)] += 1
        intents_by_lang.setdefault(example.lang, IntentFigures()).confusion[
            (example.intent, prediction.intent)
        ] += 1
    return Report(
        overall=overall,
        by_lang=dict(sorted(by_lang.items())),
        by_channel=dict(sorted(by_channel.items())),
        categories=categories,
        trap_kinds={kind: trap_kinds[kind] for kind in sorted(trap_kinds, key=_trap_order)},
        trap_flagged_ids=trap_flagged_ids,
        intents=intents,
        intents_by_lang=dict(sorted(intents_by_lang.items())),
        latency_ms=latency_summary([p.seconds for p in predictions]),
        cpu_ms=latency_summary([p.cpu_seconds for p in predictions]),
        calibration=calibration_summary(
            [(p.confidence, p.intent == e.intent)
             for e, p in zip(examples, predictions, strict=True) if p.confidence is not None]),
    )


CALIBRATION_BINS = 5


def calibration_summary(pairs: Sequence[tuple[float, bool]]) -> dict[str, Any]:
    """How well the intent confidence matches how often the intent is right: the expected
    calibration error (the gap between mean confidence and accuracy, averaged over equal-
    width bins weighted by their size), the Brier score, and the bins themselves."""
    if not pairs:
        return {}
    bins: list[list[tuple[float, bool]]] = [[] for _ in range(CALIBRATION_BINS)]
    for confidence, right in pairs:
        index = min(CALIBRATION_BINS - 1, int(confidence * CALIBRATION_BINS))
        bins[index].append((confidence, right))
    rows = []
    ece = 0.0
    for index, members in enumerate(bins):
        if not members:
            continue
        mean = sum(c for c, _ in members) / len(members)
        accuracy = sum(1 for _, r in members if r) / len(members)
        ece += len(members) / len(pairs) * abs(mean - accuracy)
        rows.append({"low": index / CALIBRATION_BINS, "high": (index + 1) / CALIBRATION_BINS,
                     "n": len(members), "confidence": mean, "accuracy": accuracy})
    brier = sum((c - (1.0 if r else 0.0)) ** 2 for c, r in pairs) / len(pairs)
    return {"ece": ece, "brier": brier, "bins": rows}


def _trap_order(kind: str) -> tuple[int, str]:
    return (TRAPS.index(kind) if kind in TRAPS else len(TRAPS), kind)


def latency_summary(seconds: Iterable[float]) -> dict[str, float]:
    """p50, p95 and max in milliseconds; empty when nothing was timed."""
    values = [s * 1000 for s in seconds]
    if not values or not any(values):
        return {}
    return {
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "max": max(values),
    }
