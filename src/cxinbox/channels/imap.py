"""IMAP adapter: the only code that talks IMAP. Thin, typed, synchronous.

Built on imapclient. Every network failure surfaces as `ImapError` (connection-level,
worth a reconnect) or `ImapAuthError` / `ImapTlsError` (configuration problems a person
must fix), each with a one-line message.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.response_parser import parse_fetch_response
from imapclient.util import to_unicode

from cxinbox.channels.fetchparse import LITERAL_AT_END, body_item, flags_item
from cxinbox.channels.oauth import BearerToken, Credential
from cxinbox.channels.tls import client_context
from cxinbox.domain.sanitize import clean_line

_MAX_LINE = 1_000_000


class ImapError(Exception):
    """The connection or the server failed; retrying later may succeed."""


class ImapAuthError(ImapError):
    """The server refused our credentials."""


class ImapTlsError(ImapError):
    """TLS could not be established or the certificate is not trusted."""


class ImapNoFolder(ImapError):
    """The server answered, and has no folder of this name (SELECT refused, and LIST does
    not show it): a wrong name in the config, not a network problem."""

    def __init__(self, folder: str) -> None:
        super().__init__(f'no folder "{folder}" on the server')
        self.folder = folder


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    port: int
    tls: str  # "implicit" | "starttls"
    verify_tls: bool = True
    ca_file: Path | None = None
    connect_timeout_s: float = 20.0
    socket_timeout_s: float = 60.0
    max_connections: int = 0
    """Most sessions this process opens to (host, port, user) at once; 0: no limit."""


class _Slots:
    """Per-mailbox connection caps: providers refuse or throttle past their own limit
    (Exchange Online 20 per mailbox, Gmail 15 per account), shared with Outlook and
    phones, so cxinbox's folder threads, outbox and Sent copies queue for a slot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sems: dict[tuple[str, int, str], threading.BoundedSemaphore] = {}

    def acquire(self, ep: Endpoint, user: str) -> threading.BoundedSemaphore | None:
        if ep.max_connections <= 0:
            return None
        key = (ep.host.lower(), ep.port, user.lower())
        with self._lock:
            sem = self._sems.get(key)
            if sem is None:
                sem = self._sems[key] = threading.BoundedSemaphore(ep.max_connections)
        if not sem.acquire(timeout=max(ep.connect_timeout_s, ep.socket_timeout_s)):
            raise ImapError(f"{ep.host}:{ep.port}: all {ep.max_connections} connections allowed"
                            " for this mailbox (max_connections) are busy")
        return sem


SLOTS = _Slots()


@dataclass(frozen=True, slots=True)
class SelectInfo:
    uidvalidity: int
    uidnext: int | None
    highestmodseq: int | None
    exists: int


@dataclass(frozen=True, slots=True)
class FetchedRaw:
    uid: int
    flags: str
    modseq: int | None
    internal_date: int | None
    raw: bytes


def tls_context(endpoint: Endpoint) -> ssl.SSLContext:
    return client_context(verify=endpoint.verify_tls, ca_file=endpoint.ca_file)


def uid_set(uids: Iterable[int]) -> bytes:
    """Compress UIDs into an IMAP sequence set: [1,2,3,7] -> b"1:3,7"."""
    ordered = sorted(set(uids))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}:{ordered[j]}")
        i = j + 1
    return ",".join(parts).encode("ascii")


def _flags_str(flags: Sequence[bytes | str]) -> str:
    """Flags as stored. \\Recent is left out: it belongs to one session (the next one sees
    it gone), so keeping it would make a flag-diff server look changed on every login."""
    return " ".join(text for text in (to_unicode(f) for f in flags)
                    if text.lower() != "\\recent")


def _epoch(value: object) -> int | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    return None


def message_id_of(header_block: bytes) -> str:
    """The Message-ID from a HEADER.FIELDS reply, normalised like the MIME parser does."""
    text = header_block.decode("latin-1")
    _, _, value = text.partition(":")
    return "".join(value.split()).strip("<>")


def describe_error(exc: BaseException) -> str:
    """One safe line: error text can come from the server, so it is sanitised like mail."""
    text = str(exc).strip() or exc.__class__.__name__
    return clean_line(text, max_len=300)


class ImapSession:
    """One logged-in connection. Not thread-safe: one per thread."""

    def __init__(self, endpoint: Endpoint, username: str, password: Credential) -> None:
        self.endpoint = endpoint
        self.expires_at: float | None = (password.expires_at
                                         if isinstance(password, BearerToken) else None)
        """When the token this session logged in with runs out (None: a password). Some
        servers (Exchange Online) end the session then; sync reconnects just before."""
        self.opened_at = time.time()
        self._slot = SLOTS.acquire(endpoint, username)
        try:
            self._client = self._connect(endpoint, username, password)
        except BaseException:
            if self._slot is not None:
                self._slot.release()
            raise
        caps = {to_unicode(c).upper() for c in self._client.capabilities()}
        self.capabilities = frozenset(caps)
        self.condstore = "CONDSTORE" in caps or "QRESYNC" in caps
        self._unsolicited = False  # the mailbox changed under a command since SELECT
        if self.condstore:
            try:
                self._client.enable("CONDSTORE")
            except (IMAPClientError, imaplib.IMAP4.error):
                self.condstore = False

    @staticmethod
    def _connect(ep: Endpoint, username: str, password: Credential) -> IMAPClient:
        ctx = tls_context(ep)
        where = f"{ep.host}:{ep.port}"
        try:
            from imapclient import SocketTimeout

            client = IMAPClient(ep.host, port=ep.port, ssl=ep.tls == "implicit", ssl_context=ctx,
                                timeout=SocketTimeout(connect=ep.connect_timeout_s,
                                                      read=ep.socket_timeout_s))
            if ep.tls == "starttls":
                client.starttls(ctx)
        except ssl.SSLCertVerificationError as exc:
            raise ImapTlsError(f"{where}: TLS certificate not trusted ({exc.verify_message});"
                               " set ca_file to the clinic's CA bundle") from None
        except ssl.SSLError as exc:
            raise ImapTlsError(f"{where}: TLS failed ({describe_error(exc)})") from None
        except TimeoutError:
            raise ImapError(f"{where}: connection timed out") from None
        except ConnectionRefusedError:
            raise ImapError(f"{where}: connection refused") from None
        except socket.gaierror as exc:
            raise ImapError(f"{where}: cannot resolve host ({exc.strerror})") from None
        except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
            raise ImapError(f"{where}: {describe_error(exc)}") from None
        try:
            if isinstance(password, BearerToken):
                _token_login(client, username, password, ep)
            else:
                client.login(username, password)
        except LoginError as exc:
            _quiet_logout(client)
            if _UNAVAILABLE.search(str(exc)):  # the server, not the credentials: try again
                raise ImapError(f"{where}: {_login_reply(exc, username, password)}") from None
            hint = _login_hint(exc, password)
            raise ImapAuthError(f"{where}: login refused for {username}"
                                f" ({_login_reply(exc, username, password)}){hint}") from None
        except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
            _quiet_logout(client)
            raise ImapError(f"{where}: {_login_reply(exc, username, password)}") from None
        return client

    def _guard(self, what: str) -> _Guard:
        return _Guard(f"{self.endpoint.host}:{self.endpoint.port}: {what}")

    def list_folders(self) -> list[tuple[str, frozenset[str]]]:
        with self._guard("LIST"):
            return [(name, frozenset(to_unicode(f) for f in flags))
                    for flags, _delim, name in self._client.list_folders()]

    def select(self, folder: str) -> SelectInfo:
        try:
            with self._guard(f"SELECT {folder}"):
                info = self._client.select_folder(folder, readonly=True)
        except ImapError:
            if self._folder_missing(folder):
                raise ImapNoFolder(folder) from None
            raise
        # SELECT's own EXISTS/FLAGS replies stay in imaplib's stash; only later ones count.
        self._client._imap.untagged_responses.clear()
        self._unsolicited = False

        def num(key: bytes) -> int | None:
            value = info.get(key)
            return int(value) if value is not None else None

        highest = num(b"HIGHESTMODSEQ") if self.condstore else None
        return SelectInfo(uidvalidity=num(b"UIDVALIDITY") or 0, uidnext=num(b"UIDNEXT"),
                          highestmodseq=highest, exists=num(b"EXISTS") or 0)

    def _folder_missing(self, folder: str) -> bool:
        """After a refused SELECT: whether LIST, asked for exactly this name, shows no
        such folder. False when LIST fails too (the connection, not the name)."""
        try:
            with self._guard(f"LIST {folder}"):
                listed = self._client.list_folders(pattern=folder)
        except ImapError:
            return False
        return not any(name == folder for _flags, _delim, name in listed)

    def uids_above(self, last_uid: int) -> list[int]:
        with self._guard("UID SEARCH"):
            found = self._client.search(["UID", f"{last_uid + 1}:*"])
        # "n:*" always matches the highest UID even when it is below n.
        return sorted(int(u) for u in found if int(u) > last_uid)

    def uids_arrived_since(self, last_uid: int, day: date) -> list[int]:
        """UIDs above `last_uid` whose INTERNALDATE is on `day` or later (IMAP's SINCE
        compares calendar days, in the server's zone: callers leave a day's margin)."""
        with self._guard("UID SEARCH SINCE"):
            found = self._client.search(["UID", f"{last_uid + 1}:*", "SINCE", day])
        return sorted(int(u) for u in found if int(u) > last_uid)

    def all_uids(self) -> set[int]:
        with self._guard("UID SEARCH ALL"):
            return {int(u) for u in self._client.search("ALL")}

    def _uid_fetch_raw(self, uids: bytes, items: Sequence[str],
                       modifiers: str | None = None) -> list[Any]:
        """UID FETCH over a compact sequence set; imaplib's untagged FETCH data.

        imapclient's own fetch() cannot take a set like b"1:500" (it filters the reply
        through int()), and listing 100,000 UIDs one by one would make a huge command, so
        the command goes through imaplib directly.
        """
        imap = self._client._imap  # the imaplib connection imapclient wraps
        args = [uids.decode("ascii"), "(" + " ".join(items) + ")"]
        if modifiers:
            args.append(f"({modifiers})")
        typ, data = imap.uid("FETCH", *args)
        if typ != "OK":
            raise ImapError(f"UID FETCH failed: {describe_error(Exception(data))}")
        if not data or data == [None]:
            return []
        return list(data)

    def _uid_fetch(self, uids: bytes, items: Sequence[str],
                   modifiers: str | None = None) -> dict[int, dict[bytes, object]]:
        data = self._uid_fetch_raw(uids, items, modifiers)
        if not data:
            return {}
        parsed: dict[int, dict[bytes, object]] = parse_fetch_response(
            data, self._client.normalise_times, True)
        return parsed

    def fetch_bodies(self, uids: Sequence[int]) -> list[FetchedRaw]:
        """Fetch whole messages. A UID that comes back without a body was expunged meanwhile."""
        items = "UID FLAGS INTERNALDATE BODY.PEEK[]" + (" MODSEQ" if self.condstore else "")
        with self._guard("UID FETCH"):
            out = self._read_body_fetch(uid_set(uids), items)
        out.sort(key=lambda f: f.uid)
        return out

    def _read_body_fetch(self, uids: bytes, items: str) -> list[FetchedRaw]:
        """The bulk body fetch, read off the socket (see fetchparse.py for why)."""
        out: list[FetchedRaw] = []
        for line, literal, tail in self._stream_uid_fetch(uids + b" (" + items.encode("ascii")
                                                          + b")"):
            if literal is None:
                # EXISTS, EXPUNGE, an unsolicited FLAGS update: not ours, but the next
                # sync must look again (see changed_since_select).
                if _MAILBOX_CHANGE.match(line):
                    self._unsolicited = True
                continue
            item = body_item(line, literal, tail)
            if item is not None:
                out.append(FetchedRaw(item.uid, item.flags, item.modseq, item.internal_date,
                                      item.raw))
        return out

    def _stream_uid_fetch(self, args: bytes) -> Iterator[tuple[bytes, bytes | None, bytes]]:
        """Send `UID FETCH args` and yield each untagged reply as (line, literal, tail):
        literal is None for a line that carries none. Read straight off imaplib's buffered
        socket; the connection is left as imaplib expects it (tagged reply consumed, tag
        forgotten). Server text in errors is sanitised like mail."""
        imap = self._client._imap
        tag: bytes = imap._new_tag()
        imap.send(tag + b" UID FETCH " + args + b"\r\n")
        reader = imap.file
        try:
            while True:
                line = reader.readline(_MAX_LINE)
                if not line:
                    raise ImapError("the server closed the connection during UID FETCH")
                if line.startswith(tag + b" "):
                    status = line[len(tag) + 1:].split(b" ", 1)[0]
                    if status != b"OK":
                        raise ImapError("UID FETCH refused: "
                                        f"{describe_error(Exception(line.decode('utf-8', 'replace')))}")
                    return
                if line.startswith(b"* BYE"):
                    raise ImapError("server said "
                                    f"{describe_error(Exception(line.decode('utf-8', 'replace')))}")
                size = LITERAL_AT_END.search(line)
                if size is None:
                    yield line, None, b""
                    continue
                literal = reader.read(int(size.group(1)))
                yield line, literal, reader.readline(_MAX_LINE)
        finally:
            imap.tagged_commands.pop(tag, None)

    def fetch_fingerprints(self, uids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """(size, Message-ID) per UID: a cheap check that a UID still names the same message."""
        if not uids:
            return {}
        with self._guard("UID FETCH fingerprints"):
            response = self._uid_fetch(uid_set(uids), [
                "UID", "RFC822.SIZE", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        out: dict[int, tuple[int, str]] = {}
        for uid, data in response.items():
            header = b""
            for key, value in data.items():
                if key.startswith(b"BODY[HEADER.FIELDS") and isinstance(value, bytes):
                    header = value
            size = data.get(b"RFC822.SIZE")
            out[int(uid)] = (int(size) if isinstance(size, int) else -1, message_id_of(header))
        return out

    def fetch_flags(self, up_to_uid: int, changed_since: int | None) -> list[tuple[int, str, int | None]]:
        """Flags of stored messages: only those changed since a modseq when the server can."""
        if up_to_uid <= 0:
            return []
        items = ["UID", "FLAGS"] + (["MODSEQ"] if self.condstore else [])
        modifiers = f"CHANGEDSINCE {changed_since}" if changed_since and self.condstore else None
        with self._guard("UID FETCH FLAGS"):
            fast = self._read_flags_fetch(f"1:{up_to_uid}".encode(), items, modifiers)
            if fast is not None:
                return fast
            response = self._uid_fetch(f"1:{up_to_uid}".encode(), items, modifiers)
        out: list[tuple[int, str, int | None]] = []
        for uid, data in response.items():
            modseq: Any = data.get(b"MODSEQ")
            flags: Any = data.get(b"FLAGS", ())
            out.append((int(uid), _flags_str(flags), int(modseq[0]) if modseq else None))
        return out

    def _read_flags_fetch(self, uids: bytes, items: Sequence[str], modifiers: str | None
                          ) -> list[tuple[int, str, int | None]] | None:
        """The flag listing read straight off the socket, a regex per line.

        Without CONDSTORE (Exchange Online) every resync lists every message's flags;
        imaplib's reader plus imapclient's tokenizer cost 1.5 s at 50,000 messages, most of
        the resync. None (after consuming the reply) when a line is not the expected shape,
        and the caller asks again the general way."""
        args = uids + b" (" + " ".join(items).encode("ascii") + b")"
        if modifiers:
            args += b" (" + modifiers.encode("ascii") + b")"
        out: list[tuple[int, str, int | None]] = []
        understood = True
        for line, literal, _tail in self._stream_uid_fetch(args):
            if literal is not None:  # not expected here: skipped, then asked the slow way
                understood = False
                continue
            item = flags_item(line)
            if item is not None:
                out.append(item)
            elif _MAILBOX_CHANGE.match(line):
                self._unsolicited = True
        return out if understood else None

    def add_seen(self, folder: str, uids: Sequence[int]) -> None:
        """UID STORE +FLAGS.SILENT (\\Seen) in `folder`. Sync keeps folders selected
        read-only (EXAMINE), so this selects it writable for the STORE; the caller must
        select again (a sync round does) before relying on change notices."""
        if not uids:
            return
        with self._guard(f"UID STORE {folder} \\Seen"):
            self._client.select_folder(folder, readonly=False)
            self._client.add_flags(list(uids), [b"\\Seen"], silent=True)

    def append(self, folder: str, raw: bytes, flags: Sequence[str] = ()) -> None:
        with self._guard(f"APPEND {folder}"):
            self._client.append(folder, raw, flags=list(flags))

    # -- the Sent folder -----------------------------------------------------------------

    def find_sent_folder(self, configured: str | None = None, *, create: bool = True) -> str:
        """The folder sent replies go to: the configured name, else the one flagged
        SPECIAL-USE \\Sent (RFC 6154), else one called "Sent" (created when missing)."""
        if configured:
            if create:
                self._ensure_folder(configured)
            return configured
        folders = self.list_folders()
        for name, flags in folders:
            if "\\SENT" in {f.upper() for f in flags}:
                return name
        for name, _flags in folders:
            if name.lower() in _SENT_NAMES:
                return name
        if create:
            self._ensure_folder("Sent")
            return "Sent"
        raise LookupError("no Sent folder")

    def _ensure_folder(self, name: str) -> None:
        """Create `name` unless it exists. Several servers (or a person's mail client) may
        create it between our look and our CREATE; the server then refuses ours
        ([ALREADYEXISTS]), and the folder being there is what was wanted."""
        with self._guard(f"CREATE {name}"):
            if self._client.folder_exists(name):
                return
            try:
                self._client.create_folder(name)
            except (IMAPClientError, imaplib.IMAP4.error):
                if not self._client.folder_exists(name):
                    raise

    def append_sent(self, folder: str, raw: bytes) -> None:
        """Append our sent message, already read (\\Seen), to the Sent folder."""
        self.append(folder, raw, flags=["\\Seen"])

    def has_message_id(self, folder: str, message_id: str) -> bool:
        """Whether `folder` already holds a message with this Message-ID (no brackets).

        Used before re-appending after a crash, so the Sent folder never gets a copy twice.
        """
        if not message_id or any(ch in message_id for ch in '"\\\r\n'):
            return False
        with self._guard(f"SEARCH {folder}"):
            self._client.select_folder(folder, readonly=True)
            try:
                found = self._client.search(["HEADER", "Message-ID", f"<{message_id}>"])
            finally:
                self._client.close_folder()  # read-only: CLOSE expunges nothing
        return bool(found)

    # -- IDLE ----------------------------------------------------------------------------

    def idle_wait(self, timeout_s: float, should_stop: Callable[[], bool] = lambda: False,
                  slice_s: float = 1.0) -> bool:
        """Stay in IDLE up to timeout_s; True as soon as the server reports a change.

        One IDLE command for the whole wait (not one per slice): the slices only let a
        stop request be noticed promptly without extra traffic on the link.
        """
        if "IDLE" not in self.capabilities:
            return False
        deadline = time.monotonic() + timeout_s
        with self._guard("IDLE"):
            self._client.idle()
            closed = False
            try:
                while not should_stop():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    if self._client.idle_check(timeout=min(slice_s, remaining)):
                        return True
                    if _closed_by_peer(self._client.socket()):
                        # Readable with nothing parsed: EOF, unless a reply landed just
                        # now; a second look tells the two apart.
                        if self._client.idle_check(timeout=0):
                            return True
                        if _closed_by_peer(self._client.socket()):
                            closed = True
                            raise ImapError(f"{self.endpoint.host}:{self.endpoint.port}: the"
                                            " server closed the connection during IDLE")
                return False
            finally:
                try:
                    self._client.idle_done()
                except (OSError, EOFError, IMAPClientError, imaplib.IMAP4.error):
                    if not closed:  # else the clearer error above stands
                        raise

    def noop(self) -> None:
        with self._guard("NOOP"):
            self._client.noop()

    def changed_since_select(self) -> bool:
        """True when the selected mailbox changed after SELECT: checked with a NOOP.

        Servers announce new mail (EXISTS), expunges and flag changes as untagged replies
        to whatever command happens to be running; the commands of a sync do not act on
        them. NOOP also makes the server rescan: Dovecot's IDLE does only a quick check
        when it starts, so a message dropped into a Maildir between the last command and
        IDLE would otherwise stay unannounced until the IDLE is renewed. Call it right
        before IDLE; True means sync the folder again first.
        """
        with self._guard("NOOP"):
            _text, replies = self._client.noop()
        changed = self._unsolicited or any(
            isinstance(r, tuple) and any(word in _CHANGE_WORDS for word in r[:2]
                                         if isinstance(word, bytes))
            for r in replies)  # "* 3 EXISTS" -> (3, b"EXISTS"); "* VANISHED ..." -> (b"VANISHED", ...)
        # imaplib keeps untagged replies that arrived with other commands in a stash.
        stash = self._client._imap.untagged_responses
        for word in ("EXISTS", "EXPUNGE", "FETCH", "VANISHED"):
            if stash.pop(word, None):
                changed = True
        self._unsolicited = False
        return changed

    def close(self) -> None:
        _quiet_logout(self._client)
        slot, self._slot = self._slot, None
        if slot is not None:
            slot.release()


# Exchange Online does not advertise SPECIAL-USE; Gmail's is "[Gmail]/Sent Mail" (or
# "[Google Mail]/..." in some countries).
_SENT_NAMES = frozenset({"sent", "inbox.sent", "inbox/sent", "sent items", "sent messages",
                         "[gmail]/sent mail", "[google mail]/sent mail", "sent mail"})
_MAILBOX_CHANGE = re.compile(rb"^\* (?:\d+ (?:EXISTS|EXPUNGE|FETCH)|VANISHED)\b", re.IGNORECASE)
_CHANGE_WORDS = frozenset({b"EXISTS", b"EXPUNGE", b"FETCH", b"VANISHED"})


def _closed_by_peer(sock: socket.socket) -> bool:
    """After an `idle_check` that found no responses: True when the socket is still
    readable with nothing buffered, which on a stream socket means end-of-file (imapclient
    swallows that EOF and reports "no responses", forever)."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return False
    poller = select.poll()  # not select(): a busy server's descriptors may pass 1024
    try:
        poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True  # closed under us


class _Guard:
    """Turns the many exception types a broken connection raises into one ImapError."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: object) -> None:
        if exc is not None and not isinstance(exc, ImapError) and isinstance(
                exc, (OSError, EOFError, IMAPClientError, imaplib.IMAP4.error,
                      imaplib.IMAP4.abort, ssl.SSLError, ValueError)):
            raise ImapError(f"{self.what}: {describe_error(exc)}") from exc


def _token_login(client: IMAPClient, username: str, token: BearerToken, ep: Endpoint) -> None:
    if token.mechanism == "oauthbearer":
        client.oauthbearer_login(username, token.token)
    else:
        client.oauth2_login(username, token.token)


_SECRET_WINDOW = 4
"""A server reply holding this many characters of the secret in a row is taken to repeat
it (a cut or re-quoted echo, not only the whole secret). A reply hidden by chance costs an
admin one server message; a shown fragment of the password costs more."""


def _sent_secrets(username: str, credential: Credential) -> list[str]:
    """The secret as it went over the wire: itself, and for a token the base64 SASL initial
    responses (XOAUTH2, OAUTHBEARER) that carry it."""
    if not isinstance(credential, BearerToken):
        return [credential]
    token = credential.token
    sasl = (f"user={username}\x01auth=Bearer {token}\x01\x01",
            f"n,a={username},\x01auth=Bearer {token}\x01\x01")
    return [token, *(base64.b64encode(s.encode("utf-8")).decode("ascii") for s in sasl)]


def _login_reply(exc: BaseException, username: str, credential: Credential) -> str:
    """The server's answer to our login, for a person to read, unless it repeats any part
    of the password or token we sent: a hostile or broken server that echoes the LOGIN
    command must not get the secret into our error line (a terminal, a log, the health
    alert every staff member sees)."""
    text = str(exc)
    seen = [text]
    for _ in range(2):  # undo a bytes repr's escapes, then IMAP quoting's
        seen.append(seen[-1].replace("\\\\", "\\").replace('\\"', '"'))
    for secret in _sent_secrets(username, credential):
        size = min(len(secret), _SECRET_WINDOW)
        if size and any(secret[i:i + size] in t for t in seen
                        for i in range(len(secret) - size + 1)):
            return "the server's reply repeated the credentials we sent, so it is not shown"
    return describe_error(exc)


def _login_hint(exc: BaseException, credential: Credential) -> str:
    """What an admin must do, where the server's refusal says it."""
    text = str(exc)
    if not isinstance(credential, BearerToken):
        if "AUTHENTICATE" in text.upper() or "basic" in text.lower():
            return '; if the provider takes OAuth2 only, set auth = "oauth2" (README, OAuth2)'
        return ""
    return ("; the sign-in service issued a token but the mailbox refused it: for Microsoft"
            " app-only check the Exchange service principal (New-ServicePrincipal) and"
            " Add-MailboxPermission for this mailbox; for Google check domain-wide delegation")


_UNAVAILABLE = re.compile(r"\[UNAVAILABLE\]|shutting down|socket error", re.IGNORECASE)
"""A login refused for the server's own state (RFC 5530's UNAVAILABLE code, a server
stopping, the connection dropped mid-LOGIN: imaplib reports that as "socket error: EOF"
and imapclient passes it on as a LoginError), not for the credentials: the account is
unreachable for now, its sign-in is not broken."""


def _quiet_logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection is being thrown away either way
        with contextlib.suppress(Exception):
            client.shutdown()
