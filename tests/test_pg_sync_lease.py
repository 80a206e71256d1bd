"""Several servers on one PostgreSQL: each IMAP folder is synced by one of them at a time.

Two sync workers (separate processes, as two servers are) watch the same folder. Only the
one holding the folder's lease fetches; when it is killed with SIGKILL in the middle of a
bulk fetch, the other takes the lease within 30 s, resumes from the committed watermark,
and the cache ends equal to the server with nothing stored or counted twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.support.scriptproc import ScriptProcess
from tests.support.waiting import wait_until
from tests.synchelp import server_digests, store_digests, write_config

from cxinbox.store.pg.store import PgStore

pytestmark = pytest.mark.dovecot


WORKER = """
import sys, threading
from cxinbox.channels.credentials import resolve_password
from cxinbox.config import load_config
from cxinbox.service.sync import MailSync
from cxinbox.store.pg.store import PgStore

class Say:
    def folder_started(self, account, folder, new):
        print("started", new, flush=True)
    def advanced(self, count):
        print("advanced", count, flush=True)
    def warn(self, message):
        print("warn", message.replace(chr(10), " "), flush=True)

store = PgStore(sys.argv[2], max_size=4)
config = load_config(sys.argv[1])
engine = MailSync(store, config, lambda a: resolve_password(a.name, a.credentials), Say())
print("ready", flush=True)
engine.watch(threading.Event())
"""


def _worker(config: Path, url: str) -> ScriptProcess:
    """A sync worker process on the store at `url`."""
    return ScriptProcess(WORKER, str(config), url)


def _wait(what: str, cond: Callable[[], bool], timeout: float, step: float = 0.05) -> None:
    wait_until(cond, what, timeout=timeout, interval=step)


def test_one_worker_syncs_a_folder_and_the_other_takes_over(dovecot: Any, tmp_path: Path,
                                                             pg_url: str) -> None:
    total = 3000
    dovecot.deliver_many(generate_corpus(total, seed=11), "INBOX")
    config = write_config(tmp_path, dovecot, batch_size=50)
    store = PgStore(pg_url, max_size=2)
    workers: list[ScriptProcess] = []
    try:
        def committed() -> int:
            return int(store.conn.execute("SELECT count(*) FROM locations").fetchone()[0])

        first = _worker(config, pg_url)
        workers.append(first)
        _wait("the first worker to fetch", lambda: len(first.said("advanced")) >= 2, 120)
        second = _worker(config, pg_url)
        workers.append(second)
        _wait("the second worker to start", lambda: bool(second.said("ready")), 60)
        # The second one keeps trying the lease (every few seconds) while the first fetches.
        _wait("a few more batches", lambda: len(first.said("advanced")) >= 6, 120)
        assert not second.said("started") and not second.said("advanced")

        first.kill()
        killed_at = time.monotonic()
        at_kill = committed()
        assert 0 < at_kill < total, "the first worker must die in the middle of the fetch"

        _wait("the second worker to take over", lambda: bool(second.said("started")), 60)
        took, line = second.said("started")[0]
        assert took - killed_at < 30
        assert int(line.split()[1]) == total - at_kill  # resumed from the watermark

        expected = server_digests(dovecot)
        _wait("the cache to equal the server", lambda: store_digests(store) == expected, 180)
        assert len(expected) == total
        # Nothing twice: one message per server message, and the received events count
        # every message once (a batch replayed past the watermark would count again).
        assert int(store.conn.execute("SELECT count(*) FROM messages").fetchone()[0]) == total
        assert sum(_received_counts(store)) == total
        assert sum(int(line.split()[1]) for _, line in second.said("advanced")) == total - at_kill
    finally:
        for w in workers:
            w.kill()
        store.close()


def _received_counts(store: PgStore) -> list[int]:
    import json

    rows = store.conn.execute("SELECT details FROM events WHERE action = 'mail.received'"
                              ).fetchall()
    return [int((json.loads(r[0]) if isinstance(r[0], str) else r[0])["count"]) for r in rows]
