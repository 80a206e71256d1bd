"""The UNLOGGED tables servers share while they run (RUNTIME_TABLES in store/pg/schema.py):
who is online, each lease's fencing token, the leader jobs' last rounds.

They are made by the migrations (PG_TUNING), by the role that owns the schema, so a server
whose role has only table grants (the setup `doctor` proposes: GRANT ALL ON ALL TABLES)
uses them without CREATE on the schema. A server only makes one that is missing (a database
migrated before they were in PG_TUNING): `CREATE TABLE IF NOT EXISTS` is refused without
CREATE on the schema even when the table exists, so existence is asked first.
"""

from __future__ import annotations

from typing import Any

from cxinbox.store.pg.schema import RUNTIME_TABLE_SQL


def ensure_runtime_table(conn: Any, name: str) -> None:
    """Make runtime table `name` if it is missing; two servers starting together may both
    try. A role that may not create it gets psycopg's InsufficientPrivilege."""
    import psycopg

    for _ in range(3):
        if conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0] is not None:
            return
        try:
            conn.execute(RUNTIME_TABLE_SQL[name])
            return
        except psycopg.errors.UniqueViolation:  # the other one's CREATE won the race
            continue
