"""The SQLite database: opening, pragmas, migrations, file modes, the write lock, events.

One `Database` per process. Each thread gets its own connection (sqlite3 connections
must not be shared across threads); every write goes through `write()`, which holds a
process-wide lock and a `BEGIN IMMEDIATE` transaction, so two writers never interleave
and a read-then-write transaction never fails with "database is locked".
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from json.encoder import encode_basestring as _quote
from pathlib import Path
from typing import Any

from cxinbox.contract.errors import StoreError, StoreRefused, StoreUnreadable
from cxinbox.store import schema_vacuum
from cxinbox.store.dialect import dialect_of
from cxinbox.store.records import ChainWalkRecord
from cxinbox.store.schema import MIGRATIONS
from cxinbox.store.sqlite import SqliteStoreOps

# SQLite releases with the WAL-reset corruption fix (3.51.3, backports 3.44.6 / 3.50.7).
_WAL_RESET_FIXED = ((3, 51, 3), (3, 50, 7), (3, 44, 6))


DEFAULT_CACHE_KIB = 32000
"""Page cache per connection (PRAGMA cache_size in KiB): the list indexes of a clinic's
inbox and the pages a day's work touches."""


def sqlite_version() -> tuple[int, int, int]:
    major, minor, patch = (int(x) for x in sqlite3.sqlite_version.split(".")[:3])
    return major, minor, patch


def has_wal_reset_fix(version: tuple[int, int, int] | None = None) -> bool:
    v = version or sqlite_version()
    if v >= (3, 51, 3):
        return True
    return any(v[:2] == fixed[:2] and v >= fixed for fixed in _WAL_RESET_FIXED[1:])


def now_ms() -> int:
    return int(time.time() * 1000)


_DETAILS_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
"""One encoder for every event's details: `json.dumps` with these options builds a new
encoder per call, a sixth of a bulk action's 50,000 details."""


def event_details(details: dict[str, Any] | None) -> str:
    """An event's details as stored (and hashed): compact JSON, keys sorted."""
    return _DETAILS_JSON.encode(details or {})


def encode_event_details(details: dict[str, Any]) -> str:
    """`details` (a dict) as `event_details` writes it."""
    return _DETAILS_JSON.encode(details)


def event_hash(prev_hash: str, seq: int, at: int, actor: str, action: str, target: str,
                details: str) -> str:
    """SHA-256 of the event as the compact JSON array `[prev_hash, seq, at, actor, action,
    target, details]` (not ASCII-escaped). The array is spelled here as `json.dumps` spells
    it (strings by the json module's own quoting, integers by `int.__repr__`, which also
    refuses anything but an int), without building a list and an encoder per event: the
    hashing was a fifth of a bulk action's work in the server."""
    payload = (f"[{_quote(prev_hash)},{int.__repr__(seq)},{int.__repr__(at)},{_quote(actor)},"
               f"{_quote(action)},{_quote(target)},{_quote(details)}]")
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def unreadable_cache(path: Path, exc: BaseException | None) -> StoreUnreadable:
    """Why the SQLite cache at `path` cannot be read, as one line: not a file, another
    user's, or not (or no longer) a SQLite database (`exc`: what opening it raised). A
    read-only command then says it could not check, with no verdict (exit 10)."""
    try:
        info = os.stat(path)
    except OSError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        return StoreUnreadable(f"{path}: not a readable cxinbox database (not a file)")
    if isinstance(exc, PermissionError) or (info is not None and not os.access(path, os.R_OK)):
        whose = "run the command as the server's user"
        if info is not None:
            import pwd

            try:
                name = pwd.getpwuid(info.st_uid).pw_name
            except KeyError:
                name = "the server's user"
            whose = (f"it belongs to uid {info.st_uid}; run the command as {name}"
                     f" (runuser -u {name} -- cxinbox ...)")
        return StoreUnreadable(f"{path}: this user may not read the cache (permission"
                               f" denied); {whose}")
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StoreUnreadable(f"{path}: not a readable cxinbox database ({why})")


class Database(SqliteStoreOps):
    """Owns the database file. `path=None` is never allowed: the cache is always on disk.

    It is the SQLite `Store` (store/interface.py; the methods are in store/sqlite.py).
    `conn`, `read()` and `write()` hand out the connection itself: for the store's own
    modules, and for service code that does not go through the interface yet."""

    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        self.path = path
        self._synchronous = synchronous
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._all_connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._conn_lock = threading.Lock()
        self._text_key: bytes | None = None
        self._prepare_files()
        self._migrate()

    # -- files -------------------------------------------------------------------------

    def _prepare_files(self) -> None:
        directory = self.path.parent
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self.path.exists():
                fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
                os.close(fd)
        except PermissionError as exc:
            raise unreadable_cache(self.path, exc) from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the database: {exc.strerror}") from None
        if not self.path.is_file():
            raise unreadable_cache(self.path, None)
        # SQLite gives the -wal and -shm files the main file's mode, so 0600 here covers them.
        try:
            os.chmod(self.path, 0o600)
        except PermissionError as exc:  # another user's file
            raise unreadable_cache(self.path, exc) from None

    def text_key(self) -> bytes:
        """The store's text key, inside the database (store/textkey.py): read once, made
        on first use."""
        if self._text_key is None:
            from cxinbox.store.textkey import new_key_text, read_key, take_key

            try:
                with self.read() as conn:
                    key = read_key(conn)
                if key is None:
                    with self.write() as conn:
                        key = take_key(conn, new_key_text())
            except sqlite3.Error as exc:
                raise StoreError(f"the store's text key (store_secrets) cannot be read or"
                                 f" made: {exc}") from None
            self._text_key = key
        return self._text_key

    def file_modes(self) -> dict[str, int]:
        modes = {str(self.path.parent): stat.S_IMODE(self.path.parent.stat().st_mode)}
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                modes[str(p)] = stat.S_IMODE(p.stat().st_mode)
        return modes

    # -- connections -------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=30.0)
            _enter_wal(conn)
        except sqlite3.DatabaseError as exc:
            raise unreadable_cache(self.path, exc) from None
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute(f"PRAGMA cache_size={-DEFAULT_CACHE_KIB}")
        conn.execute("PRAGMA journal_size_limit=67108864")  # shrink the WAL back after bulk work
        conn.row_factory = sqlite3.Row
        with self._conn_lock:
            self._all_connections.append((threading.current_thread(), conn))
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    def relax_durability_for_this_thread(self) -> None:
        """synchronous=NORMAL on this thread's connection: commits skip the fsync.

        Only for writes that can be replayed: a sync batch lost to a power cut takes its
        watermark with it and is fetched again. Staff actions, audit and the outbox keep
        FULL on their own connections.
        """
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def set_cache_kib(self, kib: int = 0) -> None:
        """Page cache of this thread's connection; 0 = back to DEFAULT_CACHE_KIB."""
        self.conn.execute(f"PRAGMA cache_size={-(int(kib) or DEFAULT_CACHE_KIB)}")

    def set_autocheckpoint(self, pages: int) -> None:
        """WAL auto-checkpoint threshold of this thread's connection (0 = off; default 1000)."""
        self.conn.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")

    def wal_bytes(self) -> int:
        try:
            return os.path.getsize(f"{self.path}-wal")
        except OSError:
            return 0

    def standby_replay(self) -> None:
        """A SQLite file has no standbys to wait for."""

    def make_durable(self) -> None:
        """Make every transaction committed so far survive a power cut.

        Commits on a `relax_durability_for_this_thread` connection (and read records) are
        written to the WAL but not synced; before a signed checkpoint vouches for the chain
        head, the events it covers must be on disk, or a power cut would make a later audit
        see honest events "deleted". One tiny commit with synchronous=FULL syncs the WAL,
        and with it every frame before its own.

        Never by opening the files and fsyncing them ourselves: closing any descriptor of a
        SQLite file drops every POSIX lock this process holds on it, after which another
        process may checkpoint and delete the WAL under our open connections ("database
        disk image is malformed"; the attack suite's flood test caught exactly that).
        """
        conn = self.conn
        level = int(conn.execute("PRAGMA synchronous").fetchone()[0])
        conn.execute("PRAGMA synchronous=FULL")
        try:
            with self.write() as w:
                w.execute("UPDATE durable_mark SET n = n + 1 WHERE id = 1")
        finally:
            conn.execute(f"PRAGMA synchronous={level}")

    def checkpoint_passive(self) -> None:
        """Copy WAL pages into the database without blocking writers."""
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        """Close this thread's connection and those of threads that have ended; let go of
        the rest, which close when their thread lets go too.

        Another thread may be inside a statement on its connection right now (a reader
        of the change feed when the TUI quits, a worker that outlived its join): closing
        a connection under a running statement crashes the process (a segfault in a CI
        run). A thread using its connection holds a reference to it (the cursor does), so
        dropping ours closes it once that use ends, on whichever thread lets go last.
        """
        me = threading.current_thread()
        with self._conn_lock:
            owned, self._all_connections = self._all_connections, []
        self._local = threading.local()
        for owner, conn in owned:
            if owner is me or not owner.is_alive():
                with contextlib.suppress(sqlite3.ProgrammingError):
                    conn.close()
        del owned

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        with self._write_lock:
            conn = self.conn
            if conn.in_transaction:  # nested use joins the outer transaction
                yield conn
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF != sqlite3.SQLITE_READONLY:
                    raise
                raise StoreRefused(f"{self.path}: SQLite refuses to write it ({exc}): the"
                                   " file and its directory must be writable by the user"
                                   " cxinbox runs as (every command writes its audit"
                                   " event), and the file where it was opened") from None

    @contextmanager
    def rehearsal(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that always ends in ROLLBACK: what writes would do, with
        nothing kept. Refused inside another transaction (it would undo the caller's work)."""
        with self._write_lock:
            conn = self.conn
            if conn.in_transaction:
                raise RuntimeError("a rehearsal cannot run inside another transaction")
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            finally:
                conn.execute("ROLLBACK")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs; never hold it across a wait."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    # -- schema ------------------------------------------------------------------------

    def _migrate(self) -> None:
        conn = self.conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(f"{self.path}: made by a newer cxinbox (schema {version}, this"
                             f" one knows up to {len(MIGRATIONS)}); upgrade cxinbox")
        if 0 < version < len(MIGRATIONS):
            _copy_before_migrating(conn, self.path, version)
        if version == len(MIGRATIONS):
            return
        # The steps' commits (and the conversion's) do not wait for the disk: a new file
        # takes 27 of them, each an fsync. In WAL mode a commit stays atomic and in order
        # without it: a power cut can only take the last steps back, with their version
        # number, and the next open runs them again. The first commit at this
        # connection's own level makes them all durable. Only in WAL mode, as the journal
        # really is (a file system without shared memory refuses WAL and keeps the
        # rollback journal, where NORMAL risks a corrupt file on a power cut): else the
        # steps commit at the connection's own level.
        if _journal_mode(conn) == "wal":
            conn.execute("PRAGMA synchronous=NORMAL")
        try:
            self._migrate_steps(conn, version)
            if not schema_vacuum.is_incremental(conn):
                with self._write_lock:  # once, after migration 12 on an existing file
                    schema_vacuum.convert(conn, str(self.path))
        finally:
            conn.execute(f"PRAGMA synchronous={self._synchronous}")

    def _migrate_steps(self, conn: sqlite3.Connection, version: int) -> None:
        for number in range(version, len(MIGRATIONS)):
            # Another process (a second cxinbox opening a new database) may be migrating too:
            # the version is read again under the write lock, so each step runs once.
            with self._write_lock:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if conn.execute("PRAGMA user_version").fetchone()[0] > number:
                        conn.execute("COMMIT")
                        continue
                    # Statement by statement: executescript would commit this transaction
                    # first, losing the lock that makes the version check mean something.
                    for statement in _statements(MIGRATIONS[number]):
                        conn.execute(statement)
                    _analyze_new_indexes(conn)
                    conn.execute(f"PRAGMA user_version={number + 1}")
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    def data_version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])


def _copy_before_migrating(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """No migration without a way back: a plain copy next to the file (store/backup.py)."""
    from cxinbox.store.backup import pre_migration_copy

    try:
        pre_migration_copy(conn, path, version)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{path}: cannot copy the database before upgrading its schema"
                         f" ({exc}); not upgrading it: free some space, then start again"
                         ) from None


def _journal_mode(conn: sqlite3.Connection) -> str:
    """The connection's journal mode as SQLite reports it ("wal", "delete", ...)."""
    return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()


def _enter_wal(conn: sqlite3.Connection, wait_s: float = 30.0) -> None:
    """PRAGMA journal_mode=WAL, waiting for other processes doing the same.

    Switching a new database to WAL needs it to itself, and SQLite answers "database is
    locked" at once instead of waiting (the busy timeout does not cover this step): seen
    when a sync and a second cxinbox opened a brand-new cache together on a loaded machine.
    """
    deadline = time.monotonic() + wait_s
    delay = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(0.2, delay * 2)


def _analyze_new_indexes(conn: sqlite3.Connection) -> None:
    """Give indexes a migration created statistics, if the file has statistics at all.

    cxinbox never runs ANALYZE, but a file someone analyzed keeps its old statistics, and
    next to them an index without any looks to the planner like the best for every equality
    on its first column: after migration 11, `status:open` walked the new due-order index and
    sorted every open conversation instead of reading the status index in list order.
    A file without statistics stays without (tests/test_query_plan.py covers both).
    """
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone() is None:
        return
    tables = [row[0] for row in conn.execute(
        "SELECT DISTINCT m.tbl_name FROM sqlite_master m WHERE m.type = 'index'"
        " AND m.sql IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sqlite_stat1 s"
        " WHERE s.idx = m.name)")]
    for table in tables:
        conn.execute(f'ANALYZE "{table}"')


def _statements(script: str) -> list[str]:
    """A script split into whole statements (a trigger body's ';' does not end it)."""
    out: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n\t;"):
                out.append(buffer.strip())
            buffer = ""
    if buffer.strip(" \n\t;"):
        out.append(buffer.strip())
    return out


def append_event(conn: sqlite3.Connection, actor: str, action: str, target: str = "",
                 details: dict[str, Any] | None = None, *, at: int | None = None) -> int:
    """Append one hash-chained event inside the caller's write transaction; returns its seq.

    The head is read under the chain's lock (store/dialect.py): on PostgreSQL, writers in
    other processes wait here until this transaction ends, so the chain keeps one order.
    The time is read after the lock, so `at` never goes back as `seq` grows."""
    prev_seq, prev_hash = dialect_of(conn).chain_head(conn)
    at = now_ms() if at is None else at
    details_json = event_details(details)
    seq = prev_seq + 1
    digest = event_hash(prev_hash, seq, at, actor, action, target, details_json)
    conn.execute(
        "INSERT INTO events (seq, at, actor, action, target, details, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, target, details_json, prev_hash, digest),
    )
    dialect_of(conn).announce(conn, seq)
    return seq


ChainWalk = ChainWalkRecord


def _trail_start(conn: sqlite3.Connection) -> tuple[int, str]:
    """The start the newest `audit.truncate` event recorded (store/retention.py writes it)."""
    row = conn.execute("SELECT details FROM events WHERE target = 'audit:trail'"
                       " AND action = 'audit.truncate' ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        return 1, ""
    try:
        details = json.loads(row[0])
        return int(details["first_seq"]), str(details["prev_hash"])
    except (ValueError, KeyError, TypeError):
        return 1, ""


def walk_event_chain(conn: sqlite3.Connection) -> ChainWalk:
    """Recompute every event's hash in order from the trail's start; stop at the first link
    that does not hold. Events before the start (released by retention) are not read."""
    start_seq, start_prev = _trail_start(conn)
    lowest = conn.execute("SELECT min(seq) FROM events").fetchone()[0] or 0
    prev_hash = start_prev
    expected_seq = start_seq
    count = 0

    def walk(**kw: Any) -> ChainWalk:
        return ChainWalk(count, start_seq=start_seq, start_prev=start_prev,
                         lowest_seq=int(lowest), **kw)

    for row in conn.execute(
        "SELECT seq, at, actor, action, target, details, prev_hash, hash FROM events"
        " WHERE seq >= ? ORDER BY seq", (start_seq,)
    ):
        seq, at, actor, action, target, details, stored_prev, stored_hash = tuple(row)
        if seq != expected_seq:
            gap = f"#{expected_seq}" if seq == expected_seq + 1 else \
                f"#{expected_seq}-#{seq - 1}"
            where = "start" if expected_seq == start_seq else "middle"
            return walk(head_seq=expected_seq - 1, head_hash=prev_hash, bad_seq=expected_seq,
                        problem=f"event(s) {gap} are missing from the {where} of the trail")
        if stored_prev != prev_hash:
            what = f"event #{seq} does not link to event #{seq - 1}" if seq != start_seq else \
                f"event #{seq} does not link to the start the trail recorded"
            return walk(head_seq=seq - 1, head_hash=prev_hash, bad_seq=seq, problem=what)
        if event_hash(prev_hash, seq, at, actor, action, target, details) != stored_hash:
            return walk(head_seq=seq - 1, head_hash=prev_hash, bad_seq=seq,
                        problem=f"event #{seq} was changed after it was written"
                                " (its hash no longer matches its contents)")
        prev_hash = stored_hash
        expected_seq += 1
        count += 1
    return walk(head_seq=expected_seq - 1, head_hash=prev_hash)


def verify_event_chain(conn: sqlite3.Connection) -> tuple[bool, int | None]:
    """Walk the chain; returns (ok, first bad seq)."""
    walk = walk_event_chain(conn)
    return walk.bad_seq is None, walk.bad_seq
