"""Copy a site's SQLite cache into an empty PostgreSQL database (`cxinbox store copy`).

Every table both schemas share moves column for column (store/pg/schema.py keeps them
alike): raw messages and attachments as bytea, conversations and their staff state, notes,
drafts, outbox, contacts, the knowledge base and the audit events with their hashes as
written, so the chain still verifies on the other side. Tables go parent first (the
order comes from PostgreSQL's foreign keys); a column that points into its own table
(a merged conversation or contact) is filled once every row is in. Rows stream in batches
through COPY, all of it in one transaction: a copy that fails or is stopped leaves no row
in the database (the schema it made stays), and is simply run again.

Before the commit the copy checks itself — every table's row count against the cache's,
and the audit chain walked on PostgreSQL to the very head hash the cache has — and rolls
back if anything differs. `verify_copy` runs the same checks later against a copy.

The target must hold no data: a copy never merges two inboxes, and the audit trail is
append-only there (no forced overwrite; make a new database instead). What migrations put
in a fresh database (`triage_cursor`'s one row) does not count, and is replaced.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from cxinbox.contract.errors import StoreError
from cxinbox.store.db import walk_event_chain
from cxinbox.store.pg.conn import PgConnection
from cxinbox.store.pg.migrate import migrate
from cxinbox.store.pg.schema import (
    PG_MIGRATIONS,
    PG_ONLY_TABLES,
    RUNTIME_TABLES,
    SQLITE_ONLY_TABLES,
    pg_version_of,
)
from cxinbox.store.schema_report_assignees import PG_BACKFILL_REPORT_ASSIGNEES
from cxinbox.store.schema_report_spans import PG_BACKFILL_REPORT_SPANS

if TYPE_CHECKING:
    import psycopg

__all__ = ["CopyReport", "VerifyReport", "check_copy", "check_target", "connect",
           "copy_to_postgres", "shown_url", "verify_copy"]

BATCH = 1000
"""Rows read from SQLite and written to COPY at a time (raw messages can be large)."""

_SEEDED = frozenset({"triage_cursor", "store_secrets"})
"""Tables the target may hold a row of before any data (a migration fills triage_cursor's
one row; a server that opened the new database made its text key in store_secrets): the
copy replaces them with the cache's, so the copied trail's canned-text hashes, keyed with
the cache's text key (store/textkey.py), still match what is sent from PostgreSQL."""

_DERIVED = frozenset({"report_intervals", "report_pauses", "report_authors", "report_dirty",
                      "report_work", "report_spans", "report_assignees"})
"""The reports' stored facts (migrations 19, 22, 24): kept by triggers from the rows copied (COPY fires
them), and every copied conversation is marked for recomputing, so they are rebuilt on the
PostgreSQL side rather than copied (copying them would count each fact twice)."""

_FTS_SUFFIXES = ("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config")

Progress = Callable[[str, int], None]
"""Told each table's name and the rows copied so far."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What a copy moved and what the checks found (identical counts, one chain)."""

    target: str = ""
    """The database's URL without its password."""
    rows: dict[str, int] = field(default_factory=dict)
    events: int = 0
    chain_head: str = ""
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def copy_to_postgres(source: sqlite3.Connection, target: psycopg.Connection[Any], *,
                     batch: int = BATCH, progress: Progress | None = None,
                     url: str = "") -> CopyReport:
    """Copy every table of `source` (a cache at this cxinbox's schema, not written to
    meanwhile) into `target` (an autocommit connection: the copy is its own transaction),
    migrating it first; verify; commit; vacuum. Raises StoreError in one
    line when the target holds data or the copy does not verify (nothing is kept then).
    The store's secrets (`store_secrets`: its text key) go along like any table."""
    started = time.monotonic()
    tables = check_target(source, target)
    with target.transaction():
        _refuse_data(target, tables)
        rows: dict[str, int] = {}
        self_refs = _self_references(target)
        for table in _parent_first(target, tables):
            if table in _SEEDED:
                target.execute(f'DELETE FROM "{table}"')
            rows[table] = _copy_table(source, target, table, self_refs.get(table, ()),
                                      batch, progress)
            for column in self_refs.get(table, ()):
                _fill_self_reference(source, target, table, column, batch)
        target.execute("INSERT INTO report_dirty (conversation_id) SELECT id FROM conversations"
                       " ON CONFLICT DO NOTHING")
        target.execute("DELETE FROM report_spans")  # the status spans, replayed in order
        target.execute(PG_BACKFILL_REPORT_SPANS)
        target.execute("DELETE FROM report_assignees")  # and the assignee spans (as 24's)
        target.execute(PG_BACKFILL_REPORT_ASSIGNEES)
        _move_sequences(target, tables)
        problems = _differences(source, target, tables)
        if problems:
            raise StoreError(f"the copy does not verify, nothing was kept: {problems[0]}")
        walk = walk_event_chain(cast(sqlite3.Connection, PgConnection(target)))
    if target.autocommit:
        # Statistics for the planner, and the visibility map that lets counts read indexes
        # only: a bulk load leaves neither.
        target.execute("VACUUM (ANALYZE)")
    return CopyReport(target=shown_url(url), rows=rows, events=walk.count, chain_head=walk.head_hash,
                      seconds=time.monotonic() - started)


def shown_url(url: str) -> str:
    """`url` without its password, to print and to audit."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def connect(url: str, timeout_s: int = 5) -> psycopg.Connection[Any]:
    """An autocommit connection to the database at `url` (postgresql://…), waiting up to
    `timeout_s` for the server to answer unless the URL sets libpq's `connect_timeout`;
    StoreError in one line when it cannot be had (the password never in it)."""
    if not url.startswith(("postgresql://", "postgres://")):
        raise StoreError(f"--to must be a postgresql:// URL, not {shown_url(url)!r}")
    from cxinbox.domain.dburl import with_connect_timeout
    from cxinbox.store.pg import require_driver

    require_driver()
    import psycopg

    try:
        return psycopg.connect(with_connect_timeout(url, timeout_s), autocommit=True)
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()
        first = lines[0] if lines else type(exc).__name__
        raise StoreError(f"cannot connect to {shown_url(url)}: {first}") from None


def check_target(source: sqlite3.Connection, target: psycopg.Connection[Any]) -> list[str]:
    """Migrate `target` and make sure a copy of `source` may go there (same schema, no data
    yet); the tables to copy. StoreError in one line otherwise."""
    _check_versions(source, target)
    # Data first: a database in use is refused for that, whatever else differs there.
    _refuse_data(target, _shared_tables(source, target, strict=False))
    tables = _shared_tables(source, target)
    _refuse_data(target, tables)
    return tables


def _refuse_data(target: psycopg.Connection[Any], tables: list[str]) -> None:
    busy = [t for t in tables if t not in _SEEDED and _has_rows(target, t)]
    if busy:
        raise StoreError(f"the PostgreSQL database already holds data ({', '.join(busy[:3])}"
                         f"{', …' if len(busy) > 3 else ''}); copy into a new, empty"
                         " database")


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What `check_copy` found: the differences (none when the copy holds), and, for a
    database the servers have written to since the copy, how many events it has after
    the cache's newest (`cache_head`); row counts are not compared then."""

    problems: list[str]
    later_events: int = 0
    cache_head: int = 0


def verify_copy(source: sqlite3.Connection, target: psycopg.Connection[Any]) -> list[str]:
    """What differs between the cache and its PostgreSQL copy: each table's row count, and
    the audit chain (walked on PostgreSQL, ending at the cache's head). Empty when they
    agree."""
    return check_copy(source, target).problems


def check_copy(source: sqlite3.Connection, target: psycopg.Connection[Any]) -> VerifyReport:
    """`verify_copy`, also for a copy the servers have used since: when PostgreSQL's chain
    holds and goes on past the cache's newest event, the copy holds if that event is in
    it unchanged (same seq, same hash: every earlier event is vouched for by the links);
    the row counts have moved on with the servers' work and are not compared."""
    with target.transaction():
        tables = _shared_tables(source, target)
        theirs = walk_event_chain(cast(sqlite3.Connection, PgConnection(target)))
        ours = walk_event_chain(source)
        if not theirs.problem and not ours.problem and theirs.head_seq > ours.head_seq:
            row = target.execute("SELECT hash FROM events WHERE seq = %s",
                                 (ours.head_seq,)).fetchone()
            problems = [] if row is not None and str(row[0]) == ours.head_hash else [
                (f"audit chain on PostgreSQL: event #{ours.head_seq} is not the cache's newest"
                 " event (missing, or another hash); the database is not a copy of this cache")]
            return VerifyReport(problems, theirs.head_seq - ours.head_seq, ours.head_seq)
        return VerifyReport(_differences(source, target, tables, (theirs, ours)))


def _differences(source: sqlite3.Connection, target: psycopg.Connection[Any],
                 tables: list[str], walks: tuple[Any, Any] | None = None) -> list[str]:
    """The audit chain's difference first (a changed event says more than the counts)."""
    problems: list[str] = []
    theirs, ours = walks or (walk_event_chain(cast(sqlite3.Connection, PgConnection(target))),
                             walk_event_chain(source))
    if theirs.problem:
        problems.append(f"audit chain on PostgreSQL: {theirs.problem}")
    elif (theirs.head_seq, theirs.head_hash) != (ours.head_seq, ours.head_hash):
        problems.append(f"audit chain on PostgreSQL ends at event #{theirs.head_seq}, the"
                        f" cache's at #{ours.head_seq} (or with another hash)")
    for table in tables:
        have = _count(target, table)
        want = int(source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        if have != want:
            problems.append(f"{table} has {have} rows on PostgreSQL, {want} in the cache")
    return problems


def _check_versions(source: sqlite3.Connection, target: psycopg.Connection[Any]) -> None:
    have = int(source.execute("PRAGMA user_version").fetchone()[0])
    newest = pg_version_of(len(PG_MIGRATIONS) - 1)
    if have != newest:
        raise StoreError(f"the cache has schema version {have}, this cxinbox's is {newest};"
                         " open it once with this cxinbox (cxinbox doctor) and copy again")
    migrate(target)


def _shared_tables(source: sqlite3.Connection, target: psycopg.Connection[Any], *,
                   strict: bool = True) -> list[str]:
    """The tables both hold, to copy or compare; StoreError in one line when one side has
    a table the other lacks (with `strict`; without, the tables both have)."""
    ours = {str(r[0]) for r in source.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    ours = {t for t in ours if t not in SQLITE_ONLY_TABLES and not t.endswith(_FTS_SUFFIXES)}
    theirs = {str(r[0]) for r in target.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema ="
        " current_schema() AND table_type = 'BASE TABLE'")} - PG_ONLY_TABLES - RUNTIME_TABLES
    ours -= _DERIVED
    theirs -= _DERIVED
    if not strict:
        return sorted(ours & theirs)
    if ours != theirs:
        odd = sorted(ours ^ theirs)
        raise StoreError(f"the cache and the PostgreSQL schema have different tables"
                         f" ({', '.join(odd[:3])}); both must be this cxinbox's")
    return sorted(ours)


def _has_rows(target: psycopg.Connection[Any], table: str) -> bool:
    row = target.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()
    return bool(row and row[0])


def _count(target: psycopg.Connection[Any], table: str) -> int:
    row = target.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    return int(row[0]) if row else 0


def _foreign_keys(target: psycopg.Connection[Any]) -> list[tuple[str, str, str]]:
    """(table, column, referenced table) for every single-column foreign key."""
    return [(str(r[0]), str(r[1]), str(r[2])) for r in target.execute(
        "SELECT cl.relname, a.attname, ref.relname FROM pg_constraint k"
        " JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class ref ON ref.oid = k.confrelid"
        " JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]"
        " WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace")]


def _self_references(target: psycopg.Connection[Any]) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for table, column, parent in _foreign_keys(target):
        if table == parent:
            found[table] = (*found.get(table, ()), column)
    return found


def _parent_first(target: psycopg.Connection[Any], tables: list[str]) -> list[str]:
    parents: dict[str, set[str]] = {t: set() for t in tables}
    for table, _, parent in _foreign_keys(target):
        if table != parent and table in parents and parent in parents:
            parents[table].add(parent)
    ordered: list[str] = []
    while parents:
        ready = sorted(t for t, needs in parents.items() if not needs - set(ordered))
        if not ready:
            raise StoreError("the PostgreSQL schema's foreign keys form a cycle")
        ordered.extend(ready)
        for table in ready:
            del parents[table]
    return ordered


def _columns(target: psycopg.Connection[Any], table: str) -> list[str]:
    """The columns a row is written with: all but the search vectors (generated, or made
    by the row's trigger: SQLite has no such column)."""
    return [str(r[0]) for r in target.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
        " AND NOT attisdropped AND attgenerated = '' AND atttypid <> 'tsvector'::regtype"
        " ORDER BY attnum", (f'"{table}"',))]


def _batches(cursor: sqlite3.Cursor, size: int) -> Iterator[list[Any]]:
    while rows := cursor.fetchmany(size):
        yield rows


def _copy_table(source: sqlite3.Connection, target: psycopg.Connection[Any], table: str,
                self_refs: tuple[str, ...], batch: int, progress: Progress | None) -> int:
    columns = _columns(target, table)
    picked = ", ".join("NULL" if c in self_refs else f'"{c}"' for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    copied = 0
    try:
        with target.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for rows in _batches(source.execute(f'SELECT {picked} FROM "{table}"'), batch):
                for row in rows:
                    copy.write_row(tuple(row))
                copied += len(rows)
                if progress is not None:
                    progress(table, copied)
    except sqlite3.Error as exc:
        raise StoreError(f"reading {table} from the cache failed: {exc}") from None
    except _pg_error() as exc:
        # The error's kind only: the server's message may quote the value (patient text).
        raise StoreError(f"writing {table} to PostgreSQL failed:"
                         f" {type(exc).__name__} ({getattr(exc, 'sqlstate', None)})") from None
    return copied


def _fill_self_reference(source: sqlite3.Connection, target: psycopg.Connection[Any],
                         table: str, column: str, batch: int) -> None:
    cursor = source.execute(f'SELECT id, "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')
    with target.cursor() as out:
        for rows in _batches(cursor, batch):
            out.executemany(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s',
                            [(row[1], row[0]) for row in rows])


def _move_sequences(target: psycopg.Connection[Any], tables: list[str]) -> None:
    """Identity columns continue after the copied ids (the next insert gets max + 1)."""
    for table, column in target.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE"
            " table_schema = current_schema() AND is_identity = 'YES'").fetchall():
        if table not in tables:
            continue
        target.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s),"
            f' COALESCE((SELECT max("{column}") FROM "{table}"), 1),'
            f' (SELECT max("{column}") FROM "{table}") IS NOT NULL)', (f'"{table}"', column))


def _pg_error() -> type[Exception]:
    import psycopg

    return psycopg.Error
