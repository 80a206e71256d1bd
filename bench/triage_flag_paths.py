"""False alarms and misses of one labelled set, each named by the path that made it.

    python bench/triage_flag_paths.py SET.jsonl [-v]

Each message is read by `triage.inspect` (the shipped model and hit judge). A flag is the
lexicon's when the hit the judge keeps names it ("lexicon"), the lexicon's turned into another
category by a sign reader ("lexicon+rule"), the model's over a lexicon hit the judge set
aside ("model, judge vetoed"), or the model's alone ("model-only"). -v: one line per error
(id, label, answer, path; never the message's text). Made for the short everyday texts of
round 38 (TRIAGE_EVAL.md, "Short everyday texts (round 38)").
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path


def path_of(detail: object) -> str:
    from cxinbox.domain import hitjudge, triage

    assert isinstance(detail, triage.Detail)
    got = detail.assessment.red_flag
    if got is None:
        return "-"
    kept = triage.judged(detail.new_text, list(detail.findings), hitjudge.shipped())
    if kept is not None:
        return "lexicon" if kept.category == got else "lexicon+rule"
    if any(f.status == "current" for f in detail.findings):
        return "model, judge vetoed"
    return "model-only"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("-v", action="store_true", dest="verbose")
    args = parser.parse_args()
    from cxinbox.domain import triage

    alarms: Counter[str] = Counter()
    misses: Counter[str] = Counter()
    other_category = everyday = flagged = 0
    for line in args.data.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        detail = triage.inspect(row["body"], subject=row.get("subject", ""), channel=row["channel"])
        got, want = detail.assessment.red_flag, row["red_flag"]
        everyday += want is None
        flagged += want is not None
        kind = ""
        if want is None and got is not None:
            kind = "false alarm"
            alarms[path_of(detail)] += 1
        elif want is not None and got is None:
            kind = "missed"
            misses[want] += 1
        elif want is not None and got != want:
            kind = "other category"
            other_category += 1
        if kind and args.verbose:
            print(f"{row['id']}: {kind}: label {want}, answer {got}, {path_of(detail)}")
    print(f"everyday {everyday}: false alarms {sum(alarms.values())} {dict(sorted(alarms.items()))}")
    print(f"emergencies {flagged}: missed {sum(misses.values())} {dict(sorted(misses.items()))}, "
          f"another category {other_category}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
