"""A first sync's backlog says "not screened" while it matters (QA finding F5): a folder
added to a running install holds last week's "crushing chest pain right now", which the
detectors pass over as backlog (messages.backlog_at); it must not look like screened mail
with no findings. One rule for it and for late mail (store/unscreened.py): open or
pending, a patient message no detector read, unread and unanswered, and for backlog
arrived within [triage] backlog_mark_days. Old history, closed conversations, a staff
reply and a read end it; a newer screened message does not (QA finding F8: the
detectors read only the newer text); `is:unscreened` selects the same rows.

Real Dovecot, the real sync and outbox into an SMTP sink, the SMS test provider, on both
stores; the CLI as a child process; the TUI at 80x24 on the synced store."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.smsprovider import SmsProvider, write_sms_config
from tests.support.smtpsink import SmtpSink, write_reply_config
from tests.test_backlog_mark import _rows
from tests.test_rules import automation, patient_mail
from tests.test_serve_support import cx
from tests.test_tui_support import screen_text, wait_for, wait_rows

from cxinbox.api.interface import InProcessAPI
from cxinbox.channels.sms import SmsClient
from cxinbox.config import Config, ConfigError, load_config, load_config_text
from cxinbox.service.inbox import InboxService
from cxinbox.service.outbox import OutboxWorker
from cxinbox.service.replies import ReplyService
from cxinbox.service.sms_sync import SmsPoller
from cxinbox.service.sync import MailSync
from cxinbox.tui.app import CxInboxApp
from cxinbox.wiring import rules_engine

CHEST = "I have crushing chest pain right now and cannot catch my breath."
CLINIC = "+15550100100"
ROUTE = '''
[[rules]]
name = "route"
on = "arrival"
actions = { tag = ["routed"] }
'''


def _ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def _config(tmp: Path, dovecot: Any, sink: SmtpSink, folders: tuple[str, ...],
            extra: str = "") -> Config:
    path = write_reply_config(tmp, dovecot, sink, folders=folders,
                              extra=automation(ROUTE) + extra)
    return load_config(path)


def _sync(store: Any, config: Config, dovecot: Any) -> None:
    engine = MailSync(store, config, lambda a: dovecot.password,
                      rules=rules_engine(store, config))
    try:
        engine.sync_once()
    finally:
        engine.close()


def _conv(store: Any, message_id: str) -> int:
    [(conv,)] = _rows(store, "SELECT conversation_id FROM messages WHERE message_id = ?",
                      message_id)
    return int(conv)


def _old(dovecot: Any, n: int, days: float, body: str = "Could you renew my refill?") -> None:
    """A patient's mail the server received `days` ago, in the folder `Old`."""
    dovecot.deliver(patient_mail(f"Question {n}", message_id=f"old{n}@p.example",
                                 sender=f"Patient {n} <p{n}@patients.example>", body=body,
                                 date=format_datetime(_ago(days))),
                    folder="Old", internaldate=_ago(days))


def _running_install_adds_old(store: Any, dovecot: Any, tmp: Path,
                              sink: SmtpSink) -> tuple[Config, dict[str, int]]:
    """INBOX synced first (the install runs), then the folder `Old` added to the config
    holding five mails received 6 days ago (the first one a chest pain), one received 40
    days ago: its first sync stores all six as backlog. The conversations by name."""
    dovecot.deliver(patient_mail("hello", message_id="live@p.example"))
    _sync(store, _config(tmp, dovecot, sink, ("INBOX",)), dovecot)
    dovecot.create_folder("Old")
    _old(dovecot, 1, 6, CHEST)
    for n in (2, 3, 4, 5):
        _old(dovecot, n, 6)
    _old(dovecot, 6, 40, CHEST)
    config = _config(tmp, dovecot, sink, ("INBOX", "Old"))
    _sync(store, config, dovecot)
    backlog = _rows(store, "SELECT message_id FROM messages WHERE backlog_at IS NOT NULL"
                    " AND intent IS NULL")
    assert sorted(m for (m,) in backlog) == [f"old{n}@p.example" for n in range(1, 7)]
    names = ("chest", "read", "closed", "again", "replied", "forty")
    return config, {name: _conv(store, f"old{n}@p.example")
                    for n, name in enumerate(names, start=1)}


def _marks(inbox: InboxService, query: str = "") -> dict[int, tuple[str | None, int | None]]:
    return {c.id: (c.unscreened_reason, c.unscreened_received_at)
            for c in inbox.list_conversations(query, 0, 50).items}


def _marked(inbox: InboxService) -> set[int]:
    """The rows `is:unscreened` selects, which must be those the list marks."""
    listed = {i for i, (why, _) in _marks(inbox).items() if why}
    selected = set(_marks(inbox, "is:unscreened"))
    assert selected == listed
    return selected


def test_recent_backlog_is_marked_until_read_answered_or_closed(
        any_store: Any, dovecot: Any, tmp_path: Path) -> None:
    """F5 on both stores: the 6-day-old backlog says "not screened" (kind "backlog", its
    arrival), the 40-day-old does not; each of close, mark read and a sent staff reply
    ends the mark of its own conversation only; a newer screened mail does not (only a
    read ends it there); a snooze hides it until the conversation wakes."""
    store = any_store
    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    try:
        config, conv = _running_install_adds_old(store, dovecot, tmp_path, sink)
        inbox = InboxService(store, config, "mgarcia", rules=rules_engine(store, config))
        six = int(_ago(6).timestamp())
        marks = _marks(inbox)
        for name in ("chest", "read", "closed", "again", "replied"):
            why, at = marks[conv[name]]
            assert why == "backlog" and at is not None and abs(at - six) <= 120, name
        assert marks[conv["forty"]] == (None, None)
        assert marks[_conv(store, "live@p.example")] == (None, None)
        assert _marked(inbox) == {conv[n] for n in ("chest", "read", "closed", "again",
                                                    "replied")}
        detail = inbox.get_conversation(conv["chest"], record_view=False)
        assert detail.summary.unscreened_reason == "backlog"
        assert [m.unscreened for m in detail.messages] == [True]
        assert detail.summary.to_dict()["unscreened_reason"] == "backlog"
        assert not detail.summary.red_flag_open  # the detectors never read it

        inbox.set_status(conv["closed"], "closed")
        inbox.mark_read(conv["read"])
        dovecot.deliver(patient_mail("Re: Question 4", message_id="again@p.example",
                                     sender="Patient 4 <p4@patients.example>",
                                     body="Any news on the refill?",
                                     extra="In-Reply-To: <old4@p.example>\r\n"))
        _sync(store, config, dovecot)
        assert _conv(store, "again@p.example") == conv["again"]
        replies = ReplyService(inbox, worker=OutboxWorker(store, config))
        draft = replies.start_draft(conv["replied"])
        replies.save_draft(draft.id, "We have renewed it.")
        replies.send(draft.id)
        # The newer mail was screened (the detectors read it), the old one never was:
        # the mark stays until a person reads or answers the old one.
        screened = dict(_rows(store, "SELECT message_id, intent FROM messages"
                                     " WHERE conversation_id = ?", conv["again"]))
        assert screened["again@p.example"] is not None and screened["old4@p.example"] is None
        assert _marked(inbox) == {conv["chest"], conv["again"], conv["replied"]}  # queued
        assert replies.worker is not None and replies.worker.process_due() == 1
        assert sink.wait_for(1)
        assert _marked(inbox) == {conv["chest"], conv["again"]}
        inbox.mark_read(conv["again"])
        assert _marked(inbox) == {conv["chest"]}
        assert _marks(inbox)[conv["chest"]][0] == "backlog"

        # Snoozed: put aside till a time a person chose; it wakes open and marked again.
        inbox.set_status(conv["chest"], "snoozed", until=int(time.time()) + 3600)
        assert _marked(inbox) == set()
        assert inbox.wake_snoozed(int(time.time()) + 7200) == 1
        assert _marked(inbox) == {conv["chest"]}
        # Closed: no mark while closed; reopened (nobody read it), the mark is back.
        inbox.set_status(conv["closed"], "open")
        assert _marked(inbox) == {conv["chest"], conv["closed"]}
        inbox.set_status(conv["closed"], "closed")

        # [triage] backlog_mark_days: 5 days leaves the 6-day-old unmarked, 0 never marks.
        for days in (5, 0):
            shorter = dataclasses.replace(
                config, triage=dataclasses.replace(config.triage, backlog_mark_days=days))
            quiet = InboxService(store, shorter, "mgarcia")
            assert _marked(quiet) == set()
    finally:
        sink.stop()


def test_a_numbers_first_poll_backlog_is_marked_too(any_store: Any, tmp_path: Path) -> None:
    """F4's first-poll path: a text the provider received 6 days ago, stored by the
    number's first poll as backlog, says "not screened" (kind "backlog"); a text from now
    is screened and unmarked; with backlog_mark_days = 5 the 6-day-old is history."""
    with SmsProvider(numbers=[CLINIC]) as provider:
        config = load_config(write_sms_config(tmp_path, provider, [CLINIC],
                                              overlap_seconds=7 * 86400))
        provider.inject_inbound("+15557650001", CLINIC, CHEST, at=_ago(6))
        provider.inject_inbound("+15557650003", CLINIC, "hello")
        poller = SmsPoller(any_store, config, rules=rules_engine(any_store, config),
                           client_factory=lambda c, t: SmsClient(c, t, sleep=lambda s: None))
        try:
            assert poller.poll_once().new == 2
        finally:
            poller.close()
    convs = {str(addr): (int(c), backlog) for addr, c, backlog in _rows(
        any_store, "SELECT from_addr, conversation_id, backlog_at FROM messages")}
    six, now = convs["+15557650001"], convs["+15557650003"]
    assert six[1] is not None and now[1] is None
    inbox = InboxService(any_store, config, "mgarcia")
    marks = _marks(inbox)
    assert marks[six[0]][0] == "backlog"
    assert abs((marks[six[0]][1] or 0) - int(_ago(6).timestamp())) <= 120
    assert marks[now[0]] == (None, None)
    assert _marked(inbox) == {six[0]}
    detail = inbox.get_conversation(six[0], record_view=False)
    assert [m.unscreened for m in detail.messages] == [True]
    shorter = dataclasses.replace(
        config, triage=dataclasses.replace(config.triage, backlog_mark_days=5))
    assert _marked(InboxService(any_store, shorter, "mgarcia")) == set()


def test_a_newer_screened_text_leaves_the_unread_one_marked(
        any_store: Any, tmp_path: Path) -> None:
    """QA finding F8 on both stores: a number's first poll stores a 5-day-old "hit my head,
    vomiting, confused" as backlog; the same patient then texts about a prescription
    (screened: the detectors read it, and only it). The conversation stays marked, by the
    old text's arrival, until a person reads it."""
    head = "This is Bea, I fell and hit my head, now I am vomiting and very confused"
    patient = "+15557650011"
    with SmsProvider(numbers=[CLINIC]) as provider:
        config = load_config(write_sms_config(tmp_path, provider, [CLINIC],
                                              overlap_seconds=7 * 86400))
        provider.inject_inbound(patient, CLINIC, head, at=_ago(5))
        poller = SmsPoller(any_store, config, rules=rules_engine(any_store, config),
                           client_factory=lambda c, t: SmsClient(c, t, sleep=lambda s: None))
        try:
            assert poller.poll_once().new == 1
            provider.inject_inbound(patient, CLINIC,
                                    "Also can someone call me back about my prescription")
            assert poller.poll_once().new == 1
        finally:
            poller.close()
    rows = _rows(any_store, "SELECT conversation_id, backlog_at IS NOT NULL, intent"
                 " FROM messages ORDER BY id")
    assert len({c for c, _, _ in rows}) == 1, rows
    conv = int(rows[0][0])
    assert [(bool(b), i is not None) for _, b, i in rows] == [(True, False), (False, True)]
    inbox = InboxService(any_store, config, "mgarcia")
    assert _marked(inbox) == {conv}
    why, at = _marks(inbox)[conv]
    assert why == "backlog" and abs((at or 0) - int(_ago(5).timestamp())) <= 120
    detail = inbox.get_conversation(conv, record_view=False)
    assert [m.unscreened for m in detail.messages] == [True, False]
    inbox.mark_read(conv)
    assert _marked(inbox) == set()


def test_show_list_and_json_say_which_kind(dovecot: Any, tmp_path: Path) -> None:
    """The CLI as a clinic runs it: `list` marks the row, `show` says it was not checked
    for red flags and why, `show --json` names the kind; `list is:unscreened` selects it;
    a bad backlog_mark_days is one line and exit 2, nothing else."""
    from cxinbox.store.db import Database

    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    try:
        config = _config(tmp_path, dovecot, sink, ("INBOX",))
        db = Database(config.db_path)
        try:
            _, conv = _running_install_adds_old(db, dovecot, tmp_path, sink)
        finally:
            db.close()
    finally:
        sink.stop()
    path = tmp_path / "config.toml"
    listed = cx("list", "--config", str(path))
    assert listed.returncode == 0, listed.stderr
    rows = {ln.split()[0].lstrip("*"): ln for ln in listed.stdout.splitlines()}
    assert "!unchecked 6d: " in rows[f"#{conv['chest']}"]
    assert "!unchecked" not in rows[f"#{conv['forty']}"]
    only = cx("list", "is:unscreened", "--config", str(path))
    assert only.returncode == 0, only.stderr
    ids = {ln.split()[0].lstrip("*#") for ln in only.stdout.splitlines()}
    assert str(conv["chest"]) in ids and str(conv["forty"]) not in ids
    shown = cx("show", str(conv["chest"]), "--config", str(path))
    assert shown.returncode == 0, shown.stderr
    [line] = [ln for ln in shown.stdout.splitlines() if ln.startswith("NOT CHECKED FOR RED FLAGS:")]
    assert line == ("NOT CHECKED FOR RED FLAGS: 6 d old"
                    " (read it now; if urgent, ask a clinician)")
    [arrow] = [ln for ln in shown.stdout.splitlines() if ln.startswith("<- ")]
    assert arrow.endswith("[NOT CHECKED FOR RED FLAGS: 6 d old]")
    as_json = json.loads(cx("show", str(conv["chest"]), "--json", "--config",
                            str(path)).stdout)
    assert as_json["conversation"]["unscreened_reason"] == "backlog"
    assert as_json["messages"][0]["unscreened"] is True
    old = json.loads(cx("show", str(conv["forty"]), "--json", "--config", str(path)).stdout)
    assert old["conversation"]["unscreened_reason"] is None
    assert old["messages"][0]["unscreened"] is False

    path.write_text(path.read_text() + "\n[triage]\nbacklog_mark_days = -1\n")
    bad = cx("list", "--config", str(path))
    assert bad.returncode != 0 and bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert "backlog_mark_days" in bad.stderr and "Traceback" not in bad.stderr


async def test_tui_row_and_thread_say_not_screened_until_read(
        dovecot: Any, tmp_path: Path) -> None:
    """At 80x24: the backlog chest pain's row carries "!unchecked 6d:", the 40-day-old's
    does not; opened, the thread's header says it was not checked for red flags; back in
    the list (opening it marked it read) the row's mark is gone."""
    from cxinbox.store.db import Database

    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    config = _config(tmp_path, dovecot, sink, ("INBOX",))
    db = Database(config.db_path)
    try:
        config, conv = _running_install_adds_old(db, dovecot, tmp_path, sink)
        app = CxInboxApp(InProcessAPI(InboxService(db, config, "mgarcia")), config,
                         calm=True, poll_interval=0.05, idle_lock_s=0)

        def listed_marked(conv_id: int) -> bool:
            summary = app.conversation_list.summary_for(conv_id)
            return summary is None or summary.unscreened_received_at is not None

        def row_of(conv_id: int) -> str:
            found = [ln for ln in screen_text(app).splitlines() if f"#{conv_id} " in ln]
            return found[0] if found else ""

        async with app.run_test(size=(80, 24)) as pilot:
            await wait_rows(pilot, app)
            await wait_for(pilot, lambda: "!unchecked 6d:" in row_of(conv["chest"]),
                           what="the chest pain's row marked")
            assert len(row_of(conv["chest"]).rstrip()) <= 80
            for name in ("read", "closed", "again", "replied"):
                assert "!unchecked 6d:" in row_of(conv[name]), name
            listing = app.conversation_list
            listing.move_to(listing.row_of(conv["chest"]) or 0)
            await wait_for(pilot, lambda: listing.selected_id == conv["chest"],
                           what="the chest pain's row selected")
            await pilot.press("enter")
            # The thread's sentence: one plain line at 80 columns (QA finding F10).
            whole = "NOT CHECKED FOR RED FLAGS: 6 d old (read it now; if urgent, ask a clinician)"
            await wait_for(pilot, lambda: any(whole in ln for ln in screen_text(app)
                                              .splitlines()), what="the thread's header")
            await wait_for(pilot, lambda: "! NOT CHECKED FOR RED FLAGS: 6 d old"
                           in screen_text(app), what="the message's own line")
            # Opening marked it read (the list's mark ends); the thread still says it.
            await wait_for(pilot, lambda: not listed_marked(conv["chest"]),
                           what="the list's summary refreshed")
            assert whole in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: row_of(conv["chest"]) != ""
                           and "!unchecked" not in row_of(conv["chest"]),
                           what="the read row unmarked")
            assert "!unchecked 6d:" in row_of(conv["again"])
    finally:
        db.close()
        sink.stop()


def test_an_sla_policy_cannot_be_chosen_by_is_unscreened() -> None:
    """The mark ends when someone reads the conversation (and the backlog window moves with
    the clock): a policy picked by it would change under the conversation's clock."""
    for match in ("is:unscreened", "tag:x -is:unscreened", "(is:unread OR is:unscreened)"):
        with pytest.raises(ConfigError) as caught:
            load_config_text(f'[[sla.policies]]\nname = "p"\nmatch = "{match}"\n'
                             'first_response = "1h"\n', Path("c.toml"))
        assert "sla.policies[0].match: is:unscreened is for rules and lists" in str(caught.value)
    load_config_text('[[sla.policies]]\nname = "p"\nmatch = "is:unread"\n'
                     'first_response = "1h"\n', Path("c.toml"))
