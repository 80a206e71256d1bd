"""Do two source trees' detectors give the same answers? Proof for a change to the engine
that must not change what it finds.

    python bench/triage_same.py BEFORE_SRC AFTER_SRC [--corpus N] [--prepared]
    python bench/triage_same.py /work/main/src src --corpus 3000

--prepared: each child first readies the detectors as a sync's parse worker does
(`parsepool.prepare`, which in later trees builds the lexicon patterns from the file
service/pattern_cache.py keeps, when there is one) instead of on first use.

Each tree runs in a child process of its own (PYTHONPATH=tree) over every labelled set in
bench/data (triage_*.jsonl) and the patient mail of a generated clinic corpus (tests/support
/mailgen.py, N messages, parsed and read as the sync's parse pool reads them), with the
model and judge (`inspect`) and with the lexicons alone (`statistical=False`). Compared per
message: red_flag, matched, intent, confidence, language, and every lexicon finding
(category, words, span, status, modifier). Prints the count compared and each difference;
exits 1 on any difference. Both trees read the same lexicon and model files only when they
are the same files: compare trees cut from the same lexicon.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"


def _dump(out: Path, corpus: int, prepared: bool) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    if prepared:
        from cxinbox.service import parsepool

        parsepool.prepare()
    from cxinbox.domain.mime import parse_message
    from cxinbox.domain.triage import inspect
    from support.mailgen import generate_corpus

    items: list[tuple[str, str, str, str, bool]] = []
    for path in sorted(DATA.glob("triage_*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                items.append((f"{path.stem}:{number}", row["body"], row.get("subject", ""),
                              row["channel"], False))
    for number, raw in enumerate(generate_corpus(corpus, seed=42)):
        parsed = parse_message(raw)
        items.append((f"corpus:{number}", parsed.body_text, parsed.subject, "email", False))
    with out.open("w", encoding="utf-8") as handle:
        for key, body, subject, channel, bulk in items:
            for statistical in (True, False):
                detail = inspect(body, subject=subject, channel=channel, bulk=bulk,
                                 statistical=statistical)
                a = detail.assessment
                record: dict[str, Any] = {
                    "key": f"{key}:{'full' if statistical else 'lexicon'}",
                    "red_flag": a.red_flag, "matched": a.matched, "intent": a.intent,
                    "confidence": a.confidence, "language": a.language,
                    "bulk": detail.bulk, "new_text": detail.new_text,
                    "findings": [[f.category, f.matched, f.start, f.end, f.status, f.modifier]
                                 for f in detail.findings]}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--dump"]:
        _dump(Path(argv[1]), int(argv[2]), argv[3:] == ["--prepared"])
        return 0
    prepared = "--prepared" in argv
    argv = [a for a in argv if a != "--prepared"]
    corpus = 2000
    if "--corpus" in argv:
        at = argv.index("--corpus")
        corpus = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2:]
    if len(argv) != 2:
        print("usage: triage_same.py BEFORE_SRC AFTER_SRC [--corpus N] [--prepared]",
              file=sys.stderr)
        return 2
    trees = [str(Path(p).resolve()) for p in argv]
    with tempfile.TemporaryDirectory() as tmp:
        outs = [Path(tmp) / f"{i}.jsonl" for i in range(2)]
        for tree, out in zip(trees, outs, strict=True):
            subprocess.run([sys.executable, __file__, "--dump", str(out), str(corpus),
                            *(["--prepared"] if prepared else [])],
                           env=dict(os.environ, PYTHONPATH=tree), check=True)
        before, after = (o.read_text(encoding="utf-8").splitlines() for o in outs)
    if len(before) != len(after):
        print(f"different counts: {len(before)} vs {len(after)}")
        return 1
    differ = 0
    for b, a in zip(before, after, strict=True):
        if b != a:
            differ += 1
            if differ <= 20:
                print(f"before: {b}\nafter:  {a}\n")
    print(f"compared {len(before)} assessments ({len(before) // 2} messages, full and "
          f"lexicon-only): {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
