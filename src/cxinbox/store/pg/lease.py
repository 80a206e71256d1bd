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
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

_KEEPALIVE_SQL = (
    # Seconds: a dead peer is noticed within idle + interval * count (about 25 s), inside
    # the 30 s a takeover may take. Ignored on Unix sockets, where death is seen at once.
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)


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
        self._held: dict[str, int] = {}

    def _session(self) -> Any:
        import psycopg

        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        self._held.clear()  # a new session holds nothing the old one did
        conn = psycopg.connect(self.url, autocommit=True, keepalives=1, keepalives_idle=10,
                               keepalives_interval=5, keepalives_count=3)
        for statement in _KEEPALIVE_SQL:
            conn.execute(statement)
        self._conn = conn
        return conn

    def try_take(self, name: str) -> PgLease | None:
        """The lease on `name`, or None while another session (or this process) holds it."""
        import psycopg

        key = lease_key(name)
        with self._lock:
            try:
                conn = self._session()
                if name in self._held:
                    return None
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            except psycopg.Error:
                return None
            if not row or not row[0]:
                return None
            self._held[name] = key
            return PgLease(self, name, conn)

    def alive(self, name: str, conn: Any) -> bool:
        import psycopg

        with self._lock:
            if conn is not self._conn or self._held.get(name) is None:
                return False
            try:
                conn.execute("SELECT 1").fetchone()
            except psycopg.Error:
                self._held.clear()
                return False
            return True

    def give_back(self, name: str, conn: Any) -> None:
        import psycopg

        with self._lock:
            key = self._held.pop(name, None)
            if key is None or conn is not self._conn:
                return
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,)).fetchone()
            except psycopg.Error:
                pass  # the session is gone, and the lock with it

    def close(self) -> None:
        with self._lock:
            self._held.clear()
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class PgLease:
    """One held lease (implements `store.interface.SyncLease`)."""

    __slots__ = ("_conn", "_leases", "name")

    def __init__(self, leases: PgLeases, name: str, conn: Any) -> None:
        self._leases = leases
        self.name = name
        self._conn = conn

    def held(self) -> bool:
        return self._leases.alive(self.name, self._conn)

    def release(self) -> None:
        self._leases.give_back(self.name, self._conn)
