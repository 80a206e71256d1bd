"""Migration 28 (arrival time): when the server received a message, kept, and whether the
detectors were skipped because it had arrived too long before.

`messages.received_at` (epoch seconds) is the server's arrival time: a mail's IMAP
INTERNALDATE, a text's time at the SMS provider. It is NULL when the server did not say,
and for every row stored before this migration: those read as their Date: (`coalesce`),
as everything did before. What means "when did this arrive" reads it (the conversation's
created_at and last_inbound_at, so the list's Age and the SLA start, the acknowledgement's
age limit); `messages.date` stays the Date: header, what the thread shows as sent.

`messages.unscreened_at` is the time a message was stored by a LATER sync (a watermark or
an SMS cursor existed) although the server had received it more than `[triage]
backlog_hours` before: the detectors passed it over (service/redflags.py
`arrived_too_early`), so no red flag and no intent were looked for. `cxinbox show`, the
list and the thread say so ("NOT CHECKED FOR RED FLAGS: 5 d old"). A first sync's backlog
has `backlog_at` instead. The partial index answers "which of the conversations shown have
one" (store/conversations.py `unscreened_of`) without reading their messages.
"""

from __future__ import annotations

from typing import Final

MIGRATION_RECEIVED: Final = """
ALTER TABLE messages ADD COLUMN received_at INTEGER;
ALTER TABLE messages ADD COLUMN unscreened_at INTEGER;
CREATE INDEX messages_unscreened ON messages (conversation_id) WHERE unscreened_at IS NOT NULL;
"""

PG_MIGRATION_RECEIVED: Final = """
ALTER TABLE messages ADD COLUMN received_at bigint;
ALTER TABLE messages ADD COLUMN unscreened_at bigint;
CREATE INDEX messages_unscreened ON messages (conversation_id) WHERE unscreened_at IS NOT NULL;
"""


def clock_sql(alias: str = "") -> str:
    """A message's time on its conversation's clock, in SQL (`alias`: the messages table's
    alias, "" for none): a patient's message by its arrival (`received_at`; its date for a
    row from before migration 28 or a server that said no believable time), the desk's by
    its date. What ingest sets created_at, last_message_at and last_inbound_at from
    (store/ingest.py `received_time`), so whatever compares a message with those reads this."""
    a = f"{alias}." if alias else ""
    return (f"CASE WHEN {a}direction = 'in' THEN coalesce({a}received_at, {a}date)"
            f" ELSE {a}date END")
