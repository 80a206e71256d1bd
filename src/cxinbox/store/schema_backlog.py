"""Migration 27 (backlog mark): whether a message was a first sync's backlog, decided
once, when it is stored.

`messages.backlog_at` is the time (epoch seconds) a message was stored as backlog, NULL
for every message stored live. A message is backlog when a mailbox folder's (or an SMS
number's) first sync stores it, that is with no watermark before the pass, and its
server arrival time (IMAP INTERNALDATE, the SMS provider's received time; never the
Date: header) is older than `[triage] backlog_hours` at that moment. The rules' arrival
step and the SLA monitor read this mark, never an age measured later (service/rules.py,
service/sla_monitor.py). Rows stored before this migration count as live. The partial
index finds the newest mark (store/escalations.py `backlog_storing`) without a scan.
"""

from __future__ import annotations

from typing import Final

MIGRATION_BACKLOG: Final = """
ALTER TABLE messages ADD COLUMN backlog_at INTEGER;
CREATE INDEX messages_backlog ON messages (backlog_at) WHERE backlog_at IS NOT NULL;
"""

PG_MIGRATION_BACKLOG: Final = """
ALTER TABLE messages ADD COLUMN backlog_at bigint;
CREATE INDEX messages_backlog ON messages (backlog_at) WHERE backlog_at IS NOT NULL;
"""
