"""What the server's red-flag routing round (service/redflag_routing.py) costs every 5 s.

    PYTHONPATH=src:. python bench/bench_redflag_rounds.py [--conversations 50000] [--flags 50]
        [--rounds 200]

  setup    `--conversations` one-message open conversations (SQLite), a two-person team
           the rules send red flags to with `cap = 1`, both members already holding one
  idle     a round with no red flag waiting (the common case): median and p95
  waiting  `--flags` red flags raised by tag and left unassigned by the rule (the members
           at the cap), told once by a first round; then the steady round that finds them
           all still held by the cap and writes nothing: median and p95
  query    the open flags nobody holds, read as the query language's `is:red-flag
           assignee:none` (A) and as the store's `red_flags_unheld` (B, through the open
           flags' partial index), interleaved A, B, A, B ... `--rounds` times each: medians
  paging   the steady waiting round without a notify hook (A) and with one (B: each round
           also looks for cap pages recorded and never told gone), interleaved A, B ...
           `--rounds` times each on the same store: median and p95
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from tests.teamhelp import write_config
from tests.test_bulk_cli import fill

from cxinbox.config import load_config, load_config_text
from cxinbox.service import redflags
from cxinbox.service.inbox import InboxService
from cxinbox.service.redflag_routing import RedFlagRouter
from cxinbox.store.db import Database
from cxinbox.wiring import rules_engine

TEAM = """
[[teams]]
name = "nurses"
members = ["maria", "jsmith"]
cap = 1

[[rules]]
name = "red flags to nurses"
on = "arrival"
match = "is:red-flag"
actions = { assign = "team:nurses" }
"""


def timed(router: RedFlagRouter, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        router.round(int(time.time()))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50_000)
    parser.add_argument("--flags", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-rfr-"))
    path = write_config(tmp, sla=False)
    path.write_text(path.read_text() + TEAM)
    config = load_config(path)
    db = Database(config.db_path, synchronous="OFF")
    try:
        ids = fill(db, args.conversations)
        desk = InboxService(db, config, "lead")
        desk.assign(ids[0], "maria")
        desk.assign(ids[1], "jsmith")
        router = RedFlagRouter(db, config)
        router.round(int(time.time()))
        idle = timed(router, args.rounds)
        flagged = ids[2:2 + args.flags]
        engine = rules_engine(db, config)
        assert engine is not None
        with db.writing() as tx:
            redflags.tagged(tx, flagged, int(time.time()), "lead")
            engine.fire(tx, "arrival", flagged, now=int(time.time()))
        first = router.round(int(time.time()))
        assert len(first.at_cap) == args.flags, first
        waiting = timed(router, args.rounds)
        hooked = load_config_text(path.read_text()
                                  + '\n[triage]\nnotify_command = ["/bin/true"]\n')
        plain, paging = RedFlagRouter(db, config), RedFlagRouter(db, hooked)
        plain.round(int(time.time()))
        paging.round(int(time.time()))
        pair: dict[str, list[float]] = {"A": [], "B": []}
        for _ in range(args.rounds):
            for name, each in (("A", plain), ("B", paging)):
                started = time.perf_counter()
                each.round(int(time.time()))
                pair[name].append((time.perf_counter() - started) * 1000)
        inbox = InboxService(db, config, "system")
        selection = inbox.selection("is:red-flag assignee:none")
        spent: dict[str, list[float]] = {"A": [], "B": []}
        for _ in range(args.rounds):
            for name in ("A", "B"):
                with db.reading() as tx:
                    started = time.perf_counter()
                    if name == "A":
                        tx.matching_ids(selection)
                    else:
                        tx.red_flags_unheld()
                    spent[name].append((time.perf_counter() - started) * 1000)
        load = os.getloadavg()
        print(f"conversations {args.conversations}, flags waiting {args.flags},"
              f" rounds {args.rounds}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(f"idle round     median {idle[0]:.2f} ms  p95 {idle[1]:.2f} ms")
        print(f"waiting round  median {waiting[0]:.2f} ms  p95 {waiting[1]:.2f} ms")
        for name, what in (("A", "without a hook"), ("B", "with a hook (page check)")):
            times = sorted(pair[name])
            print(f"waiting round {what}  median {statistics.median(times):.2f} ms"
                  f"  p95 {times[int(len(times) * 0.95) - 1]:.2f} ms")
        print(f"query A (is:red-flag assignee:none) median"
              f" {statistics.median(spent['A']):.3f} ms; B (red_flags_unheld) median"
              f" {statistics.median(spent['B']):.3f} ms")
    finally:
        db.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
