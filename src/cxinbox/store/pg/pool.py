"""The store's connection pool, made to come back quickly after the database restarts.

psycopg_pool as it is, with two changes:
- a pooled connection that the database closed while it sat idle (a restart, an admin
  ending sessions) is noticed before it is handed out, without a round trip: such a
  socket has something to read (the server's goodbye, or end of file) where an idle one
  has nothing. Only then is the connection checked (one round trip) and, if dead,
  replaced;
- reconnection attempts back off to at most `RECONNECT_MAX_S` apart, not doubling for
  minutes: the pool is ready within seconds of the database's return.
"""

from __future__ import annotations

import select
from collections.abc import Callable
from typing import Any, Final

RECONNECT_MAX_S: Final = 2.0


def _capped_attempt(base: type[Any]) -> type[Any]:
    class CappedAttempt(base):  # type: ignore[misc]
        def update_delay(self, now: float) -> None:
            super().update_delay(now)
            self.delay: float = min(float(self.delay), RECONNECT_MAX_S)

    return CappedAttempt


def idle_is_sound(conn: Any) -> bool:
    """Whether nothing arrived on an idle connection's socket (poll, no round trip)."""
    if conn.closed or conn.broken:
        return False
    try:
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        return not poller.poll(0)
    except (OSError, ValueError):
        return False


def make_pool(url: str, *, min_size: int, max_size: int, timeout: float,
              configure: Callable[[Any], None]) -> Any:
    """An unopened ConnectionPool on `url` (see the module's doc)."""
    from psycopg_pool import ConnectionPool

    try:
        from psycopg_pool.base import AttemptWithBackoff
    except ImportError:  # another layout of the pool's internals: its own backoff stays
        attempt_class = None
    else:
        attempt_class = _capped_attempt(AttemptWithBackoff)

    def check(conn: Any) -> None:
        if not idle_is_sound(conn):
            ConnectionPool.check_connection(conn)  # raises when dead: the pool replaces it

    class Pool(ConnectionPool):
        def _add_connection(self, attempt: Any, growing: bool = False) -> None:
            if attempt is None and attempt_class is not None:
                attempt = attempt_class(timeout=self.reconnect_timeout)
            super()._add_connection(attempt, growing)

    return Pool(url, min_size=min_size, max_size=max_size, timeout=timeout,
                kwargs={"autocommit": True}, open=False, name="cxinbox",
                configure=configure, check=check)
