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

A build before migration 25 kept a SQLite store's key in a file beside the database
(`<db>-textkey`): when one is there and the database has no key yet, its key is taken into
the table once and the file removed, so nothing handed out under it is forgotten.
"""

from __future__ import annotations

import binascii
import os
import secrets
import stat
from pathlib import Path
from typing import Final, Protocol

from cxinbox.contract.errors import StoreError

KEY_BYTES: Final = 32

LEGACY_SUFFIX: Final = "-textkey"
"""The file beside a SQLite database that held its key before migration 25."""

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


def legacy_key_text(path: Path) -> str | None:
    """The key an earlier build kept in `path` (hex text, checked), or None when there
    is no such file. A file that is not ours alone is refused in one line, not used."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NOCTTY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the text key ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StoreError(f"{path}: the text key is not a regular file")
        if info.st_uid != os.geteuid():
            raise StoreError(f"{path}: the text key belongs to uid {info.st_uid}, not to"
                             f" this user (uid {os.geteuid()})")
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise StoreError(f"{path}: the text key may be read by others"
                             f" (mode {stat.S_IMODE(info.st_mode):o}); chmod 600 it")
        data = os.read(fd, 256).decode("ascii", "replace")
    finally:
        os.close(fd)
    return parse_key(data, str(path)).hex()
