"""Migration 26 (ingest hold): a batch of fetched mail keeps the report facts and the
sender-search index once per batch instead of once per row.

(PostgreSQL has no hold: there the report triggers of new messages and conversations are
statement triggers, PG_TUNING in store/pg/schema.py; a twin migration must not bring back
the row triggers by these names, and tests/test_pg_schema.py checks the set.)

Each new conversation started three trigger programs (its first status span, its first
assignee span, its sender in `conversation_senders_fts`) and each new message a fourth
(its conversation marked in `report_dirty`): in a 10,000-message first sync those
per-row programs were about a sixth of the store's CPU. While SQLite's ingest
(store/ingest.py) stores a batch, its transaction holds one row in `ingest_held`: the
rows it inserts beyond the ids it names skip those triggers, and before the batch's
transaction goes on (red flags, rules, events) the ingest writes the same rows for the
whole batch in one statement each and deletes the hold. Nothing else writes while it is
held (one writer), and the row is never committed: every other path (SMS, merges, the
desk, a copy) still meets the per-row triggers, which are otherwise unchanged.

What the deferred triggers would have written depends only on the new rows as the batch
leaves them: a conversation ingest creates is open and unassigned throughout the batch
and is never deleted in it, and its sender's later rewrite in the same batch (an
earlier message from the patient) is what is indexed at the end.
"""

from __future__ import annotations

from typing import Final

_NEW_CONVERSATION: Final = "NOT EXISTS (SELECT 1 FROM ingest_held WHERE NEW.id > conversations_after)"
_NEW_MESSAGE: Final = "NOT EXISTS (SELECT 1 FROM ingest_held WHERE NEW.id > messages_after)"

MIGRATION_INGEST_HOLD: Final = f"""
CREATE TABLE ingest_held (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    conversations_after INTEGER NOT NULL,
    messages_after      INTEGER NOT NULL
);

DROP TRIGGER report_message_added;
CREATE TRIGGER report_message_added AFTER INSERT ON messages WHEN {_NEW_MESSAGE} BEGIN
    INSERT OR IGNORE INTO report_dirty (conversation_id) VALUES (NEW.conversation_id);
END;

DROP TRIGGER report_span_born;
CREATE TRIGGER report_span_born AFTER INSERT ON conversations WHEN {_NEW_CONVERSATION} BEGIN
    INSERT INTO report_spans (conversation_id, start_at, end_at, status, live)
        VALUES (NEW.id, 0, NULL, NEW.status, 1);
END;

DROP TRIGGER report_assignee_born;
CREATE TRIGGER report_assignee_born AFTER INSERT ON conversations WHEN {_NEW_CONVERSATION}
BEGIN
    INSERT INTO report_assignees (conversation_id, start_at, end_at, assignee)
        VALUES (NEW.id, 0, NULL, NEW.assignee);
END;

DROP TRIGGER conversations_senders_insert;
DROP TRIGGER conversations_senders_update;
CREATE TRIGGER conversations_senders_insert AFTER INSERT ON conversations
WHEN {_NEW_CONVERSATION} BEGIN
    INSERT INTO conversation_senders_fts (rowid, from_addr, from_name)
    VALUES (new.id, new.from_addr, new.from_name);
END;
CREATE TRIGGER conversations_senders_update AFTER UPDATE OF from_addr, from_name ON conversations
WHEN (old.from_addr IS NOT new.from_addr OR old.from_name IS NOT new.from_name)
AND {_NEW_CONVERSATION} BEGIN
    INSERT INTO conversation_senders_fts (conversation_senders_fts, rowid, from_addr, from_name)
    VALUES ('delete', old.id, old.from_addr, old.from_name);
    INSERT INTO conversation_senders_fts (rowid, from_addr, from_name)
    VALUES (new.id, new.from_addr, new.from_name);
END;
"""

PG_MIGRATION_INGEST_HOLD: Final = """
CREATE TABLE ingest_held (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    conversations_after BIGINT NOT NULL,
    messages_after      BIGINT NOT NULL
);
"""
"""PostgreSQL's twin: the table, so both schemas keep the same tables (a copy compares
them), and no trigger changed: its ingest writes a batch's conversations and messages in
a few array statements already (store/ingest.py `_PgBatch`), and never holds."""

HOLD: Final = ("INSERT INTO ingest_held (id, conversations_after, messages_after)"
               " VALUES (1, (SELECT coalesce(max(id), 0) FROM conversations),"
               " (SELECT coalesce(max(id), 0) FROM messages))")
"""The hold, taken at the start of a SQLite ingest batch (in its transaction)."""

RELEASE: Final = (
    ("INSERT INTO report_spans (conversation_id, start_at, end_at, status, live)"
     " SELECT id, 0, NULL, status, 1 FROM conversations"
     " WHERE id > (SELECT conversations_after FROM ingest_held) ORDER BY id"),
    ("INSERT INTO report_assignees (conversation_id, start_at, end_at, assignee)"
     " SELECT id, 0, NULL, assignee FROM conversations"
     " WHERE id > (SELECT conversations_after FROM ingest_held) ORDER BY id"),
    ("INSERT INTO conversation_senders_fts (rowid, from_addr, from_name)"
     " SELECT id, from_addr, from_name FROM conversations"
     " WHERE id > (SELECT conversations_after FROM ingest_held) ORDER BY id"),
    ("INSERT OR IGNORE INTO report_dirty (conversation_id)"
     " SELECT conversation_id FROM messages"
     " WHERE id > (SELECT messages_after FROM ingest_held) ORDER BY id"),
    "DELETE FROM ingest_held",
)
"""What the held triggers would have written, for the whole batch, and the hold let go."""
