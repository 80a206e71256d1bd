"""Leases on PostgreSQL that a live but stuck holder loses, and fencing of its writes.

A holder proves it is alive by a round trip on its lease session every few seconds; the
database closes a session idle for `IDLE_LIMIT_S`, which frees the holder's locks. A holder
that wakes up after that must not commit anything under the lease: each write transaction
it makes under `fencing()` checks the lease's token and is refused (LeaseLost) once another
server has taken the lease, or holds the new holder back until it has committed.
"""

from __future__ import annotations

import threading
import time

import pytest
from tests.support.pglease import lease_pid, mark, marks, take
from tests.support.waiting import wait_until

from cxinbox.contract.errors import LeaseLost
from cxinbox.store.pg.lease import BEAT_S, IDLE_LIMIT_S, TEST_IDLE_ENV, beat_s, idle_limit_s
from cxinbox.store.pg.store import PgStore

NAME = "mail:appointments/INBOX"
IDLE_S = 5
"""The lease sessions' idle limit in the tests of the beat (the store's test hook, in
place of IDLE_LIMIT_S, 15 s): the beat keeps its ratio to it, so these are the same race
between a beat and the database's timeout, a third as long."""


@pytest.fixture
def short_idle(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setenv(TEST_IDLE_ENV, str(IDLE_S))
    assert idle_limit_s() == IDLE_S and beat_s() / IDLE_S == BEAT_S / IDLE_LIMIT_S
    return float(IDLE_S)


def test_a_holder_that_lost_its_lease_commits_nothing_under_it(pg_url: str) -> None:
    first, second = PgStore(pg_url, max_size=3), PgStore(pg_url, max_size=3)
    try:
        lease = take(first, NAME)
        assert second.try_lease(NAME) is None
        with lease.fencing():
            mark(first, "fence-before")  # ours: committed
        # The holder's lease session ends (as the database ends a silent one) and the
        # other server takes the lease.
        second.conn.execute("SELECT pg_terminate_backend(?, 5000)", (lease_pid(first),))
        take(second, NAME)
        with lease.fencing(), pytest.raises(LeaseLost):
            mark(first, "fence-after")  # the old holder wakes up and tries to commit
        assert not lease.held()
        assert marks(second, "fence-") == {"fence-before"}
        mark(first, "fence-unfenced")  # writes outside a lease's work are not affected
        assert marks(second, "fence-") == {"fence-before", "fence-unfenced"}
    finally:
        first.close()
        second.close()


def test_a_new_holder_waits_for_the_old_holders_open_write(pg_url: str) -> None:
    """The old holder checked its token and is inside a write when it loses the lease:
    that write commits before the new holder's lease is granted, never after."""
    first, second = PgStore(pg_url, max_size=3), PgStore(pg_url, max_size=3)
    inside, go_on = threading.Event(), threading.Event()
    try:
        lease = take(first, NAME)

        def old_holder() -> None:
            with lease.fencing(), first.write() as conn:
                conn.execute("INSERT INTO cxinbox_meta (key, value) VALUES ('fence-open', '1')")
                inside.set()
                go_on.wait(30)

        writer = threading.Thread(target=old_holder)
        writer.start()
        assert inside.wait(30)
        second.conn.execute("SELECT pg_terminate_backend(?, 5000)", (lease_pid(first),))
        granted: list[float] = []
        taker = threading.Thread(target=lambda: (take(second, NAME, 30), granted.append(
            time.monotonic())))
        taker.start()
        wait_until(lambda: _waiting_on_lock(second), "the new holder to wait on the token",
                   timeout=20, interval=0.1)
        assert not granted
        released = time.monotonic()
        go_on.set()
        writer.join(30)
        taker.join(40)
        assert granted and granted[0] >= released
        assert marks(second, "fence-") == {"fence-open"}
    finally:
        go_on.set()
        first.close()
        second.close()


def _waiting_on_lock(store: PgStore) -> bool:
    row = store.conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO cxinbox_lease%'").fetchone()
    return bool(row and row[0])


def test_a_holder_that_stops_beating_loses_its_lease_to_the_database(
        pg_url: str, short_idle: float) -> None:
    """No peer has to act: the database closes the silent lease session by itself."""
    first, second = PgStore(pg_url, max_size=2), PgStore(pg_url, max_size=2)
    try:
        lease = take(first, NAME)
        pid = lease_pid(first)
        wait_until(lambda: _session_idle_for(second, pid) is not None, "the lease session",
                   timeout=10, interval=0.2)
        # The beat stops, as in a SIGSTOPped process.
        stopped = time.monotonic()
        first._leases._closed.set()
        take(second, NAME, short_idle + 20)
        took = time.monotonic() - stopped
        assert took < short_idle + 10, took
        assert not lease.held()
    finally:
        first.close()
        second.close()


def _session_idle_for(store: PgStore, pid: int) -> float | None:
    row = store.conn.execute("SELECT extract(epoch FROM now() - state_change)"
                             " FROM pg_stat_activity WHERE pid = ?", (pid,)).fetchone()
    return None if row is None else float(row[0])


def test_a_beating_holder_keeps_its_lease_past_the_idle_limit(
        pg_url: str, short_idle: float) -> None:
    first, second = PgStore(pg_url, max_size=2), PgStore(pg_url, max_size=2)
    try:
        lease = take(first, NAME)
        pid = lease_pid(first)
        deadline = time.monotonic() + short_idle + 5
        while time.monotonic() < deadline:  # a condition held for a span, checked often
            assert second.try_lease(NAME) is None
            idle = _session_idle_for(second, pid)
            assert idle is not None and idle < short_idle
            threading.Event().wait(1.0)
        assert lease.held()
    finally:
        first.close()
        second.close()


def test_a_sync_writer_thread_is_fenced_by_its_callers_lease(pg_url: str) -> None:
    """A bulk sync into PostgreSQL stores its batches on a thread of its own
    (service/sync.py `_BatchWriter`); the fence is per thread, so the writer carries the
    caller's: once the lease is lost, the writer's next batch is refused and the fetch
    hears of it."""
    from cxinbox.service.sync import _BatchWriter

    first, second = PgStore(pg_url, max_size=3), PgStore(pg_url, max_size=3)
    try:
        lease = take(first, NAME)
        with lease.fencing():
            writer = _BatchWriter(lambda item: mark(first, str(item)), "fence-writer")
        writer.put("fence-1")  # type: ignore[arg-type]
        wait_until(lambda: "fence-1" in marks(second, "fence-"), "the first batch", timeout=10)
        second.conn.execute("SELECT pg_terminate_backend(?, 5000)", (lease_pid(first),))
        take(second, NAME)
        with pytest.raises(LeaseLost):
            writer.put("fence-2")  # type: ignore[arg-type]
            writer.finish()
        assert marks(second, "fence-") == {"fence-1"}
    finally:
        first.close()
        second.close()
