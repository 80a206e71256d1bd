"""Shutting the parse pool down while a bulk first sync has fetched-ahead tasks waiting
(service/fetchahead.py): Ctrl-C, or a parse worker's death, must not leave `cxinbox sync`
waiting forever. The pool's shutdown runs its futures' callbacks on its manager thread and
joins that thread; a callback that asked the sync for the pool waited on the lock the
shutdown held. Each case runs in a process of its own, given a bound to end in, since a
hung one would also hang the interpreter's exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.synchelp import server_digests, store_digests, write_config

from cxinbox.cli import EXIT_INTERRUPTED, EXIT_SERVER
from cxinbox.store.db import Database

pytestmark = [pytest.mark.dovecot]

ROOT = Path(__file__).resolve().parents[1]
BOUND = 120.0
"""Seconds a run may take: a whole first sync of CORPUS messages (its batches parsed on
the ingest thread after a worker's death) on a busy machine; a hang never ends."""
CORPUS = 900
"""Five batches of 200: the first is stored once the next two are fetched, with the recent
mail fetched ahead (the newest 200) waiting; that mail spans the last two batches (as
with 1,300, where every sync of the test took half as long again)."""

# The sync as `cxinbox sync --once` runs it, with one change: before the first batch is
# stored while the pool has tasks in flight and fetched-ahead tasks waiting, it is
# interrupted (SIGINT to itself, the Ctrl-C path), fails (an IMAP error raised there) or
# its parse worker is SIGKILLed.
_SYNC = r"""
import os, signal, sys
from cxinbox.service import fetchahead, sync

how, config = sys.argv[1], sys.argv[2]
feeders = []
real_init = fetchahead.IdleFeeder.__init__

def init(self, *args, **kwargs):
    real_init(self, *args, **kwargs)
    feeders.append(self)

real_store = sync.MailSync._store_batch
done = []

def store(self, *args, **kwargs):
    if not done and feeders:
        feeder = feeders[-1]
        with feeder._lock:
            waiting = len(feeder._waiting)
            busy = feeder._batches + feeder._running
        if waiting and busy:
            done.append(True)
            print(f"waiting {waiting} busy {busy}", flush=True)
            if how == "sigint":
                os.kill(os.getpid(), signal.SIGINT)
            elif how == "imap-error":
                from cxinbox.channels.imap import ImapError
                raise ImapError("injected: the connection was lost")
            else:
                for pid in list(self._pool._processes):
                    os.kill(pid, signal.SIGKILL)
    return real_store(self, *args, **kwargs)

fetchahead.IdleFeeder.__init__ = init
pools = []

class Counted(sync.ProcessPoolExecutor):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pools.append(self)

sync.ProcessPoolExecutor = Counted
import atexit
atexit.register(lambda: print(f"pools {len(pools)}", flush=True))
sync.MailSync._store_batch = store
from cxinbox.cli import main
main(["sync", "--once", "--quiet", "--config", config])
"""

# The reviewer's case without IMAP: three batches in flight on one worker and two tasks
# waiting when close() is called from another thread. The first batch runs for 2 s, so
# the two behind it are still queued for the busy worker when close() comes, as when
# each ran 2 s; they take no time of their own once it is their turn (2 s in all, not 6).
_CLOSE = r"""
import os, sys, threading, time
from concurrent.futures.process import BrokenProcessPool
from cxinbox.config import load_config
from cxinbox.service.sync import MailSync
from cxinbox.store.db import Database

config = load_config(sys.argv[1])
engine = MailSync(Database(config.db_path), config, lambda account: "")
with engine._feeding() as feeder:
    batches = [feeder.now(time.sleep, s) for s in (2, 0, 0)]
    waiting = [feeder.later(time.sleep, 0) for _ in range(2)]
    deadline = time.monotonic() + 60
    while not batches[0].running() and time.monotonic() < deadline:
        time.sleep(0.01)
    print("running" if batches[0].running() else "never-ran", flush=True)
    closing = threading.Thread(target=engine.close, daemon=True)
    closing.start()
    closing.join(60)
    print("hung" if closing.is_alive() else "closed", flush=True)
    for task in waiting:
        print("broken" if isinstance(task.exception(timeout=60), BrokenProcessPool)
              else "ran", flush=True)
    print("no-pool" if engine._pool is None else "new-pool", flush=True)
os._exit(0)
"""


def _run(args: list[str]) -> tuple[int, str, str]:
    """Run `args` in a session of its own; on a hang kill it all and fail."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=BOUND)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"still running after {BOUND:.0f} s (hung); it printed {out!r}")
    _wait_group_gone(proc.pid)
    return proc.returncode, out, err


def _wait_group_gone(pgid: int) -> None:
    """Every process the run started (its parse workers, the forkserver) ends with it."""
    deadline = time.monotonic() + 30
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            os.killpg(pgid, signal.SIGKILL)
            pytest.fail("processes of the run were left behind")
        time.sleep(0.05)


def _cache_is_exact(config: Path, dovecot: Any, *, sync_again: bool) -> None:
    if sync_again:
        rc, _out, err = _run([sys.executable, "-m", "cxinbox", "sync", "--once", "--quiet",
                              "--config", str(config)])
        assert rc == 0, err
    db = Database(config.parent / "data" / "cxinbox.db")
    try:
        assert store_digests(db) == server_digests(dovecot)
    finally:
        db.close()


@pytest.mark.parametrize("how", ["sigint", "imap-error", "worker-killed"])
def test_a_first_sync_stopped_with_tasks_waiting_ends(dovecot: Any, tmp_path: Path,
                                                      how: str) -> None:
    # Arrived now (INTERNALDATE): a whole batch of recent mail is fetched ahead.
    dovecot.deliver_many(generate_corpus(CORPUS, seed=7), "INBOX", date_from_header=False)
    config = write_config(tmp_path, dovecot, batch_size=200, extra_sync="parse_workers = 1")
    rc, out, err = _run([sys.executable, "-c", _SYNC, how, str(config)])
    assert out.startswith("waiting "), (out, err)  # it was stopped with tasks waiting
    assert "Traceback" not in err
    if how == "sigint":
        assert rc == EXIT_INTERRUPTED, err
    elif how == "imap-error":  # one line and its exit code, as for any IMAP failure
        assert rc == EXIT_SERVER, err
        assert err.strip().splitlines()[-1].endswith("injected: the connection was lost")
    else:  # the sync goes on, what the dead worker had parsed on the ingest thread
        assert rc == 0, err
        # one new pool: the batches that fail with the dead one, and the fetched-ahead
        # tasks failed when it was shut down, do not take the new pool down too
        assert out.split()[-2:] == ["pools", "2"], out
    _cache_is_exact(config, dovecot, sync_again=how != "worker-killed")


def test_close_with_batches_in_flight_and_tasks_waiting(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"""
[clinic]
name = "Test Clinic"
timezone = "America/New_York"

[store]
path = "{tmp_path / 'data' / 'cxinbox.db'}"

[sync]
parse_workers = 1
""")
    rc, out, err = _run([sys.executable, "-c", _CLOSE, str(config)])
    assert rc == 0, err
    # close() returned; the waiting tasks failed (their batches would be parsed on the
    # ingest thread) rather than going to a pool made again by a callback.
    assert out.split() == ["running", "closed", "broken", "broken", "no-pool"], err
