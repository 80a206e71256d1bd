"""Migration 3: team workflow (mentions, retracted notes, SLA escalations, contacts).

Plain SQL, run once by `Database._migrate`. The contact backfill at the end gives every
existing conversation with a patient address a contact, so an upgraded cache behaves like
one that was linked from the first message on.
"""

from __future__ import annotations

MIGRATION_3 = """
-- A note taken back by its author within the undo window: kept for the audit trail,
-- hidden from note lists and from the Mentions view.
ALTER TABLE notes ADD COLUMN retracted_at INTEGER;

-- Who a note mentions (an OS user from the roster), and when they marked it read.
CREATE TABLE mentions (
    note_id  INTEGER NOT NULL REFERENCES notes(id),
    os_user  TEXT NOT NULL,
    read_at  INTEGER,
    PRIMARY KEY (note_id, os_user)
) WITHOUT ROWID;
CREATE INDEX mentions_user ON mentions (os_user, read_at, note_id);

-- The end of a pending/snoozed spell that ended outside the service (a patient reply landing
-- during sync): the SLA service adds it to sla_paused_s in its business calendar later.
ALTER TABLE conversations ADD COLUMN sla_pause_end INTEGER;

-- What the SLA monitor last escalated per conversation. `arm` names the running target
-- (target and the patient message that started it); level 1 = at risk, 2 = breached.
-- A new arm (another target, a new patient message) starts again from level 0.
CREATE TABLE sla_escalations (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id),
    arm             TEXT NOT NULL,
    level           INTEGER NOT NULL,
    at              INTEGER NOT NULL
);

-- Contacts: one person across e-mail addresses and phone numbers.
ALTER TABLE contacts ADD COLUMN merged_into INTEGER REFERENCES contacts(id);
ALTER TABLE contacts ADD COLUMN first_address TEXT;
CREATE TABLE contact_addresses (
    address    TEXT PRIMARY KEY,      -- lower-case e-mail, or an E.164 phone number
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    kind       TEXT NOT NULL,         -- email | phone
    name       TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX contact_addresses_contact ON contact_addresses (contact_id);
CREATE INDEX conversations_contact ON conversations (contact_id) WHERE contact_id IS NOT NULL;

-- Backfill: one contact per distinct patient address already stored.
INSERT INTO contacts (name, first_address)
    SELECT max(from_name), lower(trim(from_addr)) FROM conversations
    WHERE trim(from_addr) != '' AND merged_into IS NULL GROUP BY lower(trim(from_addr));
INSERT INTO contact_addresses (address, contact_id, kind, name)
    SELECT first_address, id, CASE WHEN first_address LIKE '+%' THEN 'phone' ELSE 'email' END,
           name FROM contacts WHERE first_address IS NOT NULL;
UPDATE conversations SET contact_id = (SELECT a.contact_id FROM contact_addresses a
                                       WHERE a.address = lower(trim(conversations.from_addr)))
    WHERE trim(from_addr) != '';
"""
