"""A bulk sync fetches its recent mail ahead and assesses it while the pool would wait
(service/fetchahead.py): the stored messages and findings must be exactly those of a sync
that fetches in order and assesses on the ingest thread, and the pool's task order is
what the ingest needs first."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.synchelp import make_sync, server_digests, store_digests, write_config

from cxinbox.channels.imap import FetchedRaw, ImapSession
from cxinbox.domain import triage
from cxinbox.service import sync
from cxinbox.service.fetchahead import IdleFeeder, Joined
from cxinbox.service.parsepool import Parsed

pytestmark = [pytest.mark.dovecot]

_WORDS = ("I have had crushing chest pain for an hour, it goes into my left arm and I am"
          " sweating and short of breath.")


def _odd_one(ago: timedelta = timedelta(hours=2), name: str = "odd-one") -> bytes:
    """Dated `ago` by its Date header. Delivered with an INTERNALDATE 40 days old, it is
    old however recent its Date: the search for recent mail does not find it, and neither
    way of syncing assesses it (a first sync's backlog). Dated a year ago and received
    now, it is a present emergency: fetched ahead, assessed, flagged."""
    when = format_datetime(datetime.now(UTC) - ago)
    return (f"From: Lee Park <lee.park@patient.example>\r\nTo: appointments@riverside-"
            f"clinic.example\r\nSubject: help\r\nDate: {when}\r\n"
            f"Message-ID: <{name}@patient.example>\r\n\r\n{_WORDS}\r\n").encode()


def _rows(db: Any) -> list[tuple[object, ...]]:
    return list(db.conn.execute(
        "SELECT message_id, intent, intent_confidence, red_flag, red_flag_matched"
        " FROM messages ORDER BY message_id").fetchall())


@pytest.mark.parametrize("dated", [True, False], ids=["by-header", "all-arrived-now"])
def test_fetched_ahead_stores_and_assesses_as_in_order(
        dovecot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dated: bool) -> None:
    assert triage.assess(_WORDS).red_flag == "chest_pain"
    corpus = list(generate_corpus(400, seed=3))
    dovecot.deliver_many(corpus[:200], "INBOX", date_from_header=dated)
    dovecot.deliver(_odd_one(), "INBOX", flags="S",
                    internaldate=datetime.now(UTC) - timedelta(days=40))
    dovecot.deliver(_odd_one(timedelta(days=400), "year-old-date"), "INBOX", flags="S")
    dovecot.deliver_many(corpus[200:], "INBOX", date_from_header=dated)

    searched: list[list[int]] = []
    real_search = ImapSession.uids_arrived_since

    def spy(self: ImapSession, last_uid: int, day: Any) -> list[int]:
        found = real_search(self, last_uid, day)
        searched.append(found)
        return found

    monkeypatch.setattr(ImapSession, "uids_arrived_since", spy)
    found = {}
    for name, threshold in (("pool", 300), ("inline", 10**9)):
        monkeypatch.setattr(sync, "_POOL_THRESHOLD", threshold)
        (tmp_path / name).mkdir()
        _config, db, engine = make_sync(write_config(tmp_path / name, dovecot))
        try:
            engine.sync_once()
            found[name] = _rows(db)
            assert store_digests(db) == server_digests(dovecot)
        finally:
            engine.close()
            db.close()
    assert len(searched) == 1  # the pool's sync looked for recent mail; the inline one not
    recent = searched[0]
    assert recent and 201 not in recent  # the odd one (UID 201) is not found by SEARCH
    assert 202 in recent  # the year-old Date: received now
    if not dated:
        assert len(recent) == 401  # every message but the odd one arrived "now"
    assert found["pool"] == found["inline"]
    flagged = {row[0]: row[3] for row in found["pool"] if row[3]}
    assert "odd-one@patient.example" not in flagged
    assert flagged["year-old-date@patient.example"] == "chest_pain"
    assert "chest_pain" in {v for k, v in flagged.items()
                            if k != "year-old-date@patient.example"}


def _wait(future: Future[Any]) -> Any:
    return future.result(timeout=30)


def test_the_feeder_waits_for_the_first_batch_and_for_fewer_batches_in_flight() -> None:
    """Nothing goes before the first batch; a waiting task goes beside one batch in
    flight (the newest, stored two fetches later), not beside two."""
    ran: list[str] = []
    holds = [threading.Event(), threading.Event()]
    started = [threading.Event(), threading.Event()]

    def batch(k: int) -> Parsed:
        started[k].set()
        assert holds[k].wait(30)
        ran.append(f"batch{k}")
        return [], {}, {}

    with ThreadPoolExecutor(max_workers=3) as pool:
        feeder = IdleFeeder(lambda: pool)
        first = feeder.later(ran.append, "prepare")
        second = feeder.later(ran.append, "assess")
        # (a task handed over is marked running before it goes to the pool)
        assert ran == [] and not first.running() and not first.done()
        running = [feeder.now(batch, 0)]
        assert started[0].wait(30)
        _wait(first)  # beside one batch
        _wait(second)
        running.append(feeder.now(batch, 1))
        assert started[1].wait(30)
        third = feeder.later(ran.append, "more")
        fourth = feeder.later(ran.append, "last")
        assert not third.running() and not fourth.running()  # two batches in flight...
        holds[0].set()
        _wait(running[0])
        _wait(third)  # ...then one
        _wait(fourth)
        holds[1].set()
        _wait(running[1])
    assert ran == ["prepare", "assess", "batch0", "more", "last", "batch1"]


def test_a_started_feeder_hands_over_before_the_first_batch_one_task_at_a_time() -> None:
    """`start`: readying the detectors goes while the first batch is fetched; the batch
    then waits for the one task handed over, not for every one waiting."""
    hold = threading.Event()
    ran: list[str] = []

    def part(name: str) -> None:
        assert hold.wait(30)
        ran.append(name)

    with ThreadPoolExecutor(max_workers=3) as pool:
        feeder = IdleFeeder(lambda: pool)
        first = feeder.later(part, "first")
        second = feeder.later(part, "second")
        assert not first.running()
        feeder.start()
        assert first.running() and not second.running()  # one at a time
        batch = feeder.now(lambda: ran.append("batch") or ([], {}))
        _wait(batch)  # beside the running part (a pool of three)
        assert not second.running()
        hold.set()
        _wait(first)
        _wait(second)
    assert ran == ["batch", "first", "second"]


def test_force_hands_everything_over_and_failures_reach_the_caller() -> None:
    hold = threading.Event()

    def batch() -> Parsed:
        assert hold.wait(30)
        return [], {}, {}

    def broken() -> None:
        raise BrokenProcessPool("worker died")

    with ThreadPoolExecutor(max_workers=3) as pool:
        feeder = IdleFeeder(lambda: pool)
        running = feeder.now(batch)
        waiting = feeder.later(broken)
        assert not waiting.running()
        feeder.force()  # the batch still runs: the task goes anyway
        with pytest.raises(BrokenProcessPool):
            _wait(waiting)
        hold.set()
        _wait(running)


def test_ctrl_c_while_handing_a_task_over_stops_the_caller() -> None:
    """A KeyboardInterrupt met while a waiting task goes to the pool is the sync's (the
    thread that handed it over), not the task's: a task nobody reads, such as readying
    the detectors, would have kept it and the sync gone on to exit 0."""
    class Interrupted(ThreadPoolExecutor):
        armed = False

        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            if self.armed:
                raise KeyboardInterrupt
            return super().submit(fn, *args, **kwargs)

    with Interrupted(max_workers=2) as pool:
        feeder = IdleFeeder(lambda: pool)
        _wait(feeder.now(lambda: ([], {})))
        pool.armed = True
        with pytest.raises(KeyboardInterrupt):
            feeder.later(print, "never")
        pool.armed = False
        waiting = feeder.later(str, "next")  # the feeder is not left stuck
        assert _wait(waiting) == "next"


def test_joined_reads_back_in_uid_order_and_raises_a_broken_pool() -> None:
    def raw(uid: int) -> FetchedRaw:
        return FetchedRaw(uid, "", None, None, f"m{uid}".encode())

    own: Future[Parsed] = Future()
    own.set_result(([(b"s3", "p3"), (b"s5", "p5")], {b"s3": None},  # type: ignore[list-item]
                    {b"s5": "v5"}))
    ahead: Future[Parsed] = Future()
    ahead.set_result(([(b"s9", "p9"), (b"s4", "p4")], {b"s4": "a4", b"s9": "a9"},  # type: ignore[list-item,dict-item]
                      {b"s4": "v4", b"s9": "v9"}))
    both = [raw(3), raw(4), raw(5)]
    joined = Joined([raw(3), raw(5)], own, both, {4: (ahead, 1)})
    parsed, ready, vectors = joined.result()
    assert parsed == [(b"s3", "p3"), (b"s4", "p4"), (b"s5", "p5")]
    assert ready == {b"s3": None, b"s4": "a4"}  # only this batch's messages
    assert vectors == {b"s4": "v4", b"s5": "v5"}

    broken: Future[Parsed] = Future()
    broken.set_exception(BrokenProcessPool("worker died"))
    with pytest.raises(BrokenProcessPool):
        Joined([raw(3), raw(5)], own, both, {4: (broken, 1)}).result()


def test_a_parse_worker_killed_mid_sync_loses_nothing(
        dovecot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's worker dies after the first batch is stored, with the recent mail's
    tasks waiting or running: every batch after it is parsed and assessed on the ingest
    thread (a new pool or none), and the cache ends as exact as an in-order sync's."""
    import os
    import signal

    dovecot.deliver_many(generate_corpus(400, seed=3), "INBOX")
    real_store = sync.MailSync._store_batch
    killed: list[int] = []

    def store_then_kill(self: sync.MailSync, *args: Any, **kwargs: Any) -> None:
        real_store(self, *args, **kwargs)
        if not killed and self._pool is not None:
            for pid in list(self._pool._processes):  # type: ignore[attr-defined]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    found = {}
    for name, threshold in (("inline", 10**9), ("killed", 300)):
        monkeypatch.setattr(sync, "_POOL_THRESHOLD", threshold)
        if name == "killed":
            monkeypatch.setattr(sync.MailSync, "_store_batch", store_then_kill)
        (tmp_path / name).mkdir()
        _config, db, engine = make_sync(write_config(tmp_path / name, dovecot))
        try:
            engine.sync_once()
            found[name] = _rows(db)
            assert store_digests(db) == server_digests(dovecot)
        finally:
            engine.close()
            db.close()
    assert killed
    assert found["killed"] == found["inline"]
    assert [row[3] for row in found["killed"] if row[3]] == ["chest_pain"]
