"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, TLS only, AUTH required.

`SmtpSink(tls="implicit")` wraps every connection in TLS from the first byte (port 465
style); `SmtpSink(tls="starttls")` speaks plain SMTP until STARTTLS, which it requires
before AUTH and MAIL. The certificate comes from `make_tls_material` (a private CA), so a
client that trusts only the system store must refuse it.

Messages accepted with 250 after DATA land in `sink.messages` (envelope and bytes).
Scripted answers let tests provoke failures: `sink.script_rcpt.append("450 4.2.0 busy")`
answers the next RCPT with that line; `script_data` does the same for the end of DATA.

OAuth2 like Exchange Online and Gmail: `SmtpSink(..., oauth=auth_server)` also offers
AUTH XOAUTH2 and OAUTHBEARER and accepts them only with a token `auth_server` issued
that may send as the login named in the SASL message (checked in-process with
`OAuthServer.check_access(token, user, "smtp")`); anything else gets Exchange's
`535 5.7.3 Authentication unsuccessful` at once (no 334 error challenge).
`basic_auth=False` answers every password AUTH (PLAIN, LOGIN) with
`550 5.7.30 Basic authentication is not supported for Client Submission`, as Exchange
does once Basic authentication is off for SMTP AUTH.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any, Self, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from tests.support.dovecot import make_tls_material
from tests.support.oauthserver import OAuthServer

from cxinbox.config import Config, load_config
from cxinbox.service.inbox import InboxService
from cxinbox.service.outbox import OutboxWorker
from cxinbox.service.replies import ReplyService
from cxinbox.service.sync import MailSync
from cxinbox.store.db import Database

HOST = "127.0.0.1"
USER = "frontdesk@riverside-clinic.example"
OAUTH_REFUSED = "535 5.7.3 Authentication unsuccessful"
BASIC_REFUSED = "550 5.7.30 Basic authentication is not supported for Client Submission"


@dataclass(slots=True)
class Captured:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str


@dataclass(frozen=True, slots=True)
class OAuthLogin:
    """Session auth data after XOAUTH2/OAUTHBEARER: who signed in, and how."""

    login: bytes
    mechanism: str


def _parse_bearer(mechanism: str, blob: bytes) -> tuple[str, str] | None:
    """(user, token) from an XOAUTH2 or OAUTHBEARER client response, or None if malformed."""
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return None
    fields = text.split("\x01")
    user = ""
    if mechanism == "OAUTHBEARER":
        gs2, _, _rest = fields[0].partition(",")  # "n,a=user," then key=value fields
        for part in fields[0].split(","):
            if part.startswith("a="):
                user = part[2:].replace("=2C", ",").replace("=3D", "=")
        if gs2 not in ("n", "y", "p"):
            return None
    token = ""
    for item in fields[1:] if mechanism == "OAUTHBEARER" else fields:
        key, _, value = item.partition("=")
        if key == "user":
            user = value
        elif key == "auth" and value.lower().startswith("bearer "):
            token = value[7:]
    return (user, token) if user and token else None


@dataclass(slots=True)
class _Handler:
    sink: SmtpSink

    async def _bearer(self, server: SMTP, args: list[str], mechanism: str) -> AuthResult:
        if len(args) > 1:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except (binascii.Error, ValueError):
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        else:
            answer = await server.challenge_auth("")
            if not isinstance(answer, bytes):
                return AuthResult(success=False, handled=True)
            blob = answer
        parsed = _parse_bearer(mechanism, blob)
        oauth = self.sink.oauth
        ok = (parsed is not None and oauth is not None
              and oauth.check_access(parsed[1], parsed[0], "smtp"))
        if not ok or parsed is None:
            with self.sink.lock:
                self.sink.auth_failures += 1
            return AuthResult(success=False, handled=False, message=OAUTH_REFUSED)
        return AuthResult(success=True, handled=False,
                          auth_data=OAuthLogin(parsed[0].encode("utf-8"), mechanism))

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._bearer(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._bearer(server, args, "OAUTHBEARER")

    async def handle_RCPT(self, server: Any, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        await self.sink._held("rcpt", session)
        with self.sink.lock:
            if self.sink.script_rcpt:
                return self.sink.script_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        with self.sink.lock:
            if self.sink.script_data:
                return self.sink.script_data.pop(0)
            content = envelope.original_content or b""
            login = session.auth_data.login.decode() if isinstance(
                session.auth_data, (LoginPassword, OAuthLogin)) else ""
            self.sink.messages.append(Captured(str(envelope.mail_from), list(envelope.rcpt_tos),
                                               bytes(content), login))
            hook = self.sink.after_accept
        if hook is not None:
            hook()
        await self.sink._held("data", session)
        return "250 2.0.0 Ok: queued"


class _SMTP(SMTP):
    """aiosmtpd's SMTP with room for bearer tokens in AUTH.

    RFC 4954 lets an AUTH command line be 12,288 octets; an Entra access token (a JWT of
    ~1.5 kB, base64-encoded again inside XOAUTH2) does not fit aiosmtpd's 512-octet command
    limit or its 1,001-octet read buffer. DATA lines keep RFC 5321's 1,000 + CRLF.
    """

    line_length_limit = 12288 + 2

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line_length_limit = SMTP.line_length_limit
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit)
        self.command_size_limits["AUTH"] = 12288


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _SMTP(self.handler, **self.SMTP_kwargs)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """Start with `with SmtpSink(tmp_path) as sink:`; `sink.port`, `sink.ca_file`."""

    def __init__(self, directory: Path, *, tls: str = "implicit", password: str = "s3cret-pw",
                 user: str = USER, tls_dir: Path | None = None,
                 oauth: OAuthServer | None = None, basic_auth: bool = True) -> None:
        """`tls_dir`: reuse existing ca.pem/server.pem/server.key (e.g. the Dovecot
        fixture's, so one account's ca_file trusts both its IMAP and SMTP server).
        `oauth`: offer XOAUTH2/OAUTHBEARER checked against that authorization server.
        `basic_auth=False`: refuse password AUTH as Exchange does (550 5.7.30)."""
        if tls not in ("implicit", "starttls"):
            raise ValueError("tls must be implicit or starttls")
        self.tls = tls
        self.user = user
        self.password = password
        self.oauth = oauth
        self.basic_auth = basic_auth
        if tls_dir is None:
            self.dir = directory / f"smtp-tls-{tls}"
            make_tls_material(self.dir)
        else:
            self.dir = tls_dir
        self.ca_file = self.dir / "ca.pem"
        self.messages: list[Captured] = []
        self.script_rcpt: list[str] = []
        self.script_data: list[str] = []
        self.after_accept: Callable[[], None] | None = None
        self.auth_failures = 0
        self.hold_at: str | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.held_peer: tuple[str, int] | None = None
        self.lock = threading.Lock()
        self.port = 0
        self._controller: Controller | None = None

    def hold(self, at: str) -> None:
        """Hold the next session that reaches `at` ("rcpt": before its recipient is
        answered; "data": after its message was accepted, before the 250 reply) until
        `release` is set; `holding` is set while it waits, `held_peer` is its client's
        address. Other sessions go on meanwhile."""
        with self.lock:
            self.release.clear()
            self.holding.clear()
            self.hold_at = at

    async def _held(self, at: str, session: Session) -> None:
        with self.lock:
            if self.hold_at != at:
                return
            self.hold_at = None
            self.held_peer = session.peer if isinstance(session.peer, tuple) else None
        self.holding.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)

    def _server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(self.dir / "server.pem"), str(self.dir / "server.key"))
        return ctx

    def _authenticate(self, server: Any, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if not self.basic_auth:
            with self.lock:
                self.auth_failures += 1
            return AuthResult(success=False, handled=False, message=BASIC_REFUSED)
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user
              and auth_data.password.decode() == self.password)
        if not ok:
            self.auth_failures += 1
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def start(self) -> SmtpSink:
        ctx = self._server_context()
        last: Exception | None = None
        for _ in range(5):
            self.port = _free_port()
            kwargs: dict[str, Any] = {
                "hostname": HOST, "port": self.port, "authenticator": self._authenticate,
                "ready_timeout": 10.0,
            }
            if self.oauth is None:
                kwargs["auth_exclude_mechanism"] = ["XOAUTH2", "OAUTHBEARER"]
            if self.tls == "implicit":
                # aiosmtpd only counts STARTTLS as TLS for AUTH; here every byte is TLS.
                kwargs["ssl_context"] = ctx
                kwargs["auth_require_tls"] = False
            else:
                kwargs["tls_context"] = ctx
                kwargs["require_starttls"] = True
                kwargs["auth_require_tls"] = True
            controller = _Controller(_Handler(self), **kwargs)
            try:
                controller.start()
            except (OSError, RuntimeError) as exc:  # port taken between probe and bind
                last = exc
                continue
            self._controller = controller
            return self
        raise RuntimeError(f"SMTP sink did not start: {last}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def message_ids(self) -> list[str]:
        """Message-ID of every accepted message, in arrival order."""
        from email import message_from_bytes
        from email.policy import default

        out = []
        with self.lock:
            captured = list(self.messages)
        for m in captured:
            msg = message_from_bytes(m.data, policy=default)
            out.append(str(msg.get("Message-ID", "")).strip())
        return out

    def wait_for(self, count: int, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return True
            time.sleep(0.02)
        return False


def write_reply_config(tmp: Path, server: Any, sink: SmtpSink, *, undo_seconds: int = 0,
                       folders: tuple[str, ...] = ("INBOX",), smtp: bool = True,
                       extra: str = "", max_attempts: int = 5,
                       sender_with_staff_name: bool = True) -> Path:
    """A config for one account on the Dovecot fixture that replies through `sink`.

    The sink must share Dovecot's TLS material (`SmtpSink(..., tls_dir=server.root / "tls")`)
    because an account has one ca_file for both servers.
    """
    secret = tmp / "appointments.pass"
    secret.write_text(server.password + "\n")
    secret.chmod(0o600)
    folder_list = ", ".join(f'"{f}"' for f in folders)
    smtp_lines = (f'''smtp_host = "127.0.0.1"
smtp_port = {sink.port}
smtp_tls = "{sink.tls}"''' if smtp else "")
    text = f'''
[clinic]
name = "Riverside Clinic"
timezone = "America/New_York"
phone = "555-0100"

[store]
path = "{tmp / 'data' / 'cxinbox.db'}"

[sync]
batch_size = 100
socket_timeout_s = 10
connect_timeout_s = 5
reconnect_max_s = 2

[outbox]
undo_seconds = {undo_seconds}
max_attempts = {max_attempts}
max_backoff_seconds = 60

[[accounts]]
name = "appointments"
host = "127.0.0.1"
port = {server.imaps_port}
tls = "implicit"
ca_file = "{server.ca_file}"
username = "{server.user}"
address = "appointments@riverside-clinic.example"
display_name = "Riverside Clinic"
signature = "Riverside Clinic front desk\\n555-0100"
sender_with_staff_name = {"true" if sender_with_staff_name else "false"}
folders = [{folder_list}]
password_file = "{secret}"
{smtp_lines}

[[staff]]
os_user = "mgarcia"
name = "Maria Garcia"
role = "supervisor"

[[staff]]
os_user = "tnguyen"
name = "Tom Nguyen"
role = "agent"

[[compose.canned]]
name = "results-ready"
subject = "Your results are ready"
body = """
Hello {{patient_name}},

Your results are ready. Please call us at {{clinic_phone}} about {{test_name}}.

{{staff_name}}, {{clinic_name}}
"""
{extra}
'''
    path = tmp / "config.toml"
    path.write_text(text)
    return path


# -- a whole front desk for the outbox tests ----------------------------------------------

PATIENT = "jane.doe@patients.example"
OWN = "appointments@riverside-clinic.example"


def patient_mail(subject: str = "Reschedule my appointment", *, message_id: str = "p1@patients.example",
                 body: str = "Hello, can I move my appointment to Friday?\n\nJane",
                 sender: str = f"Jane Doe <{PATIENT}>", extra: str = "",
                 date: str = "Mon, 06 Jan 2025 09:15:00 -0500") -> bytes:
    text = (f"From: {sender}\r\nTo: Riverside Clinic <{OWN}>\r\n"
            f"Subject: {subject}\r\nDate: {date}\r\nMessage-ID: <{message_id}>\r\n"
            f"{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body.replace(chr(10), chr(13) + chr(10))}\r\n")
    return text.encode("utf-8")


@dataclass
class Desk:
    """Everything one test needs, wired to the real servers."""

    tmp: Path
    server: Any
    sink: SmtpSink
    config_path: Path
    config: Config
    db: Database
    inbox: InboxService
    replies: ReplyService
    worker: OutboxWorker

    def sync(self) -> None:
        engine = MailSync(self.db, self.config, lambda a: self.server.password)
        try:
            engine.sync_once()
        finally:
            engine.close()

    def as_user(self, actor: str) -> ReplyService:
        return ReplyService(InboxService(self.db, self.config, actor))

    def conv_id(self) -> int:
        row = self.db.conn.execute("SELECT id FROM conversations ORDER BY id LIMIT 1").fetchone()
        return int(row[0])

    def item(self, item_id: int) -> Any:
        return self.replies.outbox_item(item_id)

    def queue_reply(self, text: str = "See you Friday.") -> int:
        """The patient's mail delivered and synced, a reply drafted and sent: its item's id."""
        self.server.deliver(patient_mail())
        self.sync()
        draft = self.replies.start_draft(self.conv_id())
        self.replies.save_draft(draft.id, text)
        return self.replies.send(draft.id).id


def make_desk(tmp: Path, server: Any, *, tls: str = "implicit", undo_seconds: int = 0,
              folders: tuple[str, ...] = ("INBOX",), smtp: bool = True,
              max_attempts: int = 5) -> Desk:
    sink = SmtpSink(tmp, tls=tls, user=server.user, password=server.password,
                    tls_dir=server.root / "tls").start()
    path = write_reply_config(tmp, server, sink, undo_seconds=undo_seconds, folders=folders,
                              smtp=smtp, max_attempts=max_attempts)
    config = load_config(path)
    db = Database(config.db_path)
    inbox = InboxService(db, config, "mgarcia")
    worker = OutboxWorker(db, config)
    return Desk(tmp, server, sink, path, config, db, inbox, ReplyService(inbox, worker=worker),
                worker)


def parsed(raw: bytes) -> EmailMessage:
    return cast(EmailMessage, message_from_bytes(raw, policy=default))
