"""Migration 17 (reports): indexes that let a report read its window and nothing else.

Measured on the 100,000-conversation bench inbox with a year of events (1M rows): finding a
30-day window of events by walking the table backwards by `seq`, and reading each event's
JSON `details`, cost most of a report's time; messages were found by a full scan of
`messages_conversation` plus a table-row read for each message's direction.

* `events_report` holds only the events a report counts (status, assignment, notes, tags,
  priority, merges, splits, replies sent), keyed by `at`, with the status and assignment
  values the reports need already extracted from `details`. It is partial: the views and
  lists that make up most of an audit trail are not in it, so their appends pay nothing.
  `REPORT_ACTIONS` is the list a query must repeat (`action IN (...)`) for SQLite to see
  that the partial index answers it.
* `events_sent` maps the outbox's `outbox.sent` events (who wrote which stored reply) by
  time, also partial.
* `messages_report (date, conversation_id, direction)` covers everything a report reads of
  a message (its id is the rowid), so a window is one range of one index.
"""

from __future__ import annotations

from typing import Final

REPORT_ACTIONS: Final = ("conversation.status", "conversation.assign", "conversation.note",
                         "conversation.tag", "conversation.priority", "conversation.merge",
                         "conversation.merged", "conversation.unmerged",
                         "conversation.split", "send")
REPORT_ACTIONS_SQL: Final = "(" + ", ".join(f"'{a}'" for a in REPORT_ACTIONS) + ")"
"""The partial index's condition, spelled exactly as queries must spell it."""

DETAIL_FROM: Final = "json_extract(details, '$.from')"
DETAIL_TO: Final = "json_extract(details, '$.to')"
DETAIL_FROM_UNTIL: Final = "json_extract(details, '$.from_until')"
SENT_MESSAGE: Final = "json_extract(details, '$.message')"
SENT_AUTHOR: Final = "json_extract(details, '$.author')"

MIGRATION_REPORTS = f"""
CREATE INDEX events_report ON events (at, action, target, actor,
    {DETAIL_FROM}, {DETAIL_TO}, {DETAIL_FROM_UNTIL})
    WHERE action IN {REPORT_ACTIONS_SQL};
CREATE INDEX events_sent ON events (at, {SENT_MESSAGE}, {SENT_AUTHOR})
    WHERE action = 'outbox.sent';
CREATE INDEX messages_report ON messages (date, conversation_id, direction);
"""
