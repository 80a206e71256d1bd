"""CSAT answer recogniser benchmark on the held-out labelled reply set.

    python bench/bench_csat.py [--data FILE] [--json] [--show-misses]

Runs the real reader (`cxinbox.domain.csat.read_rating`) on every reply of
bench/data/csat_replies.jsonl (written blind, before the reader; guide in
bench/data/CSAT_REPLIES.md) and prints, per language and overall:
- rating accuracy: the reader's rating (a number or "no rating") equals the label;
- "is a rating": precision and recall of the decision that the reply carries a rating;
- more_text accuracy: the reader's "a person should read this" equals the label.
`--show-misses` lists the ids that were wrong (not their text: read the file for that).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from cxinbox.domain.csat import read_rating

DATA = ROOT / "bench" / "data" / "csat_replies.jsonl"


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def score(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The figures for `rows` (each with `got_rating` and `got_more` added)."""
    exact = sum(r["got_rating"] == r["rating"] for r in rows)
    tp = sum(r["got_rating"] is not None and r["rating"] is not None for r in rows)
    fp = sum(r["got_rating"] is not None and r["rating"] is None for r in rows)
    fn = sum(r["got_rating"] is None and r["rating"] is not None for r in rows)
    more = sum(r["got_more"] == r["more_text"] for r in rows)
    return {"replies": len(rows), "rating_accuracy": _ratio(exact, len(rows)),
            "is_rating_precision": _ratio(tp, tp + fp), "is_rating_recall": _ratio(tp, tp + fn),
            "more_text_accuracy": _ratio(more, len(rows)),
            "rating_misses": [r["id"] for r in rows if r["got_rating"] != r["rating"]],
            "more_text_misses": [r["id"] for r in rows if r["got_more"] != r["more_text"]]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    for r in rows:
        r["got_rating"], r["got_more"] = read_rating(r["body"], r["lang"], r["channel"])
    report = {"all": score(rows)}
    for lang in sorted({r["lang"] for r in rows}):
        report[lang] = score([r for r in rows if r["lang"] == lang])
    for channel in sorted({r["channel"] for r in rows}):
        report[channel] = score([r for r in rows if r["channel"] == channel])
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{'set':<6} {'n':>4} {'rating acc':>10} {'is-rating P':>11} {'is-rating R':>11}"
          f" {'more_text acc':>13}")
    for name, fig in report.items():
        print(f"{name:<6} {fig['replies']:>4} {fig['rating_accuracy']:>10.3f}"
              f" {fig['is_rating_precision']:>11.3f} {fig['is_rating_recall']:>11.3f}"
              f" {fig['more_text_accuracy']:>13.3f}")
    if args.show_misses:
        print("rating misses:", " ".join(report["all"]["rating_misses"]))
        print("more_text misses:", " ".join(report["all"]["more_text_misses"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
