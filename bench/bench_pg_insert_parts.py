"""Where the PostgreSQL server's CPU goes when a first sync inserts the message rows.

    python bench/bench_pg_insert_parts.py [10000 30000 ...]

For each N: a private Dovecot filled with N generated clinic messages (seed 42, as
bench_pg_sync.py), one initial sync into a throwaway cluster (fsync on), then the synced
rows inserted again, in batches of 500 (a transaction each, as the sync's batches), into
scratch tables that each add one piece of the `messages` table: its btree indexes, the
generated `search` vector, its GIN index, the two trigram GIN indexes, the report trigger
and the foreign keys; and the same with the GIN pending list at 32 MB (what a bulk batch
sets, store/ingest.py). Printed per piece: the server CPU of the inserting backend (from
/proc), per message, and the WAL written per message. The cost of folding the text
(`cxinbox_words`) and of the whole search expression is read the same way from a SELECT
(parallel query off, so the backend does all of it).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import psycopg
from bench_pg_sync import pg_config, run_child

from support.dovecot import DovecotServer
from support.mailgen import generate_corpus
from support.pgcluster import pg_cluster

_TICK = os.sysconf("SC_CLK_TCK")
_COLUMNS = ("id, raw_id, conversation_id, channel, direction, message_id, in_reply_to, refs,"
            " subject, from_name, from_addr, sender, to_addrs, cc_addrs, date, body_text,"
            " attachments, has_attachment, problems, seen")
_VECTOR = ("setweight(to_tsvector('simple', cxinbox_words(subject)), 'A')"
           " || setweight(to_tsvector('simple', cxinbox_words(sender)), 'B')"
           " || to_tsvector('simple', cxinbox_words(left(body_text, 500000)))")
_BTREES = ("CREATE INDEX ON t (conversation_id, date)", "CREATE INDEX ON t (message_id)",
           "CREATE INDEX ON t (from_addr, from_name, conversation_id)",
           "CREATE INDEX ON t (date, conversation_id, direction)",
           "CREATE UNIQUE INDEX ON t (raw_id)")
_SEARCH = (("ALTER TABLE t ADD COLUMN search tsvector GENERATED ALWAYS AS"
           f" ({_VECTOR}) STORED"),)
_GIN = ("CREATE INDEX ON t USING gin (search)",)
_SENDERS = ("CREATE INDEX ON t USING gin ((lower(from_addr || ' ' || from_name)) gin_trgm_ops)",)
_RECIPIENTS = ("CREATE INDEX ON t USING gin ((lower(to_addrs || ' ' || cc_addrs)) gin_trgm_ops)",)
_TRIGGER = (("CREATE TRIGGER r AFTER INSERT ON t FOR EACH ROW"
            " EXECUTE FUNCTION cxinbox_report_message()"),)
_KEYS = (("ALTER TABLE t ADD FOREIGN KEY (raw_id) REFERENCES raw_messages (id),"
         " ADD FOREIGN KEY (conversation_id) REFERENCES conversations (id)"),)

_PIECES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("rows and btree indexes", _BTREES, ""),
    ("+ generated search vector", _BTREES + _SEARCH, ""),
    ("+ GIN on search", _BTREES + _SEARCH + _GIN, ""),
    ("+ senders' trigram GIN", _BTREES + _SEARCH + _GIN + _SENDERS, ""),
    ("+ recipients' trigram GIN", _BTREES + _SEARCH + _GIN + _SENDERS + _RECIPIENTS, ""),
    ("+ report trigger and foreign keys (the table)",
     _BTREES + _SEARCH + _GIN + _SENDERS + _RECIPIENTS + _TRIGGER + _KEYS, ""),
    ("the table, GIN pending list 32 MB",
     _BTREES + _SEARCH + _GIN + _SENDERS + _RECIPIENTS + _TRIGGER + _KEYS,
     "SET gin_pending_list_limit = 32768"),
)


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _insert_all(conn: psycopg.Connection[Any], pid: int, n: int, pieces: tuple[str, ...],
                setting: str) -> tuple[float, float]:
    conn.execute("DROP TABLE IF EXISTS t")
    conn.execute(f"CREATE TABLE t AS SELECT {_COLUMNS} FROM src WITH NO DATA")
    conn.execute("ALTER TABLE t ADD PRIMARY KEY (id)")
    for sql in pieces:
        conn.execute(sql)
    conn.execute("RESET gin_pending_list_limit")
    if setting:
        conn.execute(setting)
    conn.execute("TRUNCATE report_dirty")
    conn.execute("CHECKPOINT")
    top = int(conn.execute("SELECT max(id) FROM src").fetchone()[0])  # type: ignore[index]
    lsn = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
    before = _cpu(pid)
    for low in range(0, top + 1, 500):
        with conn.transaction():
            conn.execute(f"INSERT INTO t ({_COLUMNS}) SELECT {_COLUMNS} FROM src"
                         " WHERE id > %s AND id <= %s ORDER BY id", (low, low + 500))
    cpu = _cpu(pid) - before
    wal = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)",
                       (lsn,)).fetchone()[0]  # type: ignore[index]
    return cpu, float(wal)


def bench(n: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory(prefix="cxinbox-bench-") as tmp, DovecotServer() as server, \
            pg_cluster(durable=True) as cluster:
        (Path(tmp) / "pg").mkdir()
        server.deliver_many(generate_corpus(n, seed=42), "INBOX")
        cluster.create_database("bench")
        cfg = pg_config(Path(tmp) / "pg", server, cluster.url("bench"), 500)
        run_child([sys.executable, str(ROOT / "bench" / "bench_pg_sync.py"), "--child",
                   str(cfg)], env)
        with psycopg.connect(cluster.dsn("bench"), autocommit=True) as conn:
            pid = int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
            conn.execute("SET max_parallel_workers_per_gather = 0")
            conn.execute(f"CREATE TABLE src AS SELECT {_COLUMNS} FROM messages ORDER BY id")
            body = conn.execute("SELECT avg(length(body_text))::int FROM src").fetchone()
            print(f"N = {n} (bodies {body[0] if body else 0} characters on average)")
            print(f"  {'piece':<48} {'server CPU':>10} {'ms/msg':>7} {'WAL kB/msg':>10}")
            for label, sql in (
                    ("SELECT cxinbox_words of subject, sender, body",
                     ("SELECT sum(length(cxinbox_words(subject)) + length(cxinbox_words(sender))"
                     " + length(cxinbox_words(left(body_text, 500000)))) FROM src")),
                    ("SELECT the whole search vector", f"SELECT sum(length({_VECTOR})) FROM src")):
                before = _cpu(pid)
                conn.execute(sql)
                cpu = _cpu(pid) - before
                print(f"  {label:<48} {cpu:>9.2f}s {1000 * cpu / n:>7.3f} {'-':>10}", flush=True)
            for label, pieces, setting in _PIECES:
                cpu, wal = _insert_all(conn, pid, n, pieces, setting)
                print(f"  {label:<48} {cpu:>9.2f}s {1000 * cpu / n:>7.3f}"
                      f" {wal / n / 1024:>10.1f}", flush=True)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000]
    for n in sizes:
        bench(n)


if __name__ == "__main__":
    main()
