"""`PgStore`: the `Store` interface (store/interface.py) on a PostgreSQL database.

Transactions come from a psycopg connection pool. Each hands out the same handle the
SQLite store uses (`SqliteTx`, store/sqlite_tx.py) over a `PgConnection`
(store/pg/conn.py), so every operation runs the SQL module of its area unchanged; what
the engines spell differently the modules ask of the connection's dialect
(store/dialect.py). `PgTx` only refuses, in one clear line, the operations whose SQL
modules have not been made portable yet (NOT_YET below).

Transactions, as on SQLite:
- `writing()` is one transaction; up to WRITERS of this process run at once, and a nested
  `writing()` joins the outer one. Writers in other processes run beside them; the one
  thing they must not interleave, appending to the hash-chained event log, is
  serialised by an advisory lock (see db.append_event).
- `reading()` is a REPEATABLE READ transaction: one snapshot for all its reads.
- `recording()` is a write whose commit does not wait for the WAL flush
  (`synchronous_commit = off` for that transaction); `make_durable()` commits once with
  the flush, which makes every earlier commit durable too.

The connection string is `[store] url`; libpq reads the password from `PGPASSWORD`,
`~/.pgpass` or a service file as usual, so it need not be written in the config.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, Final

from cxinbox.contract.errors import DatabaseDown, NotOnThisStoreYet, StoreError, StoreRefused
from cxinbox.domain.query import Node, QueryContext
from cxinbox.domain.searchvector import WordMap
from cxinbox.store.fence import current_fence
from cxinbox.store.interface import ListView, Selection, StoreTx
from cxinbox.store.pg.conn import PgConnection, one_line
from cxinbox.store.pg.lease import PgLease, PgLeases, check_fence
from cxinbox.store.records import (
    ConversationRecord,
    Diagnosis,
    EventRecord,
    StandbyReplayRecord,
)
from cxinbox.store.sqlite import SqlSelection
from cxinbox.store.sqlite_tx import SqliteTx

log = logging.getLogger(__name__)
# The driver warns when it ends a pipeline a refused statement aborted ("error ignored
# terminating <psycopg.Pipeline ...>"): the refusal itself is what a command says, in one
# line; the warning still reaches a configured log (the server's), never a bare stderr.
logging.getLogger("psycopg").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

    from cxinbox.contract.types import Presence
    from cxinbox.store.pg.listen import CommitWatch
    from cxinbox.store.pg.presence import SharedPresence


class PgSelection(SqlSelection):
    """A query compiled for PostgreSQL: a condition over `conversations c` and its
    parameters (`?` placeholders, as the SQL modules write them); for a narrowed search,
    also the same condition tested per conversation (`per_row`, store/pg/search.py) and
    the status the query requires as a whole term (`status`, search.status_term)."""

    __slots__ = ("per_row", "per_row_params", "status")

    def __init__(self, where: str, params: list[object], per_row: str | None = None,
                 per_row_params: list[object] | None = None,
                 status: str | None = None) -> None:
        super().__init__(where, params)
        self.per_row = per_row
        self.per_row_params = per_row_params or []
        self.status = status


_RECORD_EVENT: Final = "SELECT cxinbox_record_event(%s, %s, %s, %s, %s)"
"""One audit event appended by the server (PG_TUNING in store/pg/schema.py)."""
_STANDBY_REPLAY: Final = """
WITH standby AS (
    SELECT r.state, r.replay_lsn
    FROM pg_stat_replication r
    WHERE r.state IS DISTINCT FROM 'backup'
      AND NOT (r.replay_lsn IS NULL AND r.flush_lsn IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                      WHERE a.pid = r.pid AND a.datname IS NOT NULL)
), away AS (
    SELECT s.restart_lsn
    FROM pg_replication_slots s
    WHERE s.slot_type = 'physical' AND NOT s.temporary
      AND NOT EXISTS (SELECT 1 FROM pg_stat_replication r WHERE r.pid = s.active_pid)
)
SELECT CASE WHEN pg_is_in_recovery() THEN 0
            ELSE pg_current_wal_flush_lsn() - '0/0'::pg_lsn END,
       (SELECT count(*) FROM standby WHERE state IS NOT NULL),
       least((SELECT min(COALESCE(replay_lsn - '0/0'::pg_lsn, 0)) FROM standby
              WHERE state IS NOT NULL),
             (SELECT min(COALESCE(restart_lsn - '0/0'::pg_lsn, 0)) FROM away)),
       (SELECT count(*) FROM standby WHERE state IS NULL),
       (SELECT count(*) FROM away)
"""
"""Where the primary's WAL is flushed (read after `make_durable`, so every commit a
checkpoint's head saw lies at or before it: the insert position may point past real WAL,
onto the next page's header) and how far its physical standbys replayed: those attached
(pg_stat_replication) and those away whose physical slot is kept (`away`: a standby
partitioned from the primary drops out of pg_stat_replication after
wal_sender_timeout, but its slot stays until an admin drops it). A slot's `restart_lsn`
is the one position it has for a standby that is not connected: the WAL the standby last
reported flushed, which it replays once promoted (`confirmed_flush_lsn` is for logical
slots only). A slot in use by a walsender is left to that walsender's own row (the
standby's replay position, or none for a WAL archiver); temporary slots are a base
backup's."""
_APPEND_EVENT: Final = "SELECT cxinbox_append_event(?, ?, ?, ?, ?)"
"""A staff action's event appended by the server with its transaction's durable commit."""

_IDLE: Final = 0

WRITERS: Final = 4
"""Write transactions of one process at once (of the pool's 8 connections; fewer in a
smaller pool, which keeps one for the reads). Writers in
several processes already run side by side and append to the event chain in turn under
its lock (store/dialect.py); those of one server do the same, so a server's staff
actions overlap their reads and round trips instead of queueing for one at a time (a
queue that is not first-come-first-served: under load a few actions waited long), and
a long write (a sync's batch) does not hold up every staff action of its server."""
"""psycopg's TransactionStatus.IDLE: no transaction open on the connection."""

NOT_YET: Final[tuple[str, ...]] = ()
"""Handle operations PostgreSQL does not run yet. Every one runs there today; a new
SQLite-only operation is named here until its SQL is made portable, so that it refuses in
one line rather than failing inside PostgreSQL."""


def _not_yet(name: str) -> Any:
    @functools.wraps(getattr(SqliteTx, name))  # keeps the operation's signature
    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotOnThisStoreYet(f"{name} on PostgreSQL: not yet")

    return refuse


INTAKE_LOCK: Final = 0x6378_696E  # "cxin": the advisory lock key intakes take (`hold_intake`)


class PgTx(SqliteTx):
    """The SQL handle on a PostgreSQL connection (implements `StoreTx`)."""

    __slots__ = ()

    def list_page(self, selection: Selection, offset: int, limit: int,
                  order: str = "newest", count_up_to: int | None = None, *,
                  red_flags_first: bool = False) -> tuple[list[ConversationRecord], int]:
        from cxinbox.store.pg import search

        s = SqlSelection.of(selection)
        per_row = s.per_row if isinstance(s, PgSelection) else None
        per_row_params = s.per_row_params if isinstance(s, PgSelection) else []
        status = s.status if isinstance(s, PgSelection) else None
        return search.list_page(self.conn, s.where, s.params, per_row, per_row_params,
                                offset, limit, order, count_up_to,
                                red_flags_first=red_flags_first, status=status)


    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """As on SQLite; in a pipelined transaction (a rehearsal) the step's statements are
        waited for before the RELEASE, so an error of the step comes out inside it and is
        rolled back to the savepoint, as it would be statement by statement."""
        conn = self.conn
        conn.execute("SAVEPOINT rule_step")
        try:
            yield
            conn.settle()  # type: ignore[attr-defined]
        except BaseException:
            conn.execute("ROLLBACK TO rule_step")
            conn.execute("RELEASE rule_step")
            raise
        conn.execute("RELEASE rule_step")

    def hold_intake(self) -> None:
        """A transaction-scoped advisory lock (INTAKE_LOCK) every intake takes first: up to
        WRITERS transactions of a server, and any number of servers, write at once, and two
        intakes overlapping would commit message ids out of order (a message stored first
        and committed last falls behind the triage position and is never assessed; an
        arrival rule fires for another intake's message)."""
        self.conn.execute("SELECT pg_advisory_xact_lock(?)", (INTAKE_LOCK,)).fetchone()

    def append_event_at_commit(self, actor: str, action: str, target: str = "",
                               details: dict[str, Any] | None = None) -> Callable[[], int]:
        """The server's `cxinbox_append_event` (PG_TUNING) sent in the pipeline that
        carries the COMMIT: nothing waits for its answer before the commit, so the chain's
        lock is not held across a round trip to this process."""
        from cxinbox.store import db

        conn = self.conn
        self.pipeline_to_commit()
        pending = conn.execute(_APPEND_EVENT, (actor, action, target,
                                               db.event_details(details), db.now_ms()))
        found: list[int] = []

        def seq() -> int:
            if not found:  # the row is read once; the seq is asked for any number of times
                found.append(int(pending.fetchone()[0]))
            return found[0]

        return seq

    def record_after(self, actor: str, action: str, target: str = "",
                     details: dict[str, Any] | None = None) -> None:
        from cxinbox.store import db

        self.conn.after_commit.append(  # type: ignore[attr-defined]
            (actor, action, target, db.event_details(details), db.now_ms()))

    def list_view(self, selection: Selection, offset: int, limit: int,
                  order: str = "newest", count_up_to: int | None = None, *,
                  red_flags_first: bool = False, unless_sla_dirty: bool = False,
                  ) -> ListView | None:
        """The SLA check goes out with the page's statements (in the service's pipelined
        read, one round trip; when the check finds a stale due time the page was read for
        nothing, once), and the tags' statement is sent but not waited for: its rows come
        with the COMMIT, read by `tags()` after the transaction."""
        from cxinbox.store import conversations as convs

        check = self.conn.execute(convs.SLA_DIRTY_SQL) if unless_sla_dirty else None
        rows, total = self.list_page(selection, offset, limit, order, count_up_to,
                                     red_flags_first=red_flags_first)
        if check is not None and check.fetchone() is not None:
            return None
        ids = [r.id for r in rows]
        if not ids:
            return rows, total, dict
        pending = self.conn.execute("SELECT conversation_id, tag FROM conversation_tags"
                                    " WHERE conversation_id = ANY(?) ORDER BY tag", (ids,))

        def tags() -> dict[int, list[str]]:
            out: dict[int, list[str]] = {i: [] for i in ids}
            for conv, tag in pending.fetchall():
                out[conv].append(tag)
            return out

        return rows, total, tags


for _name in NOT_YET:
    setattr(PgTx, _name, _not_yet(_name))


def _durable_commits(raw: psycopg.Connection[Any]) -> None:
    """Each pooled session commits durably (whatever the database's default), once when
    it opens rather than a statement in every write; `recording()` turns it off for its
    own transaction alone (SET LOCAL)."""
    raw.execute("SET synchronous_commit = on")


class PgStore:
    """A PostgreSQL database the service runs on. One per process; thread-safe."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 8,
                 timeout_s: float = 30.0) -> None:
        import psycopg

        from cxinbox.store.pg.migrate import migrate
        from cxinbox.store.pg.pool import make_pool

        self.url = url
        self._local = threading.local()
        # a pool's last connection is left to the reads (a pool of one: one at a time)
        self._writers = threading.BoundedSemaphore(max(1, min(WRITERS, max_size - 1)))
        self._loose: list[psycopg.Connection[Any]] = []
        self._loose_lock = threading.Lock()
        self._leases = PgLeases(url)
        self._store_id: str | None = None
        self._words: WordMap | None = None
        self._words_asked = False
        self._words_lock = threading.Lock()
        self._rounds_made = False
        self._timeout_s = timeout_s
        self._down_lock = threading.Lock()
        self._down = False
        self._text_key: bytes | None = None
        try:
            # One plain connection first: a database that cannot be reached (or does not
            # exist) is said at once in the server's words, not after the pool's retries.
            # (libpq's connect_timeout from the URL when it has one: `[store]
            # connect_timeout_s`, config.StoreConfig.connect_url)
            with psycopg.connect(url, autocommit=True,
                                 connect_timeout=_connect_timeout(url, max(2, int(timeout_s)))
                                 ) as first:
                migrate(first)
            self._pool: ConnectionPool[psycopg.Connection[Any]] = make_pool(
                url, min_size=min_size, max_size=max_size, timeout=timeout_s,
                configure=_durable_commits)
            self._pool.open(wait=True, timeout=timeout_s)
        except (psycopg.Error, OSError) as exc:
            self._close_pool()
            raise StoreError(f"PostgreSQL store: {one_line(exc)}") from None
        except Exception as exc:  # the pool's own timeout (PoolTimeout) and friends
            self._close_pool()
            if type(exc).__module__.startswith("psycopg"):
                raise StoreError(f"PostgreSQL store: cannot connect ({one_line(exc)})"
                                 ) from None
            raise

    # -- connections: the database's outages, said once each and at once -------------

    def _went_down(self, exc: BaseException) -> None:
        with self._down_lock:
            if self._down:
                return
            self._down = True
        log.warning("PostgreSQL database not answering (%s); staff are told so until it is"
                    " back", type(exc).__name__)

    def _came_back(self) -> None:
        if not self._down:
            return
        with self._down_lock:
            if not self._down:
                return
            self._down = False
        log.info("PostgreSQL database answering again")

    def _answers(self) -> bool:
        """Whether a new session can be opened now (a short connect of its own)."""
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=2):
                return True
        except (psycopg.Error, OSError):
            return False

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection. The pool waits `timeout_s` for one when all are busy; but
        when none comes within FIRST_WAIT_S (DOWN_WAIT_S once the database is known to
        be away) and a new session cannot be opened either, the database is away: the
        caller hears so at once (DatabaseDown), not after the whole wait."""
        import psycopg
        from psycopg_pool import PoolTimeout

        first = min(DOWN_WAIT_S if self._down else FIRST_WAIT_S, self._timeout_s)
        try:
            conn = self._pool.getconn(timeout=first)
        except PoolTimeout as exc:
            if not self._answers():
                self._went_down(exc)
                raise DatabaseDown(_DOWN) from None
            try:
                conn = self._pool.getconn(timeout=max(0.1, self._timeout_s - first))
            except PoolTimeout as again:
                if not self._answers():
                    self._went_down(again)
                    raise DatabaseDown(_DOWN) from None
                raise
        try:
            yield conn
        except psycopg.OperationalError as exc:
            # A session lost while the database still answers was ended on its own (an
            # admin, or a peer ending a stuck lease holder's write): not an outage.
            if (conn.broken or conn.closed) and not self._answers():
                self._went_down(exc)
                raise DatabaseDown(_DOWN) from exc
            raise
        except psycopg.errors.InsufficientPrivilege as exc:  # a grant missing: one line
            raise StoreRefused(_refused(exc, conn)) from None
        finally:
            self._pool.putconn(conn)
        self._came_back()

    # -- transactions ------------------------------------------------------------------

    @contextmanager
    def _transaction(self, kind: str, *, pipelined: bool = False) -> Iterator[PgConnection]:
        """With `pipelined`, the whole transaction runs in a pipeline (PgConnection's
        `pipeline`): the BEGIN (and a recording's SET LOCAL) leave with the first
        statement instead of waiting for an answer of their own, and the COMMIT with the
        last; the connection waits only where a result is read. For the service's
        `reading()` and `recording()`, whose statements are plain reads and the event
        append: a list through the service made 13 round trips to the server (the SLA
        check's transaction 3, the read 6, the audited read 4; now 5 and 2), each a wait
        for a busy machine to schedule the server and then this process again."""
        current: PgConnection | None = getattr(self._local, "conn", None)
        if current is not None:  # nested use joins the outer transaction
            yield current
            return
        from psycopg import IsolationLevel

        if pipelined:
            with self._pipelined(kind) as conn:
                yield conn
            return
        with self._connection() as raw:
            with ExitStack() as to_commit:
                # The snapshot's level goes out with the BEGIN, not as a statement of its own.
                raw.isolation_level = (IsolationLevel.REPEATABLE_READ if kind == "read"
                                       else None)
                with raw.transaction():
                    conn = PgConnection(raw, to_commit)
                    fence = current_fence() if kind != "read" else None
                    if fence is not None:
                        check_fence(raw, fence)
                    self._local.conn = conn
                    try:
                        yield conn
                    finally:
                        self._local.conn = None
            for event in conn.after_commit:
                raw.execute(_RECORD_EVENT, event)

    @contextmanager
    def _pipelined(self, kind: str) -> Iterator[PgConnection]:
        """A transaction whose BEGIN, statements and COMMIT are all sent in one pipeline,
        the BEGIN and COMMIT as plain statements of it: psycopg's own transaction block
        syncs the pipeline when it opens and again when it closes, three round trips of
        their own. Here the BEGIN leaves with the first statement whose result is read,
        and the COMMIT with the last statements, in the pipeline's closing sync: a
        transaction that reads nothing before its end is one round trip. On any error the
        pipeline is closed and the transaction rolled back before the connection returns
        to the pool."""
        with self._connection() as raw:
            conn: PgConnection | None = None
            try:
                with ExitStack() as to_commit:
                    pipe = to_commit.enter_context(raw.pipeline())
                    raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if kind == "read"
                                else "BEGIN", prepare=False)
                    if kind == "record":
                        raw.execute("SET LOCAL synchronous_commit = off", prepare=False)
                    fence = current_fence() if kind != "read" else None
                    if fence is not None:
                        check_fence(raw, fence)
                    conn = PgConnection(raw, to_commit, pipe)
                    self._local.conn = conn
                    yield conn
                    if kind == "rehearse":  # nothing of it stays, nor is recorded after
                        raw.execute("ROLLBACK", prepare=False)
                        return
                    raw.execute("COMMIT", prepare=False)
                    for event in conn.after_commit:  # each its own transaction, same trip
                        raw.execute(_RECORD_EVENT, event)
            except BaseException:
                if not raw.closed and raw.info.transaction_status != _IDLE:
                    with contextlib.suppress(Exception):
                        raw.rollback()
                raise
            finally:
                if conn is not None:
                    self._local.conn = None

    @contextmanager
    def write(self) -> Iterator[PgConnection]:
        """One write transaction on the connection itself (the store's own modules, tests)."""
        with self._writer_turn(), self._transaction("write") as conn:
            yield conn

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        """One of this process's WRITERS places, for a transaction that does not join
        another of this thread (a nested one needs none)."""
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with self._writers:
            yield

    @contextmanager
    def read(self) -> Iterator[PgConnection]:
        """A consistent snapshot on the connection itself."""
        with self._transaction("read") as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[StoreTx]:
        with self._transaction("read", pipelined=True) as conn:
            yield PgTx(conn)  # type: ignore[arg-type]

    @contextmanager
    def writing(self) -> Iterator[StoreTx]:
        with self.write() as conn:
            yield PgTx(conn)  # type: ignore[arg-type]

    @contextmanager
    def recording(self) -> Iterator[StoreTx]:
        with self._writer_turn(), self._transaction("record", pipelined=True) as conn:
            yield PgTx(conn)  # type: ignore[arg-type]

    @contextmanager
    def rehearsing(self) -> Iterator[StoreTx]:
        """A write transaction that is always rolled back (`rules test`)."""

        with self._writer_turn(), self._transaction("rehearse", pipelined=True) as conn:
            yield PgTx(conn)  # type: ignore[arg-type]

    @contextmanager
    def rehearsals(self) -> Iterator[Callable[[], AbstractContextManager[StoreTx]]]:
        """One pipelined transaction, always rolled back, and each rehearsal in it a
        savepoint rolled back and released as soon as it ends: those statements leave
        with the next that is waited for, so a rehearsal costs no round trip of its own
        (a transaction of its own waited for its ROLLBACK). Locks a rehearsal took go
        with its savepoint. An error inside one ends them all (the transaction is rolled
        back), as it ended the replay before."""
        with self._writer_turn(), self._transaction("rehearse", pipelined=True) as conn:

            @contextmanager
            def rehearsal() -> Iterator[StoreTx]:
                conn.execute("SAVEPOINT rehearsal")
                yield PgTx(conn)  # type: ignore[arg-type]
                conn.execute("ROLLBACK TO rehearsal")
                conn.execute("RELEASE rehearsal")

            yield rehearsal

    @property
    def conn(self) -> PgConnection:
        """This thread's connection outside any transaction (each statement commits on
        its own): for tests and admin reads, as `Database.conn` is on SQLite."""
        current: PgConnection | None = getattr(self._local, "conn", None)
        if current is not None:
            return current
        loose: PgConnection | None = getattr(self._local, "loose", None)
        if loose is None:
            import psycopg

            raw = psycopg.connect(self.url, autocommit=True)
            with self._loose_lock:
                self._loose.append(raw)
            loose = PgConnection(raw)
            self._local.loose = loose
        return loose

    # -- the rest of `Store` -----------------------------------------------------------

    def select(self, where: Node, ctx: QueryContext, *, sla: bool) -> Selection:
        from cxinbox.store.query_sql import narrowed_by_subquery, sla_condition

        try:  # the full compiler (full-text, trigrams), where it has landed
            from cxinbox.store.pg.query import (  # type: ignore[import-not-found, unused-ignore]
                compile_query_pg,
                sla_condition_pg,
            )
        except ImportError:
            from cxinbox.store.pg.select import compile_portable

            sql, params = compile_portable(where, ctx, sla_condition(ctx.now) if sla else None)
        else:
            sla_sql = sla_condition_pg(ctx.now) if sla else None
            sql, params = compile_query_pg(where, ctx, sla_sql)
            if narrowed_by_subquery(sql):
                from cxinbox.store.pg.query import compile_per_row_pg
                from cxinbox.store.pg.search import status_term

                per_row, per_row_params = compile_per_row_pg(where, ctx, sla_sql)
                return PgSelection(sql, list(params), per_row, list(per_row_params),
                                   status_term(where))
        return PgSelection(sql, list(params))

    def record_event(self, actor: str, action: str, target: str = "",
                     details: dict[str, Any] | None = None) -> None:
        """One statement on a pooled connection, committed on its own: the server's
        `cxinbox_record_event` (PG_TUNING) locks the chain, reads its head, hashes and
        appends, where `recording()` waits for the head before it can send the insert."""
        from cxinbox.store import db

        if getattr(self._local, "conn", None) is not None:  # join this thread's transaction
            with self.recording() as tx:
                tx.append_event(actor, action, target, details)
            return
        with self._connection() as raw:
            raw.execute(_RECORD_EVENT,
                        (actor, action, target, db.event_details(details), db.now_ms()))

    def now_ms(self) -> int:
        from cxinbox.store import db

        return db.now_ms()

    def make_durable(self) -> None:
        """One commit that waits for the WAL flush: every earlier commit (the `recording`
        ones that did not wait) is on disk with it."""
        with self.write() as conn:
            conn.execute("INSERT INTO cxinbox_meta (key, value) VALUES ('durable_mark', '1')"
                         " ON CONFLICT (key) DO UPDATE SET"
                         " value = (cxinbox_meta.value::bigint + 1)::text")

    def standby_replay(self) -> StandbyReplayRecord:
        """Where the WAL is flushed now and its physical standbys' least replayed position
        (pg_stat_replication; a standby not connected, by its physical replication slot:
        `_STANDBY_REPLAY`). A walsender with a flush position but no replay one
        archives WAL (pg_receivewal, a base backup's stream), one in state "backup"
        sends a base backup, one connected to a database feeds a logical subscriber:
        none of them is a standby a failover promotes. One that has not reported yet
        counts as having replayed nothing. Without pg_read_all_stats a role sees a
        walsender's pid alone: counted as `hidden`."""
        with self.read() as conn:
            row = conn.execute(_STANDBY_REPLAY).fetchone()
        mark, attached, replayed, hidden, away = row
        return StandbyReplayRecord(int(mark), int(attached) + int(away), int(replayed or 0),
                                   int(hidden), away=int(away))

    def store_id(self) -> str:
        """This database's own id (`store_id` in cxinbox_meta), made by the first server
        or command that opened it: every server on the database names the same one, and
        a copy made by `store copy` has an id of its own."""
        if self._store_id is None:
            import uuid

            with self.write() as conn:
                conn.execute("INSERT INTO cxinbox_meta (key, value) VALUES ('store_id', ?)"
                             " ON CONFLICT (key) DO NOTHING", (str(uuid.uuid4()),))
                row = conn.execute("SELECT value FROM cxinbox_meta WHERE key = 'store_id'"
                                   ).fetchone()
            self._store_id = str(row[0])
        return self._store_id

    def text_key(self) -> bytes:
        """The store's text key (store/textkey.py) in `store_secrets`, as on SQLite, made
        by the first server or command that needed it: every server on the database
        hashes alike."""
        if self._text_key is None:
            import psycopg

            from cxinbox.store.textkey import new_key_text, take_key

            try:
                with self.write() as conn:
                    self._text_key = take_key(conn, new_key_text())
            except StoreRefused as exc:  # the grant's line, said as the text key's
                raise StoreRefused(f"the store's text key cannot be made: {exc}") from None
            except psycopg.Error as exc:  # e.g. a role without INSERT on store_secrets
                raise StoreError(f"the store's text key (store_secrets) cannot be read or"
                                 f" made: {one_line(exc)}") from None
        return self._text_key

    def note_round(self, loop: str) -> None:
        """One upsert into an UNLOGGED table made on first use (like cxinbox_presence: the
        moment's state, nothing a crash of the database must keep), stamped by the
        database's clock so hosts' clocks need not agree. A failure is not the job's:
        the round happened; status then reads an older one."""
        import psycopg

        try:
            with self._pool.connection(timeout=5.0) as raw:
                if not self._rounds_made:
                    from cxinbox.store.pg.runtime_tables import ensure_runtime_table

                    ensure_runtime_table(raw, "cxinbox_rounds")
                    self._rounds_made = True
                raw.execute("INSERT INTO cxinbox_rounds (loop, at) VALUES"
                            " (%s, extract(epoch FROM now())) ON CONFLICT (loop) DO UPDATE"
                            " SET at = EXCLUDED.at", (loop,))
        except (psycopg.Error, OSError):
            pass  # e.g. the database is away: status reads the round before
        except Exception as exc:  # the pool's timeout
            if not type(exc).__module__.startswith("psycopg"):
                raise

    def last_round(self, loop: str) -> float | None:
        with self.read() as conn:
            if conn.execute("SELECT to_regclass('cxinbox_rounds')").fetchone()[0] is None:
                return None
            row = conn.execute("SELECT at FROM cxinbox_rounds WHERE loop = ?",
                               (loop,)).fetchone()
        return None if row is None else float(row[0])

    def database_bytes(self) -> int | None:
        with self.read() as conn:
            return int(conn.execute("SELECT pg_database_size(current_database())"
                                    ).fetchone()[0])

    def try_lease(self, name: str) -> PgLease | None:
        """A session-scoped advisory lock on its own connection (store/pg/lease.py)."""
        return self._leases.try_take(name)

    # -- bulk loads: PostgreSQL has no housekeeping to defer from here -----------------

    def relax_durability_for_this_thread(self) -> None:
        """Nothing: pooled connections are not a thread's own (and a sync batch's commit
        is one of thousands of messages, so its flush is not what a bulk load waits on)."""

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        yield

    @contextmanager
    def background_writes(self) -> Iterator[None]:
        yield

    def writes_beside_fetch(self) -> bool:
        """Yes: a batch's write is mostly the server's work, during which the sync's
        process waits on the socket (the interpreter free) and can fetch the next."""
        return True

    def indexes_text_after_sync(self) -> bool:
        """Yes: a message's search vector and its GIN entries were half the server's
        work of a first sync; its batches store the rows without the vectors the parse
        workers could not make (`search_vectors`), for the pass (store/fts.py)."""
        return True

    def search_vectors(self) -> WordMap | None:
        """Asked of the server once for this store (store/pg/vectors.py), then kept: a
        server's locale and unaccent rules do not change under a running pool."""
        with self._words_lock:
            if not self._words_asked:
                from cxinbox.store.pg.vectors import word_map

                with self.read() as conn:
                    self._words = word_map(conn)
                self._words_asked = True
            return self._words

    def checkpoint_if_over(self, nbytes: int) -> None:
        """Nothing: the server checkpoints on its own."""

    def diagnose(self) -> list[Diagnosis]:
        import psycopg

        from cxinbox.store.db import walk_event_chain
        from cxinbox.store.pg.failover import reached
        from cxinbox.store.pg.migrate import schema_version
        from cxinbox.store.pg.schema import EXTENSIONS, PG_MIGRATIONS, pg_version_of

        found: list[Diagnosis] = []
        try:
            with self.read() as conn:
                version = str(conn.execute("SHOW server_version").fetchone()[0])
                found.append(Diagnosis("ok", f"PostgreSQL {version.split()[0]}"))
                found += reached(conn.raw, self.url)
                present = {str(r[0]) for r in conn.execute(
                    "SELECT extname FROM pg_extension")}
                missing = [name for name in EXTENSIONS if name not in present]
                found.append(Diagnosis("fail", "PostgreSQL extensions missing: "
                                       + ", ".join(missing) + "; as a superuser run `"
                                       + " ".join(f"CREATE EXTENSION {n};" for n in missing)
                                       + "` in the database") if missing else
                             Diagnosis("ok", "PostgreSQL extensions: " + ", ".join(EXTENSIONS)))
                have = schema_version(conn.raw)
                newest = pg_version_of(len(PG_MIGRATIONS) - 1)
                found.append(Diagnosis("ok", f"PostgreSQL schema version {have}")
                             if have == newest else
                             Diagnosis("fail", f"PostgreSQL schema version {have}, this"
                                       f" cxinbox expects {newest}"))
                lacking = [f"{table} ({privilege})" for table, privilege in _NEEDED_GRANTS
                           if not conn.execute("SELECT has_table_privilege(?, ?)",
                                               (table, privilege)).fetchone()[0]]
                user = conn.raw.info.user
                found.append(Diagnosis("fail", "PostgreSQL role lacks privileges on: "
                                       + ", ".join(lacking) + "; the tables' owner runs"
                                       f" `GRANT ALL ON ALL TABLES IN SCHEMA public TO {user};"
                                       f" GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO"
                                       f" {user};`") if lacking else
                             Diagnosis("ok", "PostgreSQL role may read and write the store"))
                walk = walk_event_chain(conn)  # type: ignore[arg-type]
                found.append(Diagnosis("ok", f"event chain intact ({walk.count} events)")
                             if walk.bad_seq is None else
                             Diagnosis("fail", f"event chain: {walk.problem}"))
        except psycopg.Error as exc:  # doctor reports, never raises
            from cxinbox.store.pg.migrate import INSUFFICIENT_PRIVILEGE, privilege_fix

            found.append(Diagnosis("fail", privilege_fix(exc, self._user(), self._dbname())
                                   if getattr(exc, "sqlstate", None) == INSUFFICIENT_PRIVILEGE
                                   else f"PostgreSQL: {one_line(exc)}"))
        except (OSError, ValueError) as exc:
            found.append(Diagnosis("fail", f"PostgreSQL: {one_line(exc)}"))
        return found

    def _user(self) -> str:
        from psycopg.conninfo import conninfo_to_dict

        return str(conninfo_to_dict(self.url).get("user") or "the server's role")

    def _dbname(self) -> str:
        from psycopg.conninfo import conninfo_to_dict

        return str(conninfo_to_dict(self.url).get("dbname") or "the store")

    def watch_commits(self, wake: Callable[[], object],
                      advance: Callable[[int], object] | None = None,
                      heard: Callable[[list[EventRecord]], object] | None = None,
                      reconnected: Callable[[], object] | None = None,
                      ) -> CommitWatch:
        """A LISTEN on the channel every event-appending transaction notifies at commit
        (store/pg/listen.py): wakes this server's feed for other servers' changes; each
        notification names the seq of the transaction's last event, given to `advance`,
        and a staff action's carries its event, given to `heard` first."""
        from cxinbox.store.pg.listen import CommitWatch

        return CommitWatch(self.url, wake, advance=advance, heard=heard,
                           reconnected=reconnected)

    def watch_outbox(self, wake: Callable[[], object]) -> CommitWatch:
        """A LISTEN on the outbox's channel, which a trigger notifies when an item is
        queued (PG_TUNING in store/pg/schema.py): wakes this server's outbox worker for
        replies queued, retried or requeued anywhere, and for nothing else."""
        from cxinbox.store.dialect import OUTBOX_CHANNEL
        from cxinbox.store.pg.listen import CommitWatch

        return CommitWatch(self.url, wake, OUTBOX_CHANNEL)

    def share_presence(self, entries: Callable[[], Sequence[tuple[str, Presence]]],
                       on_others: Callable[[list[Presence]], None]) -> SharedPresence:
        """Presence through an UNLOGGED table and a notification (store/pg/presence.py)."""
        from cxinbox.store.pg.presence import SharedPresence

        return SharedPresence(self.url, entries, on_others)

    def close(self) -> None:
        leases = getattr(self, "_leases", None)
        if leases is not None:
            leases.close()
        with self._loose_lock:
            for raw in self._loose:
                raw.close()
            self._loose.clear()
        self._local = threading.local()
        self._close_pool()

    def _close_pool(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.close(timeout=5.0)


def _connect_timeout(url: str, default: int) -> int:
    """libpq's connect_timeout for a connection to `url`: the URL's own when it sets one
    (a keyword argument would override it), else `default`."""
    from psycopg.conninfo import conninfo_to_dict

    own = conninfo_to_dict(url).get("connect_timeout")
    try:
        return int(str(own)) if own is not None else default
    except ValueError:
        return default


def read_store_id(url: str, *, timeout_s: int = 5) -> str | None:
    """The `store_id` the database at `url` keeps in cxinbox_meta, read without migrating
    or making one; None when it cannot be reached or has none."""
    from cxinbox.contract.errors import StoreUnreadable

    try:
        return store_id_or_unreadable(url, "PostgreSQL store", timeout_s=timeout_s)
    except StoreUnreadable:
        return None


def store_id_or_unreadable(url: str, name: str, *, timeout_s: int = 30) -> str | None:
    """As `read_store_id`, on a read-only session, but a database that cannot be reached
    is StoreUnreadable (one line naming `name`) rather than None: None means the database
    answered and has no id yet."""
    import psycopg

    from cxinbox.contract.errors import StoreUnreadable
    from cxinbox.store.pg.conn import one_line

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=timeout_s) as conn:
            conn.execute("SET default_transaction_read_only = on")
            found = conn.execute("SELECT to_regclass('cxinbox_meta') IS NOT NULL").fetchone()
            if not found or not found[0]:
                return None
            row = conn.execute("SELECT value FROM cxinbox_meta WHERE key = 'store_id'"
                               ).fetchone()
    except (psycopg.Error, OSError) as exc:
        raise StoreUnreadable(f"{name}: cannot connect ({one_line(exc)})") from None
    return None if row is None else str(row[0])


FIRST_WAIT_S: Final = 3.0
"""How long a request waits for a pooled connection before asking whether the database
answers at all (a busy pool: the rest of the wait follows)."""
DOWN_WAIT_S: Final = 1.0
"""The same while the database is known to be away."""
def _refused(exc: BaseException, conn: psycopg.Connection[Any]) -> str:
    """PostgreSQL's "permission denied for table T" as one line: the role, the table, and
    whether it may read it (then it is the write that was refused), with the grant to run.
    Never the statement or its values (they may hold patient text)."""
    import re

    from cxinbox.store.pg.migrate import privilege_fix

    user, dbname = conn.info.user, conn.info.dbname
    found = re.search(r'permission denied for (?:table|relation|sequence) "?(\w+)',
                      str(exc).split("\n", 1)[0])
    if found is None:
        return privilege_fix(exc, user, dbname)
    table = found.group(1)
    verb = "use"
    with contextlib.suppress(Exception):  # the refused transaction is over: undone
        if conn.info.transaction_status != _IDLE:
            conn.rollback()
        readable = conn.execute("SELECT has_table_privilege(%s, 'SELECT')",
                                (table,)).fetchone()
        verb = "write" if readable and readable[0] else "read"
        if conn.info.transaction_status != _IDLE:
            conn.rollback()
    return (f"the database role {user} may not {verb} table {table} of database {dbname}:"
            f" have the tables' owner run `GRANT ALL ON ALL TABLES IN SCHEMA public TO {user};"
            f" GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {user};` (README: Moving a"
            f" site to PostgreSQL)")


_DOWN: Final = ("the PostgreSQL database is not answering (restarting or unreachable);"
                " try again in a minute - IT: see the server log")

_NEEDED_GRANTS: Final = (
    ("conversations", "SELECT"), ("conversations", "INSERT"), ("conversations", "UPDATE"),
    ("messages", "INSERT"), ("raw_messages", "INSERT"), ("notes", "INSERT"),
    ("events", "SELECT"), ("events", "INSERT"),
    ("store_secrets", "SELECT"), ("store_secrets", "INSERT"),  # the text key, made on first use
    # the servers' shared runtime tables (leases, presence, leader rounds)
    ("cxinbox_lease", "INSERT"), ("cxinbox_lease", "UPDATE"), ("cxinbox_lease", "DELETE"),
    ("cxinbox_presence", "INSERT"), ("cxinbox_presence", "DELETE"),
    ("cxinbox_rounds", "INSERT"), ("cxinbox_rounds", "UPDATE"),
)
"""What the server's role must be allowed on the store's central tables (`doctor`)."""
