"""Closing the SQLite store while other threads are inside statements on it.

A change-feed reader was still reading the newest event when a test (and a quitting TUI)
closed the store: CPython's sqlite3 then dereferences the closed connection and the whole
process dies (a segfault that took a CI run down with it). The race runs in a child
process so that a crash is a failed assertion here, not a dead test worker.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

RACE = textwrap.dedent('''
    import sys, threading, time
    from pathlib import Path
    from cxinbox.store.db import Database

    db = Database(Path(sys.argv[1]))
    db.conn.execute("CREATE TABLE t(x)")
    db.conn.execute("INSERT INTO t VALUES (1)")
    answered = [0]

    def reader(stop):
        conn = db.conn
        while not stop.is_set():
            try:
                conn.execute("SELECT max(x) FROM t WHERE x > ?", (0,)).fetchone()
                answered[0] += 1
            except Exception:
                conn = db.conn  # a closed connection refuses cleanly: take a fresh one

    for _ in range(150):
        stop = threading.Event()
        threads = [threading.Thread(target=reader, args=(stop,)) for _ in range(3)]
        for t in threads:
            t.start()
        while answered[0] == 0:
            time.sleep(0.0005)
        db.close()
        stop.set()
        for t in threads:
            t.join()
        answered[0] = 0
    db.close()
    print("survived")
''')


def test_closing_while_other_threads_read_does_not_crash(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", RACE, str(tmp_path / "race.db")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.strip() == "survived"


def test_close_still_closes_this_threads_connection(tmp_path: Path) -> None:
    import sqlite3

    import pytest

    from cxinbox.store.db import Database

    db = Database(tmp_path / "mine.db")
    conn = db.conn
    db.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
    assert db.conn is not conn  # a later use opens a fresh one
    db.close()


async def test_closing_the_feed_waits_for_the_read_running_on_its_thread() -> None:
    """The in-process API's feed reads on threads of its own; the store is closed only
    after `close` returns, so a read still running must have ended by then."""
    import asyncio
    import threading

    from cxinbox.api.live import ChangeFeed

    entered, release = threading.Event(), threading.Event()
    finished: list[int] = []

    def slow_head() -> int:
        entered.set()
        release.wait(10)
        finished.append(1)
        return 7

    feed = ChangeFeed(slow_head)
    reading = asyncio.ensure_future(feed.run(feed.read_head))
    await asyncio.to_thread(entered.wait, 10)
    threading.Timer(0.2, release.set).start()
    assert await asyncio.to_thread(feed.close) is True
    assert finished == [1]  # close returned only after the read ended
    assert await reading == 7


def test_closing_the_feed_gives_up_on_a_stuck_read() -> None:
    import asyncio
    import threading

    from cxinbox.api.live import ChangeFeed

    entered, release = threading.Event(), threading.Event()

    def stuck() -> int:
        entered.set()
        release.wait(10)
        return 1

    feed = ChangeFeed(stuck)

    async def start() -> None:
        asyncio.ensure_future(feed.run(feed.read_head))
        await asyncio.to_thread(entered.wait, 10)
        assert feed.close(wait_s=0.05) is False  # still running: the caller is told
        release.set()

    asyncio.run(start())
