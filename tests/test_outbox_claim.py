"""Claiming the next due outbox item in one statement (store/outbox.py `claim_next`), on
both backends, and on PostgreSQL what several servers' workers rely on: a row another
worker holds is skipped, not waited for, and a queued reply notifies the outbox's own
channel (the PG_TUNING trigger) while other outbox updates do not."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from tests.support.waiting import wait_until

from cxinbox.store import outbox
from cxinbox.store.dialect import OUTBOX_CHANNEL

NOW = 1_800_000_000_000


def _queue(store: Any, subject: str, due_ms: int) -> int:
    with store.write() as conn:
        return outbox.insert_item(
            conn, conversation_id=None, author="maria", channel="email", account="desk",
            sender="desk@clinic.example", recipients=["pat@patients.example"],
            subject=subject, message_id=f"<{subject}@clinic.example>", raw=b"raw",
            body="hello", draft={}, now_ms=due_ms - 1000, send_after_ms=due_ms)


def _claim(store: Any, now_ms: int, owner: int = 7) -> int | None:
    with store.write() as conn:
        return outbox.claim_next(conn, now_ms, owner)


def _state(store: Any, item_id: int) -> tuple[str, int, int]:
    with store.read() as conn:
        row = conn.execute("SELECT state, owner_pid, attempts FROM outbox WHERE id = ?",
                           (item_id,)).fetchone()
    return str(row[0]), int(row[1] or 0), int(row[2])


def test_claim_next_takes_due_items_oldest_first_and_none_when_none_is_due(
        any_store: Any) -> None:
    later = _queue(any_store, "later", NOW + 60_000)
    second = _queue(any_store, "second", NOW - 1000)
    first = _queue(any_store, "first", NOW - 5000)
    assert _claim(any_store, NOW) == first
    assert _state(any_store, first) == ("sending", 7, 1)
    assert _claim(any_store, NOW, owner=8) == second
    assert _state(any_store, second) == ("sending", 8, 1)
    assert _claim(any_store, NOW) is None  # `later` is not due yet
    assert _state(any_store, later)[0] == "queued"
    assert _claim(any_store, NOW + 60_000) == later


# PostgreSQL only: SQLite writers take turns, so no row is held by another writer, and
# notifications are PostgreSQL's.
ON_POSTGRESQL = pytest.mark.parametrize("store_backend", ["postgresql"], indirect=True)


@ON_POSTGRESQL
def test_claim_next_skips_a_row_another_worker_holds(store_backend: str,
                                                     any_store: Any) -> None:
    import psycopg

    held = _queue(any_store, "held", NOW - 5000)
    free = _queue(any_store, "free", NOW - 1000)
    with psycopg.connect(any_store.url) as other:  # another server mid-claim on `held`
        other.execute("SELECT id FROM outbox WHERE id = %s FOR UPDATE", (held,))
        done: list[int | None] = []
        claimer = threading.Thread(target=lambda: done.append(_claim(any_store, NOW)))
        claimer.start()
        claimer.join(30)
        assert done == [free]  # not blocked on the held row: moved on to the next
        other.rollback()
    assert _claim(any_store, NOW) == held


@ON_POSTGRESQL
def test_a_queued_reply_notifies_the_outbox_channel_and_a_sent_one_does_not(
        store_backend: str, any_store: Any) -> None:
    import psycopg

    heard: list[str] = []
    with psycopg.connect(any_store.url, autocommit=True) as listener:
        listener.execute(f"LISTEN {OUTBOX_CHANNEL}")

        def drain() -> bool:
            heard.extend(n.channel for n in listener.notifies(timeout=0.2, stop_after=1))
            return bool(heard)

        item = _queue(any_store, "queued", NOW)
        wait_until(drain, "the notification of a queued reply", timeout=30)
        assert heard[0] == OUTBOX_CHANNEL
        heard.clear()
        assert _claim(any_store, NOW) == item
        with any_store.write() as conn:
            outbox.mark_sent(conn, item, NOW)
            # Committed after the two updates: had either notified, it would come first.
            conn.execute("SELECT pg_notify(?, 'marker')", (OUTBOX_CHANNEL,))
        got = list(listener.notifies(timeout=30, stop_after=1))
        assert [n.payload for n in got] == ["marker"]


@ON_POSTGRESQL
def test_a_shared_workers_look_for_dead_peers_items_is_on_a_timer(
        store_backend: str, any_store: Any) -> None:
    """A worker on a shared store settles items dead senders left in "sending" at its first
    pass and then every `recover_every_s`, not on every pass (other servers' queued
    replies wake it as often as every PASS_GAP_S)."""
    from cxinbox.config import load_config_text
    from cxinbox.service.outbox import _TOKEN_FLOOR, OutboxWorker

    dead = _TOKEN_FLOOR + 17  # a sender token whose lease nobody holds
    first = _queue(any_store, "first", NOW - 5000)
    assert _claim(any_store, NOW, owner=dead) == first
    worker = OutboxWorker(any_store, load_config_text('[clinic]\ntimezone = "UTC"\n'),
                          shared=True, copy_to_sent_folder=False)
    worker.recover_every_s = 3600.0
    assert worker.process_due(now=0) == 0  # now=0: nothing is due, only recovery runs
    assert _state(any_store, first)[0] == "queued"

    second = _queue(any_store, "second", NOW - 5000)
    with any_store.write() as conn:
        assert outbox.claim(conn, second, NOW, dead + 1)
    worker.process_due(now=0)
    assert _state(any_store, second)[0] == "sending"  # not looked for again yet
    worker.recover_every_s = 0.0
    worker.process_due(now=0)
    assert _state(any_store, second)[0] == "queued"
