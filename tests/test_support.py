"""Proof that the test infrastructure does what the sync and ingest tests rely on.

If these fail, every real-server test is suspect, so they check the fixture's promises
directly: verified TLS (and rejection without our CA), STARTTLS, delivery, capabilities,
UIDVALIDITY reset and renumbering, proxy cuts, and the mail generator's determinism.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, LoginError
from tests.support.dovecot import DovecotServer, find_dovecot, make_tls_material
from tests.support.mailgen import RED_FLAG_SUBJECT, generate_corpus, hostile_messages
from tests.support.tcpproxy import CuttingProxy

FIXED_END = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
CONNECTION_LOST = (IMAPClientAbortError, imaplib.IMAP4.abort, imaplib.IMAP4.error, OSError)

needs_dovecot = pytest.mark.dovecot


def _message(subject: str, body: bytes = b"Hello from the test.\r\n", msgid: str = "") -> bytes:
    msgid = msgid or email.utils.make_msgid(domain="test.example")
    return (
        f"From: Test Patient <patient@test.example>\r\n"
        f"To: appointments@riverside-clinic.example\r\n"
        f"Date: Mon, 3 Mar 2025 09:00:00 -0500\r\n"
        f"Subject: {subject}\r\nMessage-ID: {msgid}\r\n\r\n"
    ).encode("ascii") + body


def _timestamp(internaldate: dt.datetime) -> float:
    """imapclient returns naive local datetimes unless normalise_times is off."""
    return internaldate.timestamp()


def _big_message(size: int) -> bytes:
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n"
    return _message("A large scan", line * (size // len(line) + 1))


# --------------------------------------------------------------------- TLS & login


@needs_dovecot
def test_imaps_login_with_verification_against_ca_file(dovecot: DovecotServer) -> None:
    client = dovecot.imap_client(ssl=True)
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    # The certificate also names DNS:localhost, for clients configured with a host name.
    context = ssl.create_default_context(cafile=str(dovecot.ca_file))
    with socket.create_connection((dovecot.host, dovecot.imaps_port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as tls:
        assert tls.recv(4) == b"* OK"


@needs_dovecot
def test_system_ca_store_rejects_the_private_ca(dovecot: DovecotServer) -> None:
    system_context = ssl.create_default_context()
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(dovecot.host, port=dovecot.imaps_port, ssl=True, ssl_context=system_context)


@needs_dovecot
def test_starttls_on_plain_port(dovecot: DovecotServer) -> None:
    client = dovecot.imap_client(ssl=False)
    assert client.select_folder("INBOX")[b"EXISTS"] == 0


@needs_dovecot
def test_cleartext_login_refused_from_a_non_local_ip(
    dovecot: DovecotServer, cutting_proxy: Callable[..., CuttingProxy]
) -> None:
    # Dovecot counts a client whose IP equals its own as secure and accepts LOGIN in
    # clear on 127.0.0.1; seen from 127.0.0.2 it behaves like a real remote server.
    proxy = cutting_proxy(dovecot.host, dovecot.imap_port, source_address=("127.0.0.2", 0))
    plain = IMAPClient(proxy.host, port=proxy.port, ssl=False, timeout=10)
    try:
        assert {b"STARTTLS", b"LOGINDISABLED"} <= set(plain.capabilities())
        with pytest.raises(LoginError):
            plain.login(dovecot.user, dovecot.password)
    finally:
        plain.shutdown()
    upgraded = IMAPClient(proxy.host, port=proxy.port, ssl=False, timeout=10)
    upgraded.starttls(dovecot.ssl_context())
    upgraded.login(dovecot.user, dovecot.password)
    assert upgraded.select_folder("INBOX")[b"EXISTS"] == 0
    upgraded.logout()


@needs_dovecot
def test_wrong_password_fails_fast(dovecot: DovecotServer) -> None:
    """A wrong password is refused without Dovecot's failure delay or its growing penalty:
    the running server's settings say so (a stopwatch would tell 0.5 s from 2 s only on
    an idle machine)."""
    client = dovecot.imap_client(login=False)
    with pytest.raises(LoginError):
        client.login(dovecot.user, "not-the-password")
    dump = subprocess.run([str(dovecot.binary), "-c", str(dovecot.config_file), "-a"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    assert "\nauth_failure_delay = 0\n" in dump
    penalty = dump.split("unix_listener anvil-auth-penalty {", 1)[1].split("}", 1)[0]
    assert "  mode = 00\n" in penalty or "  mode = 0\n" in penalty, penalty


@needs_dovecot
def test_capabilities_include_idle_condstore_qresync(dovecot: DovecotServer) -> None:
    capabilities = set(dovecot.imap_client().capabilities())
    assert {b"IDLE", b"CONDSTORE", b"QRESYNC", b"UIDPLUS", b"MOVE", b"SPECIAL-USE"} <= capabilities


def test_openssl_fallback_makes_a_valid_chain(tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl command not installed")
    make_tls_material(tmp_path, prefer_cryptography=False)
    verify = subprocess.run(
        [openssl, "verify", "-CAfile", "ca.pem", "server.pem"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert verify.returncode == 0, verify.stderr
    san = subprocess.run(
        [openssl, "x509", "-in", "server.pem", "-noout", "-ext", "subjectAltName"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout
    assert "IP Address:127.0.0.1" in san and "DNS:localhost" in san


# ------------------------------------------------------------------------ delivery


@needs_dovecot
def test_deliver_then_select_shows_exists(dovecot: DovecotServer) -> None:
    raw = _message("Appointment request")
    dovecot.deliver(raw)
    client = dovecot.imap_client()
    info = client.select_folder("INBOX")
    assert info[b"EXISTS"] == 1
    assert info[b"RECENT"] == 1
    fetched = client.fetch([1], ["BODY.PEEK[]", "RFC822.SIZE", "FLAGS"])[1]
    assert fetched[b"BODY[]"] == raw
    assert fetched[b"RFC822.SIZE"] == len(raw)


@needs_dovecot
def test_deliver_with_flags_folder_and_internaldate(dovecot: DovecotServer) -> None:
    when = dt.datetime(2025, 2, 1, 8, 30, tzinfo=dt.UTC)
    dovecot.deliver(_message("Seen and flagged"), flags="\\Seen \\Flagged", internaldate=when)
    dovecot.deliver(_message("Filed"), folder="Pacientes.José")
    client = dovecot.imap_client()
    assert "Pacientes.José" in {name for _flags, _sep, name in client.list_folders()}
    client.select_folder("INBOX")
    fetched = client.fetch([1], ["FLAGS", "INTERNALDATE"])[1]
    assert set(fetched[b"FLAGS"]) >= {b"\\Seen", b"\\Flagged"}
    assert _timestamp(fetched[b"INTERNALDATE"]) == when.timestamp()
    assert client.select_folder("Pacientes.José")[b"EXISTS"] == 1


@needs_dovecot
def test_deliver_many_keeps_order_and_dates(dovecot: DovecotServer) -> None:
    corpus = list(generate_corpus(300, seed=3, end=FIXED_END))
    assert dovecot.deliver_many(corpus) == 300
    client = dovecot.imap_client()
    assert client.select_folder("INBOX")[b"EXISTS"] == 300
    fetched = client.fetch(
        list(range(1, 301)), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]", "INTERNALDATE"]
    )
    for uid, raw in enumerate(corpus, start=1):
        header = email.message_from_bytes(raw, policy=email.policy.compat32)
        got = email.message_from_bytes(fetched[uid][b"BODY[HEADER.FIELDS (MESSAGE-ID)]"])
        assert got["Message-ID"] == header["Message-ID"]
        expected = email.utils.parsedate_to_datetime(header["Date"]).timestamp()
        assert _timestamp(fetched[uid][b"INTERNALDATE"]) == expected


@needs_dovecot
def test_idle_reports_delivery_quickly(dovecot: DovecotServer) -> None:
    """IDLE announces a delivery; the server rechecks an idling mailbox every second (not
    Dovecot's default 30 s), which is what keeps the IDLE tests quick."""
    client = dovecot.imap_client()
    client.select_folder("INBOX")
    client.idle()
    responses: list[Any] = []
    try:
        dovecot.deliver(_message("New mail during IDLE"))
        deadline = time.monotonic() + 60
        while (1, b"EXISTS") not in responses and time.monotonic() < deadline:
            responses += client.idle_check(timeout=1)
    finally:
        client.idle_done()
    assert (1, b"EXISTS") in responses
    dump = subprocess.run([str(dovecot.binary), "-c", str(dovecot.config_file), "-a"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    assert "\nmailbox_idle_check_interval = 1 secs\n" in dump


# -------------------------------------------------------- UIDVALIDITY and renumbering


@needs_dovecot
def test_reset_uidvalidity_changes_validity_and_keeps_messages(dovecot: DovecotServer) -> None:
    raws = [_message(f"Message {i}") for i in range(5)]
    for raw in raws:
        dovecot.deliver(raw)
    client = dovecot.imap_client()
    before = client.select_folder("INBOX")
    client.logout()
    files_before = {p.name.split(":")[0]: p.read_bytes() for p in dovecot.message_files()}

    new_validity = dovecot.reset_uidvalidity("INBOX")

    client = dovecot.imap_client()
    after = client.select_folder("INBOX")
    assert after[b"UIDVALIDITY"] == new_validity != before[b"UIDVALIDITY"]
    assert after[b"EXISTS"] == before[b"EXISTS"] == 5
    bodies = client.fetch([1, 2, 3, 4, 5], ["BODY.PEEK[]"])
    assert sorted(b[b"BODY[]"] for b in bodies.values()) == sorted(raws)
    files_after = {p.name.split(":")[0]: p.read_bytes() for p in dovecot.message_files()}
    assert files_after == files_before


@needs_dovecot
def test_reset_uidvalidity_disconnects_a_selected_session(dovecot: DovecotServer) -> None:
    dovecot.deliver(_message("Selected while reset"))
    client = dovecot.imap_client()
    client.select_folder("INBOX")
    dovecot.reset_uidvalidity("INBOX")
    with pytest.raises(CONNECTION_LOST):
        client.noop()
        client.fetch([1], ["FLAGS"])


@needs_dovecot
def test_renumber_keeps_uidvalidity_but_moves_uids(dovecot: DovecotServer) -> None:
    for i in range(10):
        dovecot.deliver(_message(f"Renumber {i}", msgid=f"<renumber-{i}@test.example>"))
    client = dovecot.imap_client()
    client.enable("CONDSTORE")
    client.select_folder("INBOX")
    client.add_flags([1], [b"\\Flagged"])
    client.delete_messages([5])
    client.expunge()
    before = client.select_folder("INBOX")
    ids_before = {
        uid: data[b"ENVELOPE"].message_id
        for uid, data in client.fetch([1, 2, 3, 4, 6, 7, 8, 9, 10], ["ENVELOPE"]).items()
    }
    client.logout()

    dovecot.renumber("INBOX", seed=4)

    client = dovecot.imap_client()
    client.enable("CONDSTORE")
    after = client.select_folder("INBOX")
    assert after[b"UIDVALIDITY"] == before[b"UIDVALIDITY"]
    assert after[b"UIDNEXT"] == before[b"UIDNEXT"]
    assert after[b"HIGHESTMODSEQ"] < before[b"HIGHESTMODSEQ"]
    fetched = client.fetch(list(range(1, 10)), ["ENVELOPE", "FLAGS"])
    ids_after = {uid: data[b"ENVELOPE"].message_id for uid, data in fetched.items()}
    assert sorted(ids_after.values()) == sorted(ids_before.values())
    assert ids_after != {uid: ids_before.get(uid) for uid in ids_after}
    flagged = [
        data[b"ENVELOPE"].message_id for data in fetched.values() if b"\\Flagged" in data[b"FLAGS"]
    ]
    assert flagged == [b"<renumber-0@test.example>"]


# --------------------------------------------------------------------------- proxy


@needs_dovecot
def test_proxy_cut_mid_fetch(
    dovecot: DovecotServer, cutting_proxy: Callable[..., CuttingProxy]
) -> None:
    dovecot.deliver(_big_message(1024 * 1024))
    proxy = cutting_proxy(dovecot.host, dovecot.imaps_port)
    account = dovecot.users[dovecot.user]

    def connect() -> IMAPClient:
        client = IMAPClient(
            proxy.host, port=proxy.port, ssl=True, ssl_context=dovecot.ssl_context(), timeout=10
        )
        client.login(account.name, account.password)
        client.select_folder("INBOX")
        return client

    client = connect()
    proxy.cut_after_bytes(400_000)
    with pytest.raises(CONNECTION_LOST):
        client.fetch([1], ["BODY.PEEK[]"])
    assert proxy.cuts == 1

    # The cut disarms itself: a new connection through the same proxy gets the whole body.
    again = connect()
    body = again.fetch([1], ["BODY.PEEK[]"])[1][b"BODY[]"]
    assert len(body) > 1024 * 1024
    again.logout()
    assert proxy.cuts == 1
    assert proxy.connections == 2


@needs_dovecot
def test_proxy_stall_needs_a_socket_timeout(
    dovecot: DovecotServer, cutting_proxy: Callable[..., CuttingProxy]
) -> None:
    proxy = cutting_proxy(dovecot.host, dovecot.imaps_port)
    client = IMAPClient(
        proxy.host, port=proxy.port, ssl=True, ssl_context=dovecot.ssl_context(), timeout=0.5
    )
    proxy.stall()
    with pytest.raises(CONNECTION_LOST):
        client.login(dovecot.user, dovecot.password)
    proxy.resume()
    assert proxy.cut_now() == 1


# ------------------------------------------------------------------------- lifecycle


@pytest.mark.parametrize(("ci", "outcome"), [("", "1 skipped"), ("true", "1 error")])
def test_missing_dovecot_skips_locally_but_fails_in_ci(ci: str, outcome: str) -> None:
    env = {**os.environ, "CXINBOX_DOVECOT": "/nonexistent/dovecot", "CI": ci}
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            f"{__file__}::test_deliver_then_select_shows_exists",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert outcome in result.stdout, result.stdout + result.stderr
    assert (result.returncode == 0) == (ci == "")


def test_stop_removes_processes_and_files() -> None:
    if find_dovecot() is None:
        pytest.skip("dovecot is not installed")
    server = DovecotServer(users=("frontdesk", "billing"))
    server.start()
    assert server.startup_seconds < 60.0  # a hang, not a speed check (bench/ measures speed)
    pid = server.pid
    assert pid is not None
    root = server.root
    port = server.imaps_port
    other = server.imap_client(user="billing")
    assert other.select_folder("INBOX")[b"EXISTS"] == 0
    server.stop()
    assert not root.exists()
    # No live process is left in its group (a zombie, dead and waiting for PID 1 to reap
    # the orphan, is not one; /proc lists the live ones).
    from tests.support.dovecot import _group_members

    assert _group_members(pid) == []
    with pytest.raises(OSError):
        socket.create_connection((server.host, port), timeout=1).close()


@needs_dovecot
def test_mbsync_peer_pulls_everything_then_resyncs(dovecot: DovecotServer, tmp_path: Path) -> None:
    if shutil.which("mbsync") is None:
        pytest.skip("mbsync (isync) not installed")
    from bench.mbsync_peer import count_messages, run_mbsync

    dovecot.deliver_many(generate_corpus(30, seed=2, end=FIXED_END))
    run_mbsync(dovecot, tmp_path / "peer", fsync=False)
    assert count_messages(tmp_path / "peer") == 30
    dovecot.deliver(_message("Arrived between syncs"))
    run_mbsync(dovecot, tmp_path / "peer", fsync=False)
    assert count_messages(tmp_path / "peer") == 31


# ------------------------------------------------------------------------- mailgen


def test_mailgen_is_deterministic_and_parses() -> None:
    first = list(generate_corpus(400, seed=11, end=FIXED_END))
    second = list(generate_corpus(400, seed=11, end=FIXED_END))
    other = list(generate_corpus(400, seed=12, end=FIXED_END))
    assert first == second
    assert first != other
    message_ids = set()
    dates = []
    for raw in first:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert message["From"] and message["To"] and message["Subject"] is not None
        message_ids.add(message["Message-ID"])
        dates.append(email.utils.parsedate_to_datetime(message["Date"]))
        for part in message.walk():
            if not part.is_multipart():
                part.get_content()
    assert len(message_ids) == 400
    assert dates == sorted(dates)
    assert FIXED_END - dt.timedelta(days=90) <= dates[0] and dates[-1] < FIXED_END
    assert sum(RED_FLAG_SUBJECT.encode() in raw for raw in first) == 1


def test_mailgen_looks_like_clinic_mail() -> None:
    corpus = list(generate_corpus(1500, seed=1, end=FIXED_END))
    html = attachments = threaded = re_without_headers = 0
    charsets: set[str] = set()
    for raw in corpus:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        types = {part.get_content_type() for part in message.walk()}
        charsets |= {c for c in (p.get_content_charset() for p in message.walk()) if c}
        html += "text/html" in types
        attachments += bool(types & {"application/pdf", "image/jpeg"})
        if message["In-Reply-To"]:
            threaded += 1
        elif str(message["Subject"]).startswith(("Re: ", "RE: ")):
            re_without_headers += 1
    average = sum(map(len, corpus)) / len(corpus)
    assert 0.22 < html / len(corpus) < 0.38
    assert 0.025 < attachments / len(corpus) < 0.08
    assert 10_000 < average < 16_000
    assert threaded > 400 and re_without_headers > 15
    assert {"utf-8", "windows-1252", "iso-8859-1"} <= charsets


def test_hostile_messages_are_named_and_complete() -> None:
    cases = dict(hostile_messages())
    assert len(cases) == len(hostile_messages())
    for name in (
        "escape-sequences-raw-subject", "escape-sequences-encoded-subject", "rich-markup-raw",
        "rich-markup-encoded", "bidi-override", "raw-8bit-headers", "unknown-charset",
        "lying-charset-utf8", "deep-nesting-200", "no-message-id", "duplicate-message-id-a",
        "duplicate-message-id-b", "huge-attachment-20mb", "broken-base64",
        "truncated-multipart", "nul-bytes",
    ):
        assert name in cases
    assert len(cases["huge-attachment-20mb"]) > 20 * 1024 * 1024
    assert b"\x00" in cases["nul-bytes"]
    assert b"\r\nMessage-ID:" not in cases["no-message-id"]
    assert not cases["truncated-multipart"].rstrip().endswith(b"--")


@needs_dovecot
def test_hostile_messages_are_deliverable(dovecot: DovecotServer) -> None:
    cases = hostile_messages()
    dovecot.deliver_many(raw for _name, raw in cases)
    client = dovecot.imap_client()
    assert client.select_folder("INBOX")[b"EXISTS"] == len(cases)
    client.fetch(list(range(1, len(cases) + 1)), ["ENVELOPE", "BODYSTRUCTURE"])
    nul_uid = [name for name, _raw in cases].index("nul-bytes") + 1
    body = client.fetch([nul_uid], ["BODY.PEEK[TEXT]"])[nul_uid][b"BODY[TEXT]"]
    # Dovecot quirk the ingest code must expect: NUL bytes come back as 0x80.
    assert b"\x00" not in body and b"\x80" in body
