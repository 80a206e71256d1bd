"""Searches on PostgreSQL against SQLite: the same inbox, the same queries, p50/p95 each.

    python bench/bench_pg_query.py [--conversations 100000] [--repeat 20] [--url URL]

The inbox is bench_tui's (generated through the store, cached under bench/out/). It is
copied into PostgreSQL with `cxinbox store copy`'s code (store/pg/copy.py; its time is
printed too) — a throwaway cluster started like the tests' (tests/support/pgcluster.py:
initdb in a temp dir, Unix socket, fsync off), or the empty database at `--url`.

Each query is bench_tui's search mix (QUERIES, then EXTRA_QUERIES). On SQLite it runs as
the service runs it: `compile_query` and the store's `list_page` (count and first page of
100). On PostgreSQL: `compile_query_pg`, then the count and the first page of 100 in the
query's order: for a search narrowed by a subquery (text, from:, tag:) its matches found
once and counted and sorted (as SQLite's list_page does), for a view two statements. Both backends must count the same matches (checked). Each
query runs once to warm, then `--repeat` times; p50 and p95 per query and the ratio
PostgreSQL / SQLite of the p95s are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

PAGE = 100
_PG_ORDERS = {
    "newest": "c.last_message_at DESC, c.id DESC",
    "oldest": "c.last_message_at, c.id",
    "due": "COALESCE(c.sla_due_at, 9223372036854775807), c.id",
    "priority": ("(CASE c.priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal'"
                 " THEN 1 ELSE 0 END) DESC, c.last_message_at DESC, c.id DESC"),
}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from tests.support.pgcluster import pg_cluster

    with pg_cluster() as cluster:
        cluster.create_database("bench")
        yield cluster.url("bench")


def timed(run: Callable[[], int], repeat: int) -> tuple[int, list[float]]:
    total = run()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return total, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a throwaway"
                                      " cluster)")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    import bench_tui

    from cxinbox.domain.query import QueryContext, parse
    from cxinbox.store import conversations as convs
    from cxinbox.store.db import Database
    from cxinbox.store.pg.conn import PgConnection
    from cxinbox.store.pg.copy import connect, copy_to_postgres
    from cxinbox.store.pg.query import compile_query_pg, sla_condition_pg
    from cxinbox.store.query_sql import compile_query, narrowed_by_subquery, sla_condition

    path, meta = bench_tui.ensure_inbox(args.conversations, args.rebuild)
    now = datetime.fromtimestamp(meta["generated_at"], UTC)
    ctx = QueryContext(me="maria", now=now, tz=UTC)
    db = Database(path)
    queries = [*bench_tui.QUERIES, *bench_tui.EXTRA_QUERIES]
    with database(args.url) as url:
        target = connect(url)
        started = time.perf_counter()
        with db.read() as lite:
            report = copy_to_postgres(lite, target, batch=2000)
        copy_s = time.perf_counter() - started
        target.execute("ANALYZE")
        print(f"copy: {report.total:,} rows ({report.rows.get('messages', 0):,} messages,"
              f" {report.rows.get('conversations', 0):,} conversations) in {copy_s:.1f} s,"
              f" {report.total / copy_s:,.0f} rows/s; audit chain of {report.events:,}"
              " events verified")
        pg = PgConnection(target)
        rows: list[tuple[str, int, list[float], list[float]]] = []
        for text in queries:
            parsed = parse(text)
            where, params = compile_query(parsed.where, ctx, sla_condition(now))

            def on_sqlite(where: str = where, params: list[Any] = params,
                          order: str = parsed.sort) -> int:
                with db.read() as conn:
                    return convs.list_page(conn, where, params, 0, PAGE, order)[1]

            pg_where, pg_params = compile_query_pg(parsed.where, ctx, sla_condition_pg(now))
            base = f"FROM conversations c WHERE c.merged_into IS NULL AND ({pg_where})"
            page_sql = (f"SELECT c.id, c.subject, c.status, c.assignee, c.from_name,"
                        f" c.last_message_at {base} ORDER BY {_PG_ORDERS[parsed.sort]}"
                        " LIMIT ?")

            # A search narrowed by a subquery (text, from:, tag:) finds its matches once,
            # counts and sorts them, as SQLite's list_page does; a view counts, then pages.
            hits_sql = (f"WITH hits AS MATERIALIZED (SELECT c.id, c.last_message_at,"
                        f" c.sla_due_at, c.priority {base})"
                        f" SELECT c.id, c.subject, c.status, c.assignee, c.from_name,"
                        f" c.last_message_at, (SELECT count(*) FROM hits)"
                        f" FROM (SELECT id FROM hits c ORDER BY {_PG_ORDERS[parsed.sort]}"
                        f" LIMIT ?) p JOIN conversations c ON c.id = p.id")

            def on_pg(base: str = base, page_sql: str = page_sql, hits_sql: str = hits_sql,
                      narrowed: bool = narrowed_by_subquery(pg_where),
                      params: list[Any] = pg_params) -> int:
                with target.transaction():
                    if narrowed:
                        found = pg.execute(hits_sql, [*params, PAGE]).fetchall()
                        return int(found[0][-1]) if found else 0
                    total = pg.execute(f"SELECT count(*) {base}", params).fetchone()[0]
                    pg.execute(page_sql, [*params, PAGE]).fetchall()
                return int(total)

            lite_total, lite_times = timed(on_sqlite, args.repeat)
            pg_total, pg_times = timed(on_pg, args.repeat)
            if lite_total != pg_total:
                raise SystemExit(f"{text!r}: SQLite counts {lite_total}, PostgreSQL"
                                 f" {pg_total}")
            rows.append((text, lite_total, lite_times, pg_times))
        target.close()
    db.close()

    ms = 1000.0
    print(f"\n{args.conversations:,} conversations, first page of {PAGE} and the count,"
          f" {args.repeat} runs each (ms)")
    print(f"{'query':<52} {'matches':>8} {'SQLite p50':>10} {'p95':>7} {'PG p50':>8}"
          f" {'p95':>7} {'PG/SQLite':>9}")
    for text, total, lite_times, pg_times in rows:
        print(f"{text[:52]:<52} {total:>8,} {statistics.median(lite_times) * ms:>10.1f}"
              f" {p95(lite_times) * ms:>7.1f} {statistics.median(pg_times) * ms:>8.1f}"
              f" {p95(pg_times) * ms:>7.1f} {p95(pg_times) / p95(lite_times):>8.2f}x")
    every_lite = [t for row in rows for t in row[2]]
    every_pg = [t for row in rows for t in row[3]]
    print(f"{'all queries':<52} {'':>8} {statistics.median(every_lite) * ms:>10.1f}"
          f" {p95(every_lite) * ms:>7.1f} {statistics.median(every_pg) * ms:>8.1f}"
          f" {p95(every_pg) * ms:>7.1f} {p95(every_pg) / p95(every_lite):>8.2f}x")


if __name__ == "__main__":
    main()
