"""No patient text in the server's log, even at DEBUG and through failures.

A real `cxinbox serve` syncs ordinary, hostile and malformed mail from Dovecot, polls a
patient's text from the local SMS provider, and sends replies through aiosmtpd and the
provider: one delivered, one refused by the SMTP server with the patient's address in the
refusal, one SMS after two provider errors. Then every subject, body word, name, address
and phone number used (E.164 and national forms) is looked for in the whole log.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.smsprovider import SmsProvider
from tests.support.smtpsink import SmtpSink, write_reply_config
from tests.support.waiting import wait_until
from tests.test_serve_support import ME, Server, socket_dir

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.logsetup import KeyValueFormatter, Withhold, configure, journal_datagram, mask
from cxinbox.service.logsafe import fields

CLINIC = "+15550100100"
PATIENT_PHONE = "+15558675309"
PHONE_FORMS = ["+15558675309", "15558675309", "5558675309", "555-867-5309", "(555) 867-5309",
               "867-5309", "8675309"]
SECRETS = [
    # names, addresses
    "Jane", "Patientson", "jane.patientson", "Brunhilde", "Quackenbush", "brunhilde.q",
    "Ottoline", "Marigold", "mail.example",
    # subjects and body words
    "Zolvexa", "Chest pain", "Wobbleworth", "Fenwick", "rash", "Tuesday", "Glimmerdose",
    "Scarpington", "mycardio",
]

ORDINARY = (b"From: Jane Patientson <jane.patientson@mail.example>\r\n"
            b"To: appointments@riverside-clinic.example\r\n"
            b"Subject: Chest pain after Zolvexa dose\r\nMessage-ID: <lp1@mail.example>\r\n"
            b"Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\n"
            b"My daughter Marigold feels it too. Call me at (555) 867-5309.\r\n")
HOSTILE = (b"From: =?utf-8?q?Brunhilde_Quackenbush_=1B]52;c;Zm9v=07?= <brunhilde.q@mail.example>"
           b"\r\nTo: appointments@riverside-clinic.example\r\n"
           b"Subject: =?utf-8?b?V29iYmxld29ydGgbWzMxbSDigK4gRmVud2ljaw==?=\r\n"
           b"Message-ID: <lp2@mail.example>\r\nDate: Tue, 1 Dec 2026 10:01:00 +0000\r\n"
           b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\n"
           b"\x1b[2J Glimmerdose \xff\xfe refill \x9b31m please\r\n")
MALFORMED = (b"From: Scarpington <mycardio@mail.example\r\n"
             b"To: appointments@riverside-clinic.example\r\n"
             b"Subject: Scarpington " + b"x" * 5000 + b"\r\n"
             b"Message-ID: <lp3@mail.example>\r\n"
             b"Content-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n"
             b"--never-closed\r\nContent-Type: text/plain\r\n"
             b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64 Scarpington!!!\r\n")


# -- the formatter and the last line of defence, on their own -----------------------------------


def test_masking_and_withheld_exception_messages() -> None:
    assert mask("to jane.patientson@mail.example failed") == "to <address> failed"
    for form in PHONE_FORMS[:5]:
        assert "8675309" not in mask(f"number {form} refused"), form
    assert mask("outbox 12 took 340 ms at 2026-12-03") == "outbox 12 took 340 ms at 2026-12-03"

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(Withhold())
    log = logging.getLogger("cxinbox.test_logprivacy")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        quoted = "Subject 'Chest pain' from Jane"  # the frames show source lines, not values
        try:
            raise ValueError(quoted)
        except ValueError:
            log.exception("parse failed")
        log.info("mail synced", extra=fields(account="appointments", folder="INBOX", new=3,
                                             duration_ms=12.5))
        log.info("odd", extra=fields(folder="Jane Patientson <x@y.example>"))
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "Chest pain" not in text and "Jane" not in text
    assert "ValueError (message withheld" in text
    assert "msg=\"mail synced\" account=appointments folder=INBOX new=3 duration_ms=12.5" in text
    assert "folder=?" in text
    with pytest.raises(ValueError, match="not in logsafe.FIELD_NAMES"):
        fields(subject="anything")


def test_journald_fields_when_stderr_is_the_journal(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    data = journal_datagram({"MESSAGE": "reply sent", "CXINBOX_OUTBOX": 7,
                             "CODE_FILE": "a\nb"})
    assert data.startswith(b"MESSAGE=reply sent\nCXINBOX_OUTBOX=7\nCODE_FILE\n")
    target = tmp_path / "err.txt"
    with target.open("w") as stream:
        info = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino}")
        root, ours = logging.getLogger(), logging.getLogger("cxinbox")
        saved = (list(root.handlers), root.level, ours.level)
        try:
            handler = configure("debug", stream=stream)
            logging.getLogger("cxinbox.test").warning("x", extra=fields(account="billing"))
            logging.getLogger("imapclient.imaplib").debug("> FETCH Jane")  # third party
            handler.flush()
        finally:
            root.handlers[:] = saved[0]
            root.setLevel(saved[1])
            ours.setLevel(saved[2])  # configure() sets our loggers' level too
    written = target.read_text()
    if not Path("/run/systemd/journal/socket").exists():  # no journald here: <N> prefixes
        assert written.startswith("<4>") and "account=billing" in written
    assert "Jane" not in written


# -- the server ----------------------------------------------------------------------------------


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _db_rows(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()


def _wait(what: str, check: Callable[[], bool], log_path: Path, timeout: float = 60) -> None:
    wait_until(check, what, timeout=timeout, interval=0.1,
               detail=lambda: log_path.read_text()[-3000:])


async def test_no_patient_text_in_the_server_log(dovecot: Any, tmp_path: Path, sockdir: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    sock = sockdir / "s.sock"
    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    with SmsProvider(numbers=[CLINIC]) as provider:
        cfg = write_reply_config(tmp_path, dovecot, sink, max_attempts=2)
        token = tmp_path / "sms.token"
        token.write_text(provider.token + "\n")
        token.chmod(0o600)
        cfg.write_text(cfg.read_text() + f"""
[server]
socket = "{sock}"

[sms]
base_url = "{provider.base_url}"
account_sid = "{provider.account_sid}"
verify_tls = false
password_file = "{token}"
poll_seconds = 1

[[sms.numbers]]
number = "{CLINIC}"
name = "Front desk"

[[staff]]
os_user = "{ME}"
name = "Desk Admin"
role = "admin"
""")
        db_path = tmp_path / "data" / "cxinbox.db"
        for raw in (ORDINARY, HOSTILE, MALFORMED):
            dovecot.deliver(raw)
        provider.inject_inbound(PATIENT_PHONE, CLINIC, "Ottoline here: rash since Tuesday")
        monkeypatch.setenv("CXINBOX_LOG_LEVEL", "debug")
        try:
            with Server(cfg, sock) as server:
                _wait("mail and SMS stored", lambda: len(_db_rows(
                    db_path, "SELECT id FROM messages")) >= 4, server.log_path)
                found = probe(sock)
                assert found is not None
                api = SocketAPI(sock, *found)
                try:
                    ids = {r[0]: r[1] for r in _db_rows(
                        db_path, "SELECT m.message_id, m.conversation_id FROM messages m")}
                    sms_conv = _db_rows(db_path, "SELECT id FROM conversations"
                                                 " WHERE channel = 'sms'")[0][0]
                    # delivered; refused with the address in the refusal; SMS after errors
                    for conv in (ids["lp1@mail.example"], ids["lp2@mail.example"]):
                        if conv == ids["lp2@mail.example"]:
                            sink.script_rcpt = [
                                ("550 5.1.1 <brunhilde.q@mail.example>: Recipient address"
                                 " rejected: Brunhilde Quackenbush unknown")] * 4
                        draft = await api.start_draft(conv)
                        await api.save_draft(draft.id, "Dear Jane, Zolvexa is fine.")
                        await api.send_draft(draft.id)
                        _wait("the reply settled", lambda: _db_rows(
                            db_path, "SELECT count(*) FROM outbox WHERE state IN ('queued',"
                                     " 'sending')")[0][0] == 0, server.log_path)
                    provider.fail_next(2, "500")
                    draft = await api.start_draft(sms_conv)
                    await api.save_draft(draft.id, "Ottoline, please come in Tuesday.")
                    await api.send_draft(draft.id)
                    _wait("the SMS reply sent", lambda: _db_rows(
                        db_path, "SELECT count(*) FROM outbox WHERE channel = 'sms'"
                                 " AND state = 'sent'")[0][0] == 1, server.log_path, 90)
                    await api.list_conversations('"Zolvexa"')
                    await api.get_conversation(ids["lp3@mail.example"])
                finally:
                    await api.aclose()
                log_path = server.log_path
        finally:
            sink.stop()
    states = sorted(r[0] for r in _db_rows(db_path, "SELECT state FROM outbox"))
    assert states == ["failed", "sent", "sent"], states
    text = log_path.read_text(errors="replace")
    # The log did speak, at DEBUG, about each part (else "nothing leaked" proves nothing).
    for expected in ("mail synced", "reply sent", "reply failed", "retrying in",
                     "msg=request", "method=send_draft", "sms polled", "client connected", "sla round"):
        assert expected in text, f"{expected!r} missing from the log:\n{text[-3000:]}"
    lowered = text.lower()
    leaks = [s for s in SECRETS + PHONE_FORMS if s.lower() in lowered]
    assert not leaks, f"patient text in the log: {leaks}\n" + "\n".join(
        line for line in text.splitlines() if any(s.lower() in line.lower() for s in leaks))
    assert json.dumps(leaks) == "[]"
