"""The PostgreSQL store against the SQLite store on the same work: first figures.

    python bench/bench_pg_store.py [--messages 1000] [--batch 100] [--actions 300]
                                   [--rounds 3]

  ingest    `--messages` generated mails (tests/support/mailgen.py), parsed once by the
            real MIME parser, stored through store/ingest.py in batches of `--batch`, one
            transaction each (as sync does; SQLite with synchronous=NORMAL and the full-text
            index inside the batch, PostgreSQL with synchronous_commit on); messages/s
  actions   `--actions` staff changes through the service (tag, priority, status; one
            transaction and one chained event each) on the ingested conversations;
            per-action p50/p95 ms
  list      the newest 50 of `status:open`, p50/p95 ms over 50 reads

PostgreSQL runs in a throwaway cluster (tests/support/pgcluster.py) with `durable=True`
(fsync on), on the same disk as the SQLite file. Each figure is the best of `--rounds`
(ingest) or the pooled rounds (latencies). Ratios are PostgreSQL / SQLite.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.support.mailgen import generate_corpus
from tests.support.pgcluster import pg_cluster

from cxinbox.config import load_config
from cxinbox.domain.mime import parse_message
from cxinbox.service.inbox import InboxService
from cxinbox.store import ingest
from cxinbox.store.db import Database
from cxinbox.store.pg.store import PgStore

OWN = frozenset({"appointments@clinic.example", "billing@clinic.example",
                 "results@clinic.example"})


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def corpus(n: int) -> list[ingest.FetchedMessage]:
    out = []
    for uid, raw in enumerate(generate_corpus(n, seed=7), 1):
        out.append(ingest.FetchedMessage(uid, "", None, None, raw, hashlib.sha256(raw).digest(),
                                         parse_message(raw)))
    return out


def ingest_all(store: Any, messages: list[ingest.FetchedMessage], batch: int) -> float:
    started = time.perf_counter()
    for first in range(0, len(messages), batch):
        chunk = messages[first:first + batch]
        with store.write() as conn:
            state = ingest.folder_state(conn, "appointments", "INBOX")
            ingest.ingest_batch(conn, state, chunk, own_addresses=OWN,
                                watermark=chunk[-1].uid, now=int(time.time()))
    return time.perf_counter() - started


def staff_actions(svc: InboxService, count: int) -> list[float]:
    ids = [c.id for c in svc.list_conversations("", 0, 500).items]
    steps: list[Callable[[int], object]] = [
        lambda c: svc.tag(c, add=["bench"]), lambda c: svc.set_priority(c, "high"),
        lambda c: svc.set_status(c, "pending"), lambda c: svc.set_status(c, "open")]
    out = []
    for i in range(count):
        started = time.perf_counter()
        steps[i % len(steps)](ids[i % len(ids)])
        out.append((time.perf_counter() - started) * 1000)
    return out


def list_reads(svc: InboxService, count: int = 50) -> list[float]:
    out = []
    for _ in range(count):
        started = time.perf_counter()
        svc.list_conversations("status:open", 0, 50)
        out.append((time.perf_counter() - started) * 1000)
    return out


def run(kind: str, work: Path, url: str | None, messages: list[ingest.FetchedMessage],
        args: argparse.Namespace) -> dict[str, Any]:
    work.mkdir(parents=True)
    cfg = work / "config.toml"
    cfg.write_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\npath = "{work / "data" / "c.db"}"\n')
    config = load_config(cfg)
    store: Any = PgStore(url) if url else Database(config.db_path)
    if not url:
        store.relax_durability_for_this_thread()  # as the sync thread does
    try:
        seconds = ingest_all(store, messages, args.batch)
        svc = InboxService(store, config, "bench")
        actions = staff_actions(svc, args.actions)
        reads = list_reads(svc)
    finally:
        store.close()
    return {"kind": kind, "rate": len(messages) / seconds, "actions": actions, "reads": reads}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--actions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    messages = corpus(args.messages)
    results: dict[str, list[dict[str, Any]]] = {"sqlite": [], "postgresql": []}
    with pg_cluster(durable=True) as cluster:
        for round_no in range(args.rounds):
            with tempfile.TemporaryDirectory(prefix="cxbench-") as tmp:
                results["sqlite"].append(run("sqlite", Path(tmp) / "s", None, messages, args))
                name = f"bench{round_no}"
                cluster.create_database(name)
                results["postgresql"].append(run("postgresql", Path(tmp) / "p",
                                                 cluster.url(name), messages, args))
        version = cluster.version
    print(f"messages {args.messages}, batch {args.batch}, actions {args.actions},"
          f" rounds {args.rounds}; PostgreSQL {version} (fsync on), SQLite WAL")
    summary: dict[str, dict[str, float]] = {}
    for kind, rounds in results.items():
        actions = [a for r in rounds for a in r["actions"]]
        reads = [a for r in rounds for a in r["reads"]]
        summary[kind] = {"rate": max(r["rate"] for r in rounds),
                         "a50": statistics.median(actions), "a95": pct(actions, 0.95),
                         "r50": statistics.median(reads), "r95": pct(reads, 0.95)}
        s = summary[kind]
        print(f"{kind:<11} ingest {s['rate']:8.0f} msg/s   action p50 {s['a50']:6.2f} ms"
              f" p95 {s['a95']:6.2f} ms   list p50 {s['r50']:6.2f} ms p95 {s['r95']:6.2f} ms")
    pg, lite = summary["postgresql"], summary["sqlite"]
    print(f"ratio pg/sqlite: ingest rate {pg['rate'] / lite['rate']:.2f}, action p95"
          f" {pg['a95'] / lite['a95']:.2f}, list p95 {pg['r95'] / lite['r95']:.2f}")


if __name__ == "__main__":
    main()
