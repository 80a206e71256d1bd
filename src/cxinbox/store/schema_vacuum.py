"""Migration 12: a database file that can shrink while the server runs.

Retention deletes whole conversations; SQLite keeps the freed pages inside the file unless
the file is in `auto_vacuum = INCREMENTAL` mode, where `PRAGMA incremental_vacuum(N)` hands
N free pages back to the file system in a short write transaction. A full VACUUM would
rewrite the whole file under the write lock (seconds to minutes): no good while staff work.

The mode can only be chosen before the first table exists or by one VACUUM, and the
connection is already in WAL mode when migrations run; so every file, new or old, is
converted once right after this migration commits, at start-up (`convert`; instant for a
new file). Measured on the 100,000-conversation bench
file (211 MB): 3.3 s on this 2-core machine; time grows with the file (about 16 ms per MB,
so a 1.5 GB cache of real mail takes ~25 s, once). VACUUM needs free space for a copy of
the file (and, in WAL mode, the WAL grows to the file's size until the next checkpoint);
when the disk lacks it, the conversion is skipped with a log line and tried at the next
start, and everything else works as before (the file just does not shrink).

The two indexes let a purge find the conversations merged into one it removes, and the
contacts merged into one left empty, without reading the whole table each time (a
hundredfold at 100,000 conversations: the forwarding-contact lookup alone took 9 ms per
contact).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import time

log = logging.getLogger(__name__)

INCREMENTAL = 2
"""`PRAGMA auto_vacuum` value for INCREMENTAL."""

MIGRATION_12 = """
CREATE INDEX conversations_merged_into ON conversations (merged_into)
    WHERE merged_into IS NOT NULL;
CREATE INDEX contacts_merged_into ON contacts (merged_into)
    WHERE merged_into IS NOT NULL;
"""


def is_incremental(conn: sqlite3.Connection) -> bool:
    return int(conn.execute("PRAGMA auto_vacuum").fetchone()[0]) == INCREMENTAL


def convert(conn: sqlite3.Connection, path: str) -> bool:
    """Switch an existing file to incremental auto-vacuum (one VACUUM). True when done.

    Runs outside any transaction (VACUUM cannot run inside one) on the caller's
    connection, which must hold the process's write lock.
    """
    if is_incremental(conn):
        return True
    size = os.path.getsize(path)
    free = shutil.disk_usage(os.path.dirname(path) or ".").free
    if free < 2 * size + 64 * 1024 * 1024:
        log.warning("database: auto_vacuum conversion skipped: needs %d MB free, %d MB"
                    " available; the file will not shrink after a purge until it runs",
                    (2 * size) // 2**20, free // 2**20)
        return False
    started = time.monotonic()
    say = log.info if size > 8 * 2**20 else log.debug
    say("database: converting to incremental auto-vacuum (one time, %d MB)", size // 2**20)
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    say("database: auto_vacuum conversion done in %.1f s", time.monotonic() - started)
    return is_incremental(conn)
