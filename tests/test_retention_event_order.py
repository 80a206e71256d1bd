"""A retention run's closing event keeps the audit trail's times in order while another
writer appends beside it.

Every event's `at` is read once the chain is locked, so times never go back as `seq`
grows. The run stamps its `retention.run` event with its own clock (the schedule's): the
test's clock lets another writer in at the moment it is read — a second server on
PostgreSQL (its own store on the same database), another thread on the SQLite file — and
returns only once that writer has committed its event or waits for the chain. Read before
the lock, the run's time would be older than the event that got in first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from tests.support.waiting import poll_until, wait_until

from cxinbox.config import load_config_text
from cxinbox.service.retention import ACTOR, RetentionRunner
from cxinbox.store.db import now_ms

CONFIG = ('[clinic]\ntimezone = "UTC"\n[audit]\ncheckpoints = false\n'
          '[retention]\nclosed_after = "7y"\n')


@pytest.fixture
def other_writer(any_store: Any, store_backend: str) -> Iterator[Any]:
    """A second writer on the same data: another server's store on PostgreSQL, the same
    store from another thread on SQLite (one process owns the file)."""
    if store_backend == "sqlite":
        yield any_store
        return
    from cxinbox.store.pg.store import PgStore

    other = PgStore(any_store.url, max_size=2)
    try:
        yield other
    finally:
        other.close()


def test_the_run_event_is_never_older_than_the_event_before_it(
        any_store: Any, store_backend: str, other_writer: Any) -> None:
    writers: list[threading.Thread] = []
    committed: list[threading.Event] = []

    def append_later_than(ms: int, done: threading.Event) -> None:
        poll_until(lambda: now_ms() > ms, timeout=5.0, interval=0.0005)
        with other_writer.writing() as tx:
            tx.append_event("alice", "conversation.tag", "conversation:1", {"add": ["x"]})
        done.set()

    def waiting_for_chain() -> bool:
        """The other writer cannot get in before this run's transaction ends."""
        if store_backend == "sqlite":
            return bool(any_store.conn.in_transaction)  # BEGIN IMMEDIATE holds the file
        with other_writer.read() as conn:
            row = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                               " AND NOT granted").fetchone()
        return int(row[0]) > 0

    def clock() -> float:
        now = time.time()
        done = threading.Event()
        thread = threading.Thread(target=append_later_than, args=(int(now * 1000), done),
                                  daemon=True)
        thread.start()
        writers.append(thread)
        committed.append(done)
        wait_until(lambda: done.is_set() or waiting_for_chain(),
                   "the other writer to commit or to wait for the chain", timeout=30)
        return now

    RetentionRunner(any_store, load_config_text(CONFIG), clock=clock).run()
    for thread in writers:
        thread.join(timeout=60)
    assert all(done.is_set() for done in committed) and committed
    with any_store.read() as conn:
        rows = [(int(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in conn.execute(
            "SELECT seq, at, actor, action FROM events ORDER BY seq").fetchall()]
    run = [i for i, r in enumerate(rows) if r[3] == "retention.run" and r[2] == ACTOR]
    assert len(run) == 1 and len([r for r in rows if r[2] == "alice"]) == len(committed)
    backwards = [(a, b) for a, b in pairwise(rows) if b[1] < a[1]]
    assert not backwards, f"times go back along the chain: {backwards}"
