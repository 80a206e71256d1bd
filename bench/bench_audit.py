"""What anchoring the audit trail costs: the write path with the checkpoint worker on and
off, and how long an auditor waits for `cxinbox audit verify`.

    python bench/bench_audit.py [--events 20000] [--writers 2] [--rounds 3]
                                [--verify-events 100000] [--pg] [--verify-only]

  write path   `--writers` threads each append events one transaction at a time (as staff
               actions do: BEGIN IMMEDIATE, one event, COMMIT with synchronous=FULL), first
               with no worker, then with the worker signing as often as it ever does
               (checkpoint_seconds = 1, checkpoint_events = 100), then with the defaults;
               reported: events/s and per-transaction latency p50/p95/max, checkpoints
  verify       a trail of `--verify-events` events with a checkpoint every 1,000 events,
               checked end to end (chain walk, every checkpoint's signature and event);
               with `--pg` the same trail on PostgreSQL too (a throwaway cluster, the
               checkpoints also kept in the database as several servers keep them), with
               the ratio PostgreSQL / SQLite; wall and CPU time of this process
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
from cxinbox.store.audit import append_events
from cxinbox.store.db import Database, append_event
from cxinbox.wiring import open_audit_reader


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


def _fill_and_verify(config: Config, store: object, events: int) -> tuple[float, float]:
    """A trail of `events` events, a checkpoint every 1,000; (wall s, CPU s) of verify."""
    anchor = Anchor(store, config)  # type: ignore[arg-type]
    anchor.open()
    batch = [("conversation.view", f"conversation:{i}", {"n": i}) for i in range(1000)]
    for _ in range(events // 1000):
        with store.write() as conn:  # type: ignore[attr-defined]
            append_events(conn, "bench", batch)
        anchor.checkpoint(force=True)
    anchor.close()
    store.close()  # type: ignore[attr-defined]
    started, cpu = time.perf_counter(), time.process_time()
    report = verify_trail(config, open_reader=open_audit_reader)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.passed, [f.text for f in report.findings]
    return elapsed, cpu


def bench_verify(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="cxinbox-bench-audit-"))
    try:
        config = make_config(work, "")
        lite = _fill_and_verify(config, Database(config.db_path), args.verify_events)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"verify: {args.verify_events:,} events, {args.verify_events // 1000} checkpoints:"
          f" SQLite {lite[0]:.2f} s (CPU {lite[1]:.2f} s)")
    if not args.pg:
        return
    sys.path.insert(0, str(ROOT))
    from tests.support.pgcluster import pg_cluster

    from cxinbox.store.pg.store import PgStore

    work = Path(tempfile.mkdtemp(prefix="cxinbox-bench-audit-"))
    try:
        with pg_cluster() as cluster:
            cluster.create_database("bench_audit")
            url = cluster.url("bench_audit")
            path = work / "config.toml"
            path.write_text(f'[store]\nurl = "{url}"\n\n[audit]\n'
                            f'key_file = "{work / "audit.key"}"\n'
                            f'checkpoint_log = "{work / "checkpoints.jsonl"}"\n')
            config = load_config(path)
            pg = _fill_and_verify(config, PgStore(url, max_size=2), args.verify_events)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"        PostgreSQL {pg[0]:.2f} s (CPU {pg[1]:.2f} s); PostgreSQL / SQLite"
          f" {pg[0] / lite[0]:.2f}x wall, {pg[1] / lite[1]:.2f}x CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--verify-events", type=int, default=100_000)
    parser.add_argument("--pg", action="store_true",
                        help="Verify the same trail on PostgreSQL too.")
    parser.add_argument("--verify-only", action="store_true",
                        help="Skip the write-path measurement.")
    args = parser.parse_args()
    if not args.verify_only:
        bench_writes(args)
    bench_verify(args)


if __name__ == "__main__":
    main()
