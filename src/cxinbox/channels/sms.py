"""The SMS provider's REST API (Twilio-compatible, version 2010-04-01): the only SMS network code.

Why it looks the way it does:
- Reads (list, fetch, media) are idempotent, so a 429 (honouring Retry-After), a 5xx or a
  dropped connection is retried here a few times before the caller sees an error. Twilio
  documents no Retry-After on its 429, so a bare 429 waits an exponentially growing time
  with random jitter (`rate_limit_backoff`): retrying after a fixed second would hammer a
  provider that just asked us to slow down, and jitter keeps several clients out of step. A send is
  never retried here: whether the provider created the message is the outbox's question,
  answered with `find_sent`, and `SmsServerError.maybe_sent` says when it has to ask.
- The list filter uses the documented day granularity ("DateSent>" = on or after midnight
  GMT of that day). Providers that understand a time too would return fewer rows; every
  caller de-duplicates by sid anyway, so asking for whole days is only ever more complete.
- `next_page_uri` is followed only when it stays on this account's Messages resource: the
  credentials must never be sent anywhere the provider's JSON points.
- Error text is one line built from the status, the provider's code and its (sanitised,
  shortened) message. It never contains the token, the request URL or a message body.
- MMS media content is fetched only on demand (`media_content`): the provider redirects to
  a short-lived link, usually on another host. Redirects are followed by hand so the
  credentials go to the API's own origin only, never from https down to http, and the body
  is counted as it streams so nothing over `MAX_MEDIA_BYTES` is ever held. A hop to another
  host is resolved once and made to that very address, which must be a public one (or one
  of the API host's own): a redirect cannot turn the server into a client of the clinic's
  private network, the loopback or a cloud metadata address.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import mimetypes
import random
import re
import socket
import ssl
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar
from urllib.parse import urlsplit

import httpx

from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.sms import body_match

if TYPE_CHECKING:
    from cxinbox.config import SmsConfig

log = logging.getLogger("cxinbox.sms")
T = TypeVar("T")

API_VERSION: Final = "2010-04-01"
MAX_PAGE_SIZE: Final = 1000  # the documented maximum PageSize
FINAL_STATUSES: Final = frozenset({"delivered", "undelivered", "failed", "received",
                                   "canceled", "read", "partially_delivered"})
"""Statuses after which a message never changes again (partially_delivered: some parts of
a long or multi-media text reached the handset; the provider reports nothing more)."""
_MAX_RETRY_AFTER_S: Final = 30.0  # longer waits are the poller's business, not a request's
RATE_LIMIT_BASE_S: Final = 4.0  # first wait after a 429 without Retry-After (2-4 s with jitter)
_MAX_PAGES: Final = 100_000
MAX_MEDIA_URLS: Final = 10  # the documented limit of MediaUrl per message
MAX_MEDIA_BYTES: Final = 10 * 1024 * 1024  # MMS carry at most ~5 MB; anything far bigger is wrong
_MAX_REDIRECTS: Final = 5
MAX_BODY_CHARS: Final = 6400
"""A listed text's body is cut here (four times the 1,600 characters providers accept for
one message): a provider answering with megabytes in a body never gets them stored or
shown. `ProviderMessage.body_chars` keeps the length it had."""
_MAX_ERROR_BODY: Final = 64 * 1024


class SmsError(Exception):
    """Base of every SMS channel error; str() is one sanitised line."""


class SmsAuthError(SmsError):
    """401: the account sid or auth token is wrong (or the account is suspended)."""


class SmsRateLimited(SmsError):
    """429: the provider asks us to wait `retry_after` seconds; None when it did not say
    (Twilio's documented 429 has no Retry-After): back off with `rate_limit_backoff`."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def rate_limit_backoff(attempt: int, *, base: float = RATE_LIMIT_BASE_S, cap: float = 900.0,
                       rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempt`-th (0-based) consecutive 429 that named no wait:
    base * 2**attempt, capped, times a random factor in [0.5, 1] ("equal jitter")."""
    ceiling = min(cap, base * 2 ** max(0, min(attempt, 30)))
    draw: float = (rng or random.Random()).random()
    return float(ceiling * (0.5 + 0.5 * draw))


class SmsServerError(SmsError):
    """5xx, a timeout or a network failure.

    `maybe_sent` is True for a send whose request may have reached the provider (a timeout
    after sending, a dropped connection, a 5xx): the outbox must ask `find_sent` before it
    sends again. A connection that was never opened leaves it False.
    """

    def __init__(self, message: str, *, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class SmsRejected(SmsError):
    """4xx other than 401/429: the provider refused this request for good (e.g. 21610, the
    recipient texted STOP; 21211, an invalid number). Retrying the same request is pointless."""

    def __init__(self, message: str, code: int | None, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class SmsNotFound(SmsRejected):
    """404: no such message (or not in this account)."""


@dataclass(frozen=True, slots=True)
class ProviderMedia:
    sid: str
    content_type: str
    uri: str  # the media resource path on the provider (".json" stripped = the content)
    filename: str  # made up from the sid and content type: the provider sends no name
    size: int = 0  # unknown: the list does not say, and bytes are not downloaded


@dataclass(frozen=True, slots=True)
class ProviderMessage:
    sid: str
    from_: str
    to: str
    body: str
    status: str
    direction: str  # inbound | outbound-api | outbound-call | outbound-reply
    date_sent: datetime | None
    date_created: datetime | None
    num_media: int
    num_segments: int
    error_code: int | None
    error_message: str
    media_uri: str
    raw: bytes  # the provider's JSON object for this message, as received (body cut)
    messaging_service_sid: str = ""  # an MG sid; Twilio gives every message one
    body_chars: int = -1  # the body's length as the provider sent it; -1: same as `body`

    @property
    def body_cut(self) -> bool:
        return self.body_chars > len(self.body)

    @property
    def inbound(self) -> bool:
        return self.direction == "inbound"

    @property
    def at(self) -> datetime | None:
        """When it happened: sent date, else creation date."""
        return self.date_sent or self.date_created


@dataclass(frozen=True, slots=True)
class SendResult:
    sid: str
    status: str
    message: ProviderMessage


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _str(value: Any) -> str:
    """A text field; a lone UTF-16 surrogate ("\\ud83d" alone is legal JSON) becomes U+FFFD,
    since such a string cannot be encoded for the database, a log or a terminal."""
    if not isinstance(value, str):
        return ""
    return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)


def raw_json(obj: Any) -> bytes:
    """`obj` as UTF-8 JSON, exactly: a lone surrogate stays the escape it arrived as
    (plain `json.dumps(ensure_ascii=False).encode()` raises on it)."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


def parse_message(obj: dict[str, Any]) -> ProviderMessage:
    """One message object of the provider's JSON; missing or odd fields become neutral values."""
    sid = _str(obj.get("sid"))
    if not sid:
        raise SmsServerError("the provider returned a message without a sid")
    code = obj.get("error_code")
    media = obj.get("subresource_uris")
    body = _str(obj.get("body"))
    body_chars = len(body)
    if body_chars > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS]
        obj = {**obj, "body": body, "cxinbox_body_chars": body_chars}
    return ProviderMessage(
        sid=sid, from_=_str(obj.get("from")), to=_str(obj.get("to")), body=body,
        status=_str(obj.get("status")), direction=_str(obj.get("direction")),
        date_sent=_date(obj.get("date_sent")), date_created=_date(obj.get("date_created")),
        num_media=_int(obj.get("num_media")), num_segments=_int(obj.get("num_segments"), 1),
        error_code=_int(code) if code not in (None, "") else None,
        error_message=_str(obj.get("error_message")),
        media_uri=_str(media.get("media")) if isinstance(media, dict) else "",
        raw=raw_json(obj), messaging_service_sid=_str(obj.get("messaging_service_sid")),
        body_chars=body_chars,
    )


def _media_filename(sid: str, content_type: str) -> str:
    ext = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ".bin"
    return f"{sid}{ext}"


def _ssl_context(config: SmsConfig) -> ssl.SSLContext | bool:
    if not config.verify_tls:
        return False
    ctx = ssl.create_default_context()
    if config.ca_file is not None:
        try:
            ctx.load_verify_locations(cafile=str(config.ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise SmsError(f"sms: cannot load ca_file {clean_line(str(config.ca_file))}: "
                           f"{clean_line(type(exc).__name__)}") from None
    return ctx


class SmsClient:
    """A synchronous client for one provider account; not shared between threads."""

    def __init__(self, config: SmsConfig, token: str, *, timeout_s: float = 15.0,
                 retries: int = 3, page_size: int = MAX_PAGE_SIZE,
                 sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        if not config.base_url:
            raise SmsError("sms: no base_url configured")
        self.config = config
        self.retries = retries
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._root = f"/{API_VERSION}/Accounts/{config.account_sid}"
        self._http = httpx.Client(
            base_url=config.base_url, auth=httpx.BasicAuth(config.account_sid, token),
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            verify=_ssl_context(config), follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "cxinbox"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------------

    def _describe(self, what: str, response: httpx.Response) -> str:
        code: int | None = None
        text = ""
        try:
            body = response.json()
            if isinstance(body, dict):
                code = _int(body.get("code"), 0) or None
                text = _str(body.get("message"))
        except ValueError:
            pass
        detail = f" (code {code})" if code else ""
        said = f": {clean_line(text)[:160]}" if text else ""
        return f"sms {what}: HTTP {response.status_code}{detail}{said}"

    def _raise_for(self, what: str, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        message = self._describe(what, response)
        if status == 401:
            raise SmsAuthError(message + "; check [sms] account_sid and the auth token")
        if status == 429:
            raise SmsRateLimited(message, _retry_after(response))
        if status >= 500:
            raise SmsServerError(message, maybe_sent=True)
        code: int | None = None
        try:
            code = _int(response.json().get("code"), 0) or None
        except (ValueError, AttributeError):
            pass
        if status == 404:
            raise SmsNotFound(message, code, status)
        raise SmsRejected(message, code, status)

    def _retrying(self, what: str, once: Callable[[], T]) -> T:
        """Run one idempotent read, retrying 429 (as long as Retry-After says, up to a cap;
        exponentially with jitter when it says nothing), 5xx and network errors a few times
        with a short exponential back-off."""
        attempt = 0
        limited = 0
        while True:
            try:
                return once()
            except SmsRateLimited as exc:
                wait = exc.retry_after if exc.retry_after is not None else rate_limit_backoff(
                    limited, cap=_MAX_RETRY_AFTER_S, rng=self._rng)
                if attempt >= self.retries or wait > _MAX_RETRY_AFTER_S:
                    raise
                limited += 1
            except SmsServerError:
                if attempt >= self.retries:
                    raise
                wait = 0.25 * 2 ** attempt
            except httpx.HTTPError as exc:
                if attempt >= self.retries:
                    raise SmsServerError(_network_line(what, exc)) from None
                wait = 0.25 * 2 ** attempt
            attempt += 1
            log.info("sms %s: retrying in %.2fs (attempt %d)", what, wait, attempt + 1)
            self._sleep(wait)

    def _get(self, what: str, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """GET with retries for 429 / 5xx / network; returns the JSON object."""

        def once() -> dict[str, Any]:
            response = self._http.get(path, params=params)
            self._raise_for(what, response)
            try:
                data = response.json()
            except ValueError:
                raise SmsServerError(f"sms {what}: the provider's answer is not JSON") from None
            if not isinstance(data, dict):
                raise SmsServerError(f"sms {what}: the provider's answer is not a JSON object")
            return data

        return self._retrying(what, once)

    def _safe_page_uri(self, uri: str, resource: str) -> str:
        parts = urlsplit(uri)
        if parts.scheme or parts.netloc or not parts.path.startswith(f"{self._root}/{resource}"):
            raise SmsServerError("sms list: the provider's next_page_uri leaves this account's "
                                 "resource; not following it")
        return uri

    # -- API ------------------------------------------------------------------------------

    def list_messages(self, date_sent_after: datetime, to: str | None = None,
                      from_: str | None = None) -> Iterator[ProviderMessage]:
        """Every message sent on or after midnight GMT of `date_sent_after`'s day, newest first,
        optionally only those to / from one number; follows the provider's paging."""
        day = date_sent_after.astimezone(UTC).strftime("%Y-%m-%d")
        params = {"DateSent>": day, "PageSize": str(self.page_size)}
        if to:
            params["To"] = to
        if from_:
            params["From"] = from_
        yield from self._pages(f"{self._root}/Messages.json", params)

    def _pages(self, path: str, params: dict[str, str] | None) -> Iterator[ProviderMessage]:
        seen_uris: set[str] = set()
        for _ in range(_MAX_PAGES):
            data = self._get("list", path, params)
            rows = data.get("messages")
            if not isinstance(rows, list):
                raise SmsServerError("sms list: the provider's answer has no messages list")
            for obj in rows:
                if isinstance(obj, dict):
                    yield parse_message(obj)
            nxt = data.get("next_page_uri")
            if not isinstance(nxt, str) or not nxt or not rows:
                return
            if nxt in seen_uris:
                raise SmsServerError("sms list: the provider's paging repeats itself")
            seen_uris.add(nxt)
            path, params = self._safe_page_uri(nxt, "Messages.json"), None
        raise SmsServerError("sms list: more pages than any clinic could have; stopped")

    def fetch(self, sid: str) -> ProviderMessage:
        _check_sid(sid)
        return parse_message(self._get("fetch", f"{self._root}/Messages/{sid}.json"))

    def media(self, sid: str) -> list[ProviderMedia]:
        """The MMS media of one message: type and provider URI, never the bytes."""
        _check_sid(sid)
        path: str | None = f"{self._root}/Messages/{sid}/Media.json"
        params: dict[str, str] | None = {"PageSize": "100"}
        out: list[ProviderMedia] = []
        pages = 0
        while path and pages < 100:
            data = self._get("media", path, params)
            for obj in data.get("media_list") or []:
                if not isinstance(obj, dict):
                    continue
                msid, ctype = _str(obj.get("sid")), _str(obj.get("content_type"))
                out.append(ProviderMedia(sid=msid, content_type=ctype, uri=_str(obj.get("uri")),
                                         filename=_media_filename(msid, ctype)))
            nxt = data.get("next_page_uri")
            path = self._safe_page_uri(nxt, f"Messages/{sid}/Media") \
                if isinstance(nxt, str) and nxt else None
            params = None
            pages += 1
        return out

    def media_content(self, message_sid: str, media_sid: str, *,
                      max_bytes: int = MAX_MEDIA_BYTES) -> tuple[str, bytes]:
        """One MMS attachment's bytes and content type, never more than `max_bytes`.

        The media resource without an extension answers with the content itself, usually
        by redirecting to a short-lived address on another host. Redirects are followed
        here, by hand, so that the account credentials go only to the API's own origin
        (scheme, host and port); a hop to any other origin is made without them, and a hop
        from https down to http is refused. A failure anywhere restarts from the API
        address (the short-lived link may have expired), under the usual retry policy.
        """
        _check_sid(message_sid)
        _check_sid(media_sid)
        path = f"{self._root}/Messages/{message_sid}/Media/{media_sid}"
        return self._retrying("media download",
                              lambda: self._download(path, max(1, max_bytes)))

    def _download(self, path: str, max_bytes: int) -> tuple[str, bytes]:
        what = "media download"
        url = self._http.base_url.join(path)
        home = _origin(url)
        home_addresses: frozenset[str] | None = None
        for _ in range(_MAX_REDIRECTS + 1):
            ours = _origin(url) == home
            # identity: a compressed body would be inflated before the size cap sees it
            headers = {"Accept": "*/*", "Accept-Encoding": "identity"}
            extra: dict[str, Any] = {}
            target = url
            if not ours:
                if home_addresses is None:
                    home_addresses = _addresses_of(
                        self._http.base_url.raw_host.decode("ascii"), home[2])
                target, headers["Host"], sni = _pinned(url, home_addresses)
                # auth=None: no credentials at all for another origin (not the default)
                extra = {"auth": None, "extensions": {"sni_hostname": sni}}
            with self._http.stream("GET", target, headers=headers, **extra) as response:
                if response.is_redirect:
                    url = _next_hop(url, response)
                    continue
                if response.status_code >= 400:
                    self._raise_download_error(response, ours)
                if response.status_code != 200:
                    raise SmsServerError(f"sms {what}: unexpected HTTP {response.status_code}")
                return _content_type(response), _read_capped(response, max_bytes)
        # Not retried: a provider sending us round in circles will do it again.
        raise SmsRejected(f"sms {what}: more than {_MAX_REDIRECTS} redirects; stopped", None, 0)

    def _raise_download_error(self, response: httpx.Response, ours: bool) -> None:
        """Raise the error type of a failed download; reads at most a small error body."""
        status = response.status_code
        try:
            body = _read_capped(response, _MAX_ERROR_BODY, quiet=True)
        except httpx.HTTPError:
            body = b""
        keep = {k: v for k, v in response.headers.items()
                if k.lower() in ("retry-after", "content-type")}
        small = httpx.Response(status, headers=keep, content=body)
        if ours:
            self._raise_for("media download", small)
        # The short-lived address on the media host: its words are not the provider's API.
        line = f"sms media download: the media host answered HTTP {status}"
        if status == 429:
            raise SmsRateLimited(line, _retry_after(small))
        if status >= 500:
            raise SmsServerError(line)
        if status == 404:
            raise SmsNotFound(line + "; the picture is gone", None, status)
        raise SmsRejected(line + "; the download link was refused", None, status)

    def send(self, from_: str | None, to: str, body: str, *, messaging_service_sid: str = "",
             status_callback: str = "", media_urls: Sequence[str] = ()) -> SendResult:
        """Create one outbound message. Never retried here (see SmsServerError.maybe_sent).

        With a Messaging Service no From is posted: the service picks the sender from its
        pool (the response's `from` is null until it has). `media_urls` (at most ten, public
        addresses the provider fetches) make it an MMS.
        """
        if len(media_urls) > MAX_MEDIA_URLS:
            raise SmsRejected(f"sms send: at most {MAX_MEDIA_URLS} files per text", None, 0)
        data: dict[str, str | list[str]] = {"To": to, "Body": body}
        if messaging_service_sid:
            data["MessagingServiceSid"] = messaging_service_sid
        elif from_:
            data["From"] = from_
        if status_callback:
            data["StatusCallback"] = status_callback
        if media_urls:
            data["MediaUrl"] = list(media_urls)
        try:
            response = self._http.post(f"{self._root}/Messages.json", data=data)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise SmsServerError(_network_line("send", exc), maybe_sent=False) from None
        except httpx.HTTPError as exc:
            raise SmsServerError(_network_line("send", exc), maybe_sent=True) from None
        self._raise_for("send", response)
        try:
            msg = parse_message(response.json())
        except (ValueError, AttributeError):
            raise SmsServerError("sms send: the provider accepted the request but its answer "
                                 "is not a message", maybe_sent=True) from None
        return SendResult(msg.sid, msg.status, msg)

    def find_sent(self, from_: str | None, to: str, body: str, since: datetime, *,
                  exclude: Collection[str] = (), skew_s: float = 30.0,
                  messaging_service_sid: str | None = None) -> ProviderMessage | None:
        """The outbound message we posted to `to` at or after `since` (less `skew_s` for
        clock difference) with this body, or None.

        For exactly-once recovery: call it when a send's outcome is unknown, with `since` =
        the moment before the first attempt and `exclude` = sids the outbox already owns
        (so an identical earlier reply is never mistaken for this one). Nothing about the
        list's order is assumed (Twilio does not specify it; queued rows have no sent date,
        so no date filter can be used): every row for the pair is read. The provider may
        have changed the body (a trial account's prefix, smart encoding of quotes, an
        appended opt-out line), so the same text wins over one that contains ours, and the
        earliest such row after `since` is the one this send made. Sent through a Messaging
        Service the sender is whichever pool number it picked (or none yet), so the rows
        are found by recipient and service instead.
        """
        floor = since.astimezone(UTC) - timedelta(seconds=skew_s)
        params = {"To": to, "PageSize": str(self.page_size)}
        if messaging_service_sid is None and from_:
            params["From"] = from_
        best: tuple[int, datetime, ProviderMessage] | None = None
        for msg in self._pages(f"{self._root}/Messages.json", params):
            when = msg.date_created or msg.date_sent
            if (msg.direction != "outbound-api" or msg.sid in exclude or when is None
                    or when < floor or msg.to != to):
                continue
            if messaging_service_sid is not None:
                if msg.messaging_service_sid != messaging_service_sid:
                    continue
            elif msg.from_ != from_:
                continue
            score = body_match(body, msg.body)
            if score and (best is None or (-score, when) < (-best[0], best[1])):
                best = (score, when, msg)
        return best[2] if best is not None else None


def _check_sid(sid: str) -> None:
    if not sid.isalnum() or len(sid) > 64:
        raise SmsRejected("sms: not a message id", None, 0)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the provider asked us to wait, or None when it did not say (or said nonsense)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = _date(value)
    if when is not None:
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return None


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in: what "same origin" means."""
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port if url.port is not None else default


def _next_hop(url: httpx.URL, response: httpx.Response) -> httpx.URL:
    """Where a redirect points, if it is somewhere we may go: http(s) only, never from
    https down to plain http (the bytes are patient data)."""
    try:
        target = url.join(response.headers["Location"])
    except (KeyError, httpx.InvalidURL):
        raise SmsServerError("sms media download: the provider's redirect has no usable "
                             "address") from None
    if target.scheme not in ("http", "https") or not target.host:
        raise SmsRejected("sms media download: the provider redirected to an address that is "
                          "not http(s); refused", None, response.status_code)
    if url.scheme == "https" and target.scheme != "https":
        raise SmsRejected("sms media download: the provider redirected from https to plain "
                          "http; refused", None, response.status_code)
    return target


def _addresses_of(host: str, port: int | None) -> frozenset[str]:
    """Every address `host` resolves to now (an address literal is its own answer)."""
    try:
        found = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise SmsServerError("sms media download: cannot resolve the media host") from None
    return frozenset(str(info[4][0]).split("%")[0] for info in found)


def _public(address: str) -> bool:
    """A globally routable unicast address: not private, loopback, link-local (cloud metadata
    lives there), shared, reserved, multicast or unspecified."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _pinned(url: httpx.URL, home: frozenset[str]) -> tuple[httpx.URL, str, str]:
    """A hop to another host as (the URL on one checked address, its Host header, its TLS
    name). Resolving once and connecting to that address means a name cannot answer one
    address when checked and another when connected to. Addresses that are not public are
    refused unless the API host itself has them (a provider gateway on the clinic's own
    network may hand out links on its own host)."""
    name = url.raw_host.decode("ascii")  # IDNA-encoded: what DNS and TLS see
    addresses = _addresses_of(name, _origin(url)[2])
    if not addresses or not all(_public(a) or a in home for a in addresses):
        raise SmsRejected("sms media download: the provider redirected to a private, loopback"
                          " or link-local address; refused", None, 0)
    return url.copy_with(host=min(addresses)), url.netloc.decode("ascii"), name


def _content_type(response: httpx.Response) -> str:
    """The media type of the body, without parameters; "" when absent or odd."""
    value = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return clean_line(value)[:100] if "/" in value else ""


def _read_capped(response: httpx.Response, limit: int, *, quiet: bool = False) -> bytes:
    """The (decoded) body, refusing to hold more than `limit` bytes.

    A declared Content-Length over the limit is refused before reading; otherwise the
    stream is counted as it arrives, so a body without a length (or one that lies) stops
    at the limit too. `quiet` truncates instead of raising (for error bodies).
    """
    declared = _int(response.headers.get("Content-Length"), -1)
    if declared > limit and not quiet:
        raise SmsRejected(f"sms media download: the picture is {_mb(declared)}, over the "
                          f"{_mb(limit)} limit; not downloaded", None, 0)
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limit:
            if quiet:
                chunks.append(chunk[: len(chunk) - (total - limit)])
                break
            raise SmsRejected(f"sms media download: the picture is over the {_mb(limit)} "
                              "limit; not downloaded", None, 0)
        chunks.append(chunk)
    return b"".join(chunks)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _network_line(what: str, exc: httpx.HTTPError) -> str:
    kinds: dict[type[httpx.HTTPError], str] = {
        httpx.ConnectTimeout: "connection timed out", httpx.ReadTimeout: "no answer in time",
        httpx.ConnectError: "cannot connect",
        httpx.RemoteProtocolError: "the connection was dropped"}
    kind = kinds.get(type(exc), type(exc).__name__)
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        kind = "the provider's TLS certificate is not trusted (see [sms] ca_file)"
    return f"sms {what}: {kind}"
