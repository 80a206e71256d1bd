"""What marking messages read / unread writes on PostgreSQL, with the "not screened"
candidate indexes naming `seen` / `gone_at` in their predicates and without.

`messages_backlog_unread` and `messages_late_unread` (store/pg/schema.py PG_TUNING) named
`seen` and `gone_at` in their WHERE at first: PostgreSQL then counts those columns as
indexed, so a change of `seen` (a conversation opened in the TUI, a \\Seen flag picked up
by a sync) is no longer a HOT update and writes an entry into every index of messages.
Three copies of one synthetic inbox (bench/bench_unscreened.py's, 50,000 conversations,
with addresses for the trigram indexes) on a throwaway cluster:

- seen: the indexes as first made, `seen = 0 AND gone_at IS NULL` in their predicates;
- heap: as PG_TUNING now makes them, those two tested on the row by the query instead;
- none: the two indexes dropped.

Each round, interleaved (seen, heap, none, seen, ...): 5,000 random inbound messages marked
read in one transaction, then unread in another (VACUUM before each, untimed). Per copy:
updates that were HOT (pg_stat_xact_user_tables, read inside the transaction), WAL bytes
(pg_current_wal_insert_lsn around the transaction), ms per transaction; then the
`is:unscreened` count timed interleaved on the three (all must count the same), with
every inbound message unread and again with 90% of them read (the heap copy's indexes
keep the read ones). Prints the load average.

    .venv/bin/python bench/bench_pg_seen_hot.py [--conversations 50000] [--rounds 6]
                                                [--mark 5000] [--counts 20]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from bench_unscreened import build
from tests.support.pgcluster import pg_cluster

from cxinbox.domain.query import QueryContext, parse
from cxinbox.store.pg.conn import PgConnection
from cxinbox.store.pg.query import compile_query_pg
from cxinbox.store.pg.store import PgStore

SEEN = """
DROP INDEX messages_backlog_unread;
DROP INDEX messages_late_unread;
CREATE INDEX messages_backlog_unread ON messages ((coalesce(received_at, date)))
    WHERE backlog_at IS NOT NULL AND direction = 'in' AND seen = 0 AND gone_at IS NULL;
CREATE INDEX messages_late_unread ON messages (conversation_id)
    WHERE unscreened_at IS NOT NULL AND direction = 'in' AND seen = 0 AND gone_at IS NULL;
"""
NONE = "DROP INDEX messages_backlog_unread; DROP INDEX messages_late_unread;"
KINDS = ("seen", "heap", "none")


def ms(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples):.1f} ms  max {max(samples):.1f} ms"


def mark(conn: psycopg.Connection[Any], ids: list[int], seen: int) -> tuple[int, int, int, float]:
    """One transaction setting `seen`; (updates, HOT updates, WAL bytes, ms)."""
    conn.execute("VACUUM messages")
    start = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()
    t = time.perf_counter()
    stats = ("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
             " WHERE relname = 'messages'")
    with conn.transaction():  # the backend's counts not yet flushed: a difference
        upd0, hot0 = conn.execute(stats).fetchone() or (0, 0)
        conn.execute("UPDATE messages SET seen = %s WHERE id = ANY(%s)", (seen, ids))
        upd1, hot1 = conn.execute(stats).fetchone() or (0, 0)
        upd, hot = upd1 - upd0, hot1 - hot0
    took = (time.perf_counter() - t) * 1000
    wal = conn.execute("SELECT pg_current_wal_insert_lsn() - %s::pg_lsn",
                       (start[0] if start else "0/0",)).fetchone()
    return int(upd), int(hot), int(wal[0] if wal else 0), took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--mark", type=int, default=5000)
    ap.add_argument("--counts", type=int, default=20)
    args = ap.parse_args()
    now = int(time.time())
    with pg_cluster() as cluster:
        cluster.create_migrated_database("seen_heap")
        store = PgStore(cluster.url("seen_heap"), max_size=2)
        try:
            build(store, args.conversations, now, random.Random(7))
        finally:
            store.close()
        with psycopg.connect(cluster.dsn("seen_heap"), autocommit=True) as conn:
            conn.execute("UPDATE messages SET from_addr = 'patient' || id || '@example.org',"
                         " from_name = 'Patient ' || id, to_addrs = 'frontdesk@clinic.example',"
                         " subject = 'question ' || id")
            # Every row written once more (as a sync's later passes do), then vacuumed: pages
            # with the free room a table in use has, where an update can stay HOT.
            conn.execute("VACUUM ANALYZE messages")
        for kind, sql in (("seen", SEEN), ("none", NONE)):
            cluster.psql(f'CREATE DATABASE "seen_{kind}" TEMPLATE "seen_heap"')
            cluster.psql(sql + " ANALYZE messages;", dbname=f"seen_{kind}")
        conns = {k: psycopg.connect(cluster.dsn(f"seen_{k}"), autocommit=True) for k in KINDS}
        try:
            inbound = [int(r[0]) for r in conns["heap"].execute(
                "SELECT id FROM messages WHERE direction = 'in' ORDER BY id")]
            indexes = {k: int(c.execute("SELECT count(*) FROM pg_indexes"
                                        " WHERE tablename = 'messages'").fetchone()[0])
                       for k, c in conns.items()}
            print(f"{args.conversations} conversations, {len(inbound)} inbound messages;"
                  f" indexes on messages: {indexes}")
            rng = random.Random(11)
            got: dict[str, list[tuple[int, int, int, float]]] = {k: [] for k in KINDS}
            for _ in range(args.rounds):
                ids = rng.sample(inbound, args.mark)
                for seen in (1, 0):
                    for kind in KINDS:
                        got[kind].append(mark(conns[kind], ids, seen))
            for kind in KINDS:
                rows = got[kind]
                upd = sum(r[0] for r in rows)
                hot = sum(r[1] for r in rows)
                wal = statistics.median(r[2] for r in rows)
                print(f"{kind:5} {len(rows)} transactions of {args.mark}: HOT {hot}/{upd}"
                      f" ({100 * hot / max(upd, 1):.0f}%), WAL median {wal / 1e6:.2f} MB"
                      f" ({wal / args.mark:.0f} B a message), {ms([r[3] for r in rows])}")
            ctx = QueryContext(me="bench", now=datetime.fromtimestamp(now, UTC), tz=UTC)
            where, params = compile_query_pg(parse("is:unscreened").where, ctx)
            sql = f"SELECT count(*) FROM conversations c WHERE {where}"
            wrapped = {k: PgConnection(c) for k, c in conns.items()}
            for label in ("all inbound unread", "90% of the inbound read"):
                if label != "all inbound unread":  # the heap copy's index keeps them
                    read = rng.sample(inbound, len(inbound) * 9 // 10)
                    for c in conns.values():
                        c.execute("UPDATE messages SET seen = 1 WHERE id = ANY(%s)", (read,))
                        c.execute("VACUUM ANALYZE messages")
                counts = {k: w.execute(sql, params).fetchone()[0] for k, w in wrapped.items()}
                if len(set(counts.values())) != 1:
                    raise SystemExit(f"is:unscreened counts differ: {counts}")
                for kind in KINDS:
                    plan = [r[0] for r in wrapped[kind].execute("EXPLAIN " + sql,
                                                                params).fetchall()]
                    used = sorted({w for line in plan for w in line.replace("(", " ").split()
                                   if w.startswith("messages_")})
                    print(f"{label}: plan {kind}: indexes {used}")
                took: dict[str, list[float]] = {k: [] for k in KINDS}
                for _ in range(args.counts):
                    for kind in KINDS:
                        t = time.perf_counter()
                        wrapped[kind].execute(sql, params).fetchone()
                        took[kind].append((time.perf_counter() - t) * 1000)
                for kind in KINDS:
                    q = statistics.quantiles(took[kind], n=20)
                    print(f"{label}: is:unscreened count ({counts[kind]}) {kind:5}:"
                          f" p50 {statistics.median(took[kind]):.2f} ms  p95 {q[18]:.2f} ms")
        finally:
            for c in conns.values():
                c.close()
    print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
