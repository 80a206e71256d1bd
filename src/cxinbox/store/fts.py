"""The full-text index trails ingest by a durable watermark.

Tokenising bodies is the most expensive part of storing a message. Indexing in its own
transactions lets the sync do it on a second thread (SQLite runs without the GIL), and
the watermark in `fts_progress` makes it crash-safe: whatever a killed process did not
index is picked up by the next call, and nothing is indexed twice.
"""

from __future__ import annotations

import sqlite3

from cxinbox.store.dialect import dialect_of


def pending(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT (SELECT coalesce(max(id), 0) FROM messages)"
                       " - (SELECT upto FROM fts_progress)").fetchone()
    return max(0, int(row[0]))


def index_pending(conn: sqlite3.Connection, limit: int = 5000) -> int:
    """Index up to `limit` unindexed messages in the caller's write transaction.

    Nothing trails on PostgreSQL (its `tsvector` is computed with the row): 0 there."""
    if not dialect_of(conn).fts_by_watermark:
        return 0
    upto = int(conn.execute("SELECT upto FROM fts_progress").fetchone()[0])
    last = conn.execute("SELECT max(id) FROM (SELECT id FROM messages WHERE id > ?"
                        " ORDER BY id LIMIT ?)", (upto, limit)).fetchone()[0]
    if last is None:
        return 0
    cur = conn.execute(
        "INSERT INTO messages_fts (rowid, subject, sender, body_text)"
        " SELECT id, subject, sender, body_text FROM messages WHERE id > ? AND id <= ?",
        (upto, last))
    # The senders' trigram index (`from:`, phone numbers; store/schema_search.py) follows
    # the same watermark.
    conn.execute(
        "INSERT INTO message_senders_fts (rowid, from_addr, from_name)"
        " SELECT id, from_addr, from_name FROM messages WHERE id > ? AND id <= ?",
        (upto, last))
    conn.execute("UPDATE fts_progress SET upto = ?", (last,))
    return cur.rowcount
