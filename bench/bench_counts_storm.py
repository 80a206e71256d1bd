"""A storm of changes at a TUI: how many header count reads and list reads it costs.

    python bench/bench_counts_storm.py [--rounds 2] [--changes 30] [--gap 0.3]

A colleague assigns conversations back and forth (`--changes`, one every `--gap` s) while
the app runs headless at 80x24 on a real SQLite inbox (tests/test_tui_support.py). Each
round runs A (the counts read with every page after a change: the pace's burst unbounded)
and B (tui/countpace.py) one after the other in this process, interleaved, and prints the
count reads (the `Mine` count's query) and all list reads of each, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.countstorm import run_storm

from cxinbox.tui.countpace import CountPace


async def storm(pace: CountPace, changes: int, gap: float) -> tuple[int, int, float]:
    """(count reads, list reads, seconds) of one storm (tests/support/countstorm.py)."""
    with tempfile.TemporaryDirectory() as tmp:
        done = await run_storm(Path(tmp), changes, gap=gap, pace=pace)
    return done.count_reads, done.list_reads, done.took_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--gap", type=float, default=0.3)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for r in range(args.rounds):
        for name, pace in (("A every page", CountPace(burst=10**9)), ("B paced", CountPace())):
            counts, lists, took = asyncio.run(storm(pace, args.changes, args.gap))
            print(f"round {r + 1} {name}: {args.changes} changes in {took:.1f} s:"
                  f" {counts} count reads, {lists} list reads")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
