"""What waiting for the standbys costs an audit checkpoint on a PostgreSQL primary.

    python bench/bench_checkpoint_standby.py [--rounds 40] [--events 10]

A throwaway primary and an asynchronous streaming standby (tests/support/pgcluster.py).
Each round writes `--events` audit events, then signs a checkpoint, alternately (A) as
the server does, waiting until every standby has replayed the head, and (B) as before,
without asking the standbys (the store made to report none): interleaved in one process
on one pair, so both see the same load. Reported: each side's checkpoint time (median,
p90, max, in ms), how often A asked the standbys per checkpoint, and the load average.
The checkpoint worker runs off the write path: this is the worker's time, not staff's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.support.pgcluster import pair_url, pg_cluster, pg_standby
from tests.test_pg_audit import pg_audit_config

from cxinbox.config import load_config
from cxinbox.service.anchor import Anchor
from cxinbox.store.pg.store import PgStore
from cxinbox.store.records import StandbyReplayRecord


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--events", type=int, default=10)
    args = parser.parse_args()
    if args.rounds < 2 or args.events < 1:
        print("bench_checkpoint_standby: --rounds must be 2 or more, --events 1 or more",
              file=sys.stderr)
        return 2
    times: dict[str, list[float]] = {"A": [], "B": []}
    asked: list[int] = []
    site = Path(tempfile.mkdtemp(prefix="cxinbox-bench-standby-"))
    with pg_cluster() as primary:
        primary.create_migrated_database("desk")
        with pg_standby(primary) as standby:
            url = pair_url(primary, standby, "desk")
            store = PgStore(url, max_size=2)
            anchor = Anchor(store, load_config(pg_audit_config(site, url)))
            anchor.open()
            real = store.standby_replay
            try:
                for i in range(args.rounds):
                    side = "A" if i % 2 == 0 else "B"
                    for _ in range(args.events):
                        with store.writing() as tx:
                            tx.append_event("maria", "conversation.view", "conversation:1",
                                            {})
                    calls = [0]

                    def counted(calls: list[int] = calls) -> StandbyReplayRecord:
                        calls[0] += 1
                        return real()

                    store.standby_replay = counted if side == "A" else (  # type: ignore[method-assign]
                        lambda: None)
                    started = time.perf_counter()
                    signed = anchor.checkpoint(force=True)
                    times[side].append((time.perf_counter() - started) * 1000)
                    if signed is None:
                        print("bench_checkpoint_standby: a checkpoint was not signed",
                              file=sys.stderr)
                        return 1
                    if side == "A":
                        asked.append(calls[0])
            finally:
                anchor.close()
                store.close()
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    for side, label in (("A", "waiting for the standby"), ("B", "not waiting")):
        values = times[side]
        print(f"{side} {label:24} median {statistics.median(values):6.1f} ms  p90"
              f" {pct(values, 0.9):6.1f}  max {max(values):6.1f}  ({len(values)} checkpoints)")
    print(f"A asked the standbys {statistics.median(asked):g} time(s) per checkpoint"
          f" (median), {max(asked)} at most")
    return 0


if __name__ == "__main__":
    sys.exit(main())
