"""OAuth2 sign-in end to end: cxinbox's own code paths (msal, google-auth, generic) against
the local authorization server, Dovecot with `passdb oauth2` and the XOAUTH2 SMTP sink.

Every scenario of the issue: first sign-in per flow, refresh before expiry, expiry while
IDLE with mail arriving, a revoked sign-in (that account stops and says so; the others go
on), Exchange-like and Gmail-like servers, and bad input that must be one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from tests.doctorhelp import unwrap
from tests.support.dovecot import EXCHANGE_ONLINE_CAPABILITY, DovecotServer, find_dovecot
from tests.support.oauthserver import OAuthServer, make_app_certificate
from tests.support.smtpsink import SmtpSink

from cxinbox.channels.oauth import BearerToken
from cxinbox.channels.signin import credential_for
from cxinbox.channels.smtp import SmtpEndpoint, SmtpSession
from cxinbox.config import Config, load_config
from cxinbox.service.health import Health
from cxinbox.service.sync import MailSync
from cxinbox.store import health as health_store
from cxinbox.store.db import Database

TENANT = "riverside-clinic.onmicrosoft.com"
BILLING = "billing@riverside-clinic.example"
FRONTDESK = "frontdesk@riverside-clinic.example"
ADMIN = "it-admin@riverside-clinic.example"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def auth() -> Iterator[OAuthServer]:
    with OAuthServer() as server:
        yield server


def _dovecot(auth: OAuthServer, **kw: Any) -> DovecotServer:
    if find_dovecot() is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    return DovecotServer((BILLING, FRONTDESK),
                         oauth2_introspection_url=auth.dovecot_introspection_url, **kw)


@pytest.fixture
def mail(auth: OAuthServer) -> Iterator[DovecotServer]:
    with _dovecot(auth) as server:
        yield server


def _patient(n: int, subject: str = "Appointment") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Patient {n} <p{n}@patients.example>"
    msg["To"] = BILLING
    msg["Subject"] = f"{subject} {n}"
    msg["Message-ID"] = f"<m{n}-{subject.replace(' ', '')}@patients.example>"
    msg["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    msg.set_content(f"Question number {n}.")
    return bytes(msg)


def _write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    return path


def oauth_account(tmp: Path, auth: OAuthServer, server: DovecotServer, *, name: str = "billing",
                  user: str = BILLING, provider: str = "microsoft",
                  flow: str = "client_credentials", client_id: str = "", secret: str = "",
                  extra: str = "", smtp: SmtpSink | None = None) -> str:
    lines = [f'client_id = "{client_id}"'] if client_id else []
    if secret:
        lines.append(f'secret_file = "{_write(tmp / f"{name}.secret", secret)}"')
    if provider == "microsoft":
        lines += [f'tenant = "{TENANT}"', f'authority = "{auth.base_url}"']
    if provider == "generic":
        lines += [f'token_url = "{auth.token_url}"',
                  f'device_authorization_url = "{auth.device_authorization_url}"',
                  'scopes = ["imap"]']
    smtp_lines = ""
    if smtp is not None:
        smtp_lines = (f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\n'
                      f'smtp_tls = "{smtp.tls}"\nfollow_sent = false\n')
    return f"""
[[accounts]]
name = "{name}"
host = "127.0.0.1"
port = {server.imaps_port}
ca_file = "{server.ca_file}"
username = "{user}"
auth = "oauth2"
{smtp_lines}
[accounts.oauth2]
provider = "{provider}"
flow = "{flow}"
ca_file = "{auth.ca_file}"
{chr(10).join(lines)}
{extra}
"""


def password_account(tmp: Path, server: DovecotServer, user: str = FRONTDESK,
                     name: str = "frontdesk") -> str:
    secret = _write(tmp / f"{name}.pass", server.users[user].password + "\n")
    return f"""
[[accounts]]
name = "{name}"
host = "127.0.0.1"
port = {server.imaps_port}
ca_file = "{server.ca_file}"
username = "{user}"
password_file = "{secret}"
"""


def write_config(tmp: Path, *accounts: str, extra: str = "", reconnect_max_s: int = 2) -> Path:
    text = f"""
[store]
path = "{tmp / 'data' / 'cxinbox.db'}"

[sync]
socket_timeout_s = 10
connect_timeout_s = 5
reconnect_max_s = {reconnect_max_s}
{extra}
""" + "".join(accounts)
    return _write(tmp / "config.toml", text, 0o644)


def cli(config: Path, *args: str, stdin: str | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CXINBOX_CONFIG": str(config), "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "cxinbox", *args], input=stdin, text=True,
                          capture_output=True, env=env, timeout=timeout, check=False)


def wait(condition: Callable[[], bool], timeout: float = 45.0, what: str = "") -> None:
    # A Maildir drop that lands between the watcher's NOOP and its IDLE is fetched when
    # that IDLE is renewed (10 s later), so waits for mail cover that on a busy machine.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    assert condition(), f"timed out waiting for {what}"


def engine_for(config: Config, db: Database, health: Health | None = None) -> MailSync:
    return MailSync(db, config, lambda a: credential_for(a, config.db_path), health=health,
                    force_token=lambda a: credential_for(a, config.db_path, force=True))


def stored_subjects(db: Database) -> list[str]:
    return sorted(r[0] for r in db.conn.execute("SELECT subject FROM messages"))


def microsoft_app(auth: OAuthServer, *mailboxes: str, secret: str = "app-s3cret") -> str:
    app = auth.register_app(tenant=TENANT, secret=secret)
    auth.grant_mailbox(app.client_id, *mailboxes)
    return str(app.client_id)


# ------------------------------------------------------------------------ first sign-in


def test_microsoft_app_only_signs_in_syncs_and_sends(auth: OAuthServer, mail: DovecotServer,
                                                     tmp_path: Path) -> None:
    client_id = microsoft_app(auth, BILLING)
    mail.deliver(_patient(1), "INBOX", user=BILLING)
    with SmtpSink(tmp_path, user=BILLING, oauth=auth, basic_auth=False) as sink:
        path = write_config(tmp_path, oauth_account(tmp_path, auth, mail, client_id=client_id,
                                                    secret="app-s3cret", smtp=sink))
        done = cli(path, "auth", "login", "billing")
        assert done.returncode == 0, done.stderr
        assert "signed in (microsoft client_credentials)" in done.stdout
        assert f"IMAP login as {BILLING} ok" in done.stdout
        assert "app-s3cret" not in done.stdout + done.stderr

        synced = cli(path, "sync", "--once", "--quiet")
        assert synced.returncode == 0, synced.stderr
        assert "1 new message" in synced.stdout

        # SMTP with the same token source the outbox uses; password AUTH is refused there.
        config = load_config(path)
        account = config.accounts[0]
        token = credential_for(account, config.db_path)
        assert isinstance(token, BearerToken)
        session = SmtpSession(SmtpEndpoint(host="127.0.0.1", port=sink.port, tls="implicit",
                                           verify_tls=True, ca_file=sink.ca_file), BILLING, token)
        try:
            session.send(BILLING, ["p1@patients.example"], _patient(2, "Reply"))
        finally:
            session.close()
        assert sink.wait_for(1)
    # The token endpoint saw the client-credentials grant from msal, nothing else.
    assert {r.form.get("grant_type") for r in auth.token_requests()} == {"client_credentials"}
    stored = (tmp_path / "data" / "oauth" / "billing.json").read_text()
    assert json.loads(stored)["refresh"] == "", "app-only sign-in keeps no refresh material"
    assert token.token not in stored, "access tokens stay in memory"


def test_microsoft_app_only_with_a_certificate(auth: OAuthServer, mail: DovecotServer,
                                               tmp_path: Path) -> None:
    cert = make_app_certificate("cxinbox-test")
    app = auth.register_app(tenant=TENANT, certificate=cert)
    auth.grant_mailbox(app.client_id, BILLING)
    key_file, cert_file = cert.write(tmp_path)
    pem = key_file.read_text() + cert_file.read_text()
    path = write_config(tmp_path, oauth_account(
        tmp_path, auth, mail, client_id=app.client_id, secret=pem,
        extra='credential = "certificate"'))
    done = cli(path, "auth", "login", "billing")
    assert done.returncode == 0, done.stderr
    status = cli(path, "auth", "status", "--json")
    row = json.loads(status.stdout)
    assert row["secret_expires"] == cert.not_valid_after.date().isoformat()
    assert status.returncode == 0


def test_device_code_sign_in_then_the_server_refreshes_from_the_store(
        auth: OAuthServer, mail: DovecotServer, tmp_path: Path) -> None:
    app = auth.register_app(tenant=TENANT, confidential=False)
    auth.add_user(BILLING)
    mail.deliver(_patient(1), "INBOX", user=BILLING)
    path = write_config(tmp_path, oauth_account(tmp_path, auth, mail, client_id=app.client_id,
                                                flow="device_code"))
    env = {**os.environ, "CXINBOX_CONFIG": str(path), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "cxinbox", "auth", "login", "billing"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        code = auth.wait_for_device_code(timeout=30)
        auth.approve_device_code(code, BILLING)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert code in out, "the person is shown the code to enter"
    assert "signed in (microsoft device_code)" in out
    stored = (tmp_path / "data" / "oauth" / "billing.json")
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    assert oct(stored.parent.stat().st_mode & 0o777) == "0o700"
    assert oct(stored.parent.parent.stat().st_mode & 0o777) == "0o700", "the database's dir"
    cache = json.loads(json.loads(stored.read_text())["refresh"])
    assert cache["AccessToken"] == {} and cache["RefreshToken"], "access tokens never stored"

    # Another process (the server) has only the refresh token: msal refreshes from it.
    config = load_config(path)
    db = Database(config.db_path)
    engine = engine_for(config, db)
    try:
        engine.sync_once()
        assert stored_subjects(db) == ["Appointment 1"]
    finally:
        engine.close()
        db.close()
    assert auth.token_requests("refresh_token"), "the server renewed with the refresh token"
    status = json.loads(cli(path, "auth", "status", "--json").stdout)
    assert status["signed_in"] and status["last_refresh_at"] and not status["last_error"]


def test_google_service_account_impersonates_the_mailbox(auth: OAuthServer,
                                                         mail: DovecotServer,
                                                         tmp_path: Path) -> None:
    account = auth.add_service_account("cxinbox-sync", subjects=[BILLING])
    mail.deliver(_patient(1), "INBOX", user=BILLING)
    path = write_config(tmp_path, oauth_account(
        tmp_path, auth, mail, provider="google", flow="service_account",
        secret=json.dumps(account.info)))
    synced = cli(path, "sync", "--once", "--quiet")
    assert synced.returncode == 0, synced.stderr
    assert "1 new message" in synced.stdout
    [request] = auth.token_requests()
    assert request.form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"

    # Without domain-wide delegation for this mailbox: one line saying which step is missing.
    auth.revoke_delegation(account, BILLING)
    doctor = cli(path, "doctor")
    assert doctor.returncode == 1
    [line] = [x for x in unwrap(doctor.stdout).splitlines() if "FAIL" in x and "billing" in x]
    assert "domain-wide delegation is missing" in line


def test_generic_device_code_with_oauthbearer(auth: OAuthServer, mail: DovecotServer,
                                              tmp_path: Path) -> None:
    app = auth.register_app(provider="generic", confidential=False)
    auth.add_user(BILLING)
    path = write_config(tmp_path, oauth_account(
        tmp_path, auth, mail, provider="generic", flow="device_code", client_id=app.client_id,
        extra='mechanism = "oauthbearer"'))
    env = {**os.environ, "CXINBOX_CONFIG": str(path), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "cxinbox", "auth", "login", "billing"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        auth.approve_device_code(auth.wait_for_device_code(timeout=30), BILLING)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert f"IMAP login as {BILLING} ok" in out


# ------------------------------------------------------------------- the token lifecycle


def test_token_expiring_while_idle_reconnects_and_loses_nothing(auth: OAuthServer,
                                                                mail: DovecotServer,
                                                                tmp_path: Path) -> None:
    auth.access_token_lifetime = 4
    client_id = microsoft_app(auth, BILLING)
    path = write_config(tmp_path, oauth_account(tmp_path, auth, mail, client_id=client_id,
                                                secret="app-s3cret"))
    config = load_config(path)
    db = Database(config.db_path)
    engine = engine_for(config, db)
    stop = threading.Event()
    watcher = threading.Thread(target=engine.watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        # Mail keeps arriving across several token lifetimes.
        for n in range(6):
            mail.deliver(_patient(n), "INBOX", user=BILLING)
            # Spread over more than one token lifetime: each waits until the last arrived.
            wait(lambda n=n: len(stored_subjects(db)) == n + 1, what=f"message {n}")
            if n == 2:
                first = auth.counts["introspections_active"]
                wait(lambda first=first: auth.counts["introspections_active"] > first,
                     timeout=45, what="a login with a renewed token")
        logins_before = auth.counts["introspections_active"]
        issued_before = len(auth.token_requests())
        wait(lambda: len(auth.token_requests()) >= issued_before + 1, timeout=45,
             what="a renewal")
        wait(lambda: auth.counts["introspections_active"] > logins_before, timeout=45,
             what="a new login with the renewed token")
        # Exchange ends a session whose token expired: kick it; the next login gets a new one.
        mail.kick(BILLING)
        for n in range(6, 9):
            mail.deliver(_patient(n), "INBOX", user=BILLING)
        wait(lambda: len(stored_subjects(db)) == 9, what="mail after the disconnect")
    finally:
        stop.set()
        watcher.join(10)
        engine.close()
    assert stored_subjects(db) == sorted(f"Appointment {n}" for n in range(9))
    assert db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 9, "none twice"
    db.close()


def test_revoked_sign_in_stops_that_account_only_and_says_so(auth: OAuthServer,
                                                             mail: DovecotServer,
                                                             tmp_path: Path) -> None:
    app = auth.register_app(tenant=TENANT, confidential=False)
    auth.add_user(BILLING)
    path = write_config(tmp_path,
                        oauth_account(tmp_path, auth, mail, client_id=app.client_id,
                                      flow="device_code"),
                        password_account(tmp_path, mail),
                        reconnect_max_s=300)
    env = {**os.environ, "CXINBOX_CONFIG": str(path), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "cxinbox", "auth", "login", "billing",
                             "--no-check"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        auth.approve_device_code(auth.wait_for_device_code(timeout=30), BILLING)
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0
    # Consent revoked in Entra ID: the refresh token stops working.
    auth.revoke_refresh_tokens(user=BILLING, reason="consent", access_tokens=True)

    config = load_config(path)
    db = Database(config.db_path)
    health = Health(db, config)
    engine = engine_for(config, db, health)
    stop = threading.Event()
    watcher = threading.Thread(target=engine.watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        wait(lambda: bool(health_store.current(db.conn)), what="the alert")
        [alert] = health_store.current(db.conn)
        assert alert.key == "account:billing"
        assert alert.message.startswith("billing: Microsoft sign-in expired - IT: cxinbox auth "
                                        "login billing")
        # The password mailbox goes on.
        mail.deliver(_patient(1, "Parking"), "INBOX", user=FRONTDESK)
        wait(lambda: "Parking 1" in stored_subjects(db), what="the other account's mail")
        refreshes = len(auth.token_requests("refresh_token"))
        mail.deliver(_patient(2, "Parking"), "INBOX", user=FRONTDESK)
        wait(lambda: "Parking 2" in stored_subjects(db), what="more of the other's mail")
        assert len(auth.token_requests("refresh_token")) == refreshes, \
            "a revoked sign-in is not retried against the provider every round"
        # IT signs in again: the mailbox resumes without a restart, well before the
        # 300 s reconnect ceiling, and the alert goes away.
        proc = subprocess.Popen([sys.executable, "-m", "cxinbox", "auth", "login", "billing",
                                 "--no-check"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        try:
            auth.approve_device_code(auth.wait_for_device_code(timeout=30), BILLING)
            assert proc.wait(timeout=60) == 0
        finally:
            proc.kill()
        mail.deliver(_patient(3), "INBOX", user=BILLING)
        wait(lambda: "Appointment 3" in stored_subjects(db), timeout=45,
             what="billing syncing again")
        wait(lambda: not health_store.current(db.conn), what="the alert cleared")
    finally:
        stop.set()
        watcher.join(10)
        engine.close()
        db.close()
    auth.revoke_refresh_tokens(user=BILLING, reason="expired", access_tokens=True)
    doctor = cli(path, "doctor")
    assert doctor.returncode == 1
    assert "FAIL  billing: Microsoft sign-in expired - IT: cxinbox auth login billing" in \
        doctor.stdout
    status = cli(path, "auth", "status", "billing")
    assert status.returncode == 1 and "cxinbox auth login billing" in status.stdout


# --------------------------------------------------------------------- provider quirks


def test_exchange_like_server_without_condstore_keeps_flags_right(auth: OAuthServer,
                                                                  tmp_path: Path) -> None:
    client_id = microsoft_app(auth, BILLING)
    with _dovecot(auth, imap_capability=EXCHANGE_ONLINE_CAPABILITY) as mail:
        for n in range(20):
            mail.deliver(_patient(n), "INBOX", user=BILLING)
        path = write_config(tmp_path, oauth_account(tmp_path, auth, mail, client_id=client_id,
                                                    secret="app-s3cret"))
        config = load_config(path)
        db = Database(config.db_path)
        engine = engine_for(config, db)
        try:
            engine.sync_once()
            session = engine.open_session(config.accounts[0])
            assert not session.condstore, "the flag-diff path, as Exchange Online needs"
            session.close()
            # Outlook marks two read; cxinbox reads a third (local, not yet written back).
            token = credential_for(config.accounts[0], config.db_path)
            assert isinstance(token, BearerToken)
            client = mail.imap_client(login=False)
            client.oauth2_login(BILLING, token.token)
            client.select_folder("INBOX")
            client.add_flags([1, 2], [b"\\Seen"])
            client.logout()
            conv = db.conn.execute("SELECT conversation_id FROM messages m JOIN locations l"
                                   " ON l.message_pk = m.id WHERE l.uid = 3").fetchone()[0]
            from cxinbox.service.inbox import InboxService

            InboxService(db, config, "maria").mark_read(conv)
            results = engine.sync_once()
            assert results[0].flag_changes == 2
            seen = {r[0] for r in db.conn.execute(
                "SELECT l.uid FROM messages m JOIN locations l ON l.message_pk = m.id"
                " WHERE m.seen = 1")}
            assert seen == {1, 2, 3}, "the local read survives a full flag listing"
        finally:
            engine.close()
            db.close()


def test_gmail_files_the_sent_copy_itself(tmp_path: Path) -> None:
    """With X-GM-EXT-1 advertised, the outbox does not APPEND a second copy to Sent, and
    the one Gmail filed (other bytes) is the same message when Sent is synced."""
    from tests.support.smtpsink import make_desk, patient_mail

    if find_dovecot() is None:
        pytest.skip("dovecot is not installed")
    with DovecotServer(imap_capability="+X-GM-EXT-1") as server:
        server.create_folder("Sent")
        desk = make_desk(tmp_path, server, folders=("INBOX", "Sent"))
        try:
            server.deliver(patient_mail())
            desk.sync()
            draft = desk.replies.start_draft(desk.conv_id())
            desk.replies.save_draft(draft.id, "Friday works.")
            item = desk.replies.send(draft.id)
            assert desk.worker.process_due() == 1
            assert desk.replies.outbox_item(item.id).sent_copy == "done"
            client = server.imap_client()
            client.select_folder("Sent", readonly=True)
            assert client.search("ALL") == [], "no APPEND on Gmail"
            # Gmail's own copy, with a header of its own in front.
            sent = desk.sink.messages[0].data
            client.append("Sent", b"X-Gm-Message-State: AOJu0Yw\r\n" + sent, flags=[b"\\Seen"])
            client.logout()
            desk.sync()
            detail = desk.inbox.get_conversation(desk.conv_id(), record_view=False)
            assert [m.direction for m in detail.messages] == ["in", "out"]
        finally:
            desk.sink.stop()
            desk.db.close()


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("oauth", "key", "words"), [
    ('provider = "yahoo"\nflow = "device_code"\nclient_id = "x"', "accounts[0].oauth2.provider",
     'expected one of "microsoft", "google", "generic"'),
    ('provider = "microsoft"\nflow = "password"\nclient_id = "x"\ntenant = "t"',
     "accounts[0].oauth2.flow", "expected one of"),
    ('provider = "microsoft"\nflow = "device_code"\nclient_id = "x"',
     "accounts[0].oauth2.tenant", "tenant"),
    ('provider = "google"\nflow = "device_code"\nclient_id = "x"',
     "accounts[0].oauth2.flow", "device flow does not grant the mail scope"),
    ('provider = "microsoft"\nflow = "client_credentials"\nclient_id = "x"\ntenant = "t"\nclient_secret = "hunter2"',
     "accounts[0].oauth2.client_secret", "secret_file"),
    ('provider = "microsoft"\nflow = "client_credentials"\nclient_id = "x"\ntenant = "t"',
     "accounts[0].oauth2.secret_file", "the client secret must come from"),
    ('provider = "generic"\nflow = "client_credentials"\nclient_id = "x"\nscopes = ["a"]',
     "accounts[0].oauth2.token_url", "token url"),
])
def test_bad_oauth_config_is_one_line_naming_the_key(tmp_path: Path, oauth: str, key: str,
                                                     words: str) -> None:
    path = _write(tmp_path / "config.toml", f"""
[[accounts]]
name = "billing"
host = "outlook.office365.com"
username = "{BILLING}"
auth = "oauth2"

[accounts.oauth2]
{oauth}
""", 0o644)
    done = cli(path, "auth", "status")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and words in lines[0], done.stderr
    assert "hunter2" not in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("mode", ["html200", "html500", "hang"])
def test_a_broken_token_endpoint_is_one_line_naming_the_account(
        auth: OAuthServer, mail: DovecotServer, tmp_path: Path, mode: str) -> None:
    client_id = microsoft_app(auth, BILLING)
    path = write_config(tmp_path, oauth_account(tmp_path, auth, mail, client_id=client_id,
                                                secret="app-s3cret", extra="timeout_s = 2"))
    auth.fail("discovery" if mode != "hang" else "token", mode, times=None)
    done = cli(path, "auth", "login", "billing")
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "billing" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    expected = {"hang": "did not answer in time", "html500": "HTTP Error: 500",
                "html200": "not JSON"}[mode]
    assert expected in lines[0], lines[0]


def test_a_client_secret_about_to_expire_is_announced(auth: OAuthServer, mail: DovecotServer,
                                                      tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    soon = (datetime.now(UTC) + timedelta(days=12)).date()
    client_id = microsoft_app(auth, BILLING)
    path = write_config(tmp_path, oauth_account(
        tmp_path, auth, mail, client_id=client_id, secret="app-s3cret",
        extra=f"secret_expires = {soon.isoformat()}"))
    config = load_config(path)
    db = Database(config.db_path)
    health = Health(db, config)
    engine = engine_for(config, db, health)
    stop = threading.Event()
    watcher = threading.Thread(target=engine.watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        wait(lambda: any(a.key == "secret:billing" for a in health_store.current(db.conn)),
             what="the expiry warning")
        [alert] = [a for a in health_store.current(db.conn) if a.key == "secret:billing"]
        assert alert.severity == "warning"
        assert alert.message == (f"billing: the client secret expires {soon} (in 12 days) - IT: "
                                 "make a new one")
    finally:
        stop.set()
        watcher.join(10)
        engine.close()
        db.close()
    doctor = cli(path, "doctor")
    assert f"warn  billing: the client secret expires on {soon} (12 days)" in doctor.stdout
