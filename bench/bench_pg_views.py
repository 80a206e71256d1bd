"""Every TUI view and bench search through the service on a PostgreSQL inbox of a million
conversations (issue #16: list and search < 50 ms p95).

    python bench/bench_pg_views.py [--conversations 1000000] [--repeat 20] [--url URL]
                                   [--keep] [--explain] [--only QUERY ...]
                                   [--count-up-to N]

The inbox is generated on the server, set-based (`INSERT ... SELECT` over
`generate_series`, with the secondary indexes dropped during the fill and rebuilt after):
building a million conversations through the store would take hours. It is shaped like
bench_tui.py's inbox: a quarter SMS, the rest one email each from a patient to one of four
mailboxes, eight topics (a subject and a tag on 60% of them), statuses 20% open, 10%
pending, 3% snoozed, 67% closed, staff assignees, priorities 2/10/80/8 %, the last 40
conversations fresh and open, the newest 500 unread, a PDF on a third of lab-results mail,
an SLA due time on open conversations. The same seed gives the same inbox.

Each query is a standard view (tui/views.py) or one of bench_tui's searches, run as the TUI
asks for it: `InboxService.list_conversations(query, 0, 100)` (the SLA refresh, the read
transaction, the page, its tags, the count, and the audited read). Each runs once to
warm, then `--repeat` times; p50 and p95 in ms and the count are printed, with the
process's CPU per call beside them. `--explain` prints the plan of each query's page
statement (EXPLAIN ANALYZE) after the figures. `--url` fills the empty database there
instead of a throwaway cluster (tests/support/pgcluster.py, fsync off); `--keep` leaves a
filled `--url` database as it is on the next run, and says how long opening it took (the
migrations a database filled by older code lacks are applied then). `--count-up-to N`
asks for counts that stop at N (`list_conversations(..., count_up_to=N)`, a list's
"10,000+") instead of exact ones; `--search-count-up-to M` gives the bench's searches their own cap (the TUI counts a
search to 200: tui/views.py SEARCH_COUNT_STEP). `--steps` also prints the wall and CPU of
each step of a call (parse, transaction entry and exit, the page, the tags, the rows, the
audited read; with the walked search's estimate and walk where the code has them; where
the audited read and the tags leave with the read's COMMIT, they are in its exit).

    python bench/bench_pg_views.py --url URL --keep --repeat 10 --count-up-to 10000 \
        --search-count-up-to 200          # as the TUI asks
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

PAGE = 100

_FILL = """
SELECT setseed(0.2025);
CREATE TEMP TABLE gen AS
SELECT i, random() AS r_kind, floor(random() * 8)::int AS topic,
       floor(random() * 10)::int + 1 AS first, floor(random() * 9)::int + 1 AS last,
       random() AS r_status, floor(random() * 6)::int + 1 AS staff, random() AS r_priority,
       random() AS r_tag, floor(random() * 60)::int AS jitter
FROM generate_series(0, %(n)s - 1) AS i;

CREATE TEMP TABLE shaped AS
SELECT i,
  (r_kind < 0.25 AND i <> 0 AND i <> %(n)s - 1) AS sms,
  (ARRAY['Appointment request', 'Prescription refill', 'Question about my lab results',
         'Invoice question', 'Insurance card update', 'Referral status',
         'Need to reschedule', 'Do I need to be fasting?'])[topic + 1] AS topic_subject,
  (ARRAY['appointment', 'refill', 'lab-results', 'billing', 'insurance', 'referral',
         'appointment', 'lab-results'])[topic + 1] AS tag,
  (ARRAY['Jane', 'Omar', 'Mei', 'Carlos', 'Aisha', 'Tom', 'Rosa', 'Ivan', 'Nora',
         'Kwame'])[first] || ' ' || (ARRAY['Smith', 'Garcia', 'Nguyen', 'Khan', 'Okafor',
         'Rossi', 'Chen', 'Novak', 'Silva'])[last] AS name,
  (ARRAY['appointments', 'billing', 'results', 'referrals'])[i %% 4 + 1] AS mailbox,
  CASE WHEN i >= %(n)s - 40 THEN %(now)s - (%(n)s - 1 - i) * 90 - jitter
       ELSE %(now)s - ((%(n)s - i) * (2 * 365 * 86400.0 / %(n)s))::bigint - 3600 END AS at,
  CASE WHEN i >= %(n)s - 40 OR i = 0 THEN 'open'
       WHEN r_status < 0.20 THEN 'open' WHEN r_status < 0.30 THEN 'pending'
       WHEN r_status < 0.33 THEN 'snoozed' ELSE 'closed' END AS status,
  (ARRAY['maria', 'dev', 'sam', 'priya', NULL, NULL])[staff] AS assignee,
  CASE WHEN r_priority < 0.02 THEN 'urgent' WHEN r_priority < 0.12 THEN 'high'
       WHEN r_priority < 0.92 THEN 'normal' ELSE 'low' END AS priority,
  r_tag < 0.6 AS tagged, topic
FROM gen;

-- Not screened (store/unscreened.py): the 'referrals' mailbox was added yesterday, so its
-- mail older than two days is a first sync's backlog; an outage stored one message in
-- fifty of the last thirty days late. A third of those within reach of the mark (the
-- backlog within 14 days, every late one) are unread, with the newest 500.
ALTER TABLE shaped ADD COLUMN backlog boolean, ADD COLUMN late boolean,
    ADD COLUMN unread boolean;
UPDATE shaped SET
  backlog = NOT sms AND mailbox = 'referrals' AND at < %(now)s - 2 * 86400,
  late = i %% 50 = 7 AND i < %(n)s - 40 AND at >= %(now)s - 30 * 86400;
UPDATE shaped SET unread = i >= %(n)s - 500
  OR (i %% 3 = 0 AND (late OR (backlog AND at >= %(now)s - 14 * 86400)));

INSERT INTO raw_messages (id, sha256, size, data)
SELECT i + 1, decode(md5('bench-' || i), 'hex'), 64, convert_to('bench message ' || i, 'UTF8')
FROM shaped;

INSERT INTO conversations (id, subject, norm_subject, channel, mailbox, status, snoozed_until,
    assignee, priority, from_name, from_addr, participants, created_at, last_message_at,
    last_inbound_at, sla_policy, sla_target, sla_due_at, sla_at_risk_at, sla_dirty,
    message_count, unread_count, has_attachment)
SELECT i + 1, subject, lower(subject), CASE WHEN sms THEN 'sms' ELSE 'email' END,
  CASE WHEN sms THEN '+15550100100' ELSE mailbox END, status,
  CASE WHEN status = 'snoozed' THEN %(now)s + 86400 END, assignee, priority, name, addr,
  addr, at, at, at,
  CASE WHEN status = 'open' THEN 'front desk' END,
  CASE WHEN status = 'open' THEN 'first_response' END,
  CASE WHEN status = 'open' THEN at + 3600 END,
  CASE WHEN status = 'open' THEN at + 2700 END, 0, 1,
  unread::int, attached::int
FROM (SELECT *,
        CASE WHEN i = %(n)s - 1 THEN 'Newest conversation'
             WHEN i = 0 THEN 'Oldest conversation'
             WHEN sms THEN topic_subject || '? This is ' || name || '.'
             ELSE topic_subject || ' ' || i END AS subject,
        CASE WHEN sms THEN '+1555' || lpad(i::text, 7, '0')
             ELSE lower(replace(name, ' ', '.')) || i || '@example.com' END AS addr,
        (NOT sms AND tag = 'lab-results' AND i %% 3 = 0) AS attached
      FROM shaped) s;

INSERT INTO messages (id, raw_id, conversation_id, channel, direction, message_id, subject,
    from_name, from_addr, sender, to_addrs, date, body_text, attachments, has_attachment,
    seen, backlog_at, unscreened_at)
SELECT c.id, c.id, c.id, c.channel, 'in',
  CASE WHEN c.channel = 'email' THEN 'bench-' || (c.id - 1) || '@example.com' END,
  c.subject, c.from_name, c.from_addr, c.from_name || ' ' || c.from_addr,
  CASE WHEN c.channel = 'email' THEN '[["", "' || c.mailbox || '@clinic.example"]]'
       ELSE '[]' END,
  c.last_message_at,
  CASE WHEN c.channel = 'sms' THEN c.subject
       ELSE E'Hello,\\n\\n' || c.subject || E'. Could you help?\\n\\nThanks,\\n'
            || c.from_name || E'\\n' END,
  CASE WHEN c.has_attachment = 1 THEN '[{"filename": "results.pdf", "content_type":'
       || ' "application/pdf", "size": 52000, "part_path": "2", "inline": false}]'
       ELSE '[]' END,
  c.has_attachment, 1 - c.unread_count,
  CASE WHEN s.backlog THEN %(now)s - 86400 END,
  CASE WHEN s.late THEN least(c.last_message_at + 2 * 86400, %(now)s) END
FROM conversations c JOIN shaped s ON s.i + 1 = c.id;

INSERT INTO thread_ids (message_id, conversation_id)
SELECT message_id, conversation_id FROM messages WHERE message_id IS NOT NULL;

INSERT INTO conversation_tags (conversation_id, tag)
SELECT i + 1, tag FROM shaped WHERE tagged;

SELECT setval(pg_get_serial_sequence(t, 'id'), (SELECT max(id) FROM conversations))
FROM unnest(ARRAY['raw_messages', 'conversations', 'messages']) AS t;
"""

_TABLES = ("raw_messages", "conversations", "messages", "thread_ids", "conversation_tags")


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from tests.support.pgcluster import pg_cluster

    with pg_cluster() as cluster:
        cluster.create_database("bench")
        yield cluster.url("bench")


def fill(url: str, n: int, now: int) -> None:
    """The generated inbox, secondary indexes rebuilt after the rows are in."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)",
            (list(_TABLES),)).fetchall()
        started = time.perf_counter()
        with conn.transaction():
            for name, _definition in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            conn.execute(_FILL % {"n": int(n), "now": int(now)})
        filled = time.perf_counter() - started
        for _name, definition in indexes:
            conn.execute(definition)
        conn.execute("VACUUM ANALYZE")
        print(f"filled {n:,} conversations in {filled:.0f} s, indexes and VACUUM ANALYZE"
              f" in {time.perf_counter() - started - filled:.0f} s", flush=True)


class Backends:
    """The server's side of each call: the CPU time and the waits for the client of the
    store's pooled backends (read from /proc: the bench must run on the database's
    machine, as the same or a privileged user; otherwise both read as 0). A backend
    blocks once for each round trip it serves, so its voluntary context switches count
    round trips (a lock wait would add one; a read's plan has none)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.pids: list[int] = []

    def refresh(self) -> None:
        with self.store.read() as conn:
            mine = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            self.pids = [int(r[0]) for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> ?", (mine,))]
            self.pids.append(int(mine))

    def sample(self) -> dict[int, tuple[float, int]]:
        """Each backend's (CPU seconds, voluntary context switches); a backend that has
        ended is left out (`delta` compares only the backends both samples saw)."""
        tick = float(os.sysconf("SC_CLK_TCK"))
        seen: dict[int, tuple[float, int]] = {}
        for pid in self.pids:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpu = (int(stat[11]) + int(stat[12])) / tick
                waits = 0
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("voluntary_ctxt_switches:"):
                        waits = int(line.split()[1])
            except (OSError, IndexError, ValueError):
                continue
            seen[pid] = (cpu, waits)
        return seen

    @staticmethod
    def delta(before: dict[int, tuple[float, int]],
              after: dict[int, tuple[float, int]]) -> tuple[float, int]:
        """The CPU and waits spent between two samples by the backends alive in both
        (a pooled connection closed between them would otherwise read as negative)."""
        both = before.keys() & after.keys()
        return (sum(after[p][0] - before[p][0] for p in both),
                sum(after[p][1] - before[p][1] for p in both))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a throwaway"
                                      " cluster)")
    parser.add_argument("--keep", action="store_true",
                        help="with --url: use the inbox a previous run left there")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--count-up-to", type=int, default=None,
                        help="counts stop at N (default: exact counts)")
    parser.add_argument("--search-count-up-to", type=int, default=None,
                        help="the bench's searches count up to N (default: as the views)")
    parser.add_argument("--only", action="append", default=[],
                        help="measure this query alone (repeatable)")
    parser.add_argument("--steps", action="store_true",
                        help="also time each step of one call (parse, SLA check, the read"
                             " transaction and its statements, tags, rows, the audited"
                             " read)")
    args = parser.parse_args()

    import bench_tui

    from cxinbox.config import Config, SlaConfig, SlaPolicyConfig, StoreConfig
    from cxinbox.service.inbox import InboxService
    from cxinbox.store.pg.store import PgStore
    from cxinbox.tui.views import STANDARD_VIEWS, mailbox_view, tag_view
    from cxinbox.tui.widgets.header_bar import COUNTS

    # What the TUI asks for: each view's page, a mailbox's and a tag's view (keys m and
    # t), then the header's counts (tui/app.py `_read_counts`: a page of one row, the
    # count to the view's cap), then bench_tui's searches.
    view_queries = [*(v.query for v in STANDARD_VIEWS), mailbox_view("results").query,
                    tag_view("billing").query]
    queries = [*view_queries, *bench_tui.QUERIES, *bench_tui.EXTRA_QUERIES]
    queries = [q for q in queries if q in args.only] if args.only else queries
    counts = [c.query for c in COUNTS if not args.only or c.query in args.only]
    calls = [(q, q, PAGE) for q in queries] + [(f"count {c}", c, 1) for c in counts]
    now = int(time.time())
    with database(args.url) as url:
        opening = time.perf_counter()
        store = PgStore(url)  # creates the schema, or upgrades a kept database's
        opened = time.perf_counter() - opening
        try:
            if not (args.keep and store.conn.execute(
                    "SELECT count(*) FROM conversations").fetchone()[0]):
                fill(url, args.conversations, now)
            else:  # a kept database filled by older code meets its migrations here
                print(f"opened the kept database in {opened:.1f} s (its missing"
                      " migrations and PG_TUNING entries applied)", flush=True)
            config = Config(store=StoreConfig(url=url), sla=SlaConfig(policies=(
                SlaPolicyConfig(name="front desk", first_response_s=3600,
                                next_response_s=3600),)))
            svc = InboxService(store, config, "maria")
            backends = Backends(store)
            # A tag's view counts as a search does (tui/views.py count_step).
            views = {*view_queries, *counts} - {tag_view("billing").query}
            searched = (args.count_up_to if args.search_count_up_to is None
                        else args.search_count_up_to)

            def cap_of(query: str) -> int | None:
                return args.count_up_to if query in views else searched

            rows = []
            for label, query, limit in calls:
                cap = cap_of(query)
                svc.list_conversations(query, 0, limit, cap)  # warm
                backends.refresh()
                times, cpus = [], []
                total = 0
                server_before = backends.sample()
                for _ in range(args.repeat):
                    started, cpu = time.perf_counter(), time.process_time()
                    total = svc.list_conversations(query, 0, limit, cap).total
                    times.append(time.perf_counter() - started)
                    cpus.append(time.process_time() - cpu)
                server_after = backends.sample()
                spent, waited = Backends.delta(server_before, server_after)
                server = (spent / args.repeat, waited / args.repeat)
                rows.append((label, total, times, cpus, server))
            if args.steps:
                steps(svc, queries, args.repeat, cap_of)
            if args.explain:
                explain(store, svc, queries, cap_of)
        finally:
            store.close()
    ms = 1000.0
    capped = "" if args.count_up_to is None else f", count_up_to={args.count_up_to}"
    if args.search_count_up_to is not None:
        capped += f" (searches {args.search_count_up_to})"
    print(f"\n{args.conversations:,} conversations on PostgreSQL, list_conversations(query,"
          f" 0, {PAGE}{capped}) through the service, {args.repeat} runs each (ms; CPU of this"
          " process, the server backends' CPU per call (mean, /proc: 10 ms ticks), and the"
          " round trips per call)")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"load average at the end: {load}")
    print(f"{'query':<50} {'matches':>9} {'p50':>7} {'p95':>7} {'CPU p50':>8}"
          f" {'srv CPU':>8} {'trips':>6}")
    for query, total, times, cpus, (server_cpu, trips) in rows:
        print(f"{(query or '(everything)')[:50]:<50} {total:>9,} {statistics.median(times) * ms:>7.1f}"
              f" {pct(times, 0.95) * ms:>7.1f} {statistics.median(cpus) * ms:>8.1f}"
              f" {server_cpu * ms:>8.1f} {trips:>6.1f}")
    every = [t for row in rows for t in row[2]]
    print(f"{'all':<50} {'':>9} {statistics.median(every) * ms:>7.1f}"
          f" {pct(every, 0.95) * ms:>7.1f}")
    slow = [q or "(everything)" for q, _t, times, _c, _s in rows if pct(times, 0.95) * ms >= 50]
    print(f"target p95 < 50 ms: {'met by every query' if not slow else 'missed by ' + ', '.join(slow)}")


def steps(svc: Any, queries: list[str], repeat: int,
          cap_of: Callable[[str], int | None]) -> None:
    """Wall and CPU of each step of `list_conversations`, p50 and p95 over `repeat` calls
    per query (a transaction's entry is the pool's checkout and the BEGIN, its exit the
    COMMIT and the checkin)."""
    from cxinbox.service import inbox
    from cxinbox.store import sqlite_tx
    from cxinbox.store.pg import store as pgstore

    try:  # the walked search (absent from older code this bench may run against)
        from cxinbox.store.pg import search as pgsearch
    except ImportError:
        pgsearch = None

    spans: dict[str, list[tuple[float, float]]] = {}

    def timed_call(name: str, owner: Any, attr: str) -> Callable[[], None]:
        original = getattr(owner, attr)

        def run(*a: Any, **k: Any) -> Any:
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return original(*a, **k)
            finally:
                spans.setdefault(name, []).append(
                    (time.perf_counter() - started, time.process_time() - cpu))

        setattr(owner, attr, run)
        return lambda: setattr(owner, attr, original)

    def timed_context(name: str, owner: Any, attr: str) -> Callable[[], None]:
        """A context manager's entry and exit timed apart (checkout and BEGIN; COMMIT)."""
        original = getattr(owner, attr)

        @contextlib.contextmanager
        def run(*a: Any, **k: Any) -> Iterator[Any]:
            started, cpu = time.perf_counter(), time.process_time()
            manager = original(*a, **k)
            value = manager.__enter__()
            spans.setdefault(f"{name}: enter", []).append(
                (time.perf_counter() - started, time.process_time() - cpu))
            try:
                yield value
            except BaseException as exc:
                if not manager.__exit__(type(exc), exc, exc.__traceback__):
                    raise
            else:
                started, cpu = time.perf_counter(), time.process_time()
                manager.__exit__(None, None, None)
                spans.setdefault(f"{name}: exit", []).append(
                    (time.perf_counter() - started, time.process_time() - cpu))

        setattr(owner, attr, run)
        return lambda: setattr(owner, attr, original)

    undo = [
        timed_call("parse and compile", inbox.InboxService, "_selection"),
        timed_call("SLA check (refresh_sla)", inbox.InboxService, "refresh_sla"),
        timed_context("transaction", pgstore.PgStore, "_transaction"),
        *([timed_call("list_view (check, page, tags sent)", pgstore.PgTx, "list_view")]
          if hasattr(pgstore.PgTx, "list_view") else []),
        timed_call("list_page", pgstore.PgTx, "list_page"),
        *([timed_call("  search: planner's estimate", pgsearch, "estimated_matches"),
           timed_call("  search: walk (flags apart)", pgsearch, "_walk")] if pgsearch else []),
        timed_call("tags_for", sqlite_tx.SqliteTx, "tags_for"),
        timed_call("summaries", inbox, "summary_from_row"),
        # Older code: the audited read in a transaction of its own after the read. Now it
        # leaves with the read's COMMIT (StoreTx.record_after), inside "transaction: exit".
        timed_call("audited read (record_read)", inbox.InboxService, "record_read"),
        timed_call("whole call", inbox.InboxService, "list_conversations"),
    ]
    ms = 1000.0
    try:
        for query in queries:
            svc.list_conversations(query, 0, PAGE, cap_of(query))  # warm
            spans.clear()
            for _ in range(repeat):
                svc.list_conversations(query, 0, PAGE, cap_of(query))
            print(f"\n== steps of {query or '(everything)'}")
            print(f"{'step':<40} {'calls':>6} {'wall p50':>9} {'wall p95':>9} {'CPU p50':>8}")
            for name, values in spans.items():
                per_call = len(values) / repeat
                walls = [w for w, _ in values]
                cpus = [c for _, c in values]
                print(f"{name:<40} {per_call:>6.1f} {statistics.median(walls) * ms:>9.2f}"
                      f" {pct(walls, 0.95) * ms:>9.2f} {statistics.median(cpus) * ms:>8.2f}")
    finally:
        for restore in reversed(undo):
            restore()


def explain(store: Any, svc: Any, queries: list[str],
            cap_of: Callable[[str], int | None]) -> None:
    """The plans of the statements behind each query (captured from the store's
    connection as the service runs it)."""
    from cxinbox.store.pg import conn as pgconn

    seen: list[tuple[str, Any]] = []
    original = pgconn.PgConnection.execute

    def capture(self: Any, sql: str, params: Any = (), **kw: Any) -> Any:
        if "FROM conversations c" in sql and not sql.startswith("EXPLAIN"):
            seen.append((sql, params))
        return original(self, sql, params, **kw)

    pgconn.PgConnection.execute = capture  # type: ignore[method-assign]
    try:
        for query in queries:
            seen.clear()
            svc.list_conversations(query, 0, PAGE, cap_of(query))
            print(f"\n== {query or '(everything)'}")
            for sql, params in seen:
                with store.read() as conn:
                    plan = original(conn, "EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    print("\n".join(r[0] for r in plan.fetchall()))
    finally:
        pgconn.PgConnection.execute = original  # type: ignore[method-assign]


if __name__ == "__main__":
    main()
