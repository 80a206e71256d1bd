"""The backlog's one summary page is paged again only when its pager can no longer be
paging it, each time under a paging event of its own committed first, and at most
MAX_PAGINGS times; a `sla.backlog_told` write that fails does not page again at every
round. The store's failure is real: a trigger on the events table refuses the told write
(as a full disk or a blip would) until the test drops it. Real hook, real stores (both)."""

from __future__ import annotations

import json
import time
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.waiting import wait_until
from tests.test_backlog_mark import OWN, _days_ago, _desk, _fetched, _heard, _rows
from tests.test_rules import patient_mail

from cxinbox.service.sla_monitor import MAX_PAGINGS, PAGING_MARGIN_S, SlaMonitor

SQLITE_REFUSE = ("CREATE TRIGGER refuse_told BEFORE INSERT ON events"
                 " WHEN NEW.action = 'sla.backlog_told'"
                 " BEGIN SELECT RAISE(ABORT, 'no space left on device'); END")
PG_REFUSE = (("CREATE FUNCTION refuse_told() RETURNS trigger LANGUAGE plpgsql AS $f$"
              " BEGIN IF NEW.action = 'sla.backlog_told' THEN"
              " RAISE EXCEPTION 'no space left on device'; END IF; RETURN NEW; END $f$"),
             ("CREATE TRIGGER refuse_told BEFORE INSERT ON events FOR EACH ROW"
              " EXECUTE FUNCTION refuse_told()"))
PG_ALLOW = ("DROP TRIGGER refuse_told ON events", "DROP FUNCTION refuse_told()")


def _refuse_told(store: Any, store_backend: str, refuse: bool) -> None:
    with store.writing() as tx:
        if store_backend == "sqlite":
            tx.conn.execute(SQLITE_REFUSE if refuse else "DROP TRIGGER refuse_told")
        else:
            for statement in PG_REFUSE if refuse else PG_ALLOW:
                tx.conn.execute(statement)


def _owing(store: Any, tmp_path: Path, dovecot: Any) -> tuple[Any, Any, Path, int]:
    """A desk whose first sync stored one old message and ended: one page owed."""
    config, rules, notified = _desk(tmp_path, dovecot, store)
    now = int(time.time())
    raw = patient_mail("Old", message_id="old@p.example", date=format_datetime(_days_ago(6)))
    with store.writing() as tx:
        state = tx.folder_state("appointments", "INBOX")
        tx.ingest_batch(state, [_fetched(1, raw, now - 6 * 86400)], own_addresses=OWN,
                        watermark=1, now=now, backlog_before=now - 72 * 3600)
        tx.mark_synced(state.id, now)
    return config, rules, notified, now


def _events(store: Any, action: str) -> list[tuple[int, dict[str, Any]]]:
    rows = _rows(store, "SELECT seq, details FROM events WHERE action = ? ORDER BY seq", action)
    return [(int(seq), d if isinstance(d, dict) else json.loads(d)) for seq, d in rows]


def _pages(notified: Path) -> int:
    return sum(1 for h in _heard(notified) if h["state"] == "backlog")


def test_a_told_write_that_fails_does_not_page_every_round(
        any_store: Any, store_backend: str, dovecot: Any, tmp_path: Path) -> None:
    store = any_store
    config, rules, notified, now = _owing(store, tmp_path, dovecot)
    clock = [float(now)]
    monitor = SlaMonitor(store, config, rules=rules, clock=lambda: clock[0])
    _refuse_told(store, store_backend, True)
    for round_ in range(3):
        clock[0] = now + 1 + 15 * round_
        with pytest.raises(Exception, match="no space left on device"):
            monitor.check(int(clock[0]))
    assert _pages(notified) == 1, "the page went once; only its record failed"
    [(paging, _)] = _events(store, "sla.backlog_paging")
    _refuse_told(store, store_backend, False)
    monitor.check(now + 61)
    monitor.check(now + 76)
    assert _pages(notified) == 1
    [(_, told)] = _events(store, "sla.backlog_told")
    assert (told["paging"], told["sent"], told["breached"]) == (paging, True, 1)


def test_another_monitor_waits_for_a_pager_that_may_still_be_paging(
        any_store: Any, store_backend: str, dovecot: Any, tmp_path: Path) -> None:
    """A leader whose lease went during its hook (its told failed, or not written yet):
    the next leader does not page again while the first one's hook can still be running,
    and the first one's told, written when it can, ends the page for both."""
    store = any_store
    config, rules, notified, now = _owing(store, tmp_path, dovecot)
    clock = [float(now + 1)]
    first = SlaMonitor(store, config, rules=rules, clock=lambda: clock[0])
    second = SlaMonitor(store, config, rules=rules, clock=lambda: clock[0])
    _refuse_told(store, store_backend, True)
    with pytest.raises(Exception, match="no space left on device"):
        first.check(now + 1)
    [(paging, details)] = _events(store, "sla.backlog_paging")
    assert details["until"] == int((now + 1 + first.notify_timeout_s + PAGING_MARGIN_S) * 1000)
    clock[0] = now + 8
    second.check(now + 8)  # the pager may still be in its hook: nothing
    assert _pages(notified) == 1
    assert len(_events(store, "sla.backlog_paging")) == 1
    _refuse_told(store, store_backend, False)
    clock[0] = now + 31
    first.check(now + 31)  # its told, no second page
    clock[0] = now + 3600
    second.check(now + 3600)
    assert _pages(notified) == 1
    [(_, told)] = _events(store, "sla.backlog_told")
    assert (told["paging"], told["sent"]) == (paging, True)


def test_resumes_are_pagings_of_their_own_and_end(
        any_store: Any, store_backend: str, dovecot: Any, tmp_path: Path) -> None:
    """Pagers that never record the page (each gone before its told): each next monitor
    pages again once the last one's time is over, under a paging event naming the one it
    resumes; after MAX_PAGINGS the page is told as given up, and nobody pages again."""
    store = any_store
    config, rules, notified, now = _owing(store, tmp_path, dovecot)
    _refuse_told(store, store_backend, True)
    at = now + 1
    for _ in range(MAX_PAGINGS):
        monitor = SlaMonitor(store, config, rules=rules, clock=lambda at=at: float(at))
        with pytest.raises(Exception, match="no space left on device"):
            monitor.check(at)
        at += 60  # past the pager's `until`
    assert _pages(notified) == MAX_PAGINGS
    pagings = _events(store, "sla.backlog_paging")
    assert [d.get("resumed") for _, d in pagings] == [None] + [s for s, _ in pagings[:-1]]
    assert {d["breached"] for _, d in pagings} == {1}
    _refuse_told(store, store_backend, False)
    SlaMonitor(store, config, rules=rules, clock=lambda: float(at)).check(at)
    SlaMonitor(store, config, rules=rules, clock=lambda: float(at + 60)).check(at + 60)
    assert _pages(notified) == MAX_PAGINGS
    [(_, told)] = _events(store, "sla.backlog_told")
    assert (told["paging"], told["sent"], told.get("gave_up")) == (pagings[-1][0], None, True)
    with store.reading() as tx:  # nobody was paged: the desk is told on its status line
        alert = tx.alert("sla:backlog-page")
    assert alert is not None and alert.severity == "error"
    assert alert.message.startswith(f"the first sync's backlog page did not go after"
                                    f" {MAX_PAGINGS} tries: {told['breached']} breached")


def test_a_leader_that_lost_its_lease_while_paging_still_records_it(
        pg_url: str, dovecot: Any, tmp_path: Path) -> None:
    """PostgreSQL, two servers' stores: leader A's lease session is ended by the database
    while A's hook runs (it waits on a fifo the test holds); B takes the lease and runs
    its round while A may still be paging: no second page. A's hook ends and A records
    the page told, though its lease is gone; B's later rounds owe nothing."""
    import os
    import threading

    import psycopg

    from cxinbox.store.pg.store import PgStore

    a_store, b_store = PgStore(pg_url), PgStore(pg_url)
    try:
        config, rules, notified, now = _owing(a_store, tmp_path, dovecot)
        gate, started = tmp_path / "gate.fifo", tmp_path / "started"
        os.mkfifo(gate)
        (tmp_path / "hook.sh").write_text(
            f'#!/bin/sh\nline=$(cat)\ntouch "{started}"\nread g < "{gate}"\n'
            f"printf '%s\\n' \"$line\" >> \"{notified}\"\n")
        name = "job:sla monitor"
        a = SlaMonitor(a_store, config, clock=lambda: float(now + 1), notify_timeout_s=600)
        a_lease = a_store.try_lease(name)
        assert a_lease is not None
        failed: list[BaseException] = []

        def lead() -> None:
            try:
                with a_lease.fencing():
                    a.check(now + 1)
            except BaseException as exc:  # noqa: BLE001 - asserted below
                failed.append(exc)

        leader = threading.Thread(target=lead, daemon=True)
        leader.start()
        wait_until(lambda: started.exists() or not leader.is_alive(), "A's hook to run",
                   timeout=60)
        assert started.exists(), f"A's hook never ran: {failed}"
        with psycopg.connect(pg_url, autocommit=True) as conn:  # A's lease session ends
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE"
                         " locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                         " AND database = (SELECT oid FROM pg_database"
                         "  WHERE datname = current_database())")
        leases: list[Any] = []
        wait_until(lambda: leases.append(b_store.try_lease(name)) or leases[-1] is not None,
                   "B to get the lease", timeout=60)
        b_lease = leases[-1]
        assert not a_lease.held()
        b = SlaMonitor(b_store, config, rules=rules, clock=lambda: float(now + 5))
        with b_lease.fencing():
            b.check(now + 5)  # A's hook may still run: B waits for its told
        with open(gate, "w") as held:  # A's hook ends: the page went
            held.write("go\n")
        leader.join(60)
        assert not leader.is_alive() and failed == []
        later = SlaMonitor(b_store, config, rules=rules, clock=lambda: float(now + 3600))
        with b_lease.fencing():
            later.check(now + 3600)
        assert _pages(notified) == 1
        [(paging, _)] = _events(b_store, "sla.backlog_paging")
        [(_, told)] = _events(b_store, "sla.backlog_told")
        assert (told["paging"], told["sent"]) == (paging, True)
        b_lease.release()
    finally:
        a_store.close()
        b_store.close()
