"""What the "not screened" mark costs the list (store/unscreened.py), on SQLite.

A synthetic inbox (default 50,000 conversations of one or two messages: a patient's and,
for half, the desk's answer; 45% a first sync's backlog, a ninth of it arrived within the
14-day window and the rest long before; 1% late; live mail over the last year; a third
closed) in a fresh migrated
cache. Timed A/B interleaved in one process (the machine is shared):

- page A: the mark as it was read before (any late message of the 50 shown, by the
  partial index) against page B: the one rule for both kinds (the shown conversations'
  messages by `messages_conversation`, then each candidate's newer messages);
- `is:unscreened` over the whole inbox, counted. On PostgreSQL A/B interleaved: count A
  the condition SQLite runs (`marked_sql`: the open conversations of the window, each
  one's messages) against count B the one PostgreSQL runs now (`marked_sql_pg`: the
  candidate messages by their indexes, each one's conversation); both must count the
  same, or the bench stops.

Prints the query plans, p50/p95 in ms per kind, and the load average. `--pg`: the same
on a throwaway PostgreSQL cluster started for the run.

    .venv/bin/python bench/bench_unscreened.py [--conversations 50000] [--rounds 200] [--pg]
                                               [--counts 20]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from cxinbox.domain.arrival import backlog_since
from cxinbox.domain.query import QueryContext, parse
from cxinbox.store.db import Database
from cxinbox.store.pg.query import compile_query_pg
from cxinbox.store.query_sql import compile_query
from cxinbox.store.unscreened import marked_sql, page_sql

OLD_PAGE = ("SELECT conversation_id, min(coalesce(received_at, date)) FROM messages"
            " WHERE conversation_id IN ({marks}) AND unscreened_at IS NOT NULL"
            " AND gone_at IS NULL GROUP BY conversation_id")


def build(db: Any, n: int, now: int, rng: random.Random) -> None:
    day = 86400
    convs, msgs, raws = [], [], []
    mid = 0
    for cid in range(1, n + 1):
        kind = rng.random()
        if kind < 0.05:  # backlog within the window
            at, backlog, late = now - rng.randint(4, 13) * day, now - day, None
        elif kind < 0.5:  # backlog long before
            at, backlog, late = now - rng.randint(30, 2000) * day, now - day, None
        elif kind < 0.51:  # fetched late
            at, backlog, late = now - rng.randint(4, 9) * day, None, now - day
        else:
            at, backlog, late = now - rng.randint(0, 365 * day), None, None
        status = "closed" if rng.random() < 0.33 else "open"
        answered = rng.random() < 0.5
        convs.append((cid, status, f"question {cid}", at, at + (3600 if answered else 0), at,
                      at + 3600 if answered else None))
        mid += 1
        raws.append((mid, mid.to_bytes(8, "big"), 1, b"x"))
        msgs.append((mid, mid, cid, "in", at, at, 0, backlog, late))
        if answered:
            mid += 1
            raws.append((mid, mid.to_bytes(8, "big"), 1, b"x"))
            msgs.append((mid, mid, cid, "out", at + 3600, None, 1, None, None))
    with db.write() as conn:
        conn.executemany("INSERT INTO raw_messages (id, sha256, size, data) VALUES (?,?,?,?)",
                         raws)
        conn.executemany(
            "INSERT INTO conversations (id, status, norm_subject, created_at, last_message_at,"
            " last_inbound_at, last_response_at, message_count) VALUES (?,?,?,?,?,?,?,1)",
            convs)
        conn.executemany(
            "INSERT INTO messages (id, raw_id, conversation_id, direction, date, received_at,"
            " seen, backlog_at, unscreened_at) VALUES (?,?,?,?,?,?,?,?,?)", msgs)
        conn.execute("ANALYZE")


def ms(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=20)
    return f"p50 {statistics.median(samples):.3f} ms  p95 {q[18]:.3f} ms"


def measure(store: Any, n: int, rounds: int, pg: bool, counts: int) -> None:
    now = int(time.time())
    since = backlog_since(now, 14)
    started = time.perf_counter()
    build(store, n, now, random.Random(7))
    print(f"built {n} conversations in {time.perf_counter() - started:.1f} s"
          f" ({'PostgreSQL' if pg else 'SQLite'})")
    ctx = QueryContext(me="bench", now=datetime.fromtimestamp(now, UTC), tz=UTC)
    compile_fn = compile_query_pg if pg else compile_query
    where, wparams = compile_fn(parse("is:unscreened").where, ctx)
    count_sql = f"SELECT count(*) FROM conversations c WHERE {where}"
    before_where, before_params = marked_sql(since)
    before_sql = f"SELECT count(*) FROM conversations c WHERE {before_where}"
    explain = "EXPLAIN (ANALYZE, BUFFERS)" if pg else "EXPLAIN QUERY PLAN"
    with store.read() as conn:
        pages = [[int(r[0]) for r in conn.execute(
            "SELECT id FROM conversations WHERE status = 'open'"
            " ORDER BY last_message_at DESC LIMIT 50 OFFSET ?", (off,)).fetchall()]
            for off in range(0, 5000, 50)]
        sample = pages[0]
        marks = ", ".join("?" * len(sample))
        new_sql, new_params = page_sql(sample, since)
        for name, sql, params in (("page A (before)", OLD_PAGE.format(marks=marks), sample),
                                  ("page B (one rule)", new_sql, new_params),
                                  *((("count A (before)", before_sql, before_params),)
                                    if pg else ()),
                                  ("is:unscreened", count_sql, wparams)):
            print(f"plan of {name}:")
            for row in conn.execute(f"{explain} {sql}", params).fetchall():
                print("   ", row[0] if pg else row[3])
        marked = conn.execute(count_sql, wparams).fetchone()[0]
        print(f"is:unscreened selects {marked}")
        if pg:
            before = conn.execute(before_sql, before_params).fetchone()[0]
            if before != marked:
                raise SystemExit(f"count A selects {before}, count B {marked}: not the same rule")
        a, b, q, qa = [], [], [], []
        for i in range(rounds):
            page = pages[i % len(pages)]
            marks = ", ".join("?" * len(page))
            for out, sql, params in (
                    (a, OLD_PAGE.format(marks=marks), page),
                    (b, *page_sql(page, since))):
                t = time.perf_counter()
                conn.execute(sql, params).fetchall()
                out.append((time.perf_counter() - t) * 1000)
        for _ in range(counts):
            for out, sql, params in (*(((qa, before_sql, before_params),) if pg else ()),
                                     (q, count_sql, wparams)):
                t = time.perf_counter()
                conn.execute(sql, params).fetchone()
                out.append((time.perf_counter() - t) * 1000)
    print(f"page A (before, late only): {ms(a)}")
    print(f"page B (one rule, both kinds): {ms(b)}")
    if pg:
        print(f"count A (marked_sql, as before) over the inbox: {ms(qa)} ({len(qa)} runs)")
    print(f"is:unscreened count over the inbox{' (B)' if pg else ''}: {ms(q)}"
          f" ({len(q)} runs)")
    print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--counts", type=int, default=20,
                    help="`is:unscreened` counts timed (each kind, interleaved)")
    ap.add_argument("--pg", action="store_true",
                    help="on a throwaway PostgreSQL cluster (tests/support/pgcluster.py)")
    args = ap.parse_args()
    if args.pg:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.support.pgcluster import pg_cluster

        from cxinbox.store.pg.store import PgStore

        with pg_cluster() as cluster:
            cluster.create_migrated_database("bench_unscreened")
            store = PgStore(cluster.url("bench_unscreened"), max_size=2)
            try:
                measure(store, args.conversations, args.rounds, pg=True, counts=args.counts)
            finally:
                store.close()
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bench.db", synchronous="OFF")
        try:
            measure(db, args.conversations, args.rounds, pg=False, counts=args.counts)
        finally:
            db.close()


if __name__ == "__main__":
    main()
