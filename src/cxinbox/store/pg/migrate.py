"""Bring a PostgreSQL database to the schema this cxinbox knows, safely beside other
servers starting at the same moment.

Every server runs `migrate` when it opens the store. One transaction-scoped advisory lock
serialises them: the first applies what is missing, the others wait, then find nothing to
do. The version lives in `cxinbox_meta` (key `schema_version`), counted like SQLite's
`user_version` so both backends name a schema by the same number. A database newer than
this cxinbox is refused in one line, as on SQLite. PostgreSQL-only changes (PG_TUNING:
storage settings, planner aids) have no number of their own: under the same lock, the
ones a database lacks are applied after the migrations, counted under `pg_tuning`.

Only a database that is ours (it has `cxinbox_meta`) or empty (no table, view or other
relation in the schema we would write to) is migrated: a URL that names another
application's database by mistake is refused in one line, and nothing is written there.
A role that may not create what the schema needs (the extensions, tables in the schema)
gets one line naming the grant or step that fixes it, not PostgreSQL's bare refusal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from cxinbox.contract.errors import StoreError, StoreRefused
from cxinbox.store.pg.schema import (
    EXTENSIONS,
    PG_BASELINE,
    PG_MIGRATIONS,
    PG_TUNING,
    RUNTIME_TABLES,
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
    version the database has afterwards. StoreError in one line for a database that is
    not ours and not empty, or a role that lacks a privilege the schema needs."""
    import psycopg

    try:
        return _migrate(conn)
    except psycopg.Error as exc:
        if getattr(exc, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        raise StoreRefused(privilege_fix(exc, conn.info.user, conn.info.dbname)) from None


INSUFFICIENT_PRIVILEGE: Final = "42501"


def privilege_fix(exc: BaseException, user: str, dbname: str) -> str:
    """PostgreSQL's refusal as one line that names what to grant or do, and who can."""
    text = " ".join(str(exc).split("\n")[0].split())
    extension = re.search(r'permission denied to create extension "?(\w+)', text)
    if extension:
        needed = " ".join(f"CREATE EXTENSION IF NOT EXISTS {n};" for n in EXTENSIONS)
        return (f"PostgreSQL store: the role {user} may not create the extension"
                f" {extension.group(1)} in database {dbname}: make the database the role's"
                f" own (createdb -O {user} ...), or have a superuser run `{needed}` in it")
    schema = re.search(r'permission denied for schema "?(\w+)', text)
    if schema:
        return (f"PostgreSQL store: the role {user} may not create tables in schema"
                f" {schema.group(1)} of database {dbname}: make the database the role's own"
                f" (createdb -O {user} ...), or have its owner run"
                f" `GRANT CREATE, USAGE ON SCHEMA {schema.group(1)} TO {user};`")
    table = re.search(r'permission denied for (?:table|relation|sequence) "?(\w+)', text)
    if table:
        return (f"PostgreSQL store: the role {user} lacks privileges on {table.group(1)}"
                f" ({text}): the store's tables must belong to the role the servers use"
                f" (ALTER TABLE ... OWNER TO {user}), or have their owner run"
                f" `GRANT ALL ON ALL TABLES IN SCHEMA public TO {user};"
                f" GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {user};`")
    return (f"PostgreSQL store: {text}: the role {user} lacks a privilege the store needs"
            f" in database {dbname}; create the database owned by it (createdb -O {user} ...)")


def _foreign_tables(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """The relations (tables, views, ...) in the schema our tables would go to, but those
    an extension owns (pg_stat_statements' views, PostGIS's spatial_ref_sys: a fresh
    database may carry them from template1) and our own runtime tables."""
    return [str(r[0]) for r in conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
        " AND d.objid = c.oid AND d.deptype = 'e') AND c.relname <> ALL(%s)"
        " ORDER BY c.relname LIMIT 4", (sorted(RUNTIME_TABLES),))]


def _migrate(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    newest = pg_version_of(len(PG_MIGRATIONS) - 1)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
        version = schema_version(conn)
        if version == 0 and (other := _foreign_tables(conn)):
            shown = ", ".join(other[:3]) + (", ..." if len(other) > 3 else "")
            raise StoreError(f"PostgreSQL store: database {conn.info.dbname} holds another"
                             f" application's tables ({shown}) and no cxinbox schema"
                             " (cxinbox_meta); check [store] url, or give cxinbox an empty"
                             " database of its own (createdb -O ROLE ...)")
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
