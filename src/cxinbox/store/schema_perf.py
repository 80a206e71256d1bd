"""Migration 7: indexes shaped like the conversation list, so a page costs a page.

The list shows live conversations (`merged_into IS NULL`) newest first, ordered by
`last_message_at DESC, id DESC` (store/conversations.py). The indexes of migration 1 could
not deliver that order: `conversations_last` and `conversations_status` were declared
`last_message_at DESC`, whose ties come out in ascending rowid order, so SQLite sorted every
match before returning the first row, and they did not hold `merged_into`, so every count
read every matching table row.

Every index below is
- partial (`WHERE merged_into IS NULL`): merged conversations are never listed;
- ordered `(..., last_message_at, id)` ascending: read backwards that is exactly the list's
  order, ties included, so SQLite stops after one page (no "TEMP B-TREE FOR ORDER BY");
- covering for the query language's column terms (status, assignee, priority, channel,
  mailbox, unread, attachment, SLA columns), with `merged_into` itself as the last column so
  SQLite sees the partial index as covering: views and counts never touch the table rows.

`conversations_by_sender` is the narrow index `from:` scans for its substring match (the
conversation half of the term; messages_sender of migration 2 is the other half).
`conversations_by_status`, `_by_assignee` and `_by_mailbox` serve the views people switch
between all day (status:open, assignee:me / none, mailbox:X) with an exact range, already
in list order; `conversations_by_last` serves "everything" and any term with no index of
its own, walked newest first. The three migration-1 indexes they replace are dropped so the
planner cannot pick them over these (nothing else names them).

`messages_conversation_of` maps a message id to its conversation without reading the
(large) message row: a full-text search yields message ids, and looking each one up in the
table touched a page per message, which at 100,000 messages no longer fit the page cache.
"""

from __future__ import annotations

MIGRATION_7 = """
DROP INDEX IF EXISTS conversations_last;
DROP INDEX IF EXISTS conversations_status;
DROP INDEX IF EXISTS conversations_assignee;
CREATE INDEX conversations_by_last ON conversations (last_message_at, id,
    status, assignee, priority, channel, mailbox, has_attachment, unread_count,
    sla_policy, sla_due_at, sla_at_risk_at, merged_into)
    WHERE merged_into IS NULL;
CREATE INDEX conversations_by_status ON conversations (status, last_message_at, id,
    assignee, priority, channel, mailbox, has_attachment, unread_count,
    sla_policy, sla_due_at, sla_at_risk_at, merged_into)
    WHERE merged_into IS NULL;
CREATE INDEX conversations_by_assignee ON conversations (assignee, last_message_at, id,
    status, merged_into)
    WHERE merged_into IS NULL;
CREATE INDEX conversations_by_mailbox ON conversations (mailbox COLLATE NOCASE,
    last_message_at, id, status, merged_into)
    WHERE merged_into IS NULL;
CREATE INDEX conversations_by_sender ON conversations (from_addr, from_name,
    last_message_at, merged_into)
    WHERE merged_into IS NULL;
CREATE INDEX messages_conversation_of ON messages (id, conversation_id);
"""
