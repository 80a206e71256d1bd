"""The SQLite store: `Database` (store/db.py) implements `Store` with these methods.

Kept apart from db.py, which owns the file, its connections and migrations: this module
is the typed face the service sees. The transaction handle lives in `sqlite_tx.py`, which
imports every SQL module; it is loaded on the first transaction, because those modules
import db.py themselves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from cxinbox.domain.query import Node, QueryContext
from cxinbox.store import records
from cxinbox.store.interface import Selection, StoreTx
from cxinbox.store.query_sql import compile_query, reads_red_flags, sla_condition

if TYPE_CHECKING:
    from cxinbox.contract.types import Presence
    from cxinbox.store.records import (
        Diagnosis,
        EventRecord,
    )

BULK_CACHE_KIB = 96 * 1024
"""Page cache of a bulk load's connection: keeps peak RSS near 170 MB at 100,000 messages."""


class SoleLease:
    """A SQLite store has one server: every lease is granted and never lost."""

    __slots__ = ()

    def held(self) -> bool:
        return True

    def release(self) -> None:
        pass

    @contextmanager
    def fencing(self) -> Iterator[None]:
        yield


class SqlSelection(Selection):
    """A query compiled for SQLite: a condition over `conversations c` and its parameters;
    for a query with red-flag terms, also the condition as it reads on conversations with
    no open flag (`unflagged`, store/query_sql.py `compile_query`; None: the same)."""

    __slots__ = ("params", "unflagged", "where")

    def __init__(self, where: str, params: list[object],
                 unflagged: tuple[str, list[object]] | None = None) -> None:
        self.where = where
        self.params = params
        self.unflagged = unflagged

    @staticmethod
    def of(selection: Selection) -> SqlSelection:
        if not isinstance(selection, SqlSelection):
            raise TypeError("a selection made by another store")
        return selection


class SqliteStoreOps:
    """The `Store` methods of `Database`."""

    __slots__ = ()

    if TYPE_CHECKING:
        def read(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def write(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def make_durable(self) -> None: ...

        def integrity_check(self) -> str: ...

        def set_cache_kib(self, kib: int = 0) -> None: ...

        def set_autocheckpoint(self, pages: int) -> None: ...

        def relax_durability_for_this_thread(self) -> None: ...

        def wal_bytes(self) -> int: ...

        def checkpoint_passive(self) -> None: ...

    def watch_commits(self, wake: Callable[[], object],
                      advance: Callable[[int], object] | None = None,
                      heard: Callable[[list[EventRecord]], object] | None = None,
                      reconnected: Callable[[], object] | None = None) -> None:
        """No commit signal on SQLite: the one server on its host polls the newest event
        (see `Store.watch_commits`)."""

    def watch_outbox(self, wake: Callable[[], object]) -> None:
        """No commit signal on SQLite: its one server's outbox worker is woken in-process
        (see `Store.watch_outbox`)."""

    def share_presence(self, entries: Callable[[], Sequence[tuple[str, Presence]]],
                       on_others: Callable[[list[Presence]], None]) -> None:
        """One server per SQLite file: its presence board is the whole desk's."""

    def store_id(self) -> str | None:
        """None: a SQLite file is known by its path (see `Store.store_id`)."""
        return None

    def diagnose(self) -> list[Diagnosis]:
        from cxinbox.store.db import has_wal_reset_fix, sqlite_version

        found: list[Diagnosis] = []
        version = ".".join(map(str, sqlite_version()))
        if has_wal_reset_fix():
            found.append(records.Diagnosis("ok", f"SQLite {version} (has the WAL-reset fix)"))
        else:
            found.append(records.Diagnosis("warn", f"SQLite {version} predates the WAL-reset fix"
                                   " (3.51.3 / 3.50.7 / 3.44.6); safe while one cxinbox"
                                   " process owns the database"))
        try:
            integrity = self.integrity_check()
        except sqlite3.DatabaseError as exc:
            found.append(records.Diagnosis("fail", f"database: {exc}"))
            return found
        found.append(records.Diagnosis("ok", "database integrity_check ok") if integrity == "ok"
                     else records.Diagnosis("fail", f"database integrity_check: {integrity}"))
        return found

    @contextmanager
    def reading(self) -> Iterator[StoreTx]:
        from cxinbox.store.sqlite_tx import SqliteTx

        with self.read() as conn:
            tx = SqliteTx(conn)
            yield tx
        for event in tx.after:
            self.record_event(*event)

    @contextmanager
    def writing(self) -> Iterator[StoreTx]:
        from cxinbox.store.sqlite_tx import SqliteTx

        with self.write() as conn:
            tx = SqliteTx(conn)
            yield tx
        for event in tx.after:
            self.record_event(*event)

    @contextmanager
    def rehearsing(self) -> Iterator[StoreTx]:
        from cxinbox.store.db import Database
        from cxinbox.store.sqlite_tx import SqliteTx

        assert isinstance(self, Database)
        with self.rehearsal() as conn:
            yield SqliteTx(conn)

    @contextmanager
    def rehearsals(self) -> Iterator[Callable[[], AbstractContextManager[StoreTx]]]:
        yield self.rehearsing

    @contextmanager
    def recording(self) -> Iterator[StoreTx]:
        from cxinbox.store.db import Database
        from cxinbox.store.reads import read_record_write
        from cxinbox.store.sqlite_tx import SqliteTx

        assert isinstance(self, Database)
        with read_record_write(self) as conn:
            yield SqliteTx(conn)

    def record_event(self, actor: str, action: str, target: str = "",
                     details: dict[str, Any] | None = None) -> None:
        with self.recording() as tx:
            tx.append_event(actor, action, target, details)

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        # No checkpoint inside the bulk commits (the indexer thread checkpoints off the
        # critical path); each message rewrites its conversation's entries in the list
        # indexes (migration 7), which at 100,000 conversations stop fitting the default
        # cache.
        self.set_autocheckpoint(0)
        self.set_cache_kib(BULK_CACHE_KIB)
        try:
            yield
        finally:
            self.set_autocheckpoint(1000)
            self.set_cache_kib()

    @contextmanager
    def background_writes(self) -> Iterator[None]:
        self.relax_durability_for_this_thread()
        self.set_autocheckpoint(0)
        try:
            yield
        finally:
            self.set_autocheckpoint(1000)

    def writes_beside_fetch(self) -> bool:
        """No: SQLite writes in this process, holding the interpreter between its steps,
        so a writer thread would take turns with the fetch rather than run beside it."""
        return False

    def indexes_text_after_sync(self) -> bool:
        return False

    def search_vectors(self) -> None:
        """None: FTS5 tokenises the text itself, in this process."""

    def checkpoint_if_over(self, nbytes: int) -> None:
        if self.wal_bytes() > nbytes:
            self.checkpoint_passive()

    def try_lease(self, name: str) -> SoleLease:
        return SoleLease()

    def note_round(self, loop: str) -> None:
        """Nothing: one server has this store, and its memory is the truth."""

    def last_round(self, loop: str) -> float | None:
        return None

    def database_bytes(self) -> int | None:
        return None

    def select(self, where: Node, ctx: QueryContext, *, sla: bool) -> Selection:
        sla_sql = sla_condition(ctx.now) if sla else None
        sql, params = compile_query(where, ctx, sla_sql)
        unflagged = None
        if reads_red_flags(where):  # view 3: its count in two parts, each on an index
            unflagged = compile_query(where, ctx, sla_sql, unflagged=True)
            if unflagged[0] == sql:
                unflagged = None
        return SqlSelection(sql, params, unflagged)

    def now_ms(self) -> int:
        """`store.db.now_ms`, the clock `append_event` stamps events with (one clock, one
        place to pin it in tests)."""
        from cxinbox.store import db

        return db.now_ms()
