"""Migration 25: the store's own secrets, inside the database (SQLite and PostgreSQL alike).

One row a secret (`text_key`: store/textkey.py), made by the first process that needs it
with an insert that yields to a row already there, then read back: two processes racing
both end up with the one that landed. Kept in the database itself so that whatever carries
the database carries them: a backup and its restore, `store copy` to PostgreSQL (a table
like any other), a move to a new host. Nothing reads them but the store: no event, log
line, change or command output holds a value.

On PostgreSQL the twin makes the same table and moves the `text_key` row of `cxinbox_meta`
into it, so both backends keep the key by one rule, with the same statements."""

from __future__ import annotations

from typing import Final

__all__ = ["MIGRATION_STORE_SECRETS", "PG_MIGRATION_STORE_SECRETS"]

MIGRATION_STORE_SECRETS: Final = """
CREATE TABLE store_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

PG_MIGRATION_STORE_SECRETS: Final = """
CREATE TABLE store_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO store_secrets (name, value)
    SELECT 'text_key', value FROM cxinbox_meta WHERE key = 'text_key';
DELETE FROM cxinbox_meta WHERE key = 'text_key';
"""
