"""A first sync's backlog is decided once, when a message is stored (messages.backlog_at,
migration 27): stored by a folder's first sync AND received by the server (INTERNALDATE,
not Date:) longer than [triage] backlog_hours before. The arrival rules and the SLA monitor
read that mark, never an age measured later; the backlog's one summary page goes out once
the first sync has ended, and is derived from the audit, so a restart does not lose it.

Real Dovecot, the real sync, rules engine and SLA monitor in-process, on both stores."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from tests.support.smtpsink import SmtpSink, write_reply_config
from tests.test_rules import automation, patient_mail

from cxinbox.config import load_config
from cxinbox.service.sla_monitor import SlaMonitor
from cxinbox.service.sync import MailSync
from cxinbox.store import escalations
from cxinbox.wiring import rules_engine

ALL_DAY = "\n".join(f'{d} = ["00:00-24:00"]' for d in
                    ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))

ROUTE = '''
[[rules]]
name = "route"
on = "arrival"
actions = { tag = ["routed"] }

[[rules]]
name = "again"
on = "patient-reply"
actions = { tag = ["again"] }
'''


def _desk(tmp: Path, dovecot: Any, store: Any) -> tuple[Any, Any, Path]:
    """The config (all-day calendar, a 1 h first-response policy, an SLA hook writing
    one JSON line per run), the rules engine, and the hook's file."""
    sink = SmtpSink(tmp, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls")
    notified = tmp / "notified.jsonl"
    hook = tmp / "hook.sh"
    hook.write_text(f"#!/bin/sh\ncat >> {notified}\necho >> {notified}\n")
    hook.chmod(0o700)
    path = write_reply_config(tmp, dovecot, sink, smtp=False,
                              extra=automation(ROUTE, hours=ALL_DAY, policies=True))
    path.write_text(path.read_text().replace(
        "[sla.calendars.clinic]\n",
        f'[sla]\nnotify_command = ["{hook}"]\n\n[sla.calendars.clinic]\n', 1))
    config = load_config(path)
    return config, rules_engine(store, config), notified


def _sync(store: Any, config: Any, rules: Any, dovecot: Any) -> None:
    engine = MailSync(store, config, lambda a: dovecot.password, rules=rules)
    try:
        engine.sync_once()
    finally:
        engine.close()


def _rows(store: Any, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with store.reading() as tx:
        return [tuple(r) for r in tx.conn.execute(sql, args).fetchall()]


def _conv(store: Any, message_id: str) -> int:
    [(conv,)] = _rows(store, "SELECT conversation_id FROM messages WHERE message_id = ?",
                      message_id)
    return int(conv)


def _routed(store: Any) -> set[int]:
    return {int(t.split(":")[1]) for (t,) in _rows(
        store, "SELECT target FROM events WHERE action = 'rule.applied'"
        " AND actor = 'rule:route' ORDER BY seq")}


def _heard(notified: Path) -> list[dict[str, Any]]:
    if not notified.exists():
        return []
    return [json.loads(line) for line in notified.read_text().splitlines() if line.strip()]


def _days_ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def test_backlog_is_the_first_syncs_old_arrivals_not_old_dates(
        any_store: Any, dovecot: Any, tmp_path: Path) -> None:
    """Findings 3 and 2: mail sent days ago (Date:) that the server received now is live
    on a first sync: routed, its SLA running from its arrival. Mail the server received
    five days before the first sync is backlog: not routed, summed. Mail received four
    days ago but stored by a later sync (after an outage) is live too."""
    store = any_store
    config, rules, notified = _desk(tmp_path, dovecot, store)
    dovecot.deliver(patient_mail("Old refill", message_id="old@p.example",
                                 sender="Olga <olga@patients.example>",
                                 date=format_datetime(_days_ago(5))),
                    internaldate=_days_ago(5))
    dovecot.deliver(patient_mail("Sent from my outbox", message_id="late@p.example",
                                 sender="Lena <lena@patients.example>",
                                 date=format_datetime(_days_ago(4))))  # received now
    _sync(store, config, rules, dovecot)
    old, late = _conv(store, "old@p.example"), _conv(store, "late@p.example")
    assert _routed(store) == {late}
    marks = dict(_rows(store, "SELECT message_id, backlog_at FROM messages"))
    assert marks["late@p.example"] is None
    assert marks["old@p.example"] is not None

    # A later sync (a watermark exists): mail the server got four days ago, fetched only
    # now after an outage, is live.
    dovecot.deliver(patient_mail("During the outage", message_id="outage@p.example",
                                 sender="Omar <omar@patients.example>",
                                 date=format_datetime(_days_ago(4))),
                    internaldate=_days_ago(4))
    _sync(store, config, rules, dovecot)
    outage = _conv(store, "outage@p.example")
    assert _routed(store) == {late, outage}
    assert dict(_rows(store, "SELECT message_id, backlog_at FROM messages"))[
        "outage@p.example"] is None

    # Days later by when the server received them, the backlog's and the outage's are
    # breached; the one sent days ago but received now is not (its clock started when it
    # arrived: migration 28). Only the backlog's is a backlog escalation; the outage's
    # pages and is told.
    now = int(time.time())
    monitor = SlaMonitor(store, config, rules=rules)
    found = monitor.check(now)
    assert sorted(e.conversation_id for e in found) == [outage]
    breached = {int(t.split(":")[1]): json.loads(d) for t, d in _rows(
        store, "SELECT target, details FROM events WHERE action = 'sla.breached'")}
    assert set(breached) == {old, outage}
    assert breached[old].get("backlog") is True
    assert "backlog" not in breached[outage]
    assert sorted(h["conversation_id"] for h in _heard(notified)
                  if h["state"] == "breached") == [outage]


def test_the_summary_page_waits_for_the_first_sync_and_survives_a_restart(
        any_store: Any, dovecot: Any, tmp_path: Path) -> None:
    """Finding 7: while a folder's first pass is still storing backlog no summary goes
    out, however quiet a round between its batches; monitors started afresh (restarts)
    still owe it and page it once the pass has ended, with the counts of every round
    before; then never again."""
    store = any_store
    config, rules, notified = _desk(tmp_path, dovecot, store)
    now = int(time.time())
    before = now - 72 * 3600

    def old(uid: int) -> Any:
        return _fetched(uid, patient_mail(f"Old {uid}", message_id=f"old{uid}@p.example",
                                          sender=f"P{uid} <p{uid}@patients.example>",
                                          date=format_datetime(_days_ago(6))),
                        now - 6 * 86400)

    def backlog_pages() -> list[dict[str, Any]]:
        return [h for h in _heard(notified) if h["state"] == "backlog"]

    with store.writing() as tx:  # the pass's first batch
        state = tx.folder_state("appointments", "INBOX")
        tx.ingest_batch(state, [old(1)], own_addresses=OWN, watermark=1, now=now,
                        backlog_before=before)
    first = SlaMonitor(store, config, rules=rules)
    assert first.check(now + 1) == []  # escalated as backlog
    assert first.check(now + 16) == []  # a quiet round between batches
    assert backlog_pages() == []
    with store.writing() as tx:  # the next batch, after a restart of the monitor
        tx.ingest_batch(state, [old(2), old(3)], own_addresses=OWN, watermark=3,
                        now=now + 20, backlog_before=before + 20)
    assert SlaMonitor(store, config, rules=rules).check(now + 31) == []
    assert backlog_pages() == []
    with store.writing() as tx:
        tx.mark_synced(state.id, now + 40)  # the pass ended
    restarted = SlaMonitor(store, config, rules=rules)
    restarted.check(now + 46)
    [summary] = backlog_pages()
    assert (summary["breached"], summary["at_risk"]) == (3, 0)
    restarted.check(now + 61)
    SlaMonitor(store, config, rules=rules).check(now + 76)
    assert len(backlog_pages()) == 1
    rounds = _rows(store, "SELECT details FROM events WHERE action = 'sla.backlog'")
    assert [json.loads(d)["breached"] for (d,) in rounds] == [1, 2]
    told = _rows(store, "SELECT details FROM events WHERE action = 'sla.backlog_told'")
    assert [json.loads(d)["breached"] for (d,) in told] == [3]


def test_what_holds_the_page_and_what_is_marked(any_store: Any) -> None:
    """The page waits while a folder's first pass has stored backlog and not finished,
    though not past a stall of BACKLOG_STALLED_S. The mark: only inbound mail, only what
    the server received before `backlog_before`, only in the folder's first sync."""
    store = any_store
    now = int(time.time())
    old = _fetched(1, patient_mail("Old", message_id="o@p.example"), now - 6 * 86400)
    fresh = _fetched(2, patient_mail("New", message_id="n@p.example"), now - 60)
    with store.writing() as tx:
        state = tx.folder_state("appointments", "INBOX")
        tx.ingest_batch(state, [old, fresh], own_addresses=OWN, watermark=2, now=now,
                        backlog_before=now - 72 * 3600)
    assert dict(_rows(store, "SELECT message_id, backlog_at FROM messages")) == {
        "o@p.example": now, "n@p.example": None}
    with store.reading() as tx:
        assert tx.backlog_storing(now + 5)
        assert tx.backlog_storing(now + 300)  # batches minutes apart
        assert not tx.backlog_storing(now + escalations.BACKLOG_STALLED_S + 1)
    with store.writing() as tx:
        tx.mark_synced(state.id, now)  # the pass ended
    with store.reading() as tx:
        assert not tx.backlog_storing(now + 5)
    # The next pass is no first sync: old arrivals are live.
    late = _fetched(3, patient_mail("Outage", message_id="l@p.example"), now - 5 * 86400)
    with store.writing() as tx:
        tx.ingest_batch(tx.folder_state("appointments", "INBOX"), [late], own_addresses=OWN,
                        watermark=3, now=now, backlog_before=now - 72 * 3600)
    assert dict(_rows(store, "SELECT message_id, backlog_at FROM messages"))[
        "l@p.example"] is None


def test_texts_are_backlog_only_on_the_numbers_first_poll(any_store: Any) -> None:
    """SMS: the provider's received time decides, on the clinic number's first poll (no
    cursor yet); that poll holds the page until its cursor is written."""
    from cxinbox.store.records import SmsRecord

    store = any_store
    now = int(time.time())
    before = now - 72 * 3600

    def text(sid: str, at: int, direction: str = "in") -> Any:
        return SmsRecord(sid, "+15550100000", "+15557770101", direction, "hello", at)

    with store.writing() as tx:
        tx.store_sms(text("SMold", now - 5 * 86400), now=now, backlog_before=before)
        tx.store_sms(text("SMnew", now - 3600), now=now, backlog_before=before)
        tx.store_sms(text("SMout", now - 5 * 86400, "out"), now=now, backlog_before=before)
    with store.reading() as tx:
        assert tx.backlog_storing(now + 5)
    with store.writing() as tx:
        tx.advance_sms_cursor("+15550100000", now - 3600, now)
    with store.reading() as tx:
        assert not tx.backlog_storing(now + 5)
    with store.writing() as tx:  # a later poll, after an outage: live
        tx.store_sms(text("SMlate", now - 4 * 86400), now=now, backlog_before=before)
    marks = dict(_rows(store, "SELECT message_id, backlog_at FROM messages"))
    assert marks == {"SMold": now, "SMnew": None, "SMout": None, "SMlate": None}


def test_a_quiet_numbers_first_late_text_is_not_backlog(any_store: Any) -> None:
    """A number whose polls finished but found nothing (no text stored, so no newest time
    in its cursor): its first late text is a later poll's, marked not screened, not
    backlog (qa27 F4); and the outbox's own folder, whose pass never ends, does not hold
    the backlog page back (qa27 F5b)."""
    from cxinbox.store.records import OUTBOUND_FOLDER, SmsRecord

    store = any_store
    now = int(time.time())
    before = now - 72 * 3600
    with store.writing() as tx:
        tx.advance_sms_cursor("+15550100000", None, now - 600)  # a poll that found nothing
        tx.store_sms(SmsRecord("SMlate", "+15550100000", "+15557770101", "in", "hello",
                               now - 5 * 86400), now=now, backlog_before=before)
    [(backlog, unscreened)] = _rows(
        store, "SELECT backlog_at, unscreened_at FROM messages WHERE message_id = 'SMlate'")
    assert backlog is None and unscreened == now

    with store.writing() as tx:  # a first poll of another number stores backlog ...
        tx.store_sms(SmsRecord("SMold", "+15550100001", "+15557770102", "in", "hi",
                               now - 5 * 86400), now=now, backlog_before=before)
    with store.reading() as tx:
        assert tx.backlog_storing(now + 5)
    with store.writing() as tx:  # ... and ends; a reply was sent meanwhile (outbox folder)
        tx.advance_sms_cursor("+15550100001", None, now)
        tx.conn.execute("INSERT INTO folders (account, name, last_uid) VALUES (?, ?, 7)",
                        ("desk", OUTBOUND_FOLDER))
    with store.reading() as tx:
        assert not tx.backlog_storing(now + 5)


OWN = frozenset({"appointments@riverside-clinic.example"})


def _fetched(uid: int, raw: bytes, internal_date: int) -> Any:
    from cxinbox.domain.mime import parse_message
    from cxinbox.store.records import FetchedMessage

    return FetchedMessage(uid, "", None, internal_date, raw, hashlib.sha256(raw).digest(),
                          parse_message(raw))


def test_a_page_the_hook_refused_is_told_and_not_rerun_each_round(
        any_store: Any, dovecot: Any, tmp_path: Path) -> None:
    """The page is told once the hook has run, whether it exited 0 or not (a failing hook
    is logged like any): the monitor does not run it again every round."""
    store = any_store
    config, rules, notified = _desk(tmp_path, dovecot, store)
    (tmp_path / "hook.sh").write_text(f"#!/bin/sh\ncat >> {notified}\necho >> {notified}\n"
                                      "exit 3\n")
    now = int(time.time())
    raw = patient_mail("Old", message_id="old@p.example", date=format_datetime(_days_ago(6)))
    with store.writing() as tx:
        state = tx.folder_state("appointments", "INBOX")
        tx.ingest_batch(state, [_fetched(1, raw, now - 6 * 86400)], own_addresses=OWN,
                        watermark=1, now=now, backlog_before=now - 72 * 3600)
        tx.mark_synced(state.id, now)
    monitor = SlaMonitor(store, config, rules=rules)
    monitor.check(now + 1)
    monitor.check(now + 16)
    SlaMonitor(store, config, rules=rules).check(now + 31)
    assert [h["state"] for h in _heard(notified)] == ["backlog"]
    told = [json.loads(d) for (d,) in _rows(
        store, "SELECT details FROM events WHERE action = 'sla.backlog_told'")]
    paging = _rows(store, "SELECT seq FROM events WHERE action = 'sla.backlog_paging'")
    assert [(t["sent"], t["paging"], t["breached"]) for t in told] == [
        (False, paging[0][0], 1)]
