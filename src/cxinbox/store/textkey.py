"""The store's text key: the secret that keys the hashes of canned text handed out for a
conversation (service/redflags.py), so an audit event holding them reveals nothing to
whoever reads the trail without the key (a dictionary of common phrases and patient names
no longer undoes them).

Why a key of the store's own, not the audit signing key: that key belongs to one server
(on PostgreSQL each server signs with its own) and in-process use never holds it, while a
text handed out by one server must be recognised when another server, or an admin's
`--local` command, sends the reply.

Where it lives, on either backend: inside the database, in `store_secrets` (migration 25,
store/schema_secrets.py), row `text_key`, made by the first process that needs it. So
whatever carries the database carries the key with it: a backup and its restore on another
host (a canned text handed out before is still recognised after), `store copy` to
PostgreSQL, every server on one PostgreSQL database. The key is read by the store alone
and never written to an event, a log line, the change feed or a command's output.
"""

from __future__ import annotations

import binascii
import secrets
from typing import Final, Protocol

from cxinbox.contract.errors import StoreError

KEY_BYTES: Final = 32

READ_KEY: Final = "SELECT value FROM store_secrets WHERE name = 'text_key'"
TAKE_KEY: Final = ("INSERT INTO store_secrets (name, value) VALUES ('text_key', ?)"
                   " ON CONFLICT (name) DO NOTHING")
"""Offer a key; one already there wins (two processes racing agree on the one that
landed). The same statements on SQLite and PostgreSQL."""


class _Cursor(Protocol):
    def fetchone(self) -> object: ...


class _Conn(Protocol):
    def execute(self, sql: str, params: tuple[object, ...] = ..., /) -> _Cursor: ...


def new_key_text() -> str:
    """A fresh key as the hex text the store keeps."""
    return secrets.token_hex(KEY_BYTES)


def parse_key(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != KEY_BYTES:
        raise StoreError(f"{where}: not a cxinbox text key ({KEY_BYTES * 2} hex digits)")
    return key


def read_key(conn: _Conn) -> bytes | None:
    """The key the database holds, or None before its first use."""
    row = conn.execute(READ_KEY).fetchone()
    if row is None:
        return None
    return parse_key(str(row[0]), "the store's text key (store_secrets)")  # type: ignore[index]


def take_key(conn: _Conn, offered: str) -> bytes:
    """Inside a write transaction: the key the database holds, `offered` (hex text) kept
    first when it holds none."""
    conn.execute(TAKE_KEY, (offered,))
    key = read_key(conn)
    if key is None:  # pragma: no cover - the insert above leaves a row
        raise StoreError("the store's text key could not be kept")
    return key
