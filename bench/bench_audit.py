"""What anchoring the audit trail costs: the write path with the checkpoint worker on and
off, and how long an auditor waits for `cxinbox audit verify`.

    python bench/bench_audit.py [--events 20000] [--writers 2] [--rounds 3]
                                [--verify-events 100000]

  write path   `--writers` threads each append events one transaction at a time (as staff
               actions do: BEGIN IMMEDIATE, one event, COMMIT with synchronous=FULL), first
               with no worker, then with the worker signing as often as it ever does
               (checkpoint_seconds = 1, checkpoint_events = 100), then with the defaults;
               reported: events/s and per-transaction latency p50/p95/max, checkpoints
  verify       a trail of `--verify-events` events with a checkpoint every 1,000 events,
               checked end to end (chain walk, every checkpoint's signature and event)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from cxinbox.config import Config, load_config
from cxinbox.service.anchor import Anchor, AuditAnchor
from cxinbox.service.audit_verify import verify_trail
from cxinbox.wiring import open_audit_reader
from cxinbox.store.audit import append_events
from cxinbox.store.db import Database, append_event


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def make_config(work: Path, audit: str) -> Config:
    path = work / "config.toml"
    path.write_text(f'[store]\npath = "{work / "data" / "cxinbox.db"}"\n\n[audit]\n{audit}\n')
    return load_config(path)


def write_load(config: Config, events: int, writers: int, worker: bool) -> tuple[float, list[float], int]:
    db = Database(config.db_path)
    stop = threading.Event()
    anchor_thread = None
    if worker:
        anchor_thread = threading.Thread(target=AuditAnchor(db, config).run, args=(stop,))
        anchor_thread.start()
    latencies: list[list[float]] = [[] for _ in range(writers)]

    def write(k: int) -> None:
        for i in range(events // writers):
            started = time.perf_counter()
            with db.write() as conn:
                append_event(conn, "bench", "conversation.tag", f"conversation:{k}:{i}",
                             {"add": ["x"], "remove": []})
            latencies[k].append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    stop.set()
    if anchor_thread is not None:
        anchor_thread.join()
    db.close()
    lines = 0
    if config.audit_log_path.exists():
        lines = len(config.audit_log_path.read_text().splitlines())
    return elapsed, [x for part in latencies for x in part], lines


def bench_writes(args: argparse.Namespace) -> None:
    print(f"write path: {args.events:,} one-event transactions from {args.writers} thread(s),"
          f" synchronous=FULL; {args.rounds} interleaved round(s), median shown")
    cases = (("no checkpoint worker", False, "checkpoints = false"),
             ("worker, every 1 s / 100 events", True,
              "checkpoint_seconds = 1\ncheckpoint_events = 100"),
             ("worker, defaults (30 s / 1000)", True, ""))
    results: dict[str, list[tuple[float, float, float, int]]] = {c[0]: [] for c in cases}
    for _ in range(args.rounds):
        for label, worker, audit in cases:
            work = Path(tempfile.mkdtemp(prefix="cxinbox-bench-audit-"))
            try:
                config = make_config(work, audit)
                elapsed, lat, lines = write_load(config, args.events, args.writers, worker)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            results[label].append((len(lat) / elapsed, pct(lat, .5), pct(lat, .95), lines))
    for label, runs in results.items():
        rate = statistics.median(r[0] for r in runs)
        p50 = statistics.median(r[1] for r in runs)
        p95 = statistics.median(r[2] for r in runs)
        lines = statistics.median(r[3] for r in runs)
        print(f"  {label:<34} {rate:8.0f} events/s   p50 {p50 * 1e3:6.2f} ms"
              f"   p95 {p95 * 1e3:6.2f} ms   checkpoints {lines:.0f}"
              f"   (rates: {', '.join(f'{r[0]:.0f}' for r in runs)})")


def bench_verify(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="cxinbox-bench-audit-"))
    try:
        config = make_config(work, "")
        db = Database(config.db_path)
        anchor = Anchor(db, config)
        anchor.open()
        batch = [("conversation.view", f"conversation:{i}", {"n": i}) for i in range(1000)]
        for _ in range(args.verify_events // 1000):
            with db.write() as conn:
                append_events(conn, "bench", batch)
            anchor.checkpoint(force=True)
        anchor.close()
        db.close()
        started = time.perf_counter()
        report = verify_trail(config, open_reader=open_audit_reader)
        elapsed = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert report.passed, report.findings
    print(f"verify: {args.verify_events:,} events, {args.verify_events // 1000} checkpoints:"
          f" {elapsed:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--verify-events", type=int, default=100_000)
    args = parser.parse_args()
    bench_writes(args)
    bench_verify(args)


if __name__ == "__main__":
    main()
