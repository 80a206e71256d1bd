"""A bulk sync into PostgreSQL killed (SIGKILL) while its recent mail is fetched ahead
(service/fetchahead.py: the newest batch's worth fetched after the first batch, held in
memory and assessed by the pool, joined to its own batch only when the fetch reaches it)
resumes exactly: what was fetched ahead and never stored is fetched again by the next
sync, nothing is stored twice, and at the end the cache equals the server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.support.pgsyncworker import SYNC_AND_INDEX
from tests.support.scriptproc import ScriptProcess
from tests.support.waiting import poll_until, wait_until
from tests.synchelp import server_digests, store_digests, write_config

from cxinbox.store.pg.store import INTAKE_LOCK, PgStore

pytestmark = [pytest.mark.dovecot, pytest.mark.slow]


# One sync pass. Says which UIDs it fetched ahead ("ahead LOWEST HIGHEST COUNT"), when
# those were joined to their batch ("joined COUNT"), when an ahead task has been handed to
# the pool ("handed") and when a batch has committed ("advanced COUNT").
WORKER = """
import sys
from cxinbox.channels.credentials import resolve_password
from cxinbox.config import load_config
from cxinbox.service import fetchahead, sync
from cxinbox.store.pg.store import INTAKE_LOCK, PgStore

made = fetchahead.Ahead.__init__

def init(self, fetched, feeder, own, oldest, *rest):
    made(self, fetched, feeder, own, oldest, *rest)
    uids = [f.uid for f in fetched]
    print("ahead", min(uids), max(uids), len(uids), flush=True)

fetchahead.Ahead.__init__ = init
joining = fetchahead.Ahead.join

def join(self, uids, fetched, parsing):
    before = len(self._held)
    out = joining(self, uids, fetched, parsing)
    if len(self._held) < before:
        print("joined", before - len(self._held), flush=True)
    return out

fetchahead.Ahead.join = join
starting = fetchahead.IdleFeeder._start

def start(self, item, **kwargs):
    print("handed", flush=True)
    return starting(self, item, **kwargs)

fetchahead.IdleFeeder._start = start

""" + SYNC_AND_INDEX

TOTAL = 1600
BATCH = 40


@pytest.mark.timeout(900)
def test_a_kill_with_mail_fetched_ahead_resumes_exactly(
        dovecot: Any, tmp_path: Path, pg_url: str) -> None:
    # Every message arrived "now" (INTERNALDATE), so the newest batch's worth is recent
    # mail the sync fetches ahead after its first batch.
    dovecot.deliver_many(generate_corpus(TOTAL, seed=29), "INBOX", date_from_header=False)
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

    resumed_from: list[int] = []
    left_at: list[int] = []
    try:
        # Killed first as soon as a batch is committed with the ahead tasks handed to the
        # pool, then later in the folder, both times before the fetch reached the mail it
        # had fetched ahead (stopped first, at once, then killed).
        for target in (BATCH, TOTAL // 3):
            worker = ScriptProcess(WORKER, str(config), pg_url)
            try:
                wait_until(lambda w=worker: w.said("started") or w.proc.poll() is not None,
                           "the sync to start", timeout=120)
                started = int(worker.said("started")[0][1].split()[1])

                def in_flight(w: ScriptProcess = worker, at_least: int = target) -> bool:
                    """Once mail is fetched ahead and `at_least` stored, the sync is
                    stopped (SIGSTOP) right here, before this test, starved on a busy
                    machine, gets round to killing it: it cannot reach the mail it
                    fetched ahead meanwhile."""
                    if w.proc.poll() is not None:
                        return True
                    if committed()[1] < at_least or not (w.said("ahead") and w.said("handed")):
                        return False
                    w.freeze()
                    return True

                wait_until(in_flight, f"mail fetched ahead and {target} stored",
                           timeout=300, interval=0.01)
                assert worker.proc.poll() is None, "the sync ended before it could be killed"
                worker.kill()
                worker.read_all()  # everything it said before it was stopped
                ahead = worker.said("ahead")[0][1].split()
                lowest, count = int(ahead[1]), int(ahead[3])
                assert count > 0
                assert not worker.said("joined")  # the mail fetched ahead was not stored
            finally:
                worker.kill()
            resumed_from.append(started)
            # The server ended the killed connection's transaction: let its lock go.
            wait_until(lambda: not writing(), "the killed sync's transaction to end",
                       timeout=60)
            watermark, stored_count = committed()
            assert watermark < lowest
            # Every UID up to the watermark, none above: nothing fetched ahead was stored.
            stored = sorted(store_digests(store))  # type: ignore[arg-type]
            server = sorted(server_digests(dovecot))
            assert stored == [u for u in server if u <= watermark]
            assert stored_count == len(stored) and 0 < stored_count < TOTAL
            left_at.append(stored_count)

        final = ScriptProcess(WORKER, str(config), pg_url)
        try:
            assert poll_until(lambda: final.said("done") or final.proc.poll() is not None,
                              timeout=600)
            assert final.said("done"), "the resumed sync did not finish"
            assert final.said("joined"), "the resumed sync fetched nothing ahead"
            resumed_from.append(int(final.said("started")[0][1].split()[1]))
        finally:
            final.kill()

        # Each sync resumed from the watermark the one before left.
        assert resumed_from == [TOTAL] + [TOTAL - count for count in left_at]
        assert store_digests(store) == server_digests(dovecot)  # type: ignore[arg-type]
        messages, raws = store.conn.execute(
            "SELECT count(*), count(DISTINCT raw_id) FROM messages").fetchone()
        assert int(messages) == int(raws) == TOTAL
        received = [json.loads(r[0]) if isinstance(r[0], str) else r[0]
                    for r in store.conn.execute(
                        "SELECT details FROM events WHERE action = 'mail.received'")]
        assert sum(int(d["count"]) for d in received) == TOTAL  # each counted once
        assert store.conn.execute(
            "SELECT count(*) FROM conversations WHERE message_count <>"
            " (SELECT count(*) FROM messages m WHERE m.conversation_id = conversations.id)"
        ).fetchone()[0] == 0
        # The recent mail was assessed (fetched ahead, or in its batch after a kill).
        assert store.conn.execute(
            "SELECT count(*) FROM messages WHERE red_flag IS NOT NULL").fetchone()[0] > 0
    finally:
        store.close()
