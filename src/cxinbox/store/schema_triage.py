"""Migration: triage fields (red flags and intent) on messages and conversations.

Per message, what the detectors found in the patient's new text at ingest (NULL: not
assessed: outbound, automatic mail, or older than the backlog window). Per conversation,
the intent of its latest assessed patient message and the open red flag: `red_flag` is the
category while the flag is open and NULL once a clinician cleared it (the clearing, with
its reason, is in the audit trail); `red_flag_message` names the message that raised it,
so a repeat in a later reply does not raise it twice.

`triage_cursor` trails ingest like `fts_progress`: every inbound message with an id at or
below it has been offered to the detectors. Starting it at the newest message keeps an
upgrade from alerting on the whole history of the cache.
"""

from __future__ import annotations

MIGRATION_TRIAGE = """
ALTER TABLE messages ADD COLUMN intent TEXT;
ALTER TABLE messages ADD COLUMN intent_confidence REAL;
ALTER TABLE messages ADD COLUMN red_flag TEXT;
ALTER TABLE messages ADD COLUMN red_flag_matched TEXT;
ALTER TABLE conversations ADD COLUMN intent TEXT;
ALTER TABLE conversations ADD COLUMN intent_confidence REAL;
ALTER TABLE conversations ADD COLUMN red_flag TEXT;
ALTER TABLE conversations ADD COLUMN red_flag_matched TEXT;
ALTER TABLE conversations ADD COLUMN red_flag_message INTEGER;
ALTER TABLE conversations ADD COLUMN red_flag_at INTEGER;
ALTER TABLE conversations ADD COLUMN language TEXT;
CREATE INDEX conversations_red_flag ON conversations (red_flag, id) WHERE red_flag IS NOT NULL;
CREATE INDEX conversations_intent ON conversations (intent, id) WHERE intent IS NOT NULL;
CREATE TABLE triage_cursor (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    upto INTEGER NOT NULL
);
INSERT INTO triage_cursor (id, upto) SELECT 1, coalesce(max(id), 0) FROM messages;
"""
