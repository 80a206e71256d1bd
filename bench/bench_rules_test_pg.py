"""What `cxinbox rules test` costs on SQLite and on PostgreSQL, A against B interleaved.

    PYTHONPATH=src:. python bench/bench_rules_test_pg.py [--conversations 150]
        [--arrivals 150] [--rounds 2]

  setup   the demo clinic (`build_demo`, `--conversations`) and `--arrivals` more patient
          messages, each its own ingest (its own moment to rehearse), with the demo's
          teams counting open conversations (least-open), so each moment puts every
          conversation's holder back as it was (`rewind_holders`); the same database
          copied to a PostgreSQL cluster of its own (`store copy`)
  replay  `rules test "lab results" --since 30d` on each backend, A (a statement per
          conversation to put its holder back, as before) and B (one statement per kind
          of change: on PostgreSQL one set-based UPDATE) in turn, `--rounds` times; wall
          seconds each, statements the replay sent (SQLite's count: a statement per row
          either way there), and the load average beside them
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cxinbox.config import Config
from cxinbox.service.demo import build_demo
from cxinbox.service.inbox import InboxService
from cxinbox.service.rules_preview import preview
from cxinbox.store import rules as store_rules
from cxinbox.store.db import Database
from cxinbox.wiring import rules_engine

RULE = "lab results"


def rewind_holders_per_row(conn: sqlite3.Connection, seq: int) -> None:
    """A: the holders put back with a statement per conversation (the code before)."""
    import json

    first: dict[tuple[int, str], object] = {}
    for target, action, details in conn.execute(
            "SELECT target, action, details FROM events WHERE seq > ? AND action IN"
            " ('conversation.assign', 'conversation.status') ORDER BY seq", (seq,)):
        conv = str(target).partition(":")[2]
        d = json.loads(details or "{}")
        if conv.isdigit() and isinstance(d, dict) and "from" in d:
            first.setdefault((int(conv), str(action)), d["from"])
    for (conv_id, action), was in first.items():
        if action == "conversation.assign":
            conn.execute("UPDATE conversations SET assignee = ? WHERE id = ?",
                         (was if isinstance(was, str) else None, conv_id))
        elif isinstance(was, str):
            conn.execute("UPDATE conversations SET status = ? WHERE id = ?", (was, conv_id))


def build(path: Path, conversations: int, arrivals: int) -> Config:
    db = Database(path, synchronous="OFF")
    start = time.time() - 3 * 3600
    demo = build_demo(db, seed=7, me="frontdesk", now=start, conversations=conversations,
                      timezone="UTC")
    for i in range(arrivals):
        demo.arrive(now=start + 60 * (i + 1))
    db.close()
    teams = tuple(dataclasses.replace(t, strategy="least-open") for t in demo.config.teams)
    return dataclasses.replace(demo.config, teams=teams)


def timed(service: InboxService, config: Config) -> tuple[float, int]:
    engine = rules_engine(service.store, config, replaying=RULE)
    assert engine is not None
    started = time.perf_counter()
    result = preview(service, engine, RULE, int(time.time()) - 30 * 86400)
    return time.perf_counter() - started, result.triggered


def compare(cluster: Any, tmp: Path, config: Config, rounds: int) -> None:
    from cxinbox.store.pg.copy import connect, copy_to_postgres
    from cxinbox.store.pg.store import PgStore

    cluster.create_database("bench")
    url = cluster.url("bench")
    source = sqlite3.connect(tmp / "demo.db")
    target = connect(url)
    target.autocommit = True
    copy_to_postgres(source, target, url=url)
    source.close()
    target.close()
    sqlite_db = Database(tmp / "demo.db", synchronous="OFF")
    pg = PgStore(url, min_size=1, max_size=2)
    backends = {"sqlite": InboxService(sqlite_db, config, "frontdesk"),
                "postgresql": InboxService(pg, config, "frontdesk")}  # type: ignore[arg-type]
    variants: dict[str, Callable[[sqlite3.Connection, int], None]] = {
        "A per-row": rewind_holders_per_row, "B set-based": store_rules.rewind_holders}
    new = store_rules.rewind_holders
    results: dict[tuple[str, str], list[float]] = {}
    for round_no in range(rounds):
        for backend, service in backends.items():
            for name, fn in variants.items():
                store_rules.rewind_holders = fn  # type: ignore[assignment]
                try:
                    seconds, triggers = timed(service, config)
                finally:
                    store_rules.rewind_holders = new  # type: ignore[assignment]
                results.setdefault((backend, name), []).append(seconds)
                print(f"round {round_no + 1} {backend:10} {name:12} {seconds:7.2f} s"
                      f"  {triggers} triggers  load {os.getloadavg()[0]:.1f}", flush=True)
    for (backend, name), times in results.items():
        print(f"{backend:10} {name:12} best {min(times):7.2f} s of {len(times)}")
    pg.close()
    sqlite_db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=150)
    parser.add_argument("--arrivals", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from tests.support.pgcluster import pg_cluster

    tmp = Path(tempfile.mkdtemp(prefix="cxinbox-bench-rt-"))
    config = build(tmp / "demo.db", args.conversations, args.arrivals)
    print(f"setup: {args.conversations} conversations and {args.arrivals} arrivals")
    try:
        with pg_cluster() as cluster:
            compare(cluster, tmp, config, args.rounds)
    finally:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
