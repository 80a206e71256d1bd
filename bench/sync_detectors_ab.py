"""The parse worker's detector work for a first sync, two source trees, in fresh processes
interleaved (A, B, A, B ...): readying the detectors as the worker does
(service/parsepool.py `prepare`, with each tree's own pattern file, warmed first) and
assessing the recent patient mail of the bench's 10k corpus (tests/support/mailgen.py, seed
42; recent by Date:, within the default 72 h) with `assess_parsed`, as the worker does.

    python bench/sync_detectors_ab.py BEFORE_SRC AFTER_SRC [ROUNDS]

Each tree runs from a compiled copy (bytecode cached, as installed). Prints per tree the
median CPU seconds of readying, of the first pass over the messages and of the best of two
more passes, a digest of the answers (both trees must give the same), and the load average.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import pickle
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

_CHILD = r"""
import json, pickle, sys, time
from cxinbox.domain.mime import parse_message
recent = pickle.load(open(sys.argv[1], "rb"))
parsed = [parse_message(r) for r in recent]
own = frozenset({"appointments@clinic.example", "billing@clinic.example",
                 "results@clinic.example"})
t0 = time.process_time()
from cxinbox.service import parsepool
parsepool.mark_worker()
parsepool.prepare()
t1 = time.process_time()
answers = [parsepool.assess_parsed(r, p, own=own) for r, p in zip(recent, parsed)]
t2 = time.process_time()
again = []
for _ in range(2):
    t = time.process_time()
    for r, p in zip(recent, parsed):
        parsepool.assess_parsed(r, p, own=own)
    again.append(time.process_time() - t)
print(json.dumps({"ready": t1 - t0, "first": t2 - t1, "again": min(again),
                  "answers": [repr(a) for a in answers]}))
"""


def _recent(path: Path) -> int:
    from support.mailgen import generate_corpus

    oldest = int(time.time()) - 72 * 3600
    found = []
    for raw in generate_corpus(10_000, seed=42):
        date = re.search(rb"^Date: (.*)$", raw[:16384], re.MULTILINE)
        when = email.utils.parsedate_tz(date.group(1).decode().strip()) if date else None
        if when is not None and email.utils.mktime_tz(when) >= oldest:
            found.append(raw)
    path.write_bytes(pickle.dumps(found))
    return len(found)


def main(argv: list[str]) -> None:
    usage = "usage: sync_detectors_ab.py BEFORE_SRC AFTER_SRC [ROUNDS]"
    if len(argv) not in (2, 3) or (len(argv) == 3 and not argv[2].isdigit()):
        sys.exit(usage)
    if not all(Path(p, "cxinbox").is_dir() for p in argv[:2]):
        sys.exit(f"sync_detectors_ab.py: each source tree must hold cxinbox/\n{usage}")
    rounds = int(argv[2]) if len(argv) == 3 else 5
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        corpus = tmp / "recent.pickle"
        print(f"recent messages: {_recent(corpus)}", flush=True)
        env_base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        trees = {}
        for name, src in (("before", argv[0]), ("after", argv[1])):
            copy = tmp / name
            shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__"))
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(copy)], env=env_base,
                           check=True, stdout=subprocess.DEVNULL)
            trees[name] = copy
        results: dict[str, list[dict[str, float]]] = {k: [] for k in trees}
        digests: dict[str, set[str]] = {k: set() for k in trees}
        for r in range(rounds + 1):  # round 0 writes each tree's pattern file: not counted
            for name, copy in trees.items():
                out = subprocess.run(
                    [sys.executable, "-c", _CHILD, str(corpus)], capture_output=True, text=True,
                    check=True, env=dict(os.environ, PYTHONPATH=str(copy),
                                         XDG_CACHE_HOME=str(tmp / f"cache-{name}"))).stdout
                found = json.loads(out)
                digests[name].add(hashlib.sha256(
                    "\n".join(found.pop("answers")).encode()).hexdigest()[:12])
                if r:
                    results[name].append(found)
    for name, runs in results.items():
        print(f"{name:6} " + " ".join(
            f"{k} {statistics.median(x[k] for x in runs):.3f}s" for k in ("ready", "first", "again"))
            + f" answers {','.join(sorted(digests[name]))}")
    same = len(digests["before"] | digests["after"]) == 1
    print(f"same answers: {'yes' if same else 'NO'}; load average at the end: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
