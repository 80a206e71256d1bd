"""The detectors' answer on every labelled set, written down: the golden file that
tests/test_triage_golden.py compares today's detectors with.

    python bench/triage_golden.py [--src SRC] [--out FILE] [--check]

Each message of each labelled set in bench/data (triage_*.jsonl) is read by `triage.inspect`
(the shipped model and hit judge, as ingest reads it) and its answer kept: red_flag,
matched, intent, confidence (to two places) and language, and every lexicon finding as
[category, status, the patient's words it quoted] (so a change to the engine must keep the
words each finding quotes, not only the flag), one JSON line per message keyed by set, line
and id. --src: the source tree whose `cxinbox` answers (default: this
checkout's src/), so the file can be made with another commit's code; --out: where to
write (default bench/golden/triage_answers.jsonl); --check: write nothing, compare with
the file and print the keys and fields that differ (exit 1 on any).

When to run it: an engine change (speed, structure) must leave the file as it is; a
lexicon round or a retrained model that changes answers on purpose regenerates it in the
same commit, and the diff of this file is the list of answers that changed for review.
Prints counts and keys only, never a message's text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
GOLDEN = ROOT / "bench" / "golden" / "triage_answers.jsonl"
FIELDS = ("red_flag", "matched", "intent", "confidence", "language", "findings")


def set_names() -> list[str]:
    """The labelled sets' names (file stems), in the golden file's order."""
    return [path.stem for path in sorted(DATA.glob("triage_*.jsonl"))]


def labelled_rows(names: list[str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(key, row) for every message of the labelled sets named (all when None), in a
    fixed order."""
    rows: list[tuple[str, dict[str, Any]]] = []
    for path in (DATA / f"{name}.jsonl" for name in (set_names() if names is None else names)):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                rows.append((f"{path.stem}:{number}:{row.get('id', '')}", row))
    return rows


def answers(names: list[str] | None = None) -> list[dict[str, Any]]:
    """Today's answer per labelled message of the sets named (all when None; the `cxinbox`
    first on sys.path answers)."""
    from cxinbox.domain import triage

    out = []
    for key, row in labelled_rows(names):
        detail = triage.inspect(row["body"], subject=row.get("subject", ""),
                                channel=row["channel"])
        a = detail.assessment
        out.append({"key": key, "red_flag": a.red_flag, "matched": a.matched,
                    "intent": a.intent, "confidence": round(a.confidence, 2),
                    "language": a.language,
                    "findings": [[f.category, f.status, f.matched] for f in detail.findings]})
    return out


def read_golden(path: Path = GOLDEN) -> dict[str, dict[str, Any]]:
    return {record["key"]: record for record in
            (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip())}


def differences(golden: dict[str, dict[str, Any]], now: list[dict[str, Any]]) -> list[str]:
    """One line per key whose answer differs (key and field names only), and keys missing
    on either side."""
    lines = []
    seen = set()
    for record in now:
        key = record["key"]
        seen.add(key)
        kept = golden.get(key)
        if kept is None:
            lines.append(f"{key}: not in the golden file")
            continue
        fields = [f for f in FIELDS if kept.get(f) != record[f]]
        if fields:
            lines.append(f"{key}: {', '.join(fields)} differ")
    lines.extend(f"{key}: in the golden file, not in the sets" for key in golden if key not in seen)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--out", type=Path, default=GOLDEN)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if not (args.src / "cxinbox" / "domain" / "triage.py").is_file():
        parser.error(f"{args.src}: no cxinbox/domain/triage.py there")
    sys.path.insert(0, str(args.src.resolve()))
    now = answers()
    if args.check:
        if not args.out.is_file():
            parser.error(f"{args.out}: no such file")
        diff = differences(read_golden(args.out), now)
        for line in diff:
            print(line)
        print(f"{len(now)} messages compared, {len(diff)} differences")
        return 1 if diff else 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as handle:
        for record in now:
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(now)} answers written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
