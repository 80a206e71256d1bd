"""Living beside Outlook and Gmail users on the same shared mailbox (real Dovecot).

Staff who keep answering from Outlook or the Gmail web page must not break the desk's
picture: their reply, filed in Sent, is the clinic's response (it stops the SLA clock
like a reply from cxinbox), never a patient message; a copy of cxinbox's own reply that
the provider refiled with other bytes is the same message, not a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.waiting import poll_until
from tests.synchelp import make_sync, write_config

from cxinbox.service.inbox import InboxService

CLINIC = "appointments@riverside-clinic.example"
SMTP_LINES = 'smtp_host = "127.0.0.1"\nsmtp_port = 2465\n'
SLA = """
[[sla.policies]]
name = "front desk"
first_response = "4h"
"""


def _mail(frm: str, to: str, subject: str, message_id: str, *, in_reply_to: str = "",
          when: datetime | None = None, body: str = "Can I move my appointment?") -> bytes:
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    msg["Date"] = format_datetime(when or datetime.now(UTC))
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = f"<{in_reply_to}>"
    msg.set_content(body)
    return bytes(msg)


def _config(tmp: Path, server: Any, **kw: Any) -> Path:
    path = write_config(tmp, server, extra_account=SMTP_LINES + kw.pop("extra", ""), **kw)
    path.write_text(path.read_text() + SLA)
    return path


def test_reply_sent_from_outlook_joins_its_thread_as_the_clinics_answer(
        dovecot: Any, tmp_path: Path) -> None:
    dovecot.create_folder("Sent Items")  # Exchange's name; no SPECIAL-USE needed
    asked = datetime.now(UTC) - timedelta(minutes=30)
    dovecot.deliver(_mail("Ana Ruiz <ana@patients.example>", CLINIC, "Move my appointment",
                          "ask-1@patients.example", when=asked), "INBOX")
    config, db, engine = make_sync(_config(tmp_path, dovecot))
    inbox = InboxService(db, config, "maria")
    try:
        engine.sync_once()
        [conv] = inbox.list_conversations("", 0, 10).items
        assert conv.sla_state in ("ok", "at-risk") and conv.first_response_at is None

        # A colleague answers in Outlook: Exchange files the reply in Sent Items.
        # From is the colleague's own address (Outlook "send on behalf" set up the other way
        # round): being in Sent is what makes it the clinic speaking.
        dovecot.deliver(_mail("Maria Lopez <maria@riverside-clinic.example>",
                              "ana@patients.example",
                              "RE: Move my appointment", "reply-1@outlook.example",
                              in_reply_to="ask-1@patients.example"), "Sent Items",
                        flags="\\Seen")
        results = engine.sync_once()
        assert ("Sent Items", 1) in {(r.folder, r.new) for r in results}

        page = inbox.list_conversations("", 0, 10)
        assert page.total == 1, "the reply must join the patient's conversation"
        detail = inbox.get_conversation(conv.id)
        assert [m.direction for m in detail.messages] == ["in", "out"]
        after = detail.summary
        assert after.first_response_at is not None
        assert after.sla_target != "first-response"
        assert detail.summary.from_addr == "ana@patients.example"
    finally:
        engine.close()
        db.close()


def test_a_refiled_copy_of_our_own_reply_is_the_same_message(dovecot: Any,
                                                             tmp_path: Path) -> None:
    """Gmail's SMTP files the sent copy itself, with headers of its own: one message."""
    dovecot.create_folder("Sent")
    dovecot.deliver(_mail("Ana Ruiz <ana@patients.example>", CLINIC, "Refill",
                          "ask-2@patients.example"), "INBOX")
    _cfg, db, engine = make_sync(_config(tmp_path, dovecot))
    try:
        engine.sync_once()
        ours = _mail(CLINIC, "ana@patients.example", "Re: Refill", "ours-1@riverside.example",
                     in_reply_to="ask-2@patients.example", body="Ready on Friday.")
        # What the outbox records when it sends (the same store call as a real send).
        from cxinbox.domain.mime import parse_message
        from cxinbox.store import outbox as outbox_store

        with db.write() as conn:
            conv = conn.execute("SELECT id FROM conversations").fetchone()[0]
            outbox_store.record_outbound_email(
                conn, item_id=1, account="appointments", conversation_id=conv, raw=ours,
                parsed=parse_message(ours), own_addresses=frozenset({CLINIC}),
                now_s=int(datetime.now(UTC).timestamp()), counts_as_response=True)
        refiled = b"X-Gm-Message-State: AOJu0Yw\r\n" + ours
        dovecot.deliver(refiled, "Sent", flags="\\Seen")
        engine.sync_once()
        count = db.conn.execute("SELECT count(*) FROM messages WHERE message_id = ?",
                                ("ours-1@riverside.example",)).fetchone()[0]
        assert count == 1
        located = db.conn.execute(
            "SELECT count(*) FROM locations l JOIN folders f ON f.id = l.folder_id"
            " WHERE f.name = 'Sent'").fetchone()[0]
        assert located == 1, "the refiled copy is linked to the stored reply"
    finally:
        engine.close()
        db.close()


def test_sent_folder_is_not_followed_for_a_read_only_mailbox(dovecot: Any,
                                                              tmp_path: Path) -> None:
    dovecot.create_folder("Sent")
    path = write_config(tmp_path, dovecot)  # no smtp_host: cannot send, Sent not followed
    config, db, engine = make_sync(path)
    try:
        assert [f for f, _ in engine.folders_for(config.accounts[0])] == ["INBOX"]
    finally:
        engine.close()
        db.close()


def _server_flags(server: Any, folder: str = "INBOX") -> dict[int, set[bytes]]:
    client = server.imap_client()
    try:
        client.select_folder(folder, readonly=True)
        return {int(u): set(d[b"FLAGS"]) for u, d in
                client.fetch(client.search("ALL"), ["FLAGS"]).items()}
    finally:
        client.logout()


def _wait(what: Any, timeout: float = 60.0) -> bool:
    return poll_until(what, timeout=timeout)


def test_reading_in_cxinbox_marks_the_mail_seen_on_the_server(
        dovecot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import cxinbox.service.sync as sync_module

    # No IDLE is renewed during this test (idle_timeout_s is 1500), so a \Seen written
    # back within the wait below was written while the folder thread was in IDLE.
    monkeypatch.setattr(sync_module, "_SETTLE_IDLE_S", 3600.0)

    dovecot.deliver(_mail("Ana Ruiz <ana@patients.example>", CLINIC, "Lab results?",
                          "ask-3@patients.example"), "INBOX")
    dovecot.deliver(_mail("Bo Chen <bo@patients.example>", CLINIC, "Parking",
                          "ask-4@patients.example"), "INBOX")
    config, db, engine = make_sync(write_config(tmp_path, dovecot))
    inbox = InboxService(db, config, "maria")
    stop = threading.Event()
    watcher = threading.Thread(target=engine.watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        assert _wait(lambda: inbox.list_conversations("", 0, 10).total == 2)
        assert all(b"\\Seen" not in f for f in _server_flags(dovecot).values())
        conv = next(c for c in inbox.list_conversations("", 0, 10).items
                    if c.subject == "Lab results?")
        assert inbox.mark_read(conv.id) == 1
        # Written back while the folder thread was in IDLE, not at the next renewal.
        assert _wait(lambda: sum(b"\\Seen" in f for f in _server_flags(dovecot).values()) == 1)
        # And it stays read here: the next flag sync does not take it back.
        assert _wait(lambda: db.conn.execute(
            "SELECT count(*) FROM locations WHERE instr(flags, '\\Seen') > 0").fetchone()[0] == 1)
        assert inbox.get_conversation(conv.id).summary.unread_count == 0
    finally:
        stop.set()
        watcher.join(10)
        engine.close()
        db.close()


def test_connections_per_mailbox_are_capped(dovecot: Any, tmp_path: Path) -> None:
    """max_connections: a session waits for a free slot and says so when none frees up."""
    from cxinbox.channels.imap import ImapError, ImapSession
    from cxinbox.service.sync import endpoint_for

    path = write_config(tmp_path, dovecot, extra_account="max_connections = 1")
    config, db, engine = make_sync(path)
    account = config.accounts[0]
    endpoint = endpoint_for(account, config)
    fast = type(endpoint)(**{**{f: getattr(endpoint, f) for f in endpoint.__slots__},
                             "connect_timeout_s": 0.5, "socket_timeout_s": 0.5})
    first = ImapSession(fast, account.username, dovecot.password)
    try:
        try:
            ImapSession(fast, account.username, dovecot.password)
        except ImapError as exc:
            assert "all 1 connections allowed for this mailbox (max_connections)" in str(exc)
        else:
            raise AssertionError("a second connection was opened past the cap")
    finally:
        first.close()
    again = ImapSession(fast, account.username, dovecot.password)  # the slot came back
    again.close()
    engine.close()
    db.close()


def test_a_mail_server_that_stays_unreachable_is_not_silent(dovecot: Any,
                                                             tmp_path: Path) -> None:
    import socket
    import threading

    from cxinbox.service.health import Health
    from cxinbox.store import health as health_store

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    path = write_config(tmp_path, dovecot, port=closed)
    config, db, engine = make_sync(path)
    engine.health = Health(db, config)
    stop = threading.Event()
    watcher = threading.Thread(target=engine.watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        assert _wait(lambda: bool(health_store.current(db.conn)), timeout=30)
        [alert] = health_store.current(db.conn)
        assert alert.key == "folder:appointments" and alert.severity == "warning"
        assert "appointments: mail server unreachable since" in alert.message
        assert "connection refused" in alert.message
    finally:
        stop.set()
        watcher.join(10)
        engine.close()
        db.close()
