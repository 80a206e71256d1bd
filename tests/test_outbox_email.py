"""Replies by email end to end: Dovecot for the mailbox, aiosmtpd for the SMTP server."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.smtpsink import OWN, PATIENT, Desk, make_desk, parsed, patient_mail

from cxinbox.contract.errors import BadRequest, CannedRefused, Forbidden
from cxinbox.contract.reply_types import SendGuardTripped
from cxinbox.service.inbox import InboxService


@pytest.fixture
def desk(tmp_path: Path, dovecot: Any) -> Iterator[Desk]:
    d = make_desk(tmp_path, dovecot)
    yield d
    d.sink.stop()
    d.db.close()


def _first_reply(desk: Desk, body: str = "Friday at 10:00 works. See you then.") -> int:
    desk.server.deliver(patient_mail())
    desk.sync()
    conv = desk.conv_id()
    draft = desk.replies.start_draft(conv)
    desk.replies.save_draft(draft.id, body)
    return desk.replies.send(draft.id).id


def test_reply_is_sent_threaded_recorded_and_copied_to_sent(desk: Desk) -> None:
    desk.server.deliver(patient_mail())
    desk.sync()
    conv = desk.conv_id()
    draft = desk.replies.start_draft(conv)
    assert draft.to == (PATIENT,) and draft.cc == ()
    assert draft.subject == "Re: Reschedule my appointment"
    desk.replies.save_draft(draft.id, "Friday at 10:00 works.\nSee you then.")
    item = desk.replies.send(draft.id)
    assert item.state == "queued"
    assert desk.worker.process_due() == 1

    assert len(desk.sink.messages) == 1
    captured = desk.sink.messages[0]
    assert captured.mail_from == OWN and captured.rcpt_tos == [PATIENT]
    msg = parsed(captured.data)
    assert msg["From"].addresses[0].display_name == "Maria at Riverside Clinic"
    assert msg["From"].addresses[0].addr_spec == OWN
    assert msg["To"] == PATIENT
    assert msg["Subject"] == "Re: Reschedule my appointment"
    assert msg["In-Reply-To"] == "<p1@patients.example>"
    assert msg["References"] == "<p1@patients.example>"
    assert msg["Message-ID"].endswith("@riverside-clinic.example>")
    assert msg["Date"] and msg["MIME-Version"] == "1.0"
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert text.startswith("Friday at 10:00 works.\nSee you then.\n\n-- \nRiverside Clinic front desk")
    assert "Jane Doe wrote:" in text and "> Hello, can I move my appointment" in text

    # The reply joined its conversation at once, as ours, and counts as the first response.
    detail = desk.inbox.get_conversation(conv, record_view=False)
    assert [m.direction for m in detail.messages] == ["in", "out"]
    assert detail.summary.first_response_at is not None
    events = [e.action for e in desk.inbox.events_since(0, 1000)]
    assert "outbox.queued" in events and "outbox.sent" in events and "send" in events

    # The copy in the Sent folder (found or created, flagged \Seen) is the bytes we sent.
    view = desk.replies.outbox_item(item.id)
    assert view.state == "sent" and view.sent_copy == "done"
    client = desk.server.imap_client()
    folders = {name: flags for flags, _d, name in client.list_folders()}
    assert b"\\Sent" in folders["Sent"]
    client.select_folder("Sent", readonly=True)
    uids = client.search("ALL")
    fetched = client.fetch(uids, ["FLAGS", "BODY.PEEK[]"])
    assert len(uids) == 1
    only = fetched[uids[0]]
    assert b"\\Seen" in only[b"FLAGS"] and only[b"BODY[]"] == captured.data
    client.logout()


def test_syncing_the_sent_folder_does_not_duplicate_our_reply(tmp_path: Path, dovecot: Any
                                                             ) -> None:
    dovecot.create_folder("Sent")
    desk = make_desk(tmp_path, dovecot, folders=("INBOX", "Sent"))
    try:
        item_id = _first_reply(desk)
        desk.worker.process_due()
        assert desk.replies.outbox_item(item_id).sent_copy == "done"
        desk.sync()
        desk.sync()
        detail = desk.inbox.get_conversation(desk.conv_id(), record_view=False)
        assert [m.direction for m in detail.messages] == ["in", "out"]
        count = desk.db.conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
        assert count == 1
    finally:
        desk.sink.stop()
        desk.db.close()


def test_starttls_server(tmp_path: Path, dovecot: Any) -> None:
    desk = make_desk(tmp_path, dovecot, tls="starttls")
    try:
        _first_reply(desk)
        assert desk.worker.process_due() == 1
        assert len(desk.sink.messages) == 1
    finally:
        desk.sink.stop()
        desk.db.close()


def test_hostile_subject_and_name_cannot_inject_headers(desk: Desk) -> None:
    # An encoded subject that decodes to CR LF + a header, and a display name with escapes.
    subject = "=?utf-8?b?" + base64.b64encode(
        b"Appt\r\nBcc: thief@evil.example\r\n\x1b]52;c;AAAA\x07x").decode() + "?="
    name = "=?utf-8?b?" + base64.b64encode(b"Jane\x1b[2J\r\nX-Evil: 1").decode() + "?="
    desk.server.deliver(patient_mail(subject, sender=f"{name} <{PATIENT}>"))
    desk.sync()
    draft = desk.replies.start_draft(desk.conv_id())
    desk.replies.save_draft(draft.id, "Thanks", subject="Re: x\r\nBcc: thief2@evil.example")
    desk.replies.send(draft.id)
    desk.worker.process_due()
    captured = desk.sink.messages[0]
    assert captured.rcpt_tos == [PATIENT]
    head = captured.data.split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0].lower() for line in head.split(b"\r\n")
             if line and line[:1] not in (b" ", b"\t")]
    assert b"bcc" not in names and b"x-evil" not in names
    assert names.count(b"subject") == 1
    assert b"\x1b" not in captured.data and b"\x07" not in captured.data
    assert parsed(captured.data)["Subject"] == "Re: x Bcc: thief2@evil.example"


def test_undo_window_cancel_sends_nothing_and_restores_the_draft(tmp_path: Path,
                                                                dovecot: Any) -> None:
    desk = make_desk(tmp_path, dovecot, undo_seconds=30)
    try:
        item_id = _first_reply(desk, "Oops, wrong patient")
        assert desk.worker.process_due() == 0  # still inside the undo window
        view = desk.replies.cancel(item_id)
        assert view.state == "cancelled"
        assert desk.worker.process_due(time.time() + 120) == 0
        assert desk.sink.messages == []
        restored = desk.replies.drafts_for(desk.conv_id())
        assert [d.body for d in restored] == ["Oops, wrong patient"]
        with pytest.raises(BadRequest):
            desk.replies.cancel(item_id)
    finally:
        desk.sink.stop()
        desk.db.close()


def test_colleague_cannot_cancel_but_supervisor_can(tmp_path: Path, dovecot: Any) -> None:
    desk = make_desk(tmp_path, dovecot, undo_seconds=30)
    try:
        desk.server.deliver(patient_mail())
        desk.sync()
        tom = desk.as_user("tnguyen")
        draft = tom.start_draft(desk.conv_id())
        tom.save_draft(draft.id, "Tom's reply")
        item = tom.send(draft.id)
        other = replies_for(desk, "frontdesk2")
        with pytest.raises(Forbidden):
            other.cancel(item.id)
        assert desk.replies.cancel(item.id).state == "cancelled"  # mgarcia is a supervisor
    finally:
        desk.sink.stop()
        desk.db.close()


def replies_for(desk: Desk, actor: str) -> Any:
    from cxinbox.service.replies import ReplyService

    return ReplyService(InboxService(desk.db, desk.config, actor))


def test_temporary_failure_retries_then_sends_once(desk: Desk) -> None:
    desk.sink.script_rcpt.append("451 4.3.0 Mailbox busy, try later")
    item_id = _first_reply(desk)
    assert desk.worker.process_due() == 0
    view = desk.replies.outbox_item(item_id)
    assert view.state == "queued" and view.attempts == 1 and "451" in view.last_error
    assert view.next_attempt_at > time.time() + 5
    assert desk.worker.process_due() == 0  # not due yet
    assert desk.worker.process_due(time.time() + 600) == 1
    assert len(desk.sink.messages) == 1
    assert desk.replies.outbox_item(item_id).state == "sent"


def test_permanent_failure_fails_at_once_with_the_reason(desk: Desk) -> None:
    desk.sink.script_rcpt.append("550 5.1.1 <jane.doe@patients.example>: no such user")
    item_id = _first_reply(desk)
    desk.worker.process_due()
    view = desk.replies.outbox_item(item_id)
    assert view.state == "failed" and "550 5.1.1" in view.last_error and "no such user" in view.last_error
    assert desk.sink.messages == []
    assert desk.worker.process_due(time.time() + 3600) == 0
    # A person fixes the address on the server side and retries: it goes out once.
    assert desk.replies.retry(item_id).state == "queued"
    assert desk.worker.process_due() == 1
    assert len(desk.sink.messages) == 1


def test_gives_up_after_max_attempts(tmp_path: Path, dovecot: Any) -> None:
    desk = make_desk(tmp_path, dovecot, max_attempts=2)
    try:
        desk.sink.script_rcpt.extend(["421 4.7.0 later"] * 2)
        item_id = _first_reply(desk)
        desk.worker.process_due()
        desk.worker.process_due(time.time() + 3600)
        view = desk.replies.outbox_item(item_id)
        assert view.state == "failed" and "gave up after 2 attempts" in view.last_error
    finally:
        desk.sink.stop()
        desk.db.close()


def test_send_guard_stops_on_a_new_patient_message_and_force_sends(desk: Desk) -> None:
    desk.server.deliver(patient_mail())
    desk.sync()
    conv = desk.conv_id()
    draft = desk.replies.start_draft(conv)
    desk.replies.save_draft(draft.id, "Friday works.")
    desk.server.deliver(patient_mail("Re: Reschedule my appointment", message_id="p2@patients.example",
                                     body="Actually Monday is better!",
                                     extra="In-Reply-To: <p1@patients.example>\r\n"))
    desk.sync()
    with pytest.raises(SendGuardTripped) as info:
        desk.replies.send(draft.id)
    assert info.value.exit_code == 7
    assert [i.kind for i in info.value.items] == ["message"]
    assert "Monday is better" in info.value.items[0].text
    assert desk.replies.drafts_for(conv)[0].id == draft.id  # nothing lost
    item = desk.replies.send(draft.id, force=True)
    desk.worker.process_due()
    assert desk.replies.outbox_item(item.id).state == "sent"
    assert len(desk.sink.messages) == 1


def test_send_guard_sees_colleague_note_and_queued_reply(desk: Desk) -> None:
    desk.server.deliver(patient_mail())
    desk.sync()
    conv = desk.conv_id()
    mine = desk.replies.start_draft(conv)
    desk.replies.save_draft(mine.id, "My answer")
    tom = desk.as_user("tnguyen")
    tom_draft = tom.start_draft(conv)
    assert [d.author_name for d in desk.replies.drafts_for(conv)] == ["Tom Nguyen", "Maria Garcia"] \
        or {d.author_name for d in desk.replies.drafts_for(conv)} == {"Tom Nguyen", "Maria Garcia"}
    tom.save_draft(tom_draft.id, "Tom's answer")
    tom.send(tom_draft.id)
    InboxService(desk.db, desk.config, "tnguyen").add_note(conv, "I called her already")
    with pytest.raises(SendGuardTripped) as info:
        desk.replies.send(mine.id)
    assert sorted(i.kind for i in info.value.items) == ["note", "queued-reply"]
    desk.replies.rebase_draft(mine.id)
    desk.replies.send(mine.id)  # seen: goes through


def test_mailbox_without_smtp_host_is_a_clear_error(tmp_path: Path, dovecot: Any) -> None:
    desk = make_desk(tmp_path, dovecot, smtp=False)
    try:
        desk.server.deliver(patient_mail())
        desk.sync()
        draft = desk.replies.start_draft(desk.conv_id())
        desk.replies.save_draft(draft.id, "hello")
        with pytest.raises(BadRequest, match="no smtp_host"):
            desk.replies.send(draft.id)
        assert desk.replies.outbox() == []
    finally:
        desk.sink.stop()
        desk.db.close()


def test_double_send_of_one_draft_queues_once(desk: Desk) -> None:
    desk.server.deliver(patient_mail())
    desk.sync()
    draft = desk.replies.start_draft(desk.conv_id())
    desk.replies.save_draft(draft.id, "once")
    desk.replies.send(draft.id)
    with pytest.raises(Exception, match="no draft"):
        desk.replies.send(draft.id)
    assert len(desk.replies.outbox()) == 1


def test_sent_copy_failure_is_retried_and_never_resends(desk: Desk) -> None:
    item_id = _first_reply(desk)
    # Break only the IMAP side: point the copy at a folder name the server refuses.
    import dataclasses

    bad_account = dataclasses.replace(desk.config.accounts[0], sent_folder="Bad\x01Name")
    desk.worker.config = dataclasses.replace(desk.config, accounts=(bad_account,))
    assert desk.worker.process_due() == 1
    view = desk.replies.outbox_item(item_id)
    assert view.state == "sent" and view.sent_copy == "pending" and view.sent_copy_error
    desk.worker.config = desk.config
    desk.worker.process_due(time.time() + 7200)
    assert desk.replies.outbox_item(item_id).sent_copy == "done"
    assert len(desk.sink.messages) == 1


def _copy_state(desk: Desk, item_id: int) -> tuple[str, int, int]:
    with desk.db.reading() as tx:
        item = tx.outbox_item(item_id)
    assert item is not None
    return item.sent_copy, item.sent_copy_attempts, item.sent_copy_next_ms


@pytest.mark.parametrize("shared", [False, True], ids=["one server", "claimed first"])
def test_a_failed_sent_copy_waits_one_backoff_then_a_longer_one(desk: Desk,
                                                                shared: bool) -> None:
    """Each failed try counts once and waits SENT_COPY_BACKOFF_S, then twice that: a try
    claimed before it failed (several servers) keeps the wait its claim set, and one that
    failed before its claim (the folder refused) is counted then, so the waits grow."""
    import dataclasses

    from cxinbox.service.outbox import SENT_COPY_BACKOFF_S, OutboxWorker

    item_id = _first_reply(desk)
    OutboxWorker(desk.db, desk.config, password_for=desk.worker.password_for,
                 copy_to_sent_folder=False).process_due()
    assert _copy_state(desk, item_id)[:2] == ("pending", 0)
    bad_account = dataclasses.replace(desk.config.accounts[0], sent_folder="Bad\x01Name")
    broken = dataclasses.replace(desk.config, accounts=(bad_account,))
    worker = OutboxWorker(desk.db, broken, password_for=desk.worker.password_for,
                          shared=shared)
    now_ms = int(time.time() * 1000)
    worker.copy_to_sent(now_ms)
    state, tries, next_ms = _copy_state(desk, item_id)
    assert (state, tries) == ("pending", 1)
    assert next_ms == now_ms + int(SENT_COPY_BACKOFF_S * 1000)
    later = next_ms
    worker.copy_to_sent(later)
    state, tries, next_ms = _copy_state(desk, item_id)
    assert (state, tries) == ("pending", 2)
    assert next_ms == later + int(2 * SENT_COPY_BACKOFF_S * 1000)
    worker.config = desk.config
    worker.copy_to_sent(next_ms)
    assert _copy_state(desk, item_id)[0] == "done"
    assert len(desk.sink.messages) == 1


def test_a_sent_folder_another_server_creates_meanwhile_is_used(desk: Desk) -> None:
    """Two servers find no Sent folder at once and both CREATE it: the second is refused
    ([ALREADYEXISTS]) and must use the folder rather than fail the copy. Real Dovecot; the
    other server's CREATE is made to land between this one's look and its own CREATE."""
    from cxinbox.channels.imap import ImapSession
    from cxinbox.service.sync import endpoint_for

    account = desk.config.accounts[0]
    endpoint = endpoint_for(account, desk.config)
    other = ImapSession(endpoint, account.username, desk.server.password)
    ours = ImapSession(endpoint, account.username, desk.server.password)
    try:
        assert "Racing" not in {name for name, _flags in ours.list_folders()}
        looked = ours._client.folder_exists

        def stale_look(name: str) -> bool:
            seen = looked(name)
            if not seen:
                other._client.create_folder(name)  # the other server wins the race
            return seen

        ours._client.folder_exists = stale_look  # type: ignore[method-assign]
        assert ours.find_sent_folder("Racing") == "Racing"
        del ours._client.folder_exists
        assert [name for name, _f in ours.list_folders()].count("Racing") == 1
    finally:
        ours.close()
        other.close()


def test_canned_reply_flagged_in_its_undo_window_is_withheld(tmp_path: Path,
                                                              dovecot: Any) -> None:
    """A canned reply queued before a red flag and still in its undo window when a
    colleague raises one is cancelled by the worker, not sent; the author gets the draft
    back, and the server refuses to send it again while the flag is open."""
    desk = make_desk(tmp_path, dovecot, undo_seconds=30)
    try:
        desk.server.deliver(patient_mail())
        desk.sync()
        conv = desk.conv_id()
        rendered = desk.replies.render_canned("results-ready", conv, {"test_name": "bloods"})
        draft = desk.replies.start_draft(conv)
        desk.replies.save_draft(draft.id, rendered.body)
        item_id = desk.replies.send(draft.id).id
        InboxService(desk.db, desk.config, "colleague").tag(conv, ["red-flag"])
        assert desk.worker.process_due(time.time() + 120) == 0
        assert desk.sink.messages == []
        assert desk.replies.outbox_item(item_id).state == "cancelled"
        back = desk.replies.drafts_for(conv)
        assert [d.body for d in back] == [rendered.body]
        with pytest.raises(CannedRefused, match="open red flag"):
            desk.replies.send(back[0].id)
    finally:
        desk.sink.stop()
        desk.db.close()


def test_an_article_queued_in_pieces_is_withheld_as_a_whole_once_flagged(
        tmp_path: Path, dovecot: Any) -> None:
    """An article cut into four short replies, each under the rule alone, all queued in
    their undo window before a red flag: the worker judges each with the others still to
    go, so only what alone is no longer the article leaves (the last piece), and the first
    piece, given back, is refused on send because of what was sent since the flag."""
    from cxinbox.domain.compose import body_shingles, canned_shingles, canned_still_there
    from cxinbox.service.kb import KbService

    article = ("Free parking is behind the building, enter from Elm Street. The car park"
               " closes at seven in the evening and there are four disabled bays next to"
               " the main entrance, with a ramp up to the front desk and a lift to the"
               " first floor clinics.")
    desk = make_desk(tmp_path, dovecot, undo_seconds=30)
    try:
        desk.server.deliver(patient_mail())
        desk.sync()
        conv = desk.conv_id()
        kb = KbService(desk.inbox)
        kb.add("Parking", article, "patient-facing", slug="parking")
        text = kb.insertion("parking", "text", conv).text
        words = text.split()
        step = -(-len(words) // 4)
        pieces = [" ".join(words[i:i + step]) for i in range(0, len(words), step)]
        handed = canned_shingles(text)
        assert len(pieces) == 4
        assert not any(canned_still_there(handed, set(body_shingles(p))) for p in pieces)
        items = []
        for piece in pieces:
            draft = desk.replies.start_draft(conv)
            desk.replies.save_draft(draft.id, piece)
            items.append(desk.replies.send(draft.id).id)
        InboxService(desk.db, desk.config, "colleague").tag(conv, ["red-flag"])
        assert desk.worker.process_due(time.time() + 120) == 1
        assert [desk.replies.outbox_item(i).state for i in items] == \
            ["cancelled", "cancelled", "cancelled", "sent"]
        assert len(desk.sink.messages) == 1
        sent = parsed(desk.sink.messages[0].data).get_body(("plain",))
        assert sent is not None and pieces[3] in " ".join(sent.get_content().split())
        back = desk.replies.drafts_for(conv)
        assert [d.body for d in back] == [pieces[0]]
        with pytest.raises(CannedRefused, match="knowledge-base article 'parking'.*since the"
                                             " flag was raised"):
            desk.replies.send(back[0].id)
    finally:
        desk.sink.stop()
        desk.db.close()


def test_a_text_key_the_store_cannot_give_leaves_replies_queued(desk: Desk,
                                                                caplog: Any) -> None:
    """The worker cannot read the store's text key (here a damaged row; on PostgreSQL a
    role without INSERT on store_secrets): one line in the log, nothing claimed, nothing
    sent, the reply still queued for the next pass once the key is back."""
    import logging

    from cxinbox.contract.errors import StoreError
    from cxinbox.service.outbox import OutboxWorker
    from cxinbox.store.db import Database

    body = "Friday at 10:00 works. See you then."
    item_id = _first_reply(desk, body)
    good = desk.db.conn.execute("SELECT value FROM store_secrets WHERE name = 'text_key'"
                                ).fetchone()[0]
    with desk.db.write() as conn:
        conn.execute("UPDATE store_secrets SET value = 'damaged' WHERE name = 'text_key'")
    fresh = Database(desk.config.db_path)  # a worker started after the damage
    try:
        worker = OutboxWorker(fresh, desk.config)
        with caplog.at_level(logging.ERROR):
            assert worker.process_due(time.time() + 120) == 0
        assert desk.sink.messages == []
        assert desk.replies.outbox_item(item_id).state == "queued"
        lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(lines) == 1 and "text key" in lines[0] and "\n" not in lines[0], lines
        assert body not in lines[0] and "Traceback" not in caplog.text
        with pytest.raises(StoreError, match="text key"):
            fresh.text_key()
        with desk.db.write() as conn:
            conn.execute("UPDATE store_secrets SET value = ? WHERE name = 'text_key'", (good,))
        assert worker.process_due(time.time() + 120) == 1
        assert desk.replies.outbox_item(item_id).state == "sent"
    finally:
        fresh.close()
