"""The write that records a read: a commit that skips the fsync. SQL only.

Every call that returns patient data appends one event (service/inbox.py `record_read`),
so its commit sits on the path of every list, search and open. With synchronous=FULL that
commit waits for an fsync of the WAL, which measured here at 0.5-0.9 ms at the median and
several ms at p95 on a busy disk: a third of a fast list query. With NORMAL the row is in
the WAL before the data leaves the server, so it survives a crash of cxinbox itself; only
a kernel crash or power cut before the next fsync (the next staff change, outbox step or
audit read commits with FULL and syncs every earlier frame; so does a checkpoint) can lose
it, and the terminals showing that data go dark with the same power cut.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from cxinbox.store.db import Database

_NORMAL = 1  # PRAGMA synchronous values: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


@contextmanager
def read_record_write(db: Database) -> Iterator[sqlite3.Connection]:
    """`db.write()` whose commit does not wait for the disk (see the module docstring);
    inside a transaction already open it simply joins it."""
    conn = db.conn
    if conn.in_transaction:
        with db.write() as joined:
            yield joined
        return
    level = int(conn.execute("PRAGMA synchronous").fetchone()[0])
    if level > _NORMAL:
        conn.execute(f"PRAGMA synchronous={_NORMAL}")
    try:
        with db.write() as w:
            yield w
    finally:
        if level > _NORMAL:
            conn.execute(f"PRAGMA synchronous={level}")
