"""A server that repeats our LOGIN back never gets the password into our error line.

The server here is hostile on purpose: a few lines of IMAP over TLS that answer the login
by quoting what it was sent, the way a broken or malicious server (or a proxy in front of
one) can. It is the attacker, not a stand-in for a mail server; real sign-in behaviour is
tested against Dovecot elsewhere.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from tests.support.dovecot import make_tls_material

from cxinbox.channels.imap import Endpoint, ImapAuthError, ImapError, ImapSession
from cxinbox.channels.oauth import BearerToken

PASSWORD = 'Xq7"wob\\bly-99'  # a quote and a backslash: the quoted form differs from it
TOKEN = "ya29.a0AfB_byC-secret-token-value"

Reply = Callable[[bytes, bytes], bytes]
"""(tag, the rest of our command line) -> the server's tagged answer."""


def _echo_no(tag: bytes, rest: bytes) -> bytes:
    return tag + b" NO [AUTHENTICATIONFAILED] Invalid credentials: " + rest


def _echo_bad(tag: bytes, rest: bytes) -> bytes:
    return tag + b" BAD Unknown arguments: " + rest


def _echo_cut(tag: bytes, rest: bytes) -> bytes:
    return tag + b" NO login failed near '" + rest[-9:-3] + b"'"


def _plain_no(tag: bytes, rest: bytes) -> bytes:
    return tag + b" NO [AUTHENTICATIONFAILED] Authentication failed."


def _hang_up(tag: bytes, rest: bytes) -> bytes:
    raise ConnectionAbortedError("the server goes away in the middle of the sign-in")


class EchoServer:
    """Implicit TLS; CAPABILITY, then a LOGIN or AUTHENTICATE answered by `reply`."""

    def __init__(self, tls_dir: Path, reply: Reply) -> None:
        self.reply = reply
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(tls_dir / "server.pem", tls_dir / "server.key")
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            try:
                with self.context.wrap_socket(raw, server_side=True) as conn:
                    self._session(conn.makefile("rwb"))  # type: ignore[arg-type]
            except (OSError, ssl.SSLError):
                continue

    def _session(self, stream: BinaryIO) -> None:
        write = stream.write
        write(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2] echo ready\r\n")
        stream.flush()
        while line := stream.readline():
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            command, _, args = rest.partition(b" ")
            if command.upper() == b"CAPABILITY":
                write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2\r\n" + tag
                      + b" OK done\r\n")
            elif command.upper() == b"AUTHENTICATE" and b" " not in args:
                write(b"+ \r\n")
                stream.flush()
                response = stream.readline().rstrip(b"\r\n")
                write(self.reply(tag, args + b" " + response) + b"\r\n")
            elif command.upper() in (b"LOGIN", b"AUTHENTICATE"):
                write(self.reply(tag, args) + b"\r\n")
            elif command.upper() == b"LOGOUT":
                write(b"* BYE\r\n" + tag + b" OK bye\r\n")
                stream.flush()
                return
            else:
                write(tag + b" BAD no\r\n")
            stream.flush()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("echo-tls")
    make_tls_material(directory)
    return directory


@pytest.fixture
def serve(tls_dir: Path) -> Iterator[Callable[[Reply], Endpoint]]:
    servers: list[EchoServer] = []

    def start(reply: Reply) -> Endpoint:
        server = EchoServer(tls_dir, reply)
        servers.append(server)
        return Endpoint("127.0.0.1", server.port, "implicit", ca_file=tls_dir / "ca.pem",
                        connect_timeout_s=5, socket_timeout_s=5)

    yield start
    for server in servers:
        server.close()


def _failure(endpoint: Endpoint, credential: str | BearerToken) -> str:
    with pytest.raises(ImapError) as caught:
        ImapSession(endpoint, "frontdesk@clinic.example", credential)
    return str(caught.value)


@pytest.mark.parametrize("reply", [_echo_no, _echo_bad, _echo_cut],
                         ids=["NO echo", "BAD echo", "cut echo"])
def test_a_password_echoed_back_is_not_in_the_error(serve: Callable[[Reply], Endpoint],
                                                    reply: Reply) -> None:
    line = _failure(serve(reply), PASSWORD)
    assert "127.0.0.1" in line and "repeated the credentials" in line
    for piece in ("wob", "bly-99", "Xq7", PASSWORD):
        assert piece not in line, line


@pytest.mark.parametrize("mechanism", ["xoauth2", "oauthbearer"])
def test_a_token_echoed_back_is_not_in_the_error(serve: Callable[[Reply], Endpoint],
                                                 mechanism: str) -> None:
    line = _failure(serve(_echo_no), BearerToken(TOKEN, 9e9, mechanism))
    assert isinstance(line, str) and "repeated the credentials" in line
    assert "secret-token" not in line and "ya29" not in line


def test_an_ordinary_refusal_is_still_shown(serve: Callable[[Reply], Endpoint]) -> None:
    with pytest.raises(ImapAuthError) as caught:
        ImapSession(serve(_plain_no), "frontdesk@clinic.example", PASSWORD)
    assert "login refused for frontdesk@clinic.example" in str(caught.value)
    assert "Authentication failed" in str(caught.value)


def test_a_server_that_hangs_up_during_the_sign_in_is_unreachable_not_refused(
        serve: Callable[[Reply], Endpoint]) -> None:
    """A server stopping between our LOGIN and its answer: the account is unreachable for
    now (sync tries again), not an account whose password IT must fix."""
    with pytest.raises(ImapError) as caught:
        ImapSession(serve(_hang_up), "frontdesk@clinic.example", PASSWORD)
    assert not isinstance(caught.value, ImapAuthError), str(caught.value)
    assert "127.0.0.1" in str(caught.value) and "login refused" not in str(caught.value)
    assert "wob" not in str(caught.value)
