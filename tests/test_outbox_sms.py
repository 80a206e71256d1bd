"""SMS replies through the outbox, against the local provider speaking the Twilio REST API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.support.smsprovider import SmsProvider, write_sms_config
from tests.support.waiting import wait_until

from cxinbox.config import Config, load_config
from cxinbox.contract.errors import BadRequest
from cxinbox.service.inbox import InboxService
from cxinbox.service.outbox import CRASH_ENV, OutboxWorker
from cxinbox.service.replies import ReplyService
from cxinbox.service.sms_sync import SmsPoller
from cxinbox.store.db import Database

CLINIC = "+15550100100"
ANN = "+15557654321"
_REPO = Path(__file__).resolve().parent.parent


@dataclass
class Env:
    provider: SmsProvider
    config_path: Path
    config: Config
    db: Database
    replies: ReplyService
    worker: OutboxWorker

    def conversation(self) -> int:
        poller = SmsPoller(self.db, self.config)
        try:
            poller.poll_once()
        finally:
            poller.close()
        return int(self.db.conn.execute("SELECT id FROM conversations WHERE channel = 'sms'"
                                        ).fetchone()[0])

    def queue(self, text: str) -> int:
        draft = self.replies.start_draft(self.conversation())
        assert draft.mode == "sms" and draft.to == (ANN,) and draft.account == CLINIC
        self.replies.save_draft(draft.id, text)
        return self.replies.send(draft.id).id


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    with SmsProvider(numbers=[CLINIC]) as provider:
        path = write_sms_config(tmp_path, provider, [CLINIC])
        with path.open("a") as handle:
            handle.write("\n[outbox]\nundo_seconds = 0\n")
        config = load_config(path)
        db = Database(config.db_path)
        worker = OutboxWorker(db, config)
        provider.inject_inbound(ANN, CLINIC, "Can I come at 3?")
        yield Env(provider, path, config, db,
                  ReplyService(InboxService(db, config, "maria"), worker=worker), worker)
        db.close()


def test_sms_reply_is_sent_once_and_joins_the_conversation(env: Env) -> None:
    item_id = env.queue("Yes, 3pm is fine.")
    assert env.worker.process_due() == 1
    out = env.provider.outbound()
    assert [(m.from_, m.to, m.body) for m in out] == [(CLINIC, ANN, "Yes, 3pm is fine.")]
    view = env.replies.outbox_item(item_id)
    assert view.state == "sent" and view.provider_id == out[0].sid and view.sent_copy == ""
    conv = env.db.conn.execute("SELECT id, first_response_at FROM conversations").fetchone()
    assert conv[1] is not None
    detail = InboxService(env.db, env.config, "maria").get_conversation(conv[0],
                                                                       record_view=False)
    assert [(m.direction, m.body) for m in detail.messages][-1] == ("out", "Yes, 3pm is fine.")
    # The poller later lists our own text: stored once, not twice.
    env.conversation()
    assert len(InboxService(env.db, env.config, "maria").get_conversation(
        conv[0], record_view=False).messages) == 2


def test_opted_out_number_cannot_be_texted(env: Env) -> None:
    env.provider.inject_inbound(ANN, CLINIC, "STOP")
    conv = env.conversation()
    draft = env.replies.start_draft(conv)
    env.replies.save_draft(draft.id, "Reminder")
    with pytest.raises(BadRequest, match="opted out"):
        env.replies.send(draft.id)
    assert env.provider.outbound() == []


@pytest.mark.parametrize("kind", ["500", "drop"])
def test_unknown_outcome_asks_the_provider_then_sends_once(env: Env, kind: str) -> None:
    """A text the provider has no record of is sent again only after a second "no such
    text" some time after the first (here 0.3 s): it may list the text late."""
    item_id = env.queue("See you at 3.")
    env.provider.fail_next(1, kind)
    env.worker.no_such_text_again_s = 0.3
    env.worker.process_due()
    view = env.replies.outbox_item(item_id)
    assert view.state in ("unconfirmed", "sent"), view

    def sent() -> bool:
        env.worker.process_due()
        return env.replies.outbox_item(item_id).state == "sent"

    wait_until(sent, "the text to be settled sent", timeout=20)
    assert [m.body for m in env.provider.outbound()] == ["See you at 3."]


def test_rejected_text_fails_with_the_reason(env: Env) -> None:
    item_id = env.queue("Hello")
    env.provider.opted_out.add((ANN, CLINIC))  # the provider knows a STOP we have not seen
    env.worker.process_due()
    view = env.replies.outbox_item(item_id)
    assert view.state == "failed" and "21610" in view.last_error


def test_crash_after_the_provider_accepted_recovers_without_resending(env: Env) -> None:
    item_id = env.queue("Crash-safe hello")
    script = ("import sys\nfrom cxinbox.config import load_config\n"
              "from cxinbox.service.outbox import OutboxWorker\n"
              "from cxinbox.store.db import Database\n"
              "c = load_config(sys.argv[1]); print(OutboxWorker(Database(c.db_path), c)"
              ".process_due())\n")
    envvars = dict(os.environ, PYTHONPATH=str(_REPO / "src"), **{CRASH_ENV: "after-data"})
    first = subprocess.run([sys.executable, "-c", script, str(env.config_path)], env=envvars,
                           capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == -signal.SIGKILL, first.stderr
    assert len(env.provider.outbound()) == 1
    assert env.replies.outbox_item(item_id).phase == "data-started"
    # Restart: the provider is asked, finds our text, and it is recorded, not re-sent.
    assert OutboxWorker(env.db, env.config).process_due() == 1
    view = env.replies.outbox_item(item_id)
    assert view.state == "sent" and view.provider_id == env.provider.outbound()[0].sid
    assert len(env.provider.outbound()) == 1


def test_recovery_finds_the_text_whatever_the_list_order_and_body(env: Env) -> None:
    """Issue 10 point 10: after a send with an unknown outcome the patient was texted again
    when the provider listed queued rows last or had changed the body (a trial prefix)."""
    from datetime import UTC, datetime, timedelta

    old = datetime.now(UTC) - timedelta(days=3)
    for i in range(3):
        env.provider.inject_outbound(CLINIC, ANN, f"Old reminder {i}", at=old)
    env.provider.list_order = "queued_last"
    env.provider.body_rewrite = lambda body: "Sent from your Twilio trial account - " + body
    item_id = env.queue("Your \u201cfasting\u201d labs are at 8am")
    script = ("import sys\nfrom cxinbox.config import load_config\n"
              "from cxinbox.service.outbox import OutboxWorker\n"
              "from cxinbox.store.db import Database\n"
              "c = load_config(sys.argv[1]); print(OutboxWorker(Database(c.db_path), c)"
              ".process_due())\n")
    envvars = dict(os.environ, PYTHONPATH=str(_REPO / "src"), **{CRASH_ENV: "after-data"})
    first = subprocess.run([sys.executable, "-c", script, str(env.config_path)], env=envvars,
                           capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == -signal.SIGKILL, first.stderr
    worker = OutboxWorker(env.db, env.config)
    worker.process_due()
    worker.process_due()
    sent = [m for m in env.provider.outbound() if "fasting" in m.body]
    assert len(sent) == 1  # never twice
    view = env.replies.outbox_item(item_id)
    assert view.state == "sent" and view.provider_id == sent[0].sid


def test_confirming_an_unconfirmed_text_never_invents_a_message_id(env: Env) -> None:
    """Issue 10 point 9: "it arrived" stored the text under `confirmed-N`; every poll then
    failed on "not a message id" and the real sid later arrived as a second copy."""
    item_id = env.queue("Running 10 minutes late?")
    with env.db.write() as conn:  # the send's outcome is unknown and not settled yet
        conn.execute("UPDATE outbox SET state = 'unconfirmed', phase = 'data-started'"
                     " WHERE id = ?", (item_id,))
    real = env.provider.inject_outbound(CLINIC, ANN, "Running 10 minutes late?", status="sent")
    env.provider.messages[real].hidden = True  # the provider lists it late
    assert env.replies.confirm_sent(item_id).state == "sent"
    poller = SmsPoller(env.db, env.config)
    try:
        poller.poll_once()  # used to raise SmsRejected("not a message id") on every poll
        env.provider.reveal(real)
        env.provider.settle()
        poller.poll_once()
    finally:
        poller.close()
    rows = env.db.conn.execute("SELECT message_id FROM messages WHERE body_text LIKE"
                               " 'Running%'").fetchall()
    assert [r[0] for r in rows] == [real]  # one copy, under the provider's own id
    assert env.replies.outbox_item(item_id).provider_id == real
    status = env.db.conn.execute("SELECT status FROM sms_messages WHERE sid = ?",
                                 (real,)).fetchone()
    assert status is not None and status[0] == "delivered"


def test_a_text_the_carrier_could_not_deliver_is_shown_and_reopens(env: Env) -> None:
    """Issue 10 point 11: carrier failures (30003, 30007 ...) were stored but never shown."""
    import json as _json
    from datetime import UTC, datetime

    from cxinbox.tui.ascii import ASCII_GLYPHS
    from cxinbox.tui.screens.outbox import row_text
    from cxinbox.tui.widgets.message_block import message_text

    env.provider.carrier_errors[ANN] = ("undelivered", 30007, "Message filtered")
    item_id = env.queue("Your results are in.")
    assert env.worker.process_due() == 1
    inbox = InboxService(env.db, env.config, "maria")
    conv = env.db.conn.execute("SELECT id FROM conversations").fetchone()[0]
    inbox.set_status(conv, "closed")
    env.provider.settle()
    env.conversation()  # one poll: the delivery receipt arrives
    detail = inbox.get_conversation(conv, record_view=False)
    text = detail.messages[-1]
    assert (text.delivery, text.delivery_error) == ("undelivered", "30007: Message filtered")
    assert detail.summary.status == "open"  # reopened: someone must reach the patient
    shown = message_text(text, tz=UTC, now=datetime.now(UTC), glyphs=ASCII_GLYPHS,
                         expanded=False).plain
    assert "NOT DELIVERED" in shown and "30007" in shown
    item = env.replies.outbox_item(item_id)
    assert item.undelivered and "30007" in item.delivery_error
    row = row_text(item, datetime.now(UTC).timestamp(), UTC, "maria", str, 96).plain
    assert row.startswith("UNDELIVERED") and "NOT DELIVERED: 30007" in row
    events = [(r[0], _json.loads(r[1])) for r in env.db.conn.execute(
        "SELECT action, details FROM events WHERE action = 'outbox.undelivered'")]
    assert [(a, d["author"], d["outbox"], d["conversation"]) for a, d in events] == [
        ("outbox.undelivered", "maria", item_id, conv)]
    # A delivered text says so quietly.
    env.provider.carrier_errors.clear()
    env.queue("Call us back.")
    env.worker.process_due()
    env.provider.settle()
    env.conversation()
    last = inbox.get_conversation(conv, record_view=False).messages[-1]
    assert last.delivery == "delivered" and last.delivery_error == ""


POOL = ("+15550100111", "+15550100112")


def test_texts_go_through_a_messaging_service_and_pool_rows_are_kept(tmp_path: Path) -> None:
    """Issue 10 point 14: sending posted only From/To/Body, and texts from (and answers to)
    a Messaging Service's pool numbers were filtered out."""
    from tests.support.twilio_schema import create_problems

    with SmsProvider(numbers=[CLINIC]) as provider:
        service = provider.add_service([CLINIC, *POOL])
        path = write_sms_config(tmp_path, provider, [CLINIC])
        text = path.read_text().replace(
            "[[sms.numbers]]", f'messaging_service_sid = "{service}"\n'
            'status_callback = "https://clinic.example/sms-status"\n\n[[sms.numbers]]', 1)
        path.write_text(text + "\n[outbox]\nundo_seconds = 0\n")
        config = load_config(path)
        db = Database(config.db_path)
        worker = OutboxWorker(db, config)
        provider.inject_inbound(ANN, CLINIC, "Can I come at 3?")
        env = Env(provider, path, config, db,
                  ReplyService(InboxService(db, config, "maria"), worker=worker), worker)
        item_id = env.queue("Yes, 3pm is fine.")
        assert worker.process_due() == 1
        (form,) = [f for method, p, f in provider.requests
                   if method == "POST" and p.endswith("/Messages.json")]
        assert form["MessagingServiceSid"] == [service] and "From" not in form
        assert form["StatusCallback"] == ["https://clinic.example/sms-status"]
        assert create_problems(form) == []
        # The pool's other numbers: a colleague's text from the console, the patient's answer.
        provider.inject_outbound(POOL[1], ANN, "Bring your insurance card", service=service)
        provider.inject_inbound(ANN, POOL[1], "OK, see you")
        provider.settle()
        env.conversation()
        conv = db.conn.execute("SELECT id FROM conversations").fetchone()[0]
        detail = InboxService(db, config, "maria").get_conversation(conv, record_view=False)
        bodies = [(m.direction, m.body) for m in detail.messages]
        assert sorted(bodies) == sorted([
            ("in", "Can I come at 3?"), ("out", "Yes, 3pm is fine."),
            ("out", "Bring your insurance card"), ("in", "OK, see you")])
        mine = next(m for m in detail.messages if m.body == "Yes, 3pm is fine.")
        assert mine.delivery == "delivered"
        assert env.replies.outbox_item(item_id).provider_id in provider.messages
        db.close()


def test_mms_sending_publishes_the_file_where_the_clinic_serves_it(tmp_path: Path) -> None:
    """Issue 10 point 14: a picture or PDF could not be texted (no MediaUrl)."""
    from cxinbox.config import ConfigError

    media = tmp_path / "public-mms"
    with SmsProvider(numbers=[CLINIC]) as provider:
        path = write_sms_config(tmp_path, provider, [CLINIC])
        base = path.read_text()
        path.write_text(base.replace("[[sms.numbers]]", f'media_dir = "{media}"\n\n'
                                     "[[sms.numbers]]", 1))
        with pytest.raises(ConfigError, match="media_base_url"):
            load_config(path)
        path.write_text(base.replace("[[sms.numbers]]", f'media_dir = "{media}"\n'
                                     'media_base_url = "https://files.clinic.example/mms"\n\n'
                                     "[[sms.numbers]]", 1) + "\n[outbox]\nundo_seconds = 0\n")
        config = load_config(path)
        db = Database(config.db_path)
        worker = OutboxWorker(db, config)
        provider.inject_inbound(ANN, CLINIC, "Can you send the referral?")
        env = Env(provider, path, config, db,
                  ReplyService(InboxService(db, config, "maria"), worker=worker), worker)
        draft = env.replies.start_draft(env.conversation())
        pdf = b"%PDF-1.4\nreferral\n"
        env.replies.attach_file(draft.id, "referral letter.pdf", pdf, "application/pdf")
        env.replies.save_draft(draft.id, "Here is your referral.")
        env.replies.send(draft.id)
        assert worker.process_due() == 1
        (form,) = [f for method, p, f in provider.requests
                   if method == "POST" and p.endswith("/Messages.json")]
        (url,) = form["MediaUrl"]
        assert url.startswith("https://files.clinic.example/mms/")
        assert url.endswith("/referral%20letter.pdf")
        published = media / url.split("/")[-2] / "referral letter.pdf"
        assert published.read_bytes() == pdf
        (sent,) = provider.outbound()
        assert [m["content_type"] for m in sent.media] == ["application/pdf"]
        db.close()


@pytest.mark.parametrize("typed", ["555-765-4321", "(555) 765-4321", "555 765 4321",
                                   "5557654321", "+1 555 765 4321", "1-555-765-4321"])
def test_a_new_message_to_a_number_typed_any_way_is_a_text(tmp_path: Path, typed: str) -> None:
    with SmsProvider(numbers=[CLINIC]) as provider:
        path = write_sms_config(tmp_path, provider, [CLINIC])
        with path.open("a") as handle:
            handle.write("\n[outbox]\nundo_seconds = 0\n")
        config = load_config(path)
        db = Database(config.db_path)
        worker = OutboxWorker(db, config)
        replies = ReplyService(InboxService(db, config, "maria"), worker=worker)
        draft = replies.start_draft(None, "new", typed)
        assert (draft.mode, draft.channel, draft.to, draft.account) == (
            "sms", "sms", ("+15557654321",), CLINIC)
        assert draft.conversation_id is None
        replies.save_draft(draft.id, "Your results are in; please call us.")
        item = replies.send(draft.id)
        assert item.recipients == ("+15557654321",) and item.channel == "sms"
        assert worker.process_due() == 1
        assert [(m.from_, m.to) for m in provider.outbound()] == [(CLINIC, "+15557654321")]
        conv = db.conn.execute("SELECT mailbox, from_addr FROM conversations").fetchall()
        assert [tuple(r) for r in conv] == [(CLINIC, "+15557654321")]
        db.close()


def test_a_new_message_to_a_number_that_texted_joins_its_conversation(env: Env) -> None:
    conv = env.conversation()
    draft = env.replies.start_draft(None, "new", "(555) 765-4321")
    assert draft.conversation_id == conv and draft.to == (ANN,) and draft.mode == "sms"
    # Asking again finds the same draft rather than starting a second one.
    assert env.replies.start_draft(None, "new", "555.765.4321").id == draft.id


@pytest.mark.parametrize(("typed", "fragment"), [
    ("555-765", "10 digits"), ("Ann Lee", "neither an e-mail address nor a phone number"),
    ("+1 055 765 4321", "area code")])
def test_a_new_message_to_a_bad_number_is_one_line(env: Env, typed: str, fragment: str) -> None:
    with pytest.raises(BadRequest) as info:
        env.replies.start_draft(None, "new", typed)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert env.replies.my_drafts() == []


def test_a_new_message_to_a_number_without_sms_says_so(tmp_path: Path) -> None:
    from tests.teamhelp import open_service

    _, _db, svc, _ = open_service(tmp_path)
    with pytest.raises(BadRequest, match="no \\[sms\\] in the config"):
        ReplyService(svc).start_draft(None, "new", "555-765-4321")
