"""CPU per message of the triage detector, two source trees side by side, A/B interleaved.

    python bench/bench_triage_ab.py A_TREE B_TREE [--rounds N] [--data FILE ...]

Each tree is a checkout (or an unpacked `git archive`) whose `src/` holds `cxinbox`. For every
round and every labelled set a child process per tree (A then B on even rounds, B then A on
odd ones, so neither always runs first on a busy machine) imports that tree's detector, reads
the set once untimed (warm caches, lazy loads), then times `triage.assess` on every message
with `time.thread_time` (CPU of the calling thread: waiting on a loaded machine is not
counted). Prints p50/p95/mean per tree per round and over all rounds, with the load average
before and after. The children print nothing but numbers: no message text reaches the output.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
DEFAULT_SETS = ("triage_blind8.jsonl", "triage_blind9.jsonl", "triage_blind10.jsonl",
                "triage_dev16.jsonl")

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1] + "/src")
from cxinbox.domain import triage
rows = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8") if line.strip()]
for e in rows:
    triage.assess(e["body"], subject=e.get("subject", ""), channel=e["channel"])
times = []
for e in rows:
    t0 = time.thread_time()
    triage.assess(e["body"], subject=e.get("subject", ""), channel=e["channel"])
    times.append((time.thread_time() - t0) * 1000.0)
print(json.dumps(times))
"""


def _run(tree: Path, data: Path) -> list[float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(tree.resolve()), str(data.resolve())],
                         check=False, capture_output=True, text=True, cwd="/")
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"bench_triage_ab: {tree} on {data.name} failed: {last}")
    times: list[float] = json.loads(out.stdout)
    return times


def _pct(xs: list[float], p: float) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def _line(name: str, xs: list[float]) -> str:
    return (f"{name}: n {len(xs)} p50 {_pct(xs, 0.5):.2f} ms, p95 {_pct(xs, 0.95):.2f} ms, "
            f"mean {statistics.fmean(xs):.2f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data", nargs="*", type=Path,
                        default=[DATA / name for name in DEFAULT_SETS])
    args = parser.parse_args(argv)
    for data in args.data:
        if not data.is_file():
            parser.error(f"{data}: no such file")
    for tree in (args.a, args.b):
        if not (tree / "src" / "cxinbox" / "domain" / "triage.py").is_file():
            parser.error(f"{tree}: no src/cxinbox/domain/triage.py there")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    every: dict[str, list[float]] = {"A": [], "B": []}
    for r in range(args.rounds):
        this: dict[str, list[float]] = {"A": [], "B": []}
        order = ("A", "B") if r % 2 == 0 else ("B", "A")
        for data in args.data:
            for side in order:
                this[side] += _run(args.a if side == "A" else args.b, data)
        for side in ("A", "B"):
            print(f"round {r + 1} ({'/'.join(order)} first) " + _line(side, this[side]))
            every[side] += this[side]
        sys.stdout.flush()
    print(_line("A all rounds", every["A"]))
    print(_line("B all rounds", every["B"]))
    for stat, fn in (("p50", lambda xs: _pct(xs, 0.5)), ("p95", lambda xs: _pct(xs, 0.95)),
                     ("mean", statistics.fmean)):
        a, b = fn(every["A"]), fn(every["B"])
        print(f"B vs A {stat}: {100.0 * (b - a) / a:+.1f} %")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
