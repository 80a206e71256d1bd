"""The event table as seen by the audit anchor: its head, single hashes, its guard triggers.

SQL only. The checkpoint worker reads the head through the server's own `Database`;
`cxinbox audit verify` and `doctor` read the file through `AuditReader`, a read-only
connection, so checking the evidence can never change it (no migration, no WAL checkpoint
that would drop old frames, no chmod).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from cxinbox.contract.errors import StoreError
from cxinbox.store import records
from cxinbox.store.db import ChainWalk, unreadable_cache, walk_event_chain

if TYPE_CHECKING:
    from cxinbox.store.records import (
        AuditKeyRecord,
    )

GUARD_TRIGGERS: dict[str, str] = {
    "events_no_update": "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
                        "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    "events_no_delete": "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
                        "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
}
"""The triggers that make the table append-only for everyone who goes through SQLite's
normal API; compared with whitespace folded, so a trigger swapped for a harmless one of the
same name counts as gone."""


ChainHead = records.ChainHeadRecord


def chain_head(conn: sqlite3.Connection) -> ChainHead:
    row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        return ChainHead(0, "", 0)
    count = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    return ChainHead(int(row[0]), str(row[1]), int(count))


def newest_seq(conn: sqlite3.Connection) -> int:
    """The head's sequence number alone: one step down the primary key, cheap every second."""
    row = conn.execute("SELECT seq FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    return 0 if row is None else int(row[0])


def event_hash_at(conn: sqlite3.Connection, seq: int) -> str | None:
    """The stored hash of event `seq`, or None when there is no such event."""
    row = conn.execute("SELECT hash FROM events WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else str(row[0])


@dataclass(frozen=True, slots=True)
class EventStamp:
    seq: int
    hash: str
    at: int


def event_row(conn: sqlite3.Connection, seq: int) -> EventStamp | None:
    """Event `seq`'s hash and time, or None when there is no such event."""
    row = conn.execute("SELECT hash, at FROM events WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else EventStamp(seq, str(row[0]), int(row[1]))


def _fold(sql: str) -> str:
    return re.sub(r"\s+", " ", sql.replace(";", "; ")).replace(" ;", ";").strip().rstrip(";")


def missing_guards(conn: sqlite3.Connection) -> list[str]:
    """Names of the guard triggers that are gone or no longer what cxinbox created."""
    found = {str(name): str(sql or "") for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")}
    return [name for name, sql in GUARD_TRIGGERS.items()
            if _fold(found.get(name, "")) != _fold(sql)]


class AuditReader:
    """A read-only look at the database file, for verifying it from outside the server."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            if path.exists():  # a directory, a device: there, but nothing to read
                raise unreadable_cache(path, None)
            raise StoreError(f"{path}: the database file is missing")
        try:
            self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                         isolation_level=None, timeout=30.0)
            self._conn.execute("PRAGMA busy_timeout=30000")
            self._conn.execute("BEGIN")  # one snapshot for every read below
            self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise unreadable_cache(path, exc) from None
        if not self._has_events_table():
            self._conn.close()
            raise StoreError(f"{path}: the events table is missing")

    def _has_events_table(self) -> bool:
        return self._conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'"
                                  " AND name = 'events'").fetchone() is not None

    def walk(self) -> ChainWalk:
        with self._damage():
            return walk_event_chain(self._conn)

    def head(self) -> ChainHead:
        with self._damage():
            return chain_head(self._conn)

    def hash_at(self, seq: int) -> str | None:
        with self._damage():
            return event_hash_at(self._conn, seq)

    def missing_guards(self) -> list[str]:
        with self._damage():
            return missing_guards(self._conn)

    def audit_keys(self) -> list[AuditKeyRecord]:
        """None: one server signs a SQLite file's trail, with the key beside its config."""
        return []

    def kept_checkpoints(self) -> list[str]:
        return []

    def registration(self, seq: int) -> str | None:
        return None

    @contextmanager
    def _damage(self) -> Iterator[None]:
        """A damaged file (or a table altered beyond reading) is a finding, not a crash."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: the events table cannot be read ({exc})") from None

    def close(self) -> None:
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error:
            pass
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
