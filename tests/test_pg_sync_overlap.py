"""A bulk sync into PostgreSQL writes one batch while it fetches the next (the writer
thread of service/sync.py). Killed with SIGKILL while a batch is being written and the
next one is already fetched, a sync loses nothing and stores nothing twice: what is
committed is always every server UID up to the folder's watermark and none above it, the
next sync resumes from there, and at the end the cache equals the server.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.support.pgcluster import PgCluster
from tests.support.pgsyncworker import SYNC_AND_INDEX
from tests.support.scriptproc import ScriptProcess
from tests.support.waiting import poll_until, wait_until
from tests.synchelp import server_digests, store_digests, write_config

from cxinbox.store.pg.store import INTAKE_LOCK, PgStore

pytestmark = [pytest.mark.dovecot, pytest.mark.slow]

_names = itertools.count(1)

# One sync pass; says when a fetched batch is handed to the writer ("queued WATERMARK")
# and when a batch has committed ("advanced COUNT").
WORKER = """
import sys
from cxinbox.channels.credentials import resolve_password
from cxinbox.config import load_config
from cxinbox.service import sync
from cxinbox.store.pg.store import PgStore

handed = sync._BatchWriter.put

def put(self, item):
    handed(self, item)
    print("queued", item[0], flush=True)

sync._BatchWriter.put = put

""" + SYNC_AND_INDEX

TOTAL = 2400
BATCH = 40


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    name = f"pgoverlap_{os.getpid()}_{next(_names)}"
    pg_cluster.create_database(name)
    PgStore(pg_cluster.url(name)).close()
    yield pg_cluster.url(name)
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server_uids(server: Any) -> list[int]:
    client = server.imap_client()
    try:
        client.select_folder("INBOX", readonly=True)
        return sorted(int(u) for u in client.search("ALL"))
    finally:
        client.logout()


def _kill_while_writing(worker: ScriptProcess, target: int,
                        committed: Callable[[], tuple[int, int]],
                        writing: Callable[[], bool]) -> int:
    """SIGKILL `worker` once `target` messages are committed, while a batch is in the
    writer's transaction and a later one is already fetched and handed over (the overlap
    is what is tested); returns how many new messages the sync started with."""
    wait_until(lambda: worker.said("started"), "the sync to start", timeout=120)
    started = int(worker.said("started")[0][1].split()[1])

    def busy_and_ahead() -> bool:
        if worker.proc.poll() is not None:
            return True
        watermark, count = committed()
        if count < target or not writing():
            return False
        queued = [int(line.split()[1]) for _, line in worker.said("queued")]
        return bool(queued) and max(queued) > watermark

    wait_until(busy_and_ahead, f"a busy writer past {target} messages", timeout=300,
               interval=0.01)
    assert worker.proc.poll() is None, "the sync ended before it could be killed"
    worker.kill()
    return started


@pytest.mark.timeout(900)
def test_a_kill_while_the_writer_is_busy_loses_and_repeats_nothing(
        dovecot: Any, tmp_path: Path, pg_url: str) -> None:
    dovecot.deliver_many(generate_corpus(TOTAL, seed=23), "INBOX")
    uids = _server_uids(dovecot)
    assert len(uids) == TOTAL
    config = write_config(tmp_path, dovecot, batch_size=BATCH)
    store = PgStore(pg_url, max_size=2)

    def committed() -> tuple[int, int]:
        """(the folder's watermark, how many locations are stored)."""
        row = store.conn.execute(
            "SELECT coalesce((SELECT last_uid FROM folders WHERE name = 'INBOX'), 0),"
            " (SELECT count(*) FROM locations)").fetchone()
        return int(row[0]), int(row[1])

    def writing() -> bool:
        """A batch is being written: a transaction holds the intake lock."""
        return bool(store.conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = ? AND objid = ?",
            (INTAKE_LOCK >> 32, INTAKE_LOCK & 0xFFFFFFFF)).fetchone()[0])

    kills = 0
    resumed_from: list[int] = []
    left_at: list[int] = []
    try:
        for target in (TOTAL // 6, TOTAL // 3, TOTAL // 2):
            worker = ScriptProcess(WORKER, str(config), pg_url)
            try:
                resumed_from.append(_kill_while_writing(worker, target, committed, writing))
                kills += 1
            finally:
                worker.kill()
            # The server ended the killed connection's transaction: let its lock go.
            wait_until(lambda: not writing(), "the killed sync's transaction to end",
                       timeout=60)
            watermark, count = committed()
            # Every UID up to the watermark, none above: batches commit whole and in order.
            stored = sorted(store_digests(store))  # type: ignore[arg-type]
            assert stored == [u for u in uids if u <= watermark]
            assert count == len(stored) and 0 < count < TOTAL
            left_at.append(count)

        assert kills == 3
        final = ScriptProcess(WORKER, str(config), pg_url)
        try:
            assert poll_until(lambda: final.said("done") or final.proc.poll() is not None,
                              timeout=600)
            assert final.said("done"), "the resumed sync did not finish"
            resumed_from.append(int(final.said("started")[0][1].split()[1]))
        finally:
            final.kill()

        # Each sync resumed from the watermark the one before left.
        assert resumed_from == [TOTAL] + [TOTAL - count for count in left_at]
        expected = server_digests(dovecot)
        assert store_digests(store) == expected  # type: ignore[arg-type]
        messages, raws = store.conn.execute(
            "SELECT count(*), count(DISTINCT raw_id) FROM messages").fetchone()
        assert int(messages) == int(raws) == TOTAL
        received = [json.loads(r[0]) if isinstance(r[0], str) else r[0]
                    for r in store.conn.execute(
                        "SELECT details FROM events WHERE action = 'mail.received'")]
        # Every message counted once: a batch written again past the watermark would
        # count again, a batch lost would leave a gap in the message ids.
        assert sum(int(d["count"]) for d in received) == TOTAL
        bounds = sorted((int(d["after"]), int(d["upto"])) for d in received)
        assert all(b[0] == a[1] for a, b in itertools.pairwise(bounds))
        assert store.conn.execute(
            "SELECT count(*) FROM conversations WHERE message_count <>"
            " (SELECT count(*) FROM messages m WHERE m.conversation_id = conversations.id)"
        ).fetchone()[0] == 0
        # The search vectors the killed syncs left unmade were made by the resumed one's
        # pass after it, each as the row's trigger makes it.
        assert store.conn.execute(
            "SELECT count(*) FROM messages m LEFT JOIN message_search s ON s.message_id = m.id"
            " WHERE s.search IS DISTINCT FROM"
            " cxinbox_message_search(m.subject, m.sender, m.body_text)").fetchone()[0] == 0
        assert store.conn.execute("SELECT count(*) FROM message_unindexed").fetchone()[0] == 0
    finally:
        store.close()


def test_the_writer_stores_in_order_and_a_failure_stops_it_and_reaches_the_fetch() -> None:
    """Batches are written one at a time in the order handed over; a failed write stops
    the writer (nothing after it is written) and is raised where the fetch hands over the
    next batch, or where it finishes."""
    import threading

    from cxinbox.service.sync import _BatchWriter

    written: list[int] = []
    release = threading.Event()

    def store(item: Any) -> None:
        release.wait(30)
        if item[0] == 3:
            raise RuntimeError("the database went away")
        written.append(item[0])

    writer = _BatchWriter(store, "test-writer")
    writer.put((1, [], None))
    writer.put((2, [], None))  # waits beside the first
    release.set()
    writer.put((3, [], None))
    with pytest.raises(RuntimeError, match="went away"):
        for watermark in range(4, 100):
            writer.put((watermark, [], None))
    with pytest.raises(RuntimeError, match="went away"):
        writer.finish()
    assert written == [1, 2]

    done: list[int] = []
    writer = _BatchWriter(lambda item: done.append(item[0]), "test-writer")
    for watermark in range(1, 30):
        writer.put((watermark, [], None))
    writer.finish()
    assert done == list(range(1, 30))
