"""The event table on PostgreSQL as `cxinbox audit verify` sees it: a read-only snapshot.

The same questions as store/anchor.py asks of the SQLite file (the chain walked from its
start, the head, one event's hash, the guards), asked of the database `[store] url`
names. The connection is its own (never the pool of a server), opened READ ONLY and
REPEATABLE READ, so every answer comes from one snapshot and checking the evidence can
never change it: no migration runs, no store id is made.

The guards here are the three triggers the schema creates on `events` (no UPDATE, no
DELETE, no TRUNCATE), each enabled and calling the one function that refuses, whose body
must still be what cxinbox created. The table's owner (or a superuser) can disable or
replace them; that is exactly what a missing guard reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Final, Self

from cxinbox.contract.errors import StoreError, StoreUnreadable
from cxinbox.store.anchor import chain_head, event_hash_at
from cxinbox.store.audit_keys import audit_keys, kept_checkpoints, registration_details
from cxinbox.store.db import ChainWalk, walk_event_chain
from cxinbox.store.pg.conn import PgConnection, one_line
from cxinbox.store.records import AuditKeyRecord, ChainHeadRecord

GUARD_TRIGGERS: Final = ("events_no_update", "events_no_delete", "events_no_truncate")
GUARD_FUNCTION: Final = "cxinbox_events_append_only"
GUARD_BODY: Final = ("BEGIN RAISE EXCEPTION 'events are append-only' USING ERRCODE ="
                     " 'integrity_constraint_violation'; END")
"""The refusing function's body, whitespace folded (schema.py creates it)."""


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class PgAuditReader:
    """A read-only look at the PostgreSQL store's audit trail (`store.interface.AuditReader`)."""

    def __init__(self, url: str, name: str) -> None:
        import psycopg

        self.name = name
        try:
            self._raw: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True,
                                                                 connect_timeout=30)
        except (psycopg.Error, OSError) as exc:
            raise StoreUnreadable(f"{name}: cannot connect ({one_line(exc)})") from None
        try:
            self._raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            found = self._raw.execute("SELECT to_regclass('events') IS NOT NULL").fetchone()
        except psycopg.Error as exc:
            self._raw.close()
            raise StoreUnreadable(f"{name}: not a readable cxinbox database"
                                  f" ({one_line(exc)})") from None
        if not found or not found[0]:
            self._raw.close()
            raise StoreError(f"{name}: the events table is missing")
        self._conn = PgConnection(self._raw)

    def walk(self) -> ChainWalk:
        with self._damage():
            return walk_event_chain(self._conn)  # type: ignore[arg-type]

    def head(self) -> ChainHeadRecord:
        with self._damage():
            return chain_head(self._conn)  # type: ignore[arg-type]

    def hash_at(self, seq: int) -> str | None:
        with self._damage():
            return event_hash_at(self._conn, seq)  # type: ignore[arg-type]

    def missing_guards(self) -> list[str]:
        """The guard triggers that are gone, disabled or no longer call the refusing
        function, and the function itself when its body was changed."""
        with self._damage():
            rows = self._conn.execute(
                "SELECT t.tgname, t.tgenabled, p.proname FROM pg_trigger t"
                " JOIN pg_proc p ON p.oid = t.tgfoid"
                " WHERE t.tgrelid = 'events'::regclass AND NOT t.tgisinternal").fetchall()
            body = self._conn.execute(
                "SELECT prosrc FROM pg_proc WHERE proname = ?", (GUARD_FUNCTION,)).fetchall()
        found = {str(r[0]): (str(r[1]), str(r[2])) for r in rows}
        missing = [name for name in GUARD_TRIGGERS
                   if found.get(name, ("D", ""))[0] == "D"
                   or found[name][1] != GUARD_FUNCTION]
        if len(body) != 1 or _fold(str(body[0][0])) != GUARD_BODY:
            missing.append(f"{GUARD_FUNCTION}()")
        return missing

    def audit_keys(self) -> list[AuditKeyRecord]:
        if not self._has("cxinbox_audit_keys"):
            return []
        with self._damage():
            row = self._conn.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_name ="
                " 'cxinbox_audit_keys' AND column_name = 'carried_seq'"
                " AND table_schema = current_schema()").fetchone()
            return audit_keys(self._conn, carried=bool(row and row[0]))  # type: ignore[arg-type]

    def kept_checkpoints(self) -> list[str]:
        if not self._has("cxinbox_audit_checkpoints"):
            return []
        with self._damage():
            return kept_checkpoints(self._conn)  # type: ignore[arg-type]

    def registration(self, seq: int) -> str | None:
        with self._damage():
            return registration_details(self._conn, seq)  # type: ignore[arg-type]

    def _has(self, table: str) -> bool:
        """Whether the table exists (a database no server of this version opened yet
        lacks the PostgreSQL-only tables; this reader never makes them)."""
        with self._damage():
            row = self._conn.execute("SELECT to_regclass(?) IS NOT NULL", (table,)).fetchone()
        return bool(row and row[0])

    @contextmanager
    def _damage(self) -> Iterator[None]:
        """A table altered beyond reading is a finding, not a crash."""
        import psycopg

        try:
            yield
        except psycopg.OperationalError as exc:  # the connection, not the table
            raise StoreUnreadable(f"{self.name}: the database stopped answering"
                                  f" ({one_line(exc)})") from None
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: the events table cannot be read ({one_line(exc)})"
                             ) from None

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
