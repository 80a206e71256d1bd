"""Bring a PostgreSQL database to the schema this cxinbox knows, safely beside other
servers starting at the same moment.

Every server runs `migrate` when it opens the store. One transaction-scoped advisory lock
serialises them: the first applies what is missing, the others wait, then find nothing to
do. The version lives in `cxinbox_meta` (key `schema_version`), counted like SQLite's
`user_version` so both backends name a schema by the same number. A database newer than
this cxinbox is refused in one line, as on SQLite. PostgreSQL-only changes (PG_TUNING:
storage settings, planner aids) have no number of their own: under the same lock, the
ones a database lacks are applied after the migrations, counted under `pg_tuning`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from cxinbox.contract.errors import StoreError
from cxinbox.store.pg.schema import (
    EXTENSIONS,
    PG_BASELINE,
    PG_MIGRATIONS,
    PG_TUNING,
    pg_version_of,
)

if TYPE_CHECKING:
    import psycopg

MIGRATE_LOCK: Final = 0x6378_6D69  # "cxmi": the advisory lock key migrations take
"""Advisory lock keys are one namespace per database; ours spell their purpose."""


def schema_version(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    """The version the database has (0 for an empty one)."""
    row = conn.execute("SELECT to_regclass('cxinbox_meta') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return 0
    found = conn.execute("SELECT value FROM cxinbox_meta WHERE key = 'schema_version'"
                         ).fetchone()
    return int(str(found[0])) if found else 0


def migrate(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    """Apply every missing migration (in one transaction, under the advisory lock); the
    version the database has afterwards."""
    newest = pg_version_of(len(PG_MIGRATIONS) - 1)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
        version = schema_version(conn)
        if version > newest:
            raise StoreError(f"the database has schema version {version}, newer than this"
                             f" cxinbox knows (up to {newest}); upgrade cxinbox")
        if version and version < PG_BASELINE:
            raise StoreError(f"the database has schema version {version}, older than any"
                             " PostgreSQL schema; it was not made by cxinbox")
        if version != newest:
            _apply(conn, version, newest)
        _tune(conn)
    return newest


def _apply(conn: psycopg.Connection[tuple[object, ...]], version: int, newest: int) -> None:
    """The numbered migrations after `version`."""
    for name in EXTENSIONS:
        conn.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
    conn.execute("CREATE TABLE IF NOT EXISTS cxinbox_meta (key TEXT PRIMARY KEY,"
                 " value TEXT NOT NULL)")
    first = 0 if version == 0 else version - PG_BASELINE + 1
    for index in range(first, len(PG_MIGRATIONS)):
        conn.execute(PG_MIGRATIONS[index])
    conn.execute("INSERT INTO cxinbox_meta (key, value) VALUES ('schema_version', %s)"
                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (str(newest),))


def _tune(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Apply the PostgreSQL-only changes (PG_TUNING) this database has not had yet."""
    found = conn.execute("SELECT value FROM cxinbox_meta WHERE key = 'pg_tuning'").fetchone()
    done = int(str(found[0])) if found else 0
    if done >= len(PG_TUNING):
        return
    for sql in PG_TUNING[done:]:
        conn.execute(sql)
    conn.execute("INSERT INTO cxinbox_meta (key, value) VALUES ('pg_tuning', %s)"
                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (str(len(PG_TUNING)),))
