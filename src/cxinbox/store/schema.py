"""Schema and migrations. Each entry in MIGRATIONS moves user_version up by one."""

from __future__ import annotations

MIGRATION_1 = """
CREATE TABLE folders (
    id            INTEGER PRIMARY KEY,
    account       TEXT NOT NULL,
    name          TEXT NOT NULL,
    uidvalidity   INTEGER,
    last_uid      INTEGER NOT NULL DEFAULT 0,      -- watermark: every UID <= this is stored
    uidnext       INTEGER,
    highestmodseq INTEGER,
    quarantine    TEXT,                            -- why sync stopped deleting here, or NULL
    sweep_needed  INTEGER NOT NULL DEFAULT 0,      -- locations were dropped; mark orphans gone
    release_once  INTEGER NOT NULL DEFAULT 0,      -- an admin accepted the pending mass deletion
    last_sync_at  INTEGER,
    UNIQUE (account, name)
);

-- Raw bytes exactly as received, addressed by their SHA-256. Everything else is derived.
CREATE TABLE raw_messages (
    id      INTEGER PRIMARY KEY,
    sha256  BLOB NOT NULL UNIQUE,
    size    INTEGER NOT NULL,
    data    BLOB NOT NULL
);

CREATE TABLE contacts (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE conversations (
    id               INTEGER PRIMARY KEY,          -- the #1024 people say aloud
    subject          TEXT NOT NULL DEFAULT '',
    norm_subject     TEXT NOT NULL DEFAULT '',
    channel          TEXT NOT NULL DEFAULT 'email',  -- email | sms
    mailbox          TEXT NOT NULL DEFAULT '',       -- account name the conversation came in on
    status           TEXT NOT NULL DEFAULT 'open',   -- open | pending | snoozed | closed
    snoozed_until    INTEGER,
    assignee         TEXT,
    priority         TEXT NOT NULL DEFAULT 'normal', -- urgent | high | normal | low
    contact_id       INTEGER REFERENCES contacts(id),
    from_name        TEXT NOT NULL DEFAULT '',       -- the patient, for the list
    from_addr        TEXT NOT NULL DEFAULT '',
    participants     TEXT NOT NULL DEFAULT '',       -- space-separated lower-case addresses
    created_at       INTEGER NOT NULL,
    last_message_at  INTEGER NOT NULL,
    last_inbound_at  INTEGER,
    first_response_at INTEGER,
    last_response_at INTEGER,
    sla_paused_s     INTEGER NOT NULL DEFAULT 0,     -- business seconds spent pending/snoozed
    sla_paused_since INTEGER,                        -- set while pending/snoozed
    sla_policy       TEXT,                           -- policy that covers it, or NULL
    sla_target       TEXT,                           -- first-response | next-response | resolution
    sla_due_at       INTEGER,                        -- NULL while paused or when nothing runs
    sla_at_risk_at   INTEGER,
    sla_dirty        INTEGER NOT NULL DEFAULT 1,     -- facts changed; due times need recomputing
    message_count    INTEGER NOT NULL DEFAULT 0,
    unread_count     INTEGER NOT NULL DEFAULT 0,
    has_attachment   INTEGER NOT NULL DEFAULT 0,
    merged_into      INTEGER REFERENCES conversations(id)
);
CREATE INDEX conversations_last ON conversations (last_message_at DESC);
CREATE INDEX conversations_status ON conversations (status, last_message_at DESC);
CREATE INDEX conversations_assignee ON conversations (assignee, status);
CREATE INDEX conversations_subject ON conversations (norm_subject, last_message_at);
CREATE INDEX conversations_sla_dirty ON conversations (sla_dirty) WHERE sla_dirty = 1;
CREATE INDEX conversations_sla_due ON conversations (sla_due_at) WHERE sla_due_at IS NOT NULL;

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    raw_id          INTEGER NOT NULL UNIQUE REFERENCES raw_messages(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    channel         TEXT NOT NULL DEFAULT 'email',
    direction       TEXT NOT NULL DEFAULT 'in',    -- in | out
    message_id      TEXT,
    in_reply_to     TEXT,
    refs            TEXT NOT NULL DEFAULT '',      -- space-separated Message-IDs
    subject         TEXT NOT NULL DEFAULT '',
    from_name       TEXT NOT NULL DEFAULT '',
    from_addr       TEXT NOT NULL DEFAULT '',
    sender          TEXT NOT NULL DEFAULT '',      -- "name addr", for full-text search
    to_addrs        TEXT NOT NULL DEFAULT '[]',    -- JSON [[name, addr], ...]
    cc_addrs        TEXT NOT NULL DEFAULT '[]',
    date            INTEGER NOT NULL,              -- UTC epoch seconds
    body_text       TEXT NOT NULL DEFAULT '',
    attachments     TEXT NOT NULL DEFAULT '[]',    -- JSON list of Attachment fields
    has_attachment  INTEGER NOT NULL DEFAULT 0,
    problems        TEXT NOT NULL DEFAULT '',      -- '; '-joined parse problems; '' = clean
    seen            INTEGER NOT NULL DEFAULT 0,
    gone_at         INTEGER                        -- expunged everywhere on the server
);
CREATE INDEX messages_conversation ON messages (conversation_id, date);
CREATE INDEX messages_message_id ON messages (message_id);

-- Where each message lives on the server. Replaying a batch hits the primary key and inserts nothing.
CREATE TABLE locations (
    folder_id   INTEGER NOT NULL REFERENCES folders(id),
    uid         INTEGER NOT NULL,
    message_pk  INTEGER NOT NULL REFERENCES messages(id),
    flags       TEXT NOT NULL DEFAULT '',
    modseq      INTEGER,
    PRIMARY KEY (folder_id, uid)
) WITHOUT ROWID;
CREATE INDEX locations_message ON locations (message_pk);

-- Message-ID -> conversation, including ids only seen in References (JWZ containers).
CREATE TABLE thread_ids (
    message_id      TEXT PRIMARY KEY,
    conversation_id INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE conversation_tags (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    tag             TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
) WITHOUT ROWID;
CREATE INDEX conversation_tags_tag ON conversation_tags (tag);

CREATE TABLE notes (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    author          TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX notes_conversation ON notes (conversation_id, created_at);

-- Append-only: the audit trail and the change feed clients follow by seq.
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,        -- UTC epoch milliseconds
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    details   TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL DEFAULT '',
    hash      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_target ON events (target, seq);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    subject, sender, body_text,
    content='messages', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
-- Indexing trails ingest (see store/fts.py): everything with id <= upto is in messages_fts.
-- Indexed columns of a message never change after insert, so no update/delete triggers.
CREATE TABLE fts_progress (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    upto INTEGER NOT NULL
);
INSERT INTO fts_progress (id, upto) VALUES (1, 0);
"""

# `from:` searches senders by substring: a covering index keeps that scan off the (large)
# message rows.
MIGRATION_2 = """
CREATE INDEX messages_sender ON messages (from_addr, from_name, conversation_id);
"""

# Later migrations live next to the code that uses them; the numbers are fixed here.
from cxinbox.store.health import MIGRATION_HEALTH

# A row whose only purpose is a commit with synchronous=FULL (Database.make_durable).
MIGRATION_DURABLE_MARK = """
CREATE TABLE durable_mark (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO durable_mark (id, n) VALUES (1, 0);
"""
from cxinbox.store.schema_backlog import MIGRATION_BACKLOG
from cxinbox.store.schema_csat import MIGRATION_CSAT
from cxinbox.store.schema_files import MIGRATION_6
from cxinbox.store.schema_flag_order import MIGRATION_FLAG_ORDER
from cxinbox.store.schema_ingest_hold import MIGRATION_INGEST_HOLD
from cxinbox.store.schema_kb import MIGRATION_KB
from cxinbox.store.schema_outbox import MIGRATION_4
from cxinbox.store.schema_perf import MIGRATION_7
from cxinbox.store.schema_received import MIGRATION_RECEIVED
from cxinbox.store.schema_redflag import MIGRATION_REDFLAG
from cxinbox.store.schema_report_assignees import MIGRATION_REPORT_ASSIGNEES
from cxinbox.store.schema_report_facts import MIGRATION_REPORT_BUSINESS, MIGRATION_REPORT_FACTS
from cxinbox.store.schema_report_spans import MIGRATION_REPORT_SPANS
from cxinbox.store.schema_reports import MIGRATION_REPORTS
from cxinbox.store.schema_rules import MIGRATION_RULES
from cxinbox.store.schema_search import MIGRATION_11
from cxinbox.store.schema_secrets import MIGRATION_STORE_SECRETS
from cxinbox.store.schema_sms import MIGRATION_5
from cxinbox.store.schema_sms2 import MIGRATION_8
from cxinbox.store.schema_team import MIGRATION_3
from cxinbox.store.schema_teams import MIGRATION_TEAMS
from cxinbox.store.schema_triage import MIGRATION_TRIAGE
from cxinbox.store.schema_vacuum import MIGRATION_12

MIGRATIONS: list[str] = [MIGRATION_1, MIGRATION_2, MIGRATION_3, MIGRATION_4, MIGRATION_5,
                         MIGRATION_6, MIGRATION_7, MIGRATION_8,
                         MIGRATION_HEALTH,  # 9
                         MIGRATION_DURABLE_MARK,  # 10
                         MIGRATION_11,
                         MIGRATION_12,
                         MIGRATION_TEAMS,  # 13
                         MIGRATION_KB,  # 14
                         MIGRATION_RULES,  # 15
                         MIGRATION_TRIAGE,  # 16
                         MIGRATION_REPORTS,  # 17: report indexes
                         MIGRATION_CSAT,  # 18
                         MIGRATION_REPORT_FACTS,  # 19: kept report intervals
                         MIGRATION_REDFLAG,  # 20: one stored red-flag answer
                         MIGRATION_REPORT_BUSINESS,  # 21: kept business time of intervals
                         MIGRATION_REPORT_SPANS,  # 22: kept status spans (backlog)
                         MIGRATION_FLAG_ORDER,  # 23: open red flags first, a page at a time
                         MIGRATION_REPORT_ASSIGNEES,  # 24: kept assignee spans (backlog)
                         MIGRATION_STORE_SECRETS,  # 25: the store's secrets (text key)
                         MIGRATION_INGEST_HOLD,  # 26: report facts once per ingest batch
                         MIGRATION_BACKLOG,  # 27: a first sync's backlog, marked when stored
                         MIGRATION_RECEIVED]  # 28: the server's arrival time, and unscreened
