"""Migration 11: sender search by substring from an index, and indexes for the list's orders.

`from:` matches a substring of any sender's address or name (the conversation's patient, or
any message in it). With LIKE '%x%' that read every sender in the file: 130 ms at 100,000
conversations, the slowest query people type. A trigram index answers a quoted phrase as a
substring match (case-insensitive) from the index: a few milliseconds.

- `conversation_senders_fts` and `message_senders_fts` index `from_addr` and `from_name` of
  their tables as external content (no second copy of the text). Triggers keep the
  conversations' one exact through every path that writes those columns (ingest, SMS,
  merge); its update trigger fires only when a value really changes, because ingest
  rewrites the conversation's sender on every message. The messages' one trails ingest with
  the body index, by the same watermark (store/fts.py): a trigger per stored message made
  building an inbox half again as costly in CPU. Only `cxinbox reindex` rewrites a stored
  message's sender, and it rebuilds both indexes when done (store/reparse.py).
- `conversations_by_id` holds what a search needs of each match (its sort keys) so that
  turning thousands of matching ids into a sorted page reads this narrow index rather than
  the wide rows: a third less time for a search with ten thousand matches.
- `conversations_by_status_due` and `conversations_by_status_priority` hold the `sort:due`
  and `sort:priority` orders (store/conversations.py) within a status, the shape of every
  urgency view (`status:open ... sort:due`), so a page walks an index and stops after a
  page instead of sorting every match; an equality on status is what the planner reaches for
  first, so the order must come after it. `conversations_by_due` serves `sort:due` with no
  status term. `sort:priority` without one sorts its matches. The expressions must stay
  exactly as `list_page` writes them or SQLite will not see the match.
"""

from __future__ import annotations

DUE_KEY = "ifnull(c.sla_due_at, 9223372036854775807)"
"""Due time with "no clock running" last (SQLite sorts NULL first)."""

PRIORITY_RANK = ("CASE c.priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2"
                 " WHEN 'normal' THEN 1 ELSE 0 END")
"""Priority as a number, most urgent highest, so every column of the order runs DESC."""


def _bare(expression: str) -> str:
    """The expression as an index must spell it (no table alias)."""
    return expression.replace("c.", "")


_SENDER_TRIGGERS = """
CREATE TRIGGER {table}_senders_insert AFTER INSERT ON {table} BEGIN
    INSERT INTO {fts} (rowid, from_addr, from_name)
    VALUES (new.id, new.from_addr, new.from_name);
END;
CREATE TRIGGER {table}_senders_delete AFTER DELETE ON {table} BEGIN
    INSERT INTO {fts} ({fts}, rowid, from_addr, from_name)
    VALUES ('delete', old.id, old.from_addr, old.from_name);
END;
CREATE TRIGGER {table}_senders_update AFTER UPDATE OF from_addr, from_name ON {table}
WHEN old.from_addr IS NOT new.from_addr OR old.from_name IS NOT new.from_name BEGIN
    INSERT INTO {fts} ({fts}, rowid, from_addr, from_name)
    VALUES ('delete', old.id, old.from_addr, old.from_name);
    INSERT INTO {fts} (rowid, from_addr, from_name)
    VALUES (new.id, new.from_addr, new.from_name);
END;
"""

SENDER_INDEXES = ("conversation_senders_fts", "message_senders_fts")

MIGRATION_11 = f"""
CREATE VIRTUAL TABLE conversation_senders_fts USING fts5 (
    from_addr, from_name, content='conversations', content_rowid='id', tokenize='trigram');
CREATE VIRTUAL TABLE message_senders_fts USING fts5 (
    from_addr, from_name, content='messages', content_rowid='id', tokenize='trigram');
INSERT INTO conversation_senders_fts (conversation_senders_fts) VALUES ('rebuild');
INSERT INTO message_senders_fts (rowid, from_addr, from_name)
    SELECT id, from_addr, from_name FROM messages
    WHERE id <= (SELECT upto FROM fts_progress);
{_SENDER_TRIGGERS.format(table="conversations", fts="conversation_senders_fts")}
CREATE INDEX conversations_by_id ON conversations (id, last_message_at, sla_due_at, priority,
    merged_into)
    WHERE merged_into IS NULL;
CREATE INDEX conversations_by_due ON conversations ({_bare(DUE_KEY)}, id,
    status, assignee, priority, channel, mailbox, sla_due_at, sla_at_risk_at, merged_into)
    WHERE merged_into IS NULL;
CREATE INDEX conversations_by_status_due ON conversations (status, {_bare(DUE_KEY)}, id,
    assignee, priority, channel, mailbox, has_attachment, unread_count,
    sla_policy, sla_due_at, sla_at_risk_at, last_message_at, merged_into)
    WHERE merged_into IS NULL;
CREATE INDEX conversations_by_status_priority ON conversations (status, {_bare(PRIORITY_RANK)},
    last_message_at, id, assignee, channel, mailbox, merged_into)
    WHERE merged_into IS NULL;
"""
