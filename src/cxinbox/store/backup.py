"""Consistent copies of the database file: the online backup API, and checks of a copy.

A backup is taken with SQLite's backup API, never by copying the file: a file copy of a
live WAL database can pair a main file from one instant with a WAL from another. The copy
runs in steps inside one read transaction on the source connection, so

- every step reads the same snapshot (SQLite restarts a backup whose source changed
  between steps; a held read transaction means it never sees a change, so it never
  restarts however busy the desk is), and
- writers are never blocked: in WAL mode a reader holds no lock a writer waits for. The
  WAL only grows for the minute the copy takes (its checkpoint waits for the reader).

The counts and the chain head read in that same transaction are the live database's at
the snapshot, which is what the copy is checked against.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cxinbox.contract.errors import StoreError
from cxinbox.store.db import Database, append_event, now_ms, walk_event_chain

log = logging.getLogger(__name__)

PAGES_PER_STEP: Final = 4096
"""Pages copied per backup step (16 MB at 4 KiB pages): between steps the thread lets go
of the GIL and the disk, and a stopping server can abort the copy."""
PRE_MIGRATION_KEEP: Final = 3
"""Pre-migration copies kept next to the database: one per upgrade, the newest few."""
_SHM_DMS_OFFSET: Final = 128
"""The byte of a WAL database's -shm file every open connection holds a read lock on
(SQLite's unix VFS "dead man switch": 120 + the 8 lock bytes)."""


class BackupAborted(Exception):
    """The copy was stopped before it finished (the server is stopping)."""


@dataclass(frozen=True, slots=True)
class DbFacts:
    """What a database holds, for comparing a copy with its source."""

    schema: int
    conversations: int
    messages: int
    events: int
    head_seq: int
    head_hash: str
    last_event_at: int | None
    """Epoch ms of the newest event: what a restore goes back to."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The live database's facts at the instant a copy was taken."""

    taken_at: int
    """Epoch ms when the read transaction began."""
    facts: DbFacts
    pages: int
    steps: int


@dataclass(frozen=True, slots=True)
class CopyCheck:
    """What checking a copy found; `problems` is empty when it is sound."""

    facts: DbFacts
    integrity: str
    chain_count: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def facts_of(conn: sqlite3.Connection) -> DbFacts:
    """Counts and chain head, read inside the caller's transaction."""
    schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
    conversations = int(conn.execute("SELECT count(*) FROM conversations").fetchone()[0])
    messages = int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    events = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    head = conn.execute("SELECT seq, hash, at FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    if head is None:
        return DbFacts(schema, conversations, messages, events, 0, "", None)
    return DbFacts(schema, conversations, messages, events, int(head[0]), str(head[1]),
                   int(head[2]))


def snapshot_into(db: Database, dest: Path, *, pages_per_step: int = PAGES_PER_STEP,
                  stop: Callable[[], bool] | None = None) -> Snapshot:
    """Copy the database into `dest` (an empty or new file) as of one instant.

    The copy is left in rollback-journal mode: a single self-contained file, readable
    without -wal or -shm companions. Raises BackupAborted when `stop()` turns true.
    """
    steps = 0
    pages = 0

    def progress(_status: int, remaining: int, total: int) -> None:
        nonlocal steps, pages
        steps += 1
        pages = total
        if stop is not None and stop():
            raise BackupAborted("the backup was stopped")

    try:
        target = sqlite3.connect(dest, isolation_level=None)
        try:
            with db.read() as conn:
                conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()  # the snapshot
                taken_at = now_ms()
                facts = facts_of(conn)
                conn.backup(target, pages=pages_per_step, progress=progress)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{db.path}: the online backup failed ({exc})") from None
    return Snapshot(taken_at, facts, pages, steps)


def check_copy(path: Path, expected: DbFacts | None = None) -> CopyCheck:
    """integrity_check, the whole event chain, counts; compared with `expected` if given.

    The file is opened read-only: checking a copy never changes it.
    """
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True,
                               isolation_level=None)
    except sqlite3.Error as exc:
        return CopyCheck(DbFacts(0, 0, 0, 0, 0, "", None), "unreadable", 0,
                         (f"cannot open it ({exc})",))
    try:
        conn.execute("BEGIN")
        integrity = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        facts = facts_of(conn)
        walk = walk_event_chain(conn)
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        return CopyCheck(DbFacts(0, 0, 0, 0, 0, "", None), "unreadable", 0,
                         (f"not a usable database ({exc})",))
    finally:
        conn.close()
    problems: list[str] = []
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    if walk.bad_seq is not None:
        problems.append(f"audit chain: {walk.problem}")
    elif walk.head_seq != facts.head_seq or walk.head_hash != facts.head_hash:
        problems.append("audit chain: its head is not the newest event")
    if expected is not None:
        for name in ("schema", "conversations", "messages", "events", "head_seq", "head_hash"):
            got, want = getattr(facts, name), getattr(expected, name)
            if got != want:
                shown = (f"{str(got)[:12]} != {str(want)[:12]}" if name == "head_hash"
                         else f"{got} != {want}")
                problems.append(f"{name.replace('_', ' ')}: copy {shown} live")
    return CopyCheck(facts, integrity, walk.count, tuple(problems))


def record_restore(path: Path, actor: str, details: dict[str, object]) -> int:
    """Append `backup.restored` to a restored copy's own trail (before it goes live), so
    the restore is part of the history it starts; returns the event's seq."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            seq = append_event(conn, actor, "backup.restored", "", details)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return seq
    finally:
        conn.close()


def in_use(path: Path) -> bool:
    """Whether any process has the database open (a server, a TUI, the sqlite3 shell).

    Every connection to a WAL database holds a read lock on one byte of its -shm file for
    as long as it is open, and the last one to close removes the file. A process that
    holds no connection to `path` itself may probe that lock without harm (closing a
    descriptor drops only this process's own POSIX locks on the file).
    """
    try:
        fd = os.open(f"{path}-shm", os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # there, but not ours to probe: assume the worst
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_OFFSET)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def pre_migration_copy(conn: sqlite3.Connection, path: Path, schema: int) -> Path | None:
    """A plain copy of the database next to it before migrations change it: the way back
    from an upgrade on this machine. Mode 0600 like the database; the newest
    PRE_MIGRATION_KEEP are kept. None when there is nothing to keep (no conversation, no
    event: a database another process is creating right now)."""
    if conn.execute("SELECT EXISTS (SELECT 1 FROM conversations)"
                    " OR EXISTS (SELECT 1 FROM events)").fetchone()[0] == 0:
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    dest = path.with_name(f"{path.name}.pre-migration-schema{schema}-{stamp}")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.pre-migration-", dir=path.parent)
    os.close(fd)  # 0600 from the start
    partial = Path(name)
    try:
        target = sqlite3.connect(partial, isolation_level=None)
        try:
            conn.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
        os.replace(partial, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    _fsync_dir(dest.parent)
    older = sorted(path.parent.glob(f"{path.name}.pre-migration-schema*-*T*Z"),
                   key=lambda p: p.name.rsplit("-", 1)[-1])
    for old in older[:max(0, len(older) - PRE_MIGRATION_KEEP)]:
        with contextlib.suppress(OSError):
            old.unlink()
    log.info("before migrating the database from schema %d: copied it to %s", schema, dest)
    return dest


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
