"""Many rows read from PostgreSQL: plainly (what the store does) against the same rows
aggregated by the server into one JSON value (`json_agg`) and decoded in one call.

    python bench/bench_pg_rows.py --url URL [--repeat 30] [--bulk 50000]

Two reads, on an inbox bench_pg_views.py filled (`--url` of its database, kept):
- a list page: the 100 full rows of the newest open conversations (the store's page
  statement, `conversations._page_sql`), as `ConversationRecord`s; JSON as an array of
  objects (`json_agg` of the rows);
- the same page with its count stopped at 10,000, in one statement (what a view reads:
  `conversations.with_count`), against the count beside the page's `json_agg`;
- a bulk action's reads: the staff state (`matching_states`) and the tags
  (`matching_tags`) of `--bulk` pending conversations; JSON as an array of arrays.
Each form runs `--repeat` times, the two alternating; printed per call: wall p50, this
process's CPU, and the server backend's CPU (from /proc: the server must be local and
readable, else that column is blank; clock ticks, so averaged over the runs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def backend_cpu(pid: int) -> float | None:
    """The server process's user+system CPU seconds so far (None if not readable)."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def as_json(conn: Any, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql` as one JSON value, back in column order (the peer)."""
    found = conn.execute(f"SELECT json_agg(r) FROM ({sql}) AS r", params).fetchone()[0]
    value = json.loads(found) if isinstance(found, str) else found
    return [tuple(r.values()) for r in value or ()]


def as_json_arrays(conn: Any, sql: str, params: list[Any], width: int) -> list[tuple[Any, ...]]:
    """The rows of `sql` as one JSON array of arrays (the peer the bulk reads had)."""
    names = ", ".join(f"c{i}" for i in range(width))
    found = conn.execute(f"SELECT coalesce(json_agg(json_build_array({names})), '[]')"
                         f" FROM ({sql}) AS s ({names})", params).fetchone()[0]
    value = json.loads(found) if isinstance(found, str) else found
    return [tuple(r) for r in value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--bulk", type=int, default=50_000)
    args = parser.parse_args()

    import psycopg

    from cxinbox.store import conversations as convs
    from cxinbox.store.pg.conn import PgConnection
    from cxinbox.store.records import ConversationRecord, StaffState

    raw = psycopg.connect(args.url, autocommit=True)
    conn = PgConnection(raw)
    pid = int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
    sort = convs.PORTABLE_ORDERS["newest"]
    page_sql = convs._page_sql(convs._live_where("c.status = ?"), sort)
    page_params: list[Any] = ["open", 100, 0]
    last = conn.execute("SELECT max(id) FROM (SELECT id FROM conversations WHERE status = ?"
                        " ORDER BY id LIMIT ?) AS s", ["pending", args.bulk]).fetchone()[0]
    where, params = "c.status = ? AND c.id <= ?", ["pending", last]
    states_sql = ("SELECT c.id, c.subject, c.status, c.snoozed_until, c.assignee, c.priority,"
                  " c.sla_policy, c.sla_paused_s, c.sla_paused_since, c.sla_pause_end"
                  f" FROM conversations c WHERE c.merged_into IS NULL AND ({where})"
                  " ORDER BY c.id")
    tags_sql = ("SELECT t.conversation_id, t.tag FROM conversation_tags t"
                " JOIN conversations c ON c.id = t.conversation_id"
                f" WHERE c.merged_into IS NULL AND ({where})")

    def page_plain() -> int:
        return len([ConversationRecord(*r)
                    for r in conn.execute(page_sql, page_params).fetchall()])

    def page_json() -> int:
        return len([ConversationRecord(*r) for r in as_json(conn, page_sql, page_params)])

    count_sql = f"SELECT count(*) FROM (SELECT 1 {convs._live_where('c.status = ?')} LIMIT ?) AS n"
    counted_params: list[Any] = ["open", 10_000, *page_params]

    def counted_plain() -> int:
        rows, total = convs.counted_records(conn.execute(
            convs.with_count(count_sql, page_sql), counted_params).fetchall())
        return len(rows) if total == 10_000 else -1

    def counted_json() -> int:
        found = conn.execute(f"SELECT ({count_sql}), (SELECT json_agg(r) FROM ({page_sql}) AS r)",
                             counted_params).fetchone()
        rows = [ConversationRecord(*r.values()) for r in found[1] or ()]
        return len(rows) if int(found[0]) == 10_000 else -1

    def bulk(read: Callable[[str, list[Any], int], Any]) -> int:
        states = [StaffState(*r) for r in read(states_sql, params, 10)]
        tags: dict[int, set[str]] = {}
        for conv, tag in read(tags_sql, params, 2):
            tags.setdefault(conv, set()).add(tag)
        return len(states)

    def bulk_plain() -> int:
        return bulk(lambda sql, p, _w: conn.execute(sql, p))

    def bulk_json() -> int:
        return bulk(lambda sql, p, w: as_json_arrays(conn, sql, p, w))

    pairs = [("list page (100 rows)", page_plain, page_json, args.repeat * 10),
             ("list page and its count to 10,000", counted_plain, counted_json,
              args.repeat * 10),
             (f"bulk reads ({args.bulk:,} states + tags)", bulk_plain, bulk_json,
              args.repeat)]
    print(f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__});"
          " per call: wall p50, client CPU mean, server backend CPU mean (ms)")
    print(f"{'read':<40} {'form':<6} {'rows':>7} {'wall':>8} {'client':>8} {'server':>8}")
    for name, plain, js, repeat in pairs:
        assert plain() == js()  # warm both; the same rows
        figures: dict[str, tuple[list[float], float, float | None, int]] = {}
        walls: dict[str, list[float]] = {"plain": [], "json": []}
        cpu = {"plain": 0.0, "json": 0.0}
        server: dict[str, float | None] = {"plain": 0.0, "json": 0.0}
        count = 0
        for _ in range(repeat):
            for form, run in (("plain", plain), ("json", js)):
                before_s, started, before_c = backend_cpu(pid), time.perf_counter(), \
                    time.process_time()
                count = run()
                walls[form].append(time.perf_counter() - started)
                cpu[form] += time.process_time() - before_c
                after_s, spent = backend_cpu(pid), server[form]
                server[form] = (None if before_s is None or after_s is None or spent is None
                                else spent + after_s - before_s)
        for form in ("plain", "json"):
            spent = server[form]
            figures[form] = (walls[form], cpu[form] / repeat,
                             None if spent is None else spent / repeat, count)
            w, c, s, n = figures[form]
            print(f"{name:<40} {form:<6} {n:>7,} {statistics.median(w) * 1000:>8.2f}"
                  f" {c * 1000:>8.2f} {'' if s is None else f'{s * 1000:8.2f}':>8}")
    raw.close()


if __name__ == "__main__":
    main()
