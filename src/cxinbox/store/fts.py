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
    if not dialect_of(conn).fts_by_watermark:
        return int(conn.execute("SELECT count(*) FROM message_unindexed").fetchone()[0])
    row = conn.execute("SELECT (SELECT coalesce(max(id), 0) FROM messages)"
                       " - (SELECT upto FROM fts_progress)").fetchone()
    return max(0, int(row[0]))


def index_pending(conn: sqlite3.Connection, limit: int = 5000) -> int:
    """Index up to `limit` unindexed messages in the caller's write transaction.

    On PostgreSQL a message's `tsvector` is made with its row, except for the rows a bulk
    sync stored without it (`defer_search`): their marks in `message_unindexed` are made
    into vectors here (`message_search`), oldest first, each mark deleted in the same
    transaction (the message row itself is not written). Marks another transaction holds
    (another server's indexer, a merge or an edit in progress) are left for a later
    call."""
    if not dialect_of(conn).fts_by_watermark:
        # Each message's columns are read from its newest version (the row locked KEY
        # SHARE: a merge that moved it and committed meanwhile is seen; an update of
        # other columns, a message marked read, does not wait). A move or a text change
        # in progress holds the message's mark (its trigger, store/pg/schema.py PG_TUNING)
        # and the message is left for a later call; one that comes after this pass took
        # the mark waits for it to commit and then corrects the vector made here. Nothing
        # here waits (SKIP LOCKED), so a writer and the pass cannot deadlock.
        return conn.execute(
            "WITH locked AS (SELECT m.id, m.conversation_id, m.subject, m.sender,"
            " m.body_text FROM message_unindexed u JOIN messages m ON m.id = u.message_id"
            " ORDER BY u.message_id LIMIT ?"
            " FOR KEY SHARE OF m SKIP LOCKED FOR UPDATE OF u SKIP LOCKED),"
            " picked AS (DELETE FROM message_unindexed WHERE message_id IN"
            " (SELECT id FROM locked) RETURNING message_id)"
            " INSERT INTO message_search (message_id, conversation_id, search)"
            " SELECT l.id, l.conversation_id,"
            " cxinbox_message_search(l.subject, l.sender, l.body_text)"
            " FROM picked p JOIN locked l ON l.id = p.message_id"
            " ON CONFLICT (message_id) DO UPDATE SET search = EXCLUDED.search,"
            " conversation_id = EXCLUDED.conversation_id",
            (limit,)).rowcount
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


def defer_search(conn: sqlite3.Connection, on: bool) -> None:
    """PostgreSQL: the messages this transaction inserts from now on (`on`) go in without
    their search vector, for `index_pending` to make later; SQLite's index always trails
    its watermark, so nothing to do there."""
    if not dialect_of(conn).fts_by_watermark:
        conn.execute("SELECT set_config('cxinbox.defer_search', ?, true)",
                     ("on" if on else "off",))
