"""SMTP adapter: the only code that sends mail. Synchronous, typed errors, TLS always.

The transaction is split so the outbox can record where it stood at a crash:
MAIL FROM and RCPT TO run first, then `before_data()` is called (the outbox commits
"data-started"), then DATA. An SMTP server discards a transaction that never got its final
"." line, so anything that fails before that line is safe to retry; only the window between
the final dot and the server's reply is truly unknown (`SmtpUncertain`).

Errors:
- `SmtpPermanent`: the server answered 5xx (rejected recipient, message refused). Retrying
  the same message will not help; a person must look.
- `SmtpTemporary`: 4xx answers, refused or broken connections, timeouts, TLS or login
  problems. Worth retrying later (a fixed password or certificate lets it through).
- `SmtpUncertain`: the link broke after the final dot: the server may have accepted it.
Every message is one sanitised line (server text can carry anything).
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cxinbox.channels.oauth import (
    BearerToken,
    Credential,
    oauthbearer_string,
    xoauth2_string,
)
from cxinbox.channels.tls import client_context
from cxinbox.config import is_loopback_host
from cxinbox.domain.sanitize import clean_line


class SmtpError(Exception):
    """Sending failed; `code` is the server's reply code when there was one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(clean_line(message, max_len=400))
        self.code = code


class SmtpPermanent(SmtpError):
    """5xx: the server refused for good."""


class SmtpTemporary(SmtpError):
    """4xx or a network/TLS/login problem: try again later."""


class SmtpAuthError(SmtpTemporary):
    """The server refused the login: a person must fix it, or a renewed token may pass."""


def _auth_hint(exc: smtplib.SMTPAuthenticationError, credential: Credential) -> str:
    text = _reply_text(exc.smtp_error)
    if "5.7.30" in text or "Basic authentication is not supported" in text:
        return ('; this server takes OAuth2 only: set auth = "oauth2" for the account '
                "(README, OAuth2)")
    if isinstance(credential, BearerToken) and exc.smtp_code == 535:
        return ("; the token was accepted by the sign-in service but not by the mail server:"
                " check SMTP.SendAsApp / SMTP.Send consent and, for Exchange, that SMTP AUTH is"
                " on for the mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled $false)")
    return ""


class SmtpUncertain(SmtpError):
    """The connection broke after the message's final line: it may have been delivered."""


@dataclass(frozen=True, slots=True)
class SmtpEndpoint:
    host: str
    port: int
    tls: str  # "implicit" | "starttls"
    verify_tls: bool = True
    ca_file: Path | None = None
    connect_timeout_s: float = 20.0
    timeout_s: float = 60.0
    local_hostname: str | None = None  # EHLO name; None = the FQDN smtplib finds


@dataclass(frozen=True, slots=True)
class SmtpReceipt:
    """The server's acceptance line for one message (e.g. "250 2.0.0 Ok: queued as X")."""

    code: int
    reply: str


def tls_context(ep: SmtpEndpoint) -> ssl.SSLContext:
    """A verifying context; verification is off only for loopback (the config enforces it,
    this re-checks so no caller can switch it off for a real server)."""
    if not ep.verify_tls and not is_loopback_host(ep.host):
        raise SmtpTemporary(f"{ep.host}: refusing to skip certificate checks for a"
                            " non-loopback server")
    return client_context(verify=ep.verify_tls, ca_file=ep.ca_file)


def _reply_text(resp: bytes | str) -> str:
    text = resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)
    return clean_line(text, max_len=300)


def _coded(code: int, what: str, resp: bytes | str) -> SmtpError:
    line = f"{what}: {code} {_reply_text(resp)}"
    return SmtpPermanent(line, code) if 500 <= code < 600 else SmtpTemporary(line, code)


_DOT = re.compile(rb"(?m)^\.")


def dot_stuff(raw: bytes) -> bytes:
    """The DATA payload: CRLF line ends, leading dots doubled, ending in CRLF . CRLF."""
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", raw)
    data = _DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class SmtpSession:
    """One authenticated connection; send several messages over it. Not thread-safe."""

    def __init__(self, endpoint: SmtpEndpoint, username: str, password: Credential) -> None:
        self.endpoint = endpoint
        self.where = f"{endpoint.host}:{endpoint.port}"
        self._smtp = self._connect(username, password)
        self.broken = False

    def _login(self, smtp: smtplib.SMTP, username: str, credential: Credential) -> None:
        if not isinstance(credential, BearerToken):
            smtp.login(username, credential)
            return
        if credential.mechanism == "oauthbearer":
            first = oauthbearer_string(username, credential.token, self.endpoint.host,
                                       self.endpoint.port)
            mechanism = "OAUTHBEARER"
        else:
            first = xoauth2_string(username, credential.token)
            mechanism = "XOAUTH2"
        # On failure the server sends a challenge (a JSON error); the answer is empty.
        smtp.auth(mechanism, lambda challenge=None: "" if challenge else first,
                  initial_response_ok=True)

    def _connect(self, username: str, password: Credential) -> smtplib.SMTP:
        ep = self.endpoint
        ctx = tls_context(ep)
        smtp: smtplib.SMTP | None = None
        try:
            if ep.tls == "implicit":
                smtp = smtplib.SMTP_SSL(ep.host, ep.port, local_hostname=ep.local_hostname,
                                        timeout=ep.connect_timeout_s, context=ctx)
            else:
                smtp = smtplib.SMTP(ep.host, ep.port, local_hostname=ep.local_hostname,
                                    timeout=ep.connect_timeout_s)
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise SmtpTemporary(f"{self.where}: the server does not offer STARTTLS;"
                                        " cxinbox never sends mail without TLS")
                code, resp = smtp.starttls(context=ctx)
                if code != 220:
                    raise _coded(code, f"{self.where}: STARTTLS", resp)
            if smtp.sock is not None:
                smtp.sock.settimeout(ep.timeout_s)
            smtp.ehlo()
            if not smtp.has_extn("auth"):
                raise SmtpTemporary(f"{self.where}: the server offers no AUTH; cannot log in")
            self._login(smtp, username, password)
            return smtp
        except SmtpError:
            _quiet_close(smtp)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            _quiet_close(smtp)
            raise SmtpAuthError(f"{self.where}: login refused for {username}"
                                f" ({exc.smtp_code} {_reply_text(exc.smtp_error)})"
                                f"{_auth_hint(exc, password)}", exc.smtp_code) from None
        except ssl.SSLCertVerificationError as exc:
            _quiet_close(smtp)
            raise SmtpTemporary(f"{self.where}: TLS certificate not trusted"
                                f" ({exc.verify_message}); set ca_file to the clinic's CA"
                                " bundle") from None
        except ssl.SSLError as exc:
            _quiet_close(smtp)
            raise SmtpTemporary(f"{self.where}: TLS failed ({exc})") from None
        except smtplib.SMTPResponseException as exc:
            _quiet_close(smtp)
            raise _coded(exc.smtp_code, self.where, exc.smtp_error) from None
        except TimeoutError:
            _quiet_close(smtp)
            raise SmtpTemporary(f"{self.where}: connection timed out") from None
        except ConnectionRefusedError:
            _quiet_close(smtp)
            raise SmtpTemporary(f"{self.where}: connection refused") from None
        except socket.gaierror as exc:
            _quiet_close(smtp)
            raise SmtpTemporary(f"{self.where}: cannot resolve host ({exc.strerror})") from None
        except (OSError, smtplib.SMTPException) as exc:
            _quiet_close(smtp)
            raise SmtpTemporary(f"{self.where}: {exc.__class__.__name__}: {exc}") from None

    def send(self, sender: str, recipients: Sequence[str], raw: bytes,
             before_data: Callable[[], None] = lambda: None) -> SmtpReceipt:
        """One transaction: MAIL, RCPT for each recipient, `before_data()`, DATA.

        Any recipient refused means nothing is sent (RSET): a reply that reaches only part
        of its recipients is harder for staff to reason about than one that reaches none.
        """
        if self.broken:
            raise SmtpTemporary(f"{self.where}: connection already failed")
        smtp = self._smtp
        final_dot_sent = False
        try:
            code, resp = smtp.mail(sender)
            if code != 250:
                self._rset()
                raise _coded(code, f"{self.where}: MAIL FROM", resp)
            for rcpt in recipients:
                code, resp = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    self._rset()
                    raise _coded(code, f"{self.where}: recipient {rcpt} refused", resp)
            before_data()
            code, resp = smtp.docmd("DATA")
            if code != 354:
                self._rset()
                raise _coded(code, f"{self.where}: DATA", resp)
            smtp.send(dot_stuff(raw))
            final_dot_sent = True
            code, resp = smtp.getreply()
            if code != 250:
                raise _coded(code, f"{self.where}: message refused", resp)
            return SmtpReceipt(code, _reply_text(resp))
        except SmtpError:
            raise
        except smtplib.SMTPResponseException as exc:
            self.broken = True
            raise _coded(exc.smtp_code, self.where, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.broken = True
            what = f"{self.where}: connection lost ({exc.__class__.__name__}: {exc})"
            if final_dot_sent:
                raise SmtpUncertain(what + " after the message was transmitted; the server"
                                    " may have accepted it") from None
            raise SmtpTemporary(what) from None

    def _rset(self) -> None:
        try:
            self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.broken = True

    def size_limit(self) -> int | None:
        """The server's announced message size limit (ESMTP SIZE), None when unstated."""
        value = self._smtp.esmtp_features.get("size", "").strip()
        return int(value) if value.isdigit() and int(value) > 0 else None

    def close(self) -> None:
        _quiet_close(self._smtp)


def _quiet_close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        with contextlib.suppress(OSError):
            smtp.close()


def send_once(endpoint: SmtpEndpoint, username: str, password: Credential, sender: str,
              recipients: Sequence[str], raw: bytes,
              before_data: Callable[[], None] = lambda: None) -> SmtpReceipt:
    """Connect, send one message, disconnect."""
    session = SmtpSession(endpoint, username, password)
    try:
        return session.send(sender, recipients, raw, before_data)
    finally:
        session.close()
