"""A patient reply reopens a pending, snoozed or closed conversation; snoozes run out; our own
mail never reopens; undo of a status change restores the snooze. Real store on disk; the
last test goes through a real Dovecot and a real sync."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from tests.synchelp import make_sync
from tests.synchelp import write_config as write_sync_config
from tests.teamhelp import DESK, T0, Clock, deliver, events, open_service, row

from cxinbox.service.inbox import InboxService
from cxinbox.store import conversations as convs


@pytest.fixture
def svc(tmp_path: Path, any_store: object) -> InboxService:
    """Runs on SQLite and on PostgreSQL (conftest.any_store)."""
    return open_service(tmp_path, store=any_store)[2]


def _clock(svc: InboxService) -> Clock:
    clock = svc._clock
    assert isinstance(clock, Clock)
    return clock


def _thread(svc: InboxService) -> int:
    return deliver(svc.store, sender="ana@patient.example", at=T0 - 3600, message_id="a1@p")


@pytest.mark.parametrize("status", ["pending", "snoozed", "closed"])
def test_patient_reply_reopens(svc: InboxService, status: str) -> None:
    conv = _thread(svc)
    svc.set_status(conv, status, until=T0 + 86400 if status == "snoozed" else None)
    again = deliver(svc.store, sender="ana@patient.example", at=T0, message_id="a2@p",
                    in_reply_to="a1@p", references=("a1@p",), subject="Re: Blood test results")
    assert again == conv
    state = row(svc.store, conv)
    assert state["status"] == "open" and state["snoozed_until"] is None
    (event,) = [e for e in events(svc.store, "conversation.status") if e["actor"] == "system"]
    assert event["from"] == status and event["to"] == "open"
    assert event["reason"] == "patient replied" and event["target"] == f"conversation:{conv}"
    if status == "snoozed":
        assert event["from_until"] == T0 + 86400


def test_our_own_mail_and_old_or_automatic_mail_do_not_reopen(svc: InboxService) -> None:
    conv = _thread(svc)
    svc.set_status(conv, "closed")
    # Our reply as seen in the Sent folder: from the clinic's own address.
    assert deliver(svc.store, sender=DESK, to="ana@patient.example", at=T0, message_id="o1@c",
                   in_reply_to="a1@p", folder="Sent") == conv
    # An auto-reply in the thread, and a backfilled message from long before.
    deliver(svc.store, sender="ana@patient.example", at=T0 + 60, message_id="ooo@p",
            in_reply_to="o1@c", auto=True)
    deliver(svc.store, sender="ana@patient.example", at=T0 - 30 * 86400, message_id="old@p",
            references=("a1@p",))
    assert row(svc.store, conv)["status"] == "closed"
    assert row(svc.store, conv)["message_count"] == 4
    assert [e for e in events(svc.store, "conversation.status") if e["actor"] == "system"] == []


def test_reopen_ends_the_sla_pause_at_the_reply(svc: InboxService) -> None:
    clock = _clock(svc)
    conv = _thread(svc)
    clock.now = T0 - 1800
    svc.set_status(conv, "pending")
    assert row(svc.store, conv)["sla_paused_since"] == T0 - 1800
    deliver(svc.store, sender="ana@patient.example", at=T0 - 600, message_id="a2@p",
            in_reply_to="a1@p")
    assert row(svc.store, conv)["sla_pause_end"] == T0 - 600
    svc.refresh_sla()
    state = row(svc.store, conv)
    # 20 minutes paused on an always-open calendar; the reply's time, not the refresh's.
    assert state["sla_paused_s"] == 1200 and state["sla_paused_since"] is None
    assert state["sla_pause_end"] is None
    # First response due one hour after the first message, pushed back by the pause.
    assert state["sla_due_at"] == T0 - 3600 + 3600 + 1200


def test_status_change_before_the_pause_is_counted_uses_the_reply_time(
        svc: InboxService) -> None:
    conv = _thread(svc)
    clock = _clock(svc)
    clock.now = T0 - 1800
    svc.set_status(conv, "pending")
    deliver(svc.store, sender="ana@patient.example", at=T0 - 600, message_id="a2@p",
            in_reply_to="a1@p")
    clock.now = T0
    svc.set_status(conv, "pending")  # before any SLA refresh settled the first pause
    state = row(svc.store, conv)
    assert state["sla_paused_s"] == 1200 and state["sla_paused_since"] == T0


def test_wake_snoozed(svc: InboxService) -> None:
    conv = _thread(svc)
    other = deliver(svc.store, sender="bo@patient.example", at=T0 - 100, subject="Parking")
    clock = _clock(svc)
    clock.now = T0
    svc.set_status(conv, "snoozed", until=T0 + 600)
    svc.set_status(other, "snoozed", until=T0 + 7200)
    assert svc.wake_snoozed(T0 + 599) == 0
    assert svc.wake_snoozed(T0 + 900) == 1
    state = row(svc.store, conv)
    assert state["status"] == "open" and state["snoozed_until"] is None
    assert state["sla_paused_s"] == 600  # paused until the snooze ran out, not until 900
    assert row(svc.store, other)["status"] == "snoozed"
    (event,) = [e for e in events(svc.store, "conversation.status") if e["actor"] == "system"]
    assert event == {"actor": "system", "target": f"conversation:{conv}", "from": "snoozed",
                     "to": "open", "until": None, "from_until": T0 + 600,
                     "reason": "snooze ended"}
    assert svc.wake_snoozed(T0 + 901) == 0


def test_every_triage_action_has_an_inverse(svc: InboxService) -> None:
    """What the TUI's one-step undo needs: the previous value is in each event, and
    applying it restores the state exactly."""
    conv = _thread(svc)
    svc.set_status(conv, "snoozed", until=T0 + 3600)
    svc.set_status(conv, "closed")
    last = events(svc.store, "conversation.status")[-1]
    assert last["from"] == "snoozed" and last["from_until"] == T0 + 3600
    until = last["from_until"]
    assert isinstance(until, int)
    svc.set_status(conv, str(last["from"]), until=until)
    assert (row(svc.store, conv)["status"], row(svc.store, conv)["snoozed_until"]) == \
        ("snoozed", T0 + 3600)

    svc.assign(conv, "jsmith")
    svc.assign(conv, events(svc.store, "conversation.assign")[-1]["from"])  # type: ignore[arg-type]
    assert row(svc.store, conv)["assignee"] is None
    svc.set_priority(conv, "urgent")
    svc.set_priority(conv, events(svc.store, "conversation.priority")[-1]["from"])  # type: ignore[arg-type]
    assert row(svc.store, conv)["priority"] == "normal"
    svc.tag(conv, add=["x-ray"])
    tagged = events(svc.store, "conversation.tag")[-1]
    svc.tag(conv, add=tagged["remove"], remove=tagged["add"])  # type: ignore[arg-type]
    assert convs.tags_for(svc.store.conn, [conv])[conv] == []
    note = svc.add_note(conv, "called the lab")
    svc.retract_note(note)
    assert svc.get_conversation(conv, record_view=False).notes == ()


# -- through a real IMAP server -------------------------------------------------------------


def _mail(message_id: str, subject: str, sender: str, to: str,
          in_reply_to: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    msg["Date"] = "Tue, 04 Mar 2025 15:00:00 +0000"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = f"<{in_reply_to}>"
        msg.replace_header("Date", "Tue, 04 Mar 2025 16:00:00 +0000")
    msg.set_content("Hello, any news about my results?")
    return msg.as_bytes()


@pytest.mark.dovecot
def test_reply_through_real_sync_reopens_and_sent_copy_does_not(dovecot: Any,
                                                               tmp_path: Path) -> None:
    clinic = "appointments@riverside-clinic.example"
    dovecot.create_folder("Sent")
    dovecot.deliver(_mail("q1@patient.example", "My results", "ana@patient.example", clinic))
    config, db, engine = make_sync(write_sync_config(tmp_path, dovecot,
                                                     folders=("INBOX", "Sent")))
    try:
        engine.sync_once()
        (conv,) = [r[0] for r in db.conn.execute("SELECT id FROM conversations")]
        service = InboxService(db, config, "frontdesk")
        service.set_status(conv, "closed")
        # Our answer lands in Sent: it threads in and leaves the conversation closed.
        dovecot.deliver(_mail("r1@riverside-clinic.example", "Re: My results", clinic,
                              "ana@patient.example", in_reply_to="q1@patient.example"),
                        "Sent", flags="S")
        engine.sync_once()
        assert row(db, conv)["status"] == "closed" and row(db, conv)["message_count"] == 2
        # The patient answers: the conversation is open again, with the audit event.
        dovecot.deliver(_mail("q2@patient.example", "Re: My results", "ana@patient.example",
                              clinic, in_reply_to="r1@riverside-clinic.example"))
        engine.sync_once()
        assert row(db, conv)["status"] == "open" and row(db, conv)["message_count"] == 3
        (event,) = [e for e in events(db, "conversation.status") if e["actor"] == "system"]
        assert event["from"] == "closed" and event["reason"] == "patient replied"
        assert service.get_conversation(conv, record_view=False).summary.status == "open"
    finally:
        engine.close()
        db.close()
