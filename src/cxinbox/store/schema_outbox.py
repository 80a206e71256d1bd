"""Migration 4: the outbox and shared drafts.

Times in these tables are UTC epoch milliseconds (`*_ms`): the undo window and retry
backoff are measured in seconds, and queue-to-sent latency wants better than that.
"""

from __future__ import annotations

MIGRATION_4 = """
-- A reply being written. Shared: colleagues see "draft by Maria" on the conversation.
CREATE TABLE drafts (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER REFERENCES conversations(id),   -- NULL: a new message
    author          TEXT NOT NULL,                           -- OS login
    mode            TEXT NOT NULL,                           -- reply | reply_all | new | sms
    account         TEXT NOT NULL DEFAULT '',                -- mailbox (account) or clinic number
    to_addrs        TEXT NOT NULL DEFAULT '[]',              -- JSON list of addresses/numbers
    cc_addrs        TEXT NOT NULL DEFAULT '[]',
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    attachments     TEXT NOT NULL DEFAULT '[]',              -- JSON list of file paths
    parent_message  INTEGER,                                 -- messages.id replied to
    base_seq        INTEGER NOT NULL DEFAULT 0,              -- last event seq at start
    base_message    INTEGER NOT NULL DEFAULT 0,              -- last messages.id in the conversation
    base_note       INTEGER NOT NULL DEFAULT 0,              -- last notes.id in the conversation
    base_outbox     INTEGER NOT NULL DEFAULT 0,              -- last outbox.id at start
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL
);
CREATE INDEX drafts_conversation ON drafts (conversation_id);
CREATE UNIQUE INDEX drafts_one_per_author ON drafts (conversation_id, author)
    WHERE conversation_id IS NOT NULL;

-- Every reply leaves through here: written before any network call.
-- state: queued -> sending -> sent | failed | cancelled | unconfirmed
-- phase: '' or 'data-started' (the SMTP DATA command was about to be sent; a crash after it
--        may have delivered the message, so it is never re-sent automatically)
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER REFERENCES conversations(id),
    author          TEXT NOT NULL,
    channel         TEXT NOT NULL,                           -- email | sms
    account         TEXT NOT NULL,                           -- account name, or clinic number
    sender          TEXT NOT NULL,                           -- envelope From / from number
    recipients      TEXT NOT NULL DEFAULT '[]',              -- JSON list
    subject         TEXT NOT NULL DEFAULT '',
    message_id      TEXT,                                    -- email: our Message-ID
    raw             BLOB,                                    -- email: exact bytes to send
    body            TEXT NOT NULL DEFAULT '',                -- SMS text
    draft           TEXT NOT NULL DEFAULT '{}',              -- the draft, restored on cancel
    state           TEXT NOT NULL DEFAULT 'queued',
    phase           TEXT NOT NULL DEFAULT '',
    owner_pid       INTEGER,                                 -- process sending it (crash check)
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_ms      INTEGER NOT NULL,
    send_after_ms   INTEGER NOT NULL,                        -- created + undo window
    sent_ms         INTEGER,
    provider_id     TEXT,                                    -- SMS: the provider's message id
    message_pk      INTEGER,                                 -- messages.id once recorded
    sent_copy       TEXT NOT NULL DEFAULT '',                -- '' | pending | done (IMAP Sent)
    sent_copy_attempts INTEGER NOT NULL DEFAULT 0,
    sent_copy_next_ms  INTEGER NOT NULL DEFAULT 0,
    sent_copy_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
CREATE INDEX outbox_conversation ON outbox (conversation_id, id);
CREATE INDEX outbox_sent_copy ON outbox (sent_copy, sent_copy_next_ms) WHERE sent_copy = 'pending';
CREATE UNIQUE INDEX outbox_message_id ON outbox (message_id) WHERE message_id IS NOT NULL;
"""
