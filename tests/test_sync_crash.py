"""Crash safety: SIGKILL the sync process at random moments; the cache must end exact."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.synchelp import live_message_count, server_digests, store_digests, write_config

from cxinbox.store.db import Database

pytestmark = [pytest.mark.dovecot, pytest.mark.slow]

KILLS = 20
# Sync commits every 100 messages here (synchelp's batch_size): 1,500 messages and kills
# after up to 600 new ones still land on either side of many commits, at half the cost
# of twice the mail.
CORPUS = 1500
MOST_NEW = CORPUS * 2 // 5
"""The most new messages a run may store before its kill."""
TAIL = 200
"""Messages (two commits) a run still has to fetch when its kill comes at the latest."""


def _sync_cmd(config: Path) -> list[str]:
    return [sys.executable, "-m", "cxinbox", "sync", "--once", "--quiet", "--config", str(config)]


def _stored(tmp_path: Path) -> int:
    path = tmp_path / "data" / "cxinbox.db"
    if not path.exists():
        return 0
    db = Database(path)
    try:
        return live_message_count(db)
    finally:
        db.close()


@pytest.mark.timeout(1200)  # its own waits add up to more than the suite's 300 s guard
def test_sigkill_at_random_moments_loses_and_duplicates_nothing(dovecot: Any,
                                                                 tmp_path: Path) -> None:
    dovecot.deliver_many(generate_corpus(CORPUS, seed=3), "INBOX")
    on_server = CORPUS
    config = write_config(tmp_path, dovecot)
    rng = random.Random(20261125)
    kills = 0
    progress: set[int] = set()
    attempts = 0
    while kills < KILLS and attempts < KILLS * 4:
        attempts += 1
        before = _stored(tmp_path)
        if on_server - before < MOST_NEW + TAIL:
            # More mail first, so that this run is still syncing when its kill comes: a
            # run that finished the mailbox first would cost a whole sync and prove
            # nothing more (it was topped up only after such a run before).
            dovecot.deliver_many(generate_corpus(CORPUS // 2, seed=100 + attempts), "INBOX")
            on_server += CORPUS // 2
        proc = subprocess.Popen(_sync_cmd(config), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        # Kill once this run has stored a random number of new messages (or at a random
        # moment before its first commit): a loaded machine only makes us wait longer, it
        # never moves every kill into start-up.
        target = before + rng.choice((0, rng.randint(1, MOST_NEW)))
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if target == before:
                time.sleep(rng.uniform(0.05, 0.3))
                break
            if _stored(tmp_path) >= target:
                break
            time.sleep(0.02)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
            progress.add(_stored(tmp_path))
        else:  # it finished the mailbox before its kill: the next run gets more mail
            err = proc.stderr.read().decode() if proc.stderr else ""
            assert proc.returncode == 0, err
        if proc.stderr:
            proc.stderr.close()
    assert kills == KILLS
    # The kills landed at different points of the sync, not only during start-up.
    assert len(progress - {0}) >= 5, sorted(progress)
    final = subprocess.run(_sync_cmd(config), capture_output=True, text=True, timeout=300,
                           check=False)
    assert final.returncode == 0, final.stderr
    db = Database(tmp_path / "data" / "cxinbox.db")
    try:
        expected = server_digests(dovecot)
        assert store_digests(db) == expected
        assert live_message_count(db) == len(expected)
        dupes = db.conn.execute("SELECT count(*) FROM (SELECT raw_id FROM messages"
                                " GROUP BY raw_id HAVING count(*) > 1)").fetchone()[0]
        assert dupes == 0
        assert db.integrity_check() == "ok"
        fts = db.conn.execute("INSERT INTO messages_fts(messages_fts, rank)"
                              " VALUES ('integrity-check', 1)")
        assert fts is not None  # integrity-check raises on a damaged index
        upto, newest = db.conn.execute("SELECT (SELECT upto FROM fts_progress),"
                                       " (SELECT max(id) FROM messages)").fetchone()
        assert upto == newest  # no message left out of search by a kill mid-index
    finally:
        db.close()
