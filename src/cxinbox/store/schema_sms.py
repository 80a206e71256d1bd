"""Migration 5: SMS channel state (poll cursor, delivery status, opt-outs).

- `sms_cursors`: per clinic number, the newest provider `date_sent` already stored. The poller
  asks again from (cursor - overlap), so the cursor only ever moves after a commit.
- `sms_messages`: one row per provider message id (sid), next to its `messages` row: the
  delivery status shown in the thread, the provider's error, the keyword it carried. The sid
  is the primary key, so a message listed twice in overlapping windows is found in one lookup.
- `sms_opt_outs`: the current STOP/START state per patient number, with the message that set
  it. History is in the events table (sms.opt_out / sms.opt_in).
- An index to find a (clinic number, patient number) conversation without a scan.
- SMS stored before this migration (the demo) get their `sms_messages` rows.
"""

from __future__ import annotations

MIGRATION_5 = """
CREATE TABLE sms_cursors (
    clinic_number  TEXT PRIMARY KEY,
    date_sent_max  INTEGER,                -- newest provider date_sent stored (epoch s)
    last_poll_at   INTEGER                 -- when a complete listing last committed
);

CREATE TABLE sms_messages (
    sid            TEXT PRIMARY KEY,
    message_pk     INTEGER NOT NULL UNIQUE REFERENCES messages(id),
    clinic_number  TEXT NOT NULL,
    patient_number TEXT NOT NULL,
    direction      TEXT NOT NULL,          -- in | out
    status         TEXT NOT NULL DEFAULT '',  -- provider status: queued ... delivered
    error_code     INTEGER,
    error_message  TEXT NOT NULL DEFAULT '',
    num_segments   INTEGER,
    keyword        TEXT NOT NULL DEFAULT '',  -- stop | start | help | ''
    created_at     INTEGER NOT NULL,       -- provider time of the message (epoch s)
    status_at      INTEGER NOT NULL        -- our clock when status last changed
) WITHOUT ROWID;
CREATE INDEX sms_messages_open_status ON sms_messages (created_at)
    WHERE direction = 'out'
      AND status NOT IN ('delivered', 'undelivered', 'failed', 'canceled', 'read', 'received');

CREATE TABLE sms_opt_outs (
    number         TEXT PRIMARY KEY,       -- the patient's number, E.164 as the provider sent it
    state          TEXT NOT NULL,          -- out | in
    keyword        TEXT NOT NULL,          -- the word the patient texted
    clinic_number  TEXT NOT NULL,
    changed_at     INTEGER NOT NULL,       -- provider time of that message (epoch s)
    message_pk     INTEGER REFERENCES messages(id)
) WITHOUT ROWID;

CREATE INDEX conversations_sms_party ON conversations (from_addr, mailbox)
    WHERE channel = 'sms';

INSERT OR IGNORE INTO sms_messages (sid, message_pk, clinic_number, patient_number, direction,
                                    status, created_at, status_at)
SELECT m.message_id, m.id, c.mailbox, c.from_addr, m.direction,
       CASE m.direction WHEN 'in' THEN 'received' ELSE 'delivered' END, m.date, m.date
FROM messages m JOIN conversations c ON c.id = m.conversation_id
WHERE m.channel = 'sms' AND m.message_id IS NOT NULL;
"""
