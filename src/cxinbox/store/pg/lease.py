"""Sync leases on PostgreSQL: each synced folder is fetched by one server at a time.

A lease is a session-scoped advisory lock (`pg_try_advisory_lock`) taken on one dedicated
connection per store, outside the pool, so it lives exactly as long as that session:
- released when the holder releases it or closes the store;
- freed by the server when the holder dies: a killed process's socket closes at once, and
  a vanished host's session ends once TCP keepalives give up on it (set short on this
  session below), after which another server's next try takes the lease.

The key is 64 bits of SHA-256 of the lease's name, in the single-bigint form of advisory
locks (the event chain's and the migrations' keys share that space; a collision with them
is a 2^-63 chance). Within one process a name is held once: PostgreSQL's advisory locks
are re-entrant per session, so this module keeps its own set of held names.

Liveness (`held`) is a round trip on the lease's session: if that connection broke, every
lease on it is lost, and the holder must stop syncing and try again (a new connection).

A holder that is alive but stuck (a SIGSTOPped or paused process, a frozen VM) keeps its
TCP session, so its death alone would never free the lock. The session therefore needs
proof of life: it runs with `idle_session_timeout = IDLE_LIMIT_S`, and a heartbeat thread
of this process sends a round trip on it every `BEAT_S` while it holds any lease. A process
that stops beating has its lease session closed by the database itself, so its locks free
and another server's next try (every 5 s) takes them: no peer has to judge it.

Such a holder may wake up afterwards in the middle of its work. Fencing keeps it from
committing: each take of a lease writes a new random token for the lease's name
(`cxinbox_lease`), and a thread that works under a lease (`PgLease.fencing()`) has every
write transaction of its own check, first, that the row still holds its token, locking
that row FOR SHARE until it commits. A new holder's token write waits for such a
transaction, and such a transaction that comes after the token write finds another token
and is rolled back (`LeaseLost`). A holder paused inside a fenced transaction would hold
the new holder's token write for ever, so the new holder ends that transaction's session
after `REAP_AFTER_S` (`_write_token`); a fenced transaction also sets a short
`idle_in_transaction_session_timeout`, so the database ends one left idle by itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import threading
from typing import Any, Final

from cxinbox.contract.errors import LeaseLost
from cxinbox.contract.test_hooks import hook_seconds
from cxinbox.store.fence import fenced
from cxinbox.store.pg.runtime_tables import ensure_runtime_table

log = logging.getLogger(__name__)

BEAT_S: Final = 3.0
"""How often a process that holds leases proves it is alive on the leases' session."""
IDLE_LIMIT_S: Final = 15
"""Seconds without a beat after which the database closes a lease session (and frees its
locks): five beats missed. Takeover of a stuck holder: this, plus a peer's 5 s retry."""
TEST_IDLE_ENV: Final = "CXINBOX_TEST_LEASE_IDLE_S"
"""A test hook, not a setting: seconds (1 up to IDLE_LIMIT_S) to use instead of
IDLE_LIMIT_S, the beat keeping its ratio to it (BEAT_S is a fifth), so a test of a stuck
holder's takeover through real servers need not wait out the full limit."""
FENCE_IDLE_S: Final = 15
"""A fenced transaction left idle this long (its process paused inside it) is ended by
the database, so it cannot hold back a new holder's token write."""
TOKEN_WAIT_S: Final = 25
"""How long a new holder waits to write its token behind a fenced transaction."""
REAP_AFTER_S: Final = 2.0
"""How long a fenced transaction of a lost holder may hold a new holder's token write
before the new holder ends it."""

_KEEPALIVE_SQL = (
    # Seconds: a dead peer is noticed within idle + interval * count (about 25 s), inside
    # the 30 s a takeover may take. Ignored on Unix sockets, where death is seen at once.
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)


def idle_limit_s() -> float:
    """Seconds without a beat after which the database closes a lease session:
    IDLE_LIMIT_S, or the tests' TEST_IDLE_ENV."""
    return hook_seconds(TEST_IDLE_ENV, float(IDLE_LIMIT_S), low=1, high=IDLE_LIMIT_S, log=log)


def beat_s() -> float:
    """How often a holder beats: BEAT_S, in the same ratio to a test's shorter limit."""
    return BEAT_S * idle_limit_s() / IDLE_LIMIT_S


def lease_key(name: str) -> int:
    """The advisory lock key of a lease name (a signed 64-bit integer)."""
    digest = hashlib.sha256(b"cxinbox lease\0" + name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PgLeases:
    """The leases this process holds on one database, on one session of their own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._conn: Any = None
        self._held: dict[str, tuple[int, int]] = {}
        """Name -> (advisory key, token) of each lease this session holds."""
        self._releasing: dict[str, int] = {}
        """Name -> key of leases given back whose unlock failed on a session that lives
        on: the lock is still ours in the database, so the name is not taken again and
        the beat retries the unlock."""
        self._beating = threading.Event()
        self._closed = threading.Event()
        self._beat_thread: threading.Thread | None = None
        self._warned_old = False
        self._last_problem = ""

    def _session(self) -> Any:
        import psycopg

        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        self._held.clear()  # a new session holds nothing the old one did
        self._releasing.clear()
        conn = psycopg.connect(self.url, autocommit=True, keepalives=1, keepalives_idle=10,
                               keepalives_interval=5, keepalives_count=3)
        for statement in _KEEPALIVE_SQL:
            conn.execute(statement)
        if conn.info.server_version >= 140000:
            conn.execute(f"SET idle_session_timeout = '{round(idle_limit_s() * 1000)}ms'")
        elif not self._warned_old:
            self._warned_old = True
            log.warning("PostgreSQL before 14 has no idle_session_timeout: a server that"
                        " hangs keeps its leases until its connection ends")
        ensure_runtime_table(conn, "cxinbox_lease")
        self._conn = conn
        return conn

    def _start_beat(self) -> None:
        """The heartbeat thread, started with the first lease taken (under `_lock`)."""
        self._beating.set()
        if self._beat_thread is None or not self._beat_thread.is_alive():
            self._beat_thread = threading.Thread(target=self._beat, name="pg-lease-beat",
                                                 daemon=True)
            self._beat_thread.start()

    def _beat(self) -> None:
        import psycopg

        every = beat_s()
        while not self._closed.wait(every):
            if not self._beating.is_set():
                continue
            with self._lock:
                conn = self._conn
                if not (self._held or self._releasing) or conn is None or conn.closed \
                        or conn.broken:
                    continue
                try:
                    conn.execute("SELECT 1").fetchone()
                    for name, key in list(self._releasing.items()):
                        conn.execute("SELECT pg_advisory_unlock(%s)", (key,)).fetchone()
                        del self._releasing[name]
                except psycopg.Error:
                    if conn.closed or conn.broken:
                        self._held.clear()  # the session is gone, and every lease with it
                        self._releasing.clear()

    def _write_token(self, conn: Any, name: str, key: int) -> int | None:
        """This take's new token for `name`, or None (the lock given back) when the row
        could not be written within TOKEN_WAIT_S. What can hold the row is a fenced
        transaction of the old holder, who lost its lease session: when that transaction
        still holds it after REAP_AFTER_S (its process is paused inside it; a pipelined
        one is not "idle in transaction" to the database, so no timeout ends it), it is
        ended here. It would have committed under a lease that is no longer its own;
        ended, it commits nothing, and the new holder fetches that batch again."""
        import psycopg

        token = secrets.randbits(63)
        waiting = threading.Event()
        reaper = threading.Thread(target=self._reap_blockers,
                                  args=(conn.info.backend_pid, name, waiting),
                                  name="pg-lease-reaper", daemon=True)
        try:
            reaper.start()
            with conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = '{TOKEN_WAIT_S}s'")
                conn.execute("INSERT INTO cxinbox_lease (name, token) VALUES (%s, %s)"
                             " ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token",
                             (name, token))
        except psycopg.Error:  # LockNotAvailable, or the session broke (and the lock too)
            with contextlib.suppress(psycopg.Error):
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,)).fetchone()
            return None
        finally:
            waiting.set()
            reaper.join(REAP_AFTER_S + 10)
        return token

    def _reap_blockers(self, waiter: int, name: str, done: threading.Event) -> None:
        """While the backend `waiter` waits to write a token, end the sessions it waits
        on (same role: allowed without privileges), every REAP_AFTER_S."""
        import psycopg

        while not done.wait(REAP_AFTER_S):
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as other:
                    ended = other.execute(
                        "SELECT count(*) FILTER (WHERE pg_terminate_backend(b, 5000))"
                        " FROM unnest(pg_blocking_pids(%s)) AS b", (waiter,)).fetchone()
            except psycopg.Error as exc:
                log.warning("lease %s: could not end the transaction holding it back (%s)",
                            name, type(exc).__name__)
                continue
            if ended and ended[0]:
                log.warning("lease %s: ended %d transaction(s) of its previous holder, which"
                            " stopped answering inside them", name, ended[0])

    def try_take(self, name: str) -> PgLease | None:
        """The lease on `name`, or None while another session (or this process) holds it."""
        import psycopg

        key = lease_key(name)
        with self._lock:
            try:
                conn = self._session()
                if name in self._held or name in self._releasing:
                    return None
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
                if not row or not row[0]:
                    return None
                token = self._write_token(conn, name, key)
            except psycopg.Error as exc:
                # Not "another server holds it": say why, once per kind, or a role without
                # a grant would leave every folder "skipped" with nothing in the log.
                problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                if problem != self._last_problem:
                    self._last_problem = problem
                    log.warning("lease %s cannot be taken (%s); IT: cxinbox doctor", name,
                                problem)
                return None
            if token is None:
                return None
            self._held[name] = (key, token)
            self._start_beat()
            return PgLease(self, name, conn, token)

    def alive(self, name: str, conn: Any, token: int | None = None) -> bool:
        """Whether the lease `name` taken on `conn` (with `token`: that take, not an earlier
        one given back since) is held: its session answers a round trip. A round trip that
        fails on a session that lives on says "not now" and forgets nothing (the lock is
        still ours in the database; taking the name again would hold it twice)."""
        import psycopg

        with self._lock:
            held = self._held.get(name)
            if conn is not self._conn or held is None or \
                    (token is not None and held[1] != token):
                return False
            try:
                conn.execute("SELECT 1").fetchone()
            except psycopg.Error:
                if conn.closed or conn.broken:  # the session is gone, and every lease with it
                    self._held.clear()
                    self._releasing.clear()
                return False
            return True

    def give_back(self, name: str, conn: Any, token: int | None = None) -> None:
        """Release the lease `name` taken on `conn` with `token`.

        In an order that is safe whatever fails:
        - a lease that is not the one this session holds under the name (its session
          ended, and the name may have been taken again since on a new one) touches
          nothing of the current take: only its own token is revoked;
        - the token row goes first, while the lock is still ours (a lease given back
          leaves no row behind: probes of dead outbox senders' tokens would pile them
          up); when it cannot go (the session broke, or a write under the lease still
          holds it), the token is revoked in this process (`check_fence`), so nothing
          this process writes under it commits after the release;
        - the name is forgotten only once the database has let go of the lock: the
          unlock said so, or the session is gone (and the lock with it). An unlock that
          fails on a session that lives on keeps the name as being released, retried by
          the beat, and never taken again meanwhile (the lock is reentrant: a second take
          on the same session would hold it twice and a single unlock would leave it
          held for ever)."""
        import psycopg

        with self._lock:
            held = self._held.get(name)
            if held is None or conn is not self._conn or \
                    (token is not None and held[1] != token):
                if token is not None:
                    _revoke(name, token)
                return
            key = held[0]
            if token is not None:
                try:
                    with conn.transaction():
                        conn.execute("SET LOCAL lock_timeout = '2s'")
                        conn.execute("DELETE FROM cxinbox_lease WHERE name = %s AND token = %s",
                                     (name, token))
                except psycopg.Error:
                    _revoke(name, token)  # the row stays, for the next take to overwrite
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,)).fetchone()
            except psycopg.Error as exc:
                if conn.closed or conn.broken:  # the database freed it with the session
                    self._held.clear()
                    self._releasing.clear()
                    return
                del self._held[name]
                self._releasing[name] = key
                log.warning("lease %s: its lock could not be given back yet (%s); retried",
                            name, type(exc).__name__)
                return
            del self._held[name]

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._held.clear()
            self._releasing.clear()
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class PgLease:
    """One held lease (implements `store.interface.SyncLease`)."""

    __slots__ = ("_conn", "_leases", "name", "token")

    def __init__(self, leases: PgLeases, name: str, conn: Any, token: int) -> None:
        self._leases = leases
        self.name = name
        self._conn = conn
        self.token = token

    def held(self) -> bool:
        return self._leases.alive(self.name, self._conn, self.token)

    def release(self) -> None:
        self._leases.give_back(self.name, self._conn, self.token)

    def fencing(self) -> contextlib.AbstractContextManager[None]:
        """Every write transaction this thread begins inside commits only while this
        lease is still the one taken last (else LeaseLost, and nothing is committed)."""
        return fenced(self.name, self.token)


_REVOKED_KEPT: Final = 4096
_revoked: dict[tuple[str, int], None] = {}
_revoked_lock = threading.Lock()


def _revoke(name: str, token: int) -> None:
    """Refuse, in this process, every later write under the lease `name` taken with
    `token`: it was given back, but its token row may still be in the database (the
    release could not delete it). The most recent few thousand are kept; a token is 63
    random bits, so an old one is never taken again."""
    with _revoked_lock:
        _revoked[(name, token)] = None
        while len(_revoked) > _REVOKED_KEPT:
            del _revoked[next(iter(_revoked))]


def check_fence(raw: Any, fence: tuple[str, int]) -> None:
    """In a write transaction: go on only while the lease's row holds our token, and keep
    it so (FOR SHARE) until this transaction ends. Raises LeaseLost."""
    name, token = fence
    if fence in _revoked:
        log.warning("lease %s was given back; a write under it was not committed", name)
        raise LeaseLost(f"the lease {name} was given back")
    row = raw.execute("SELECT set_config('idle_in_transaction_session_timeout', %s, true)"
                      " FROM cxinbox_lease WHERE name = %s AND token = %s FOR SHARE",
                      (f"{FENCE_IDLE_S}s", name, token)).fetchone()
    if row is None:
        log.warning("lease %s lost to another server; a write under it was not committed",
                    name)
        raise LeaseLost(f"the lease {name} was taken by another server")
