"""What the two database engines spell differently, named once for the store's SQL modules.

The SQL modules write their statements in the subset SQLite and PostgreSQL share
(RETURNING, ON CONFLICT, COALESCE, `IS NOT DISTINCT FROM`). The few things that have no
common spelling are asked of the connection's `Dialect`:

- the larger/smaller of two values: SQLite's two-argument `max`/`min`, PostgreSQL's
  `GREATEST`/`LEAST` (the values compared here are never NULL, where the two differ);
- the position of a substring: `instr` / `strpos`;
- the full-text index: SQLite's FTS5 tables trail ingest by a watermark that the writer
  advances (store/fts.py); PostgreSQL's `tsvector` column is computed with the row;
- index hints (`INDEXED BY`) exist in SQLite only;
- a list of ids bound as one JSON array (`[1,2,3]`): SQLite reads it with `json_each`,
  PostgreSQL with `jsonb_array_elements_text`; a value out of a JSON column likewise
  (`json_extract` / `->>`, spelled as the PostgreSQL expression indexes spell it);
- ordering without case: SQLite's `COLLATE NOCASE` (ASCII letters), PostgreSQL's `lower()`;
- strings bound as one JSON array (`json_texts`), like `json_ids` for ids;
- rows a claim must not share with other servers' claims: PostgreSQL locks them `FOR UPDATE
  SKIP LOCKED` (another server's locked row is passed over, not waited for); SQLite's one
  writer at a time needs nothing;
- many small rows in one statement: PostgreSQL binds them as one array per column
  (`unnest`), each statement being a round trip; SQLite runs `executemany`, in-process;
- counting a list: SQLite's covering indexes count a whole view at once, PostgreSQL visits
  rows, so there a list's count stops at the number shown ("at least N");
- the database's size: SQLite's file pages (`PRAGMA page_count`, a free list that
  `incremental_vacuum` gives back); PostgreSQL's `pg_database_size` in its blocks, its own
  autovacuum giving space back;
- lifting a trigger inside one transaction: SQLite drops it and creates it again,
  PostgreSQL disables and enables it (`ALTER TABLE ... DISABLE TRIGGER`);
- the event chain's head: SQLite writers are serialised by the store's write lock and
  `BEGIN IMMEDIATE`; PostgreSQL writers in several processes and servers run at once,
  so appending takes a transaction-scoped advisory lock on the chain first. After its
  insert, an append queues a NOTIFY on `CHANGE_CHANNEL` whose payload is the seq of its
  last event (`announce`), delivered when the transaction commits: the wake-up other
  servers' change feeds listen for (store/pg/listen.py), which tells them the new head
  without a read of their own (seqs commit in order: appenders hold the chain lock until
  they commit). A bulk action's thousands of events send one. (PostgreSQL serialises
  the commits of transactions that notify; the chain lock already serialises these.)
  A staff action's one event is appended by the server instead (`cxinbox_append_event`,
  StoreTx.append_event_at_commit), sent with the COMMIT: the lock is then held for that
  statement and the commit's flush, not across a round trip to our process as well.

`dialect_of(conn)` reads the dialect from the connection: `PgConnection` carries one,
a sqlite3 connection does not and means SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

CHAIN_LOCK: Final = 0x6378_6576  # "cxev": the advisory lock key of the event chain's head
"""Advisory lock keys are one namespace per database (store/pg/migrate.py has "cxmi")."""
CHANGE_CHANNEL: Final = "cxinbox_events"
"""PostgreSQL's notification channel: some transaction appended events and committed."""
OUTBOX_CHANNEL: Final = "cxinbox_outbox"
"""PostgreSQL's notification channel: an outbox item became (or stays) queued and the
transaction committed; a trigger on the outbox sends it (store/pg/schema.py PG_TUNING)."""


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    greatest: str
    least: str
    strpos: str
    fts_by_watermark: bool
    index_hints: bool
    chain_lock_sql: str | None
    json_ids: str
    """A subquery of the ids in one bound JSON array: `c.id IN ({json_ids})`."""
    json_texts: str
    """A subquery of the strings in one bound JSON array: `x IN ({json_texts})`."""
    skip_locked: str
    """Appended to a claim's row selection: the rows are locked, and rows another
    transaction holds are skipped (empty where writers take turns)."""
    array_binds: bool
    """Many rows go in (or out) as one statement over one bound array per column."""
    bounded_counts: bool
    """A list's count stops at the number asked for (`count_up_to`)."""
    file_pages: bool
    """The database is one file of pages the store accounts for and gives back itself."""
    disables_triggers: bool
    """A trigger is lifted by disabling it (else by dropping and re-creating it)."""
    pipelined_reads: bool = False
    """A read's statements go out without waiting for each answer, so one sent early on
    the chance it is needed costs no round trip of its own (PostgreSQL's service reads)."""

    def json_text(self, column: str, key: str) -> str:
        """The value of `key` in the JSON object held in `column` (text; NULL if absent)."""
        if self.name == "sqlite":
            return f"json_extract({column}, '$.{key}')"
        return f"(({column}::jsonb) ->> '{key}')"

    def json_int(self, column: str, key: str) -> str:
        """`json_text` of a value that is a whole number, as one."""
        if self.name == "sqlite":
            return self.json_text(column, key)
        return f"{self.json_text(column, key)}::bigint"

    def nocase(self, expression: str) -> str:
        """`expression` as an ORDER BY key that ignores letter case."""
        return f"{expression} COLLATE NOCASE" if self.name == "sqlite" else f"lower({expression})"

    def indexed_by(self, index: str) -> str:
        """SQLite's index hint (" INDEXED BY index"), or nothing where there are none."""
        return f" INDEXED BY {index}" if self.index_hints else ""

    def lock_chain(self, conn: Any) -> None:
        """Make this transaction the only one appending to the event chain until it ends."""
        if self.chain_lock_sql is not None:
            conn.execute(self.chain_lock_sql, (CHAIN_LOCK,))

    def announce(self, conn: Any, seq: int) -> None:
        """After appending events up to `seq`: tell listeners at commit (PostgreSQL)."""
        if self.chain_lock_sql is not None:
            conn.execute(f"SELECT pg_notify('{CHANGE_CHANNEL}', ?)", (str(seq),))

    def feed_head(self, conn: Any) -> tuple[int, str]:
        """The newest event's seq and which history of the database this is, in one
        statement. The history changes when a PostgreSQL standby is promoted (a new
        timeline), so events numbered after that may reuse numbers lost with the old
        primary; SQLite has one history: always ""."""
        if self.name == "sqlite":
            row = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
            return int(row[0]), ""
        row = conn.execute(
            "SELECT (SELECT coalesce(max(seq), 0) FROM events), CASE WHEN pg_is_in_recovery()"
            " THEN lpad(to_hex((SELECT timeline_id FROM pg_control_checkpoint())), 8, '0')"
            " ELSE substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) END").fetchone()
        return int(row[0]), f"timeline {int(str(row[1]), 16)}"

    def chain_head(self, conn: Any) -> tuple[int, str]:
        """Lock the chain (`lock_chain`) and read its head: (seq, hash), (0, "") when empty.

        On PostgreSQL every other appender waits from the lock until this transaction
        commits, so the round trips in between are what bounds the whole store's rate of
        staff actions. The connection pipelines from here to the commit: the lock goes
        out with the head's read (a statement of its own, so its snapshot is taken after
        the lock is granted and sees the previous holder's commit), and the event insert
        goes out with the COMMIT: two round trips under the lock instead of four."""
        if self.chain_lock_sql is not None:
            hold = getattr(conn, "pipeline_until_commit", None)
            if hold is not None:
                hold()
        self.lock_chain(conn)
        row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), str(row[1])) if row else (0, "")


SQLITE: Final = Dialect(name="sqlite", greatest="max", least="min", strpos="instr",
                        fts_by_watermark=True, index_hints=True, chain_lock_sql=None,
                        json_ids="SELECT value FROM json_each(?)",
                        json_texts="SELECT value FROM json_each(?)", skip_locked="",
                        array_binds=False, bounded_counts=False, file_pages=True,
                        disables_triggers=False)
POSTGRESQL: Final = Dialect(name="postgresql", greatest="GREATEST", least="LEAST",
                            strpos="strpos", fts_by_watermark=False, index_hints=False,
                            chain_lock_sql="SELECT pg_advisory_xact_lock(?)",
                            json_ids="SELECT value::bigint"
                            " FROM jsonb_array_elements_text(CAST(? AS jsonb))",
                            json_texts="SELECT jsonb_array_elements_text(CAST(? AS jsonb))",
                            skip_locked=" FOR UPDATE SKIP LOCKED", array_binds=True,
                            bounded_counts=True, file_pages=False, disables_triggers=True,
                            pipelined_reads=True)


def dialect_of(conn: Any) -> Dialect:
    found = getattr(conn, "dialect", SQLITE)
    return found if isinstance(found, Dialect) else SQLITE


def returned_id(cursor: Any) -> int | None:
    """The id an `INSERT ... RETURNING id` gave (None when ON CONFLICT DO NOTHING skipped
    the row). Reads every row: SQLite finishes the statement only when it is drained."""
    rows = cursor.fetchall()
    return int(rows[0][0]) if rows else None


def inserted_id(cursor: Any) -> int:
    """`returned_id` of an insert that always inserts."""
    found = returned_id(cursor)
    if found is None:
        raise RuntimeError("the insert returned no id")
    return found
