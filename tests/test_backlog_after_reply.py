"""The first sync's backlog page goes once (QA finding F6): a staff reply to a backlog
conversation starts its resolution target, and that target's breach is today's work, not
"old mail from a first sync": it must not be counted as backlog nor page the backlog
again. A new patient message likewise makes the conversation live. The page says how to
list what no red-flag check read (F7).

Real Dovecot, the real sync, outbox into an SMTP sink, rules engine and SLA monitor
in-process, on both stores; the hook is a real script."""

from __future__ import annotations

import dataclasses
import json
import time
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from tests.support.smtpsink import SmtpSink, write_reply_config
from tests.test_backlog_mark import ALL_DAY, ROUTE, _conv, _days_ago, _heard, _rows, _sync
from tests.test_rules import automation, patient_mail

from cxinbox.config import load_config
from cxinbox.service.inbox import InboxService
from cxinbox.service.outbox import OutboxWorker
from cxinbox.service.replies import ReplyService
from cxinbox.service.sla_monitor import SlaMonitor
from cxinbox.wiring import rules_engine


def _config(tmp: Path, dovecot: Any, sink: SmtpSink, hook: Path) -> Any:
    """All-day calendar, first response 1 h and resolution 1 d, the SLA hook."""
    path = write_reply_config(tmp, dovecot, sink,
                              extra=automation(ROUTE, hours=ALL_DAY, policies=True))
    text = path.read_text().replace(
        "[sla.calendars.clinic]\n",
        f'[sla]\nnotify_command = ["{hook}"]\n\n[sla.calendars.clinic]\n', 1)
    text = text.replace('first_response = "1h"\n', 'first_response = "1h"\nresolution = "1d"\n')
    path.write_text(text)
    return load_config(path)


def _breached(store: Any, conv: int) -> list[dict[str, Any]]:
    return [json.loads(d) for (d,) in _rows(
        store, "SELECT details FROM events WHERE action = 'sla.breached' AND target = ?"
        " ORDER BY seq", f"conversation:{conv}")]


def test_a_reply_or_a_new_message_never_pages_the_backlog_again(
        any_store: Any, dovecot: Any, tmp_path: Path) -> None:
    store = any_store
    notified = tmp_path / "notified.jsonl"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ncat >> {notified}\necho >> {notified}\n")
    hook.chmod(0o700)
    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    try:
        config = _config(tmp_path, dovecot, sink, hook)
        rules = rules_engine(store, config)
        for name in ("answered", "wrote", "waiting"):
            dovecot.deliver(patient_mail(f"Question {name}", message_id=f"{name}@p.example",
                                         sender=f"{name} <{name}@patients.example>",
                                         date=format_datetime(_days_ago(6))),
                            internaldate=_days_ago(6))
        _sync(store, config, rules, dovecot)  # the first sync: all three are backlog
        conv = {n: _conv(store, f"{n}@p.example") for n in ("answered", "wrote", "waiting")}
        monitor = SlaMonitor(store, config, rules=rules)
        assert monitor.check(int(time.time())) == []
        [page] = _heard(notified)
        assert (page["state"], page["breached"]) == ("backlog", 3)
        assert "not checked for red flags: cxinbox list is:unscreened" in page["message"]
        assert all(_breached(store, c)[0].get("backlog") is True for c in conv.values())

        # The desk answers one; the patient of another writes again (live mail).
        inbox = InboxService(store, config, "mgarcia", rules=rules)
        replies = ReplyService(inbox, worker=OutboxWorker(store, config))
        draft = replies.start_draft(conv["answered"])
        replies.save_draft(draft.id, "We have looked into it.")
        replies.send(draft.id)
        assert replies.worker is not None and replies.worker.process_due() == 1
        assert sink.wait_for(1)
        dovecot.deliver(patient_mail("Re: Question wrote", message_id="again@p.example",
                                     sender="wrote <wrote@patients.example>",
                                     body="Any news?",
                                     extra="In-Reply-To: <wrote@p.example>\r\n"))
        _sync(store, config, rules, dovecot)
        assert _conv(store, "again@p.example") == conv["wrote"]

        # The answered one's resolution target (1 d from 6 days ago) and the other's target
        # started by the new message are breached: escalated as any live breach, once each, never as backlog; the backlog page never goes again.
        found = monitor.check(int(time.time()) + 1)
        assert sorted(e.conversation_id for e in found) == sorted(
            [conv["answered"], conv["wrote"]])
        targets = {"answered": "resolution", "wrote": "first-response"}  # still unanswered
        for name, target in targets.items():
            first, later = _breached(store, conv[name])
            assert first.get("backlog") is True
            assert "backlog" not in later and later["sla_target"] == target, name
        assert len(_breached(store, conv["waiting"])) == 1
        monitor.check(int(time.time()) + 16)
        SlaMonitor(store, config, rules=rules).check(int(time.time()) + 31)
        states = [h["state"] for h in _heard(notified)]
        assert states.count("backlog") == 1
        assert sorted(h["conversation_id"] for h in _heard(notified)
                      if h["state"] == "breached") == sorted([conv["answered"], conv["wrote"]])
        rounds = _rows(store, "SELECT details FROM events WHERE action = 'sla.backlog'")
        assert [json.loads(d)["breached"] for (d,) in rounds] == [3]
    finally:
        sink.stop()


def test_the_page_names_is_unscreened_only_while_backlog_is_marked(
        dovecot: Any, tmp_path: Path) -> None:
    """With [triage] backlog_mark_days = 0 no backlog carries the mark, so the page does
    not send the desk to an empty `is:unscreened`."""
    from cxinbox.store.db import Database

    notified = tmp_path / "notified.jsonl"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ncat >> {notified}\necho >> {notified}\n")
    hook.chmod(0o700)
    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    try:
        config = _config(tmp_path, dovecot, sink, hook)
    finally:
        sink.stop()
    db = Database(config.db_path)
    try:
        for days in (14, 0):
            shown = dataclasses.replace(
                config, triage=dataclasses.replace(config.triage, backlog_mark_days=days))
            assert SlaMonitor(db, shown).notify_backlog(2, 0)
    finally:
        db.close()
    marked, unmarked = (h["message"] for h in _heard(notified))
    assert marked.endswith("; the recent ones were not checked for red flags:"
                           " cxinbox list is:unscreened")
    assert unmarked == ("2 conversation(s) arrived already past their SLA: old mail from a"
                        " first sync; see cxinbox list sla:breached")
