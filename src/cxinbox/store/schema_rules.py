"""Migration 16 (rules): the acknowledgement ledger and SLA policies pinned by a rule.

Independent of every other migration of its session: two new tables, nothing altered.
"""

from __future__ import annotations

MIGRATION_RULES = """
-- Out-of-hours acknowledgements the rules engine queued (the reply itself is an outbox
-- row). One per conversation ever, one per sender per clinic day: the UNIQUE keys are the
-- promise, so a replayed batch or two rules asking at once cannot send a second one.
CREATE TABLE rule_acks (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL UNIQUE REFERENCES conversations(id),
    sender          TEXT NOT NULL,
    day             TEXT NOT NULL,
    rule            TEXT NOT NULL,
    outbox_id       INTEGER,
    at              INTEGER NOT NULL,
    UNIQUE (sender, day)
);

-- An SLA policy a rule applied: it wins over the policies' own `match` queries.
CREATE TABLE rule_sla_pins (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id),
    policy          TEXT NOT NULL,
    rule            TEXT NOT NULL,
    at              INTEGER NOT NULL
);
"""
