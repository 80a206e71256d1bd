"""A small local SMS provider speaking the documented Twilio-compatible REST API (2010-04-01).

It is a test fixture for the real client, not a mock of cxinbox: it knows nothing about our
code and follows the public API contract:

- HTTP basic auth with (AccountSid, AuthToken); a wrong pair is 401 with a JSON error body
  {code, message, more_info, status}; an account sid in the path other than the caller's is 404.
- `GET /2010-04-01/Accounts/{sid}/Messages.json` with filters To, From, DateSent, DateSent<,
  DateSent> and PageSize (default 50, at most 1000). Newest first. The response carries
  `messages`, `page`, `page_size`, `start`, `end`, `uri`, `first_page_uri`, `next_page_uri`
  (null on the last page) and `previous_page_uri`; `next_page_uri` holds a PageToken naming
  the last row of the page, so rows arriving while a client pages do not shift the pages.
  DateSent values are GMT dates "YYYY-MM-DD" ("DateSent>" = on or after midnight starting
  that day, "DateSent<" = on or before that midnight, "DateSent" = that day); the full
  "YYYY-MM-DDTHH:MM:SSZ" form the helper libraries send is compared to the second.
  Messages without a date_sent (queued) never match a DateSent filter.
- `POST .../Messages.json` (form To, From and/or MessagingServiceSid, Body, MediaUrl (up to
  ten), StatusCallback) -> 201, status "queued" (From given) or "accepted" with a null
  `from` (a Messaging Service picks the sender from its pool when the text leaves),
  direction "outbound-api"; 400 with codes 21211 (bad To), 21602 (no body), 21603 (no From
  and no Messaging Service), 21606 (From not ours), 21610 (recipient texted STOP), 21617
  (body over 1600 characters), 21623 (more than ten MediaUrl), 21701 (unknown Messaging
  Service); MediaUrl must be http(s). Fields the API does not know are refused (21000).
- `GET .../Messages/{sid}.json` -> the message or 404 (code 20404).
- `GET .../Messages/{sid}/Media.json` -> `media_list` (content_type, sid, uri, parent_sid);
  `GET .../Messages/{sid}/Media/{MEsid}.json` -> one media object.
- `GET .../Messages/{sid}/Media/{MEsid}` (no extension) -> the media itself: by default a 302
  (`media_redirect_status = 307` for the other kind) to a short-lived, unauthenticated link
  on a second server (another port, so another origin), which answers with the bytes; `media_redirect = "same"` redirects to that link
  on the API server itself, `"none"` answers with the bytes directly. The bytes are
  deterministic per media sid (`media_bytes(sid)`), starting with the type's magic number.
- Dates are RFC 2822 ("Thu, 30 Jul 2015 20:12:31 +0000"); num_media and num_segments are strings.
- Every message has every field of the published Message schema (tests/support/
  twilio_schema.py), nulls included: `from` is null until a Messaging Service picks a
  sender, `messaging_service_sid` is the account's default MG sid when none was used.
- List order is not part of the contract: `list_order` = "newest" (queued rows first, the
  default), "queued_last" (rows without a sent date after all others) or "shuffled".

Test controls: `inject_inbound` (optionally hidden until `reveal`, to model a message the
provider lists late; `receiving=True` for an MMS still arriving, finished by
`finish_receiving`), `inject_outbound` (any outbound direction, e.g. an auto-responder's
"outbound-reply"), `auto_reply` (a TwiML-style answer to every inbound text),
`add_service` (a Messaging Service and its sender pool), `advance` / `settle` for delivery
status (or `auto_advance_s`), `set_status` (any documented status), `carrier_errors` (To
number -> final status and error), `body_rewrite` (what the provider does to a posted body,
e.g. a trial account's prefix), `fail_next(n, "429" | "500" | "drop")` (a 429 with
`retry_after=None` has no Retry-After header), `requests` (what was asked), `served`
(every JSON answer: method, path, status, payload), `status_callbacks`, `opted_out`.
Media controls: `media_sids(msg_sid)`, `set_media(me_sid, data=... | size=...)`,
`delete_media(me_sid)` (the picture is gone: 404), `fail_media_next(n, "500" | "404" |
"403" | "drop")` (faults of the media host only), `media_chunked` (no Content-Length),
`media_link_s` (link lifetime), `media_requests` (who asked the media paths, with the
Authorization header each carried).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import mimetypes
import random
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.support.twilio_schema import CREATE_FIELDS, MAX_MEDIA_URLS

API = "/2010-04-01"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
FINAL = frozenset({"delivered", "undelivered", "failed", "received", "canceled", "read",
                   "partially_delivered"})
_NEXT_STATUS = {"accepted": "queued", "scheduled": "queued", "queued": "sending",
                "sending": "sent"}
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_STOP = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
_START = {"START", "YES", "UNSTOP"}
_MAGIC = {"image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/png": b"\x89PNG\r\n\x1a\n",
          "image/gif": b"GIF89a", "application/pdf": b"%PDF-1.4\n"}


def media_bytes(media_sid: str, content_type: str = "image/jpeg", size: int | None = None) -> bytes:
    """Deterministic content for one media sid: the type's magic number, then bytes derived
    from the sid (every byte value occurs), `size` bytes long (default 1-5 kB by sid)."""
    seed = hashlib.sha256(media_sid.encode()).digest()
    if size is None:
        size = 1000 + int.from_bytes(seed[:2], "big") % 4000
    head = _MAGIC.get(content_type, b"")
    block = seed + bytes(range(256))
    body = (block * (size // len(block) + 1))[: max(0, size - len(head))]
    return (head + body)[:size]


@dataclass(frozen=True)
class MediaRequest:
    """One request for media content: which server, the path, the Authorization it carried."""

    server: str  # "api" (the authenticated media resource or a same-origin link) | "media"
    path: str
    authorization: str | None


def _media_type(url: str) -> str:
    """The type a media host would report for a MediaUrl, guessed from its name."""
    guess = mimetypes.guess_type(urlsplit(url).path)[0]
    return guess or "image/jpeg"


def rfc2822(dt: datetime | None) -> str | None:
    return None if dt is None else format_datetime(dt.astimezone(UTC))


def _naive_segments(body: str) -> int:
    """Rough count for the num_segments field (the fixture does not need exact maths)."""
    ascii_only = all(ord(c) < 128 for c in body)
    single, multi = (160, 153) if ascii_only else (70, 67)
    n = len(body)
    return 1 if n <= single else math.ceil(n / multi)


@dataclass
class StoredMessage:
    sid: str
    from_: str | None
    to: str
    body: str
    direction: str
    status: str
    date_created: datetime
    date_sent: datetime | None
    date_updated: datetime
    media: list[dict[str, str]] = field(default_factory=list)
    error_code: int | None = None
    error_message: str | None = None
    hidden: bool = False
    seq: int = 0  # insertion order, the tiebreak for equal dates
    fail_delivery: bool = False
    service: str | None = None  # the Messaging Service it was sent through
    pending_media: list[dict[str, str]] = field(default_factory=list)  # still "receiving"

    def sort_key(self) -> tuple[float, int]:
        """Newest first; queued rows (no date_sent) list before everything else."""
        sent = self.date_sent.timestamp() if self.date_sent else float("inf")
        return (-sent, -self.seq)

    def queued_last_key(self) -> tuple[float, int]:
        """Newest first by sent date, rows without one after all the others."""
        sent = self.date_sent.timestamp() if self.date_sent else float("-inf")
        return (-sent, -self.seq)


class SmsProvider:
    """The provider. Use as a context manager; `base_url` is what the client's config needs."""

    def __init__(self, *, account_sid: str | None = None, token: str | None = None,
                 numbers: Iterable[str] = (), auto_advance_s: float | None = None) -> None:
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.token = token or secrets.token_hex(16)
        self.numbers = set(numbers)  # From numbers the account owns (empty: any)
        self.auto_advance_s = auto_advance_s
        self.messages: dict[str, StoredMessage] = {}
        self.opted_out: set[tuple[str, str]] = set()  # (patient, our number)
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self.undeliverable: set[str] = set()  # To numbers whose texts end "undelivered"
        # To number -> (final status, error code, error message) a carrier gives
        self.carrier_errors: dict[str, tuple[str, int, str]] = {}
        self.services: dict[str, list[str]] = {}  # Messaging Service sid -> sender pool
        self.default_service = "MG" + secrets.token_hex(16)  # "no service" as the API says
        self.status_callbacks: dict[str, str] = {}
        self.auto_reply: str | None = None
        self.body_rewrite: Callable[[str], str] | None = None
        self.list_order = "newest"  # newest | queued_last | shuffled
        self.served: list[tuple[str, str, int, Any]] = []
        self._rng = random.Random(1)
        self._faults: list[tuple[str, int | None]] = []
        self._lock = threading.RLock()
        self._seq = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # media content
        self.media_redirect = "cross"  # cross | same | none
        self.media_redirect_status = 302  # or 307
        self.media_chunked = False
        self.media_link_s = 60.0
        self.media_requests: list[MediaRequest] = []
        self.deleted_media: set[str] = set()
        self._media_data: dict[str, bytes] = {}
        self._media_faults: list[str] = []
        self._links: dict[str, tuple[str, datetime]] = {}  # token -> (media sid, expiry)
        self._media_server: ThreadingHTTPServer | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        provider: SmsProvider = self

        class Handler(_Handler):
            owner = provider

        class MediaHandler(_Handler):
            owner = provider
            media_host = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="sms-provider", daemon=True)
        self._thread.start()
        self._media_server = ThreadingHTTPServer(("127.0.0.1", 0), MediaHandler)
        self._media_server.daemon_threads = True
        threading.Thread(target=self._media_server.serve_forever, args=(0.05,),
                         name="sms-provider-media", daemon=True).start()
        return self

    def stop(self) -> None:
        for server in (self._server, self._media_server):
            if server is not None:
                server.shutdown()
                server.server_close()
        self._server = self._media_server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the provider first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def media_base_url(self) -> str:
        """The media host: same address, another port, so another origin."""
        assert self._media_server is not None, "start() the provider first"
        return f"http://127.0.0.1:{self._media_server.server_address[1]}"

    # -- test controls --------------------------------------------------------------------

    def _new_sid(self, prefix: str = "SM") -> str:
        return prefix + secrets.token_hex(16)

    def inject_inbound(self, from_: str, to: str, body: str, *, at: datetime | None = None,
                       media: Iterable[str] = (), hidden: bool = False,
                       receiving: bool = False) -> str:
        """A patient's text arriving at one of our numbers; returns its sid.

        `media` lists content types of MMS attachments. `hidden=True` keeps it out of list
        results until `reveal(sid)`, as when the provider indexes a message late.
        `receiving=True`: an MMS whose media is still arriving (status "receiving", no media
        listed) until `finish_receiving(sid)`. With `auto_reply` set, the provider answers
        at once with an "outbound-reply", as a TwiML auto-responder does.
        """
        at = at or datetime.now(UTC)
        sid = self._new_sid("MM" if media else "SM")
        with self._lock:
            msg = StoredMessage(sid, from_, to, body, "inbound",
                                "receiving" if receiving else "received", at, at, at,
                                hidden=hidden, seq=next(self._seq),
                                service=self.service_of(to))
            listed = [{"sid": self._new_sid("ME"), "content_type": ctype} for ctype in media]
            if receiving:
                msg.pending_media = listed
            else:
                msg.media = listed
            self.messages[sid] = msg
            word = body.strip().upper()
            if word in _STOP:
                self.opted_out.add((from_, to))
            elif word in _START:
                self.opted_out.discard((from_, to))
            if self.auto_reply is not None:
                self.inject_outbound(to, from_, self.auto_reply, direction="outbound-reply",
                                     at=at + timedelta(seconds=1))
        return sid

    def finish_receiving(self, sid: str) -> None:
        """The MMS has fully arrived: status "received", its media listed."""
        with self._lock:
            msg = self.messages[sid]
            msg.media, msg.pending_media = msg.media + msg.pending_media, []
            msg.status = "received"
            msg.date_updated = datetime.now(UTC)

    def inject_outbound(self, from_: str | None, to: str, body: str, *,
                        direction: str = "outbound-api", status: str = "delivered",
                        at: datetime | None = None, service: str | None = None) -> str:
        """An outbound text the provider made without our client: an auto-responder's
        "outbound-reply", an "outbound-call" from a voice flow, or one sent elsewhere."""
        at = at or datetime.now(UTC)
        sid = self._new_sid()
        with self._lock:
            sent = None if status in ("accepted", "scheduled", "queued") else at
            self.messages[sid] = StoredMessage(sid, from_, to, body, direction, status, at,
                                               sent, at, seq=next(self._seq),
                                               service=service or self.service_of(from_))
        return sid

    def add_service(self, numbers: Iterable[str]) -> str:
        """A Messaging Service whose sender pool is `numbers`; returns its MG sid."""
        sid = "MG" + secrets.token_hex(16)
        with self._lock:
            self.services[sid] = list(numbers)
            self.numbers.update(self.services[sid])
        return sid

    def service_of(self, number: str | None) -> str | None:
        for sid, pool in self.services.items():
            if number in pool:
                return sid
        return None

    def set_status(self, sid: str, status: str, error_code: int | None = None,
                   error_message: str | None = None) -> None:
        """Put a message in any documented status (a sent date appears once it left)."""
        with self._lock:
            msg = self.messages[sid]
            msg.status, msg.error_code, msg.error_message = status, error_code, error_message
            now = datetime.now(UTC)
            if msg.date_sent is None and status not in ("accepted", "scheduled", "queued",
                                                        "canceled"):
                msg.date_sent = now
            if msg.from_ is None and msg.service and status not in ("accepted", "scheduled"):
                msg.from_ = self.services[msg.service][0]
            msg.date_updated = now

    def inject_many(self, rows: Iterable[tuple[str, str, str, datetime]]) -> list[str]:
        """Bulk inbound texts (from, to, body, at) for benchmarks."""
        sids = []
        with self._lock:
            for from_, to, body, at in rows:
                sid = self._new_sid()
                self.messages[sid] = StoredMessage(sid, from_, to, body, "inbound", "received",
                                                   at, at, at, seq=next(self._seq))
                sids.append(sid)
        return sids

    def reveal(self, sid: str) -> None:
        with self._lock:
            self.messages[sid].hidden = False

    def advance(self, sid: str | None = None) -> None:
        """Move one outbound message (or all of them) one status step towards final."""
        with self._lock:
            targets = [self.messages[sid]] if sid else list(self.messages.values())
            for msg in targets:
                self._step(msg, datetime.now(UTC))

    def settle(self) -> None:
        """Move every outbound message to its final status."""
        with self._lock:
            for _ in range(4):
                self.advance()

    def _step(self, msg: StoredMessage, now: datetime) -> None:
        if msg.direction == "inbound" or msg.status in FINAL:
            return
        if msg.status in _NEXT_STATUS:
            msg.status = _NEXT_STATUS[msg.status]
            if msg.from_ is None and msg.service and msg.status == "queued":
                pool = self.services[msg.service]
                msg.from_ = pool[msg.seq % len(pool)]  # the pool picks a sender
            if msg.status == "sent":
                msg.date_sent = now
        elif msg.status == "sent":
            carrier = self.carrier_errors.get(msg.to)
            if carrier is not None:
                msg.status, msg.error_code, msg.error_message = carrier
            elif msg.fail_delivery:
                msg.status, msg.error_code = "undelivered", 30003
                msg.error_message = "Unreachable destination handset"
            else:
                msg.status = "delivered"
        msg.date_updated = now

    def _auto(self, now: datetime) -> None:
        if self.auto_advance_s is None:
            return
        for msg in self.messages.values():
            if msg.direction != "inbound" and msg.status not in FINAL:
                while (msg.status not in FINAL
                       and now - msg.date_updated >= timedelta(seconds=self.auto_advance_s)):
                    before = msg.date_updated
                    self._step(msg, before + timedelta(seconds=self.auto_advance_s))

    def fail_next(self, count: int, kind: str = "500", *, retry_after: int | None = 1) -> None:
        """The next `count` requests fail: "429" (with Retry-After unless it is None, as
        Twilio documents none), "500" or "drop"."""
        if kind not in ("429", "500", "drop"):
            raise ValueError(kind)
        with self._lock:
            self._faults.extend([(kind, retry_after)] * count)

    # media content

    def media_sids(self, message_sid: str) -> list[str]:
        with self._lock:
            return [m["sid"] for m in self.messages[message_sid].media]

    def find_media(self, media_sid: str) -> tuple[StoredMessage, dict[str, str]] | None:
        with self._lock:
            for msg in self.messages.values():
                for media in msg.media:
                    if media["sid"] == media_sid and media_sid not in self.deleted_media:
                        return msg, media
        return None

    def set_media(self, media_sid: str, data: bytes | None = None, *,
                  size: int | None = None) -> None:
        """Replace one media's content: `data` itself, or deterministic bytes of `size`."""
        found = self.find_media(media_sid)
        assert found is not None, media_sid
        with self._lock:
            self._media_data[media_sid] = data if data is not None else \
                media_bytes(media_sid, found[1]["content_type"], size)

    def content_of(self, media_sid: str) -> bytes:
        """What the media host serves for `media_sid`."""
        found = self.find_media(media_sid)
        assert found is not None, media_sid
        with self._lock:
            data = self._media_data.get(media_sid)
        return data if data is not None else media_bytes(media_sid, found[1]["content_type"])

    def delete_media(self, media_sid: str) -> None:
        with self._lock:
            self.deleted_media.add(media_sid)

    def fail_media_next(self, count: int, kind: str = "500") -> None:
        """The next `count` requests to a media link fail: "500", "404", "403" or "drop"."""
        if kind not in ("500", "404", "403", "drop"):
            raise ValueError(kind)
        with self._lock:
            self._media_faults.extend([kind] * count)

    def take_media_fault(self) -> str | None:
        with self._lock:
            return self._media_faults.pop(0) if self._media_faults else None

    def new_link(self, media_sid: str) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._links[token] = (media_sid, datetime.now(UTC)
                                  + timedelta(seconds=self.media_link_s))
        return token

    def resolve_link(self, token: str) -> str | None:
        with self._lock:
            entry = self._links.get(token)
        if entry is None or entry[1] < datetime.now(UTC):
            return None
        return entry[0]

    def take_fault(self) -> tuple[str, int | None] | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def outbound(self) -> list[StoredMessage]:
        with self._lock:
            return sorted((m for m in self.messages.values() if m.direction != "inbound"),
                          key=lambda m: m.seq)

    # -- resource views -------------------------------------------------------------------

    def message_uri(self, sid: str) -> str:
        return f"{API}/Accounts/{self.account_sid}/Messages/{sid}.json"

    def message_json(self, msg: StoredMessage) -> dict[str, Any]:
        base = f"{API}/Accounts/{self.account_sid}/Messages/{msg.sid}"
        return {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": msg.body,
            "date_created": rfc2822(msg.date_created), "date_sent": rfc2822(msg.date_sent),
            "date_updated": rfc2822(msg.date_updated), "direction": msg.direction,
            "error_code": msg.error_code, "error_message": msg.error_message,
            "from": msg.from_, "to": msg.to,
            "messaging_service_sid": msg.service or self.default_service,
            "num_media": str(len(msg.media)),
            "num_segments": "0" if msg.from_ is None else str(_naive_segments(msg.body)),
            "price": None, "price_unit": "USD", "sid": msg.sid, "status": msg.status,
            "subresource_uris": {"media": f"{base}/Media.json"}, "uri": f"{base}.json",
        }

    def media_json(self, msg: StoredMessage, media: dict[str, str]) -> dict[str, Any]:
        base = f"{API}/Accounts/{self.account_sid}/Messages/{msg.sid}/Media/{media['sid']}"
        return {"account_sid": self.account_sid, "content_type": media["content_type"],
                "date_created": rfc2822(msg.date_created),
                "date_updated": rfc2822(msg.date_created), "parent_sid": msg.sid,
                "sid": media["sid"], "uri": f"{base}.json"}


# -- date filters ---------------------------------------------------------------------------


def _parse_filter_value(value: str) -> tuple[datetime, bool]:
    """(instant, whole_day) for a DateSent value; raises ValueError."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC), True
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), False


def _date_filter(query: dict[str, list[str]]) -> list[tuple[str, datetime, bool]]:
    out = []
    for name, op in (("DateSent", "="), ("DateSent>", ">"), ("DateSent<", "<")):
        for value in query.get(name, []):
            instant, day = _parse_filter_value(value)
            out.append((op, instant, day))
    return out


def _matches_dates(sent: datetime | None, filters: list[tuple[str, datetime, bool]]) -> bool:
    if not filters:
        return True
    if sent is None:
        return False
    for op, instant, day in filters:
        if op == "=":
            ok = (instant <= sent < instant + timedelta(days=1)) if day else \
                sent.replace(microsecond=0) == instant
        elif op == ">":
            ok = sent >= instant
        else:
            ok = sent <= instant + (timedelta(0) if day else timedelta(seconds=1) -
                                    timedelta(microseconds=1))
        if not ok:
            return False
    return True


# -- HTTP -----------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    owner: SmsProvider
    media_host = False  # True: the second server, which serves only media links
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # plumbing

    def _send_json(self, status: int, payload: dict[str, Any],
                   headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        with self.owner._lock:
            self.owner.served.append((self.command, urlsplit(self.path).path, status, payload))
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: int, message: str,
               headers: dict[str, str] | None = None) -> None:
        self._send_json(status, {"code": code, "message": message,
                                 "more_info": f"https://www.twilio.com/docs/errors/{code}",
                                 "status": status}, headers)

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                user = password = ""
            if (secrets.compare_digest(user, self.owner.account_sid)
                    and secrets.compare_digest(password, self.owner.token)):
                return True
        self._error(401, 20003, "Authenticate", {"WWW-Authenticate": 'Basic realm="Twilio API"'})
        return False

    def _fault(self) -> bool:
        fault = self.owner.take_fault()
        if fault is None:
            return False
        kind, retry_after = fault
        if kind == "429":
            self._error(429, 20429, "Too Many Requests",
                        None if retry_after is None else {"Retry-After": str(retry_after)})
        elif kind == "500":
            self._error(500, 20500, "Internal Server Error")
        else:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return True

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        if self.media_host or parts.path.startswith("/media/"):
            self._serve_link(parts.path)
            return
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True) \
            if length else {}
        with self.owner._lock:
            self.owner.requests.append((method, parts.path, query if method == "GET" else form))
        if self._fault() or not self._authorised():
            return
        prefix = f"{API}/Accounts/"
        if not parts.path.startswith(prefix):
            self._error(404, 20404, "The requested resource was not found")
            return
        sid, _, rest = parts.path[len(prefix):].partition("/")
        if sid != self.owner.account_sid:
            self._error(404, 20404, f"The requested resource {parts.path} was not found")
            return
        m_one = re.fullmatch(r"Messages/([A-Za-z0-9]+)\.json", rest)
        m_media = re.fullmatch(r"Messages/([A-Za-z0-9]+)/Media\.json", rest)
        m_content = re.fullmatch(r"Messages/([A-Za-z0-9]+)/Media/([A-Za-z0-9]+)(\.json)?", rest)
        with self.owner._lock:
            self.owner._auto(datetime.now(UTC))
            if rest == "Messages.json" and method == "GET":
                self._list(parts.path, query)
            elif rest == "Messages.json" and method == "POST":
                self._create(form)
            elif m_one and method == "GET":
                self._fetch(m_one.group(1))
            elif m_media and method == "GET":
                self._media(m_media.group(1), parts.path)
            elif m_content and method == "GET":
                self._media_item(m_content.group(1), m_content.group(2),
                                 bool(m_content.group(3)), parts.path)
            else:
                self._error(404, 20404, f"The requested resource {parts.path} was not found")

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    # resources

    def _list(self, path: str, query: dict[str, list[str]]) -> None:
        owner = self.owner
        try:
            page_size = int(query.get("PageSize", [str(DEFAULT_PAGE_SIZE)])[0])
            page = int(query.get("Page", ["0"])[0])
            filters = _date_filter(query)
        except ValueError:
            self._error(400, 20001, "Invalid query parameter")
            return
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        to = query.get("To", [None])[0]
        from_ = query.get("From", [None])[0]
        rows = sorted((m for m in owner.messages.values()
                       if not m.hidden and (to is None or m.to == to)
                       and (from_ is None or m.from_ == from_)
                       and _matches_dates(m.date_sent, filters)),
                      key=StoredMessage.queued_last_key if owner.list_order == "queued_last"
                      else StoredMessage.sort_key)
        if owner.list_order == "shuffled":
            # A fixed order per message set, so a PageToken still names a place in it.
            rows.sort(key=lambda m: hashlib.sha256(m.sid.encode()).digest())
        token = query.get("PageToken", [None])[0]
        start_index = 0
        if token:
            anchor = owner.messages.get(token[2:])
            if not token.startswith("PA") or anchor is None:
                self._error(400, 20001, "Invalid PageToken")
                return
            if owner.list_order == "newest":
                key = anchor.sort_key()
                start_index = next((i for i, r in enumerate(rows) if r.sort_key() > key),
                                   len(rows))
            else:
                start_index = next((i + 1 for i, r in enumerate(rows) if r is anchor),
                                   len(rows))
        elif page:
            start_index = page * page_size
        chunk = rows[start_index:start_index + page_size]
        keep = [(k, v[0]) for k, v in query.items()
                if k in ("To", "From", "DateSent", "DateSent<", "DateSent>")]
        first = f"{path}?{urlencode([*keep, ('PageSize', page_size), ('Page', 0)])}"
        next_uri = None
        if start_index + page_size < len(rows) and chunk:
            next_uri = f"{path}?" + urlencode([*keep, ("PageSize", page_size),
                                               ("Page", page + 1),
                                               ("PageToken", "PA" + chunk[-1].sid)])
        self._send_json(200, {
            "messages": [owner.message_json(m) for m in chunk],
            "page": page, "page_size": page_size, "start": start_index,
            "end": start_index + max(len(chunk) - 1, 0), "uri": self.path,
            "first_page_uri": first, "next_page_uri": next_uri,
            "previous_page_uri": None if page == 0 else first,
        })

    def _create(self, form: dict[str, list[str]]) -> None:
        owner = self.owner
        to = form.get("To", [""])[0]
        from_ = form.get("From", [""])[0] or None
        service = form.get("MessagingServiceSid", [""])[0] or None
        body = form.get("Body", [""])[0]
        media = form.get("MediaUrl", [])
        callback = form.get("StatusCallback", [""])[0]
        unknown = sorted(set(form) - CREATE_FIELDS)
        pool = owner.services.get(service, []) if service else []
        if unknown:
            self._error(400, 21000, f"Unknown parameter {unknown[0]}")
        elif not _E164.fullmatch(to):
            self._error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        elif from_ is None and service is None:
            self._error(400, 21603, "A 'From' phone number is required.")
        elif service is not None and service not in owner.services:
            self._error(400, 21701, "The Messaging Service Sid is invalid.")
        elif from_ is not None and (service and from_ not in pool or not service
                                    and owner.numbers and from_ not in owner.numbers):
            self._error(400, 21606, "The 'From' phone number provided is not a valid message-"
                        "capable phone number for this destination.")
        elif not body and not media:
            self._error(400, 21602, "Message body is required.")
        elif len(body) > 1600:
            self._error(400, 21617, "The concatenated message body exceeds the 1600 character "
                        "limit.")
        elif len(media) > MAX_MEDIA_URLS:
            self._error(400, 21623, "Number of media files exceeds allowed limit.")
        elif any(urlsplit(u).scheme not in ("http", "https") for u in [*media, callback]
                 if u):
            self._error(400, 21620, "Invalid media URL(s).")
        elif any((to, sender) in owner.opted_out for sender in ([from_] if from_ else pool)):
            self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        else:
            now = datetime.now(UTC)
            sid = owner._new_sid("MM" if media else "SM")
            if owner.body_rewrite is not None:
                body = owner.body_rewrite(body)
            msg = StoredMessage(sid, from_, to, body, "outbound-api",
                                "queued" if from_ else "accepted", now, None, now,
                                seq=next(owner._seq), fail_delivery=to in owner.undeliverable,
                                service=service or owner.service_of(from_))
            msg.media = [{"sid": owner._new_sid("ME"), "content_type": _media_type(url)}
                         for url in media]
            owner.messages[sid] = msg
            if callback:
                owner.status_callbacks[sid] = callback
            self._send_json(201, owner.message_json(msg))

    def _fetch(self, sid: str) -> None:
        msg = self.owner.messages.get(sid)
        if msg is None:
            self._error(404, 20404, f"The requested resource {self.path} was not found")
        else:
            self._send_json(200, self.owner.message_json(msg))

    def _media(self, sid: str, path: str) -> None:
        msg = self.owner.messages.get(sid)
        if msg is None:
            self._error(404, 20404, f"The requested resource {path} was not found")
            return
        items = [self.owner.media_json(msg, m) for m in msg.media]
        self._send_json(200, {"media_list": items, "page": 0, "page_size": 50, "start": 0,
                              "end": max(len(items) - 1, 0), "uri": self.path,
                              "first_page_uri": f"{path}?PageSize=50&Page=0",
                              "next_page_uri": None, "previous_page_uri": None})


    def _media_item(self, sid: str, media_sid: str, as_json: bool, path: str) -> None:
        owner = self.owner
        with owner._lock:
            owner.media_requests.append(MediaRequest("api", path,
                                                     self.headers.get("Authorization")))
        found = owner.find_media(media_sid)
        if found is None or found[0].sid != sid:
            self._error(404, 20404, f"The requested resource {path} was not found")
        elif as_json:
            self._send_json(200, owner.media_json(*found))
        elif owner.media_redirect == "none":
            self._send_bytes(found[1]["content_type"], owner.content_of(media_sid))
        else:
            token = owner.new_link(media_sid)
            base = owner.media_base_url if owner.media_redirect == "cross" else ""
            self.send_response(owner.media_redirect_status)
            self.send_header("Location", f"{base}/media/{token}")
            self.send_header("Content-Length", "0")
            self.end_headers()

    def _serve_link(self, path: str) -> None:
        """A short-lived media link: no authentication, just the bytes (or a fault)."""
        owner = self.owner
        with owner._lock:
            owner.media_requests.append(MediaRequest("media" if self.media_host else "api",
                                                     path, self.headers.get("Authorization")))
        fault = owner.take_media_fault()
        if fault == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault is not None:
            self._send_plain(int(fault), "AccessDenied" if fault == "403" else "Error")
            return
        media_sid = owner.resolve_link(path.removeprefix("/media/"))
        found = owner.find_media(media_sid) if media_sid else None
        if media_sid is None or found is None:
            self._send_plain(404, "NoSuchKey")
            return
        self._send_bytes(found[1]["content_type"], owner.content_of(media_sid))

    def _send_plain(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_bytes(self, content_type: str, data: bytes) -> None:
        chunked = self.owner.media_chunked
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            if not chunked:
                self.wfile.write(data)
                return
            for start in range(0, len(data), 64 * 1024):
                piece = data[start:start + 64 * 1024]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client stopped reading (e.g. over its size limit)
            self.close_connection = True


# -- config for tests -----------------------------------------------------------------------


def write_sms_config(tmp: Any, provider: SmsProvider, numbers: Iterable[str] = ("+15550100100",),
                     *, overlap_seconds: int = 600, poll_seconds: int = 5,
                     token: str | None = None) -> Any:
    """A cxinbox config (TOML) with an [sms] table pointing at `provider`; the auth token in a
    0600 file. `tmp` is a pathlib.Path; returns the config path."""
    import os

    secret = tmp / "sms.token"
    secret.write_text((provider.token if token is None else token) + "\n")
    os.chmod(secret, 0o600)
    number_tables = "".join(f'\n[[sms.numbers]]\nnumber = "{n}"\nname = "Desk {i}"\n'
                            for i, n in enumerate(numbers, 1))
    path = tmp / "config.toml"
    path.write_text(f"""
[clinic]
name = "Test Clinic"
timezone = "America/New_York"

[store]
path = "{tmp / 'data' / 'cxinbox.db'}"

[sms]
base_url = "{provider.base_url}"
account_sid = "{provider.account_sid}"
verify_tls = false
password_file = "{secret}"
poll_seconds = {poll_seconds}
overlap_seconds = {overlap_seconds}
{number_tables}""")
    return path
