"""Giving a PostgreSQL lease back when something has gone wrong (store/pg/lease.py
`give_back`): a release whose session died must still fence the lease's writes, and a
stale lease object must not release the lease its name was taken again under."""

from __future__ import annotations

import threading

import pytest
from tests.support.pglease import lease_pid, mark, marks, take
from tests.support.waiting import wait_until

from cxinbox.contract.errors import LeaseLost
from cxinbox.store.pg.store import PgStore

NAME = "sms:+15550100"


def _tokens(store: PgStore) -> dict[str, int]:
    return {str(r[0]): int(r[1]) for r in store.conn.execute(
        "SELECT name, token FROM cxinbox_lease")}


def test_a_release_on_a_killed_session_still_fences_the_lease(pg_url: str) -> None:
    """The lease session is killed, then the lease is given back: the token row cannot be
    deleted (its session is gone), yet nothing this process writes under the lease
    commits afterwards, and the lease is free for another server and for this one."""
    first, second = PgStore(pg_url, max_size=3), PgStore(pg_url, max_size=3)
    try:
        lease = take(first, NAME)
        with lease.fencing():
            mark(first, "release-before")
        second.conn.execute("SELECT pg_terminate_backend(?, 5000)", (lease_pid(first),))
        lease.release()  # no error: the release is not the caller's to handle
        # The row still holds the old token (no one took the lease over yet): the
        # database alone would let a late write under it commit.
        assert _tokens(second).get(NAME) == lease.token
        with lease.fencing(), pytest.raises(LeaseLost):
            mark(first, "release-after")
        assert marks(second, "release-") == {"release-before"}
        assert not lease.held()
        # Free for this process again (on a new session), with a new token.
        again = take(first, NAME)
        assert again.token != lease.token and again.held()
        assert second.try_lease(NAME) is None
        with again.fencing():
            mark(first, "release-again")
        again.release()
        taken = take(second, NAME)
        assert taken.held()
        assert marks(second, "release-") == {"release-before", "release-again"}
    finally:
        first.close()
        second.close()


def test_a_stale_lease_released_late_leaves_the_new_take_alone(pg_url: str) -> None:
    """A lease lost with its session is taken again by the same process on a new session;
    the old lease object released afterwards must not forget or unlock the new one."""
    first, second = PgStore(pg_url, max_size=3), PgStore(pg_url, max_size=3)
    try:
        old = take(first, NAME)
        second.conn.execute("SELECT pg_terminate_backend(?, 5000)", (lease_pid(first),))
        wait_until(lambda: not old.held(), "the old lease to be seen lost", timeout=10)
        new = take(first, NAME)
        old.release()
        assert new.held()
        assert second.try_lease(NAME) is None  # still ours in the database
        with new.fencing():
            mark(first, "release-new")  # the new take's fence stands
        with old.fencing(), pytest.raises(LeaseLost):
            mark(first, "release-old")
        new.release()
        assert take(second, NAME).held()
        assert marks(second, "release-") == {"release-new"}
        assert NAME not in first._leases._held
    finally:
        first.close()
        second.close()


def test_a_lease_released_twice_releases_its_successor_never(pg_url: str) -> None:
    """The same session takes the name again after a release; releasing the first lease
    object a second time leaves the second take held (one advisory lock, not freed)."""
    first, second = PgStore(pg_url, max_size=3), PgStore(pg_url, max_size=3)
    try:
        one = take(first, NAME)
        one.release()
        assert NAME not in _tokens(second)  # a release leaves no row behind
        two = take(first, NAME)
        one.release()
        assert two.held()
        assert second.try_lease(NAME) is None
        with two.fencing():
            mark(first, "release-two")
        two.release()
        assert take(second, NAME).held()
        assert marks(second, "release-") == {"release-two"}
    finally:
        first.close()
        second.close()


def test_a_release_whose_row_is_held_still_fences_and_frees_the_lease(pg_url: str) -> None:
    """A write under the lease is still open when the lease is given back: the token row
    it holds cannot be deleted (the delete gives up after 2 s), yet the lease is free for
    another server at once, the open write (checked before the release) commits, and
    nothing written under the lease after the release does."""
    first, second = PgStore(pg_url, max_size=3), PgStore(pg_url, max_size=3)
    inside, go_on = threading.Event(), threading.Event()
    try:
        lease = take(first, NAME)

        def open_write() -> None:
            with lease.fencing(), first.write() as conn:
                conn.execute("INSERT INTO cxinbox_meta (key, value) VALUES"
                             " ('release-open', '1')")
                inside.set()
                go_on.wait(30)

        writer = threading.Thread(target=open_write)
        writer.start()
        assert inside.wait(30)
        lease.release()
        assert _tokens(second).get(NAME) == lease.token  # the row could not go
        go_on.set()
        writer.join(30)
        assert not writer.is_alive()
        with lease.fencing(), pytest.raises(LeaseLost):
            mark(first, "release-after")
        taken = take(second, NAME)
        assert taken.held() and _tokens(second).get(NAME) == taken.token
        assert marks(second, "release-") == {"release-open"}
    finally:
        go_on.set()
        first.close()
        second.close()


def test_a_released_lease_object_is_not_held_by_the_next_take(pg_url: str) -> None:
    """The same session takes the name again after a release: the first lease object is
    not reported held (its token is not the one taken last), the second one is."""
    first = PgStore(pg_url, max_size=3)
    try:
        one = take(first, NAME)
        one.release()
        two = take(first, NAME)
        assert two.held()
        assert not one.held()
    finally:
        first.close()


def test_a_liveness_probe_that_fails_on_a_live_session_keeps_the_lease(pg_url: str) -> None:
    """The round trip of `held` fails while the lease's session lives on (here: an aborted
    transaction on it). The lease is not reported held then, but it is not forgotten:
    the name is not taken a second time on that session (the lock is reentrant, and one
    release would leave it held for ever), and once the session answers again the lease
    is held and its release frees it for another server."""
    import psycopg

    first, second = PgStore(pg_url, max_size=3), PgStore(pg_url, max_size=3)
    try:
        lease = take(first, NAME)
        raw = first._leases._conn
        with first._leases._lock:
            raw.execute("BEGIN")
            with pytest.raises(psycopg.Error):
                raw.execute("SELECT 1 / 0")
        assert not lease.held()  # the probe failed
        assert not raw.closed and not raw.broken
        assert first.try_lease(NAME) is None  # still ours: never taken twice
        with first._leases._lock:
            raw.execute("ROLLBACK")
        assert first.try_lease(NAME) is None  # the session answers: still not a second take
        assert lease.held()
        assert second.try_lease(NAME) is None
        lease.release()
        assert take(second, NAME).held()
    finally:
        first.close()
        second.close()
