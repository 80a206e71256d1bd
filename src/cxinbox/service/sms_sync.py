"""SMS sync: the provider's message list -> local conversations, safely.

Rules this file keeps:
- several servers on one store poll each clinic number one at a time (a lease per number,
  see `SmsPoller`); the cursor and the de-duplication by sid below are what make a
  takeover after a crash lose nothing and store nothing twice;
- each clinic number is listed from (cursor - overlap_seconds); the provider's list is only
  day-granular and may index a message late, so every poll asks again for a stretch it has
  seen and drops what it already has by message id (sid);
- the cursor (newest provider date_sent stored) moves only after a complete listing has
  committed: a poll cut short by a crash, a 429 or a dropped connection is simply repeated;
- each page of new messages commits in one transaction with its events; media lists are
  fetched before that transaction (network never runs inside a write);
- outbound texts already known update their delivery status from the listing; those still
  not final (queued ones have no sent date and never match a date filter) are fetched one
  by one for a few days;
- a patient's MMS listed while the provider is still "receiving" it has no media yet: it is
  stored at once (the text matters) and read again, from the listing or fetched by sid,
  until it is "received", when its media are listed and attached;
- a text the carrier could not deliver (undelivered / failed, e.g. 30003 unreachable,
  30007 filtered) reopens its conversation and, when the desk sent it, tells its author
  through the change feed (`outbox.undelivered`, toasted by the TUI like a failed reply):
  staff must never believe a patient got a text that never arrived;
- STOP / START / HELP (and the Spanish BAJA / ALTA / AYUDA, domain/sms.py) are recorded;
  STOP blocks texting the number (`store.sms.is_opted_out`) and says so in the
  conversation, which it leaves open or closed as it was. We never auto-reply: the
  provider does that;
- what the provider lists is checked like any outside input: a patient number must be an
  E.164 number or a short code (an empty or 500-digit "number" makes no conversation; it
  is logged by sid and recorded once as `sms.rejected`), and a body is cut at
  `MAX_BODY_CHARS` with a line saying so (the full text stays with the provider).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from cxinbox.channels.credentials import CredentialError, resolve_password
from cxinbox.channels.sms import (
    FINAL_STATUSES,
    MAX_BODY_CHARS,
    ProviderMedia,
    ProviderMessage,
    SmsAuthError,
    SmsClient,
    SmsError,
    SmsNotFound,
    SmsRateLimited,
    SmsRejected,
    rate_limit_backoff,
    raw_json,
)
from cxinbox.config import Config, SmsConfig
from cxinbox.contract.errors import LeaseLost, StoreError
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.sms import (
    SPANISH_START,
    Keyword,
    asks_nothing,
    body_match,
    is_e164,
    keyword_word,
    parse_keyword,
    sms_raw_sha256,
)
from cxinbox.domain.triage import Assessment
from cxinbox.service import redflags
from cxinbox.service.logsafe import error_class, fields, log_failure
from cxinbox.service.rules import RuleEngine
from cxinbox.store.interface import Store, StoreTx, SyncLease
from cxinbox.store.records import SmsRecord, StoredSms

log = logging.getLogger("cxinbox.sms")

INITIAL_BACKFILL_S = 7 * 86400  # first poll of a number: this far back
STATUS_WINDOW_S = 3 * 86400  # delivery status is followed this long after sending
STATUS_FETCH_LIMIT = 100  # per clinic number and poll
AUTH_RETRY_S = 300.0  # after a 401: try again this often (and re-read the token)
MAX_BACKOFF_S = 900.0
MAX_RETRY_AFTER_S = 3600.0
# A number another server polls is tried again this often (a dead holder's lease frees
# when its database session ends; the takeover must come within 30 s of that).
_LEASE_RETRY_S = 5.0

TokenResolver = Callable[[SmsConfig], str]
ClientFactory = Callable[[SmsConfig, str], SmsClient]


def default_token(sms: SmsConfig) -> str:
    """The auth token from the credential resolver; the keyring user is the [sms] name."""
    return resolve_password(sms.name, sms.credentials)


SHORT_CODE_DIGITS: Final = range(3, 9)
"""Short codes (pharmacy and lab notifications) are 3 to 8 digits, without a +."""


def patient_number_problem(number: str) -> str | None:
    """Why `number` cannot be a patient's number (None: it can). Never quotes the number."""
    if not number:
        return "no sender number"
    if is_e164(number) or (number.isdigit() and len(number) in SHORT_CODE_DIGITS):
        return None
    return f"not a phone number ({len(number)} characters)"


@dataclass(slots=True)
class PollResult:
    new: int = 0
    duplicates: int = 0
    rejected: int = 0
    status_updates: int = 0
    opt_changes: int = 0
    conversations: set[int] = field(default_factory=set)


def _epoch(dt: datetime | None, default: int) -> int:
    return default if dt is None else int(dt.timestamp())


def _body(msg: ProviderMessage) -> str:
    """The text as stored (and as the detectors read it)."""
    if not msg.body_cut:
        return msg.body
    return msg.body + (f"\n[cxinbox: this text was cut at {MAX_BODY_CHARS:,} of its"
                       f" {msg.body_chars:,} characters; the provider keeps the whole text"
                       f" as {msg.sid}]")


def _assess_new(messages: Iterable[ProviderMessage], known: Container[str], now: int, *,
                oldest: int) -> dict[bytes, Assessment | None]:
    """The detectors on each patient text not stored yet, BEFORE the write transaction
    (a batch of texts must not keep staff writes waiting on them), keyed as
    `triage_arrivals` looks them up. One that fails is left out: the ingest thread
    assesses (and logs) it again."""
    ready: dict[bytes, Assessment | None] = {}
    for msg in messages:
        if not msg.inbound or msg.sid in known or redflags.arrived_too_early(
                _epoch(msg.at, now), oldest):
            continue  # not the patient, stored already, or received too long ago
        if parse_keyword(msg.body) is not None:
            continue  # STOP, HELP... (the poller decides; triage_arrivals reads it then)
        try:
            ready[sms_raw_sha256(msg.sid)] = redflags.assess_text(_body(msg))
        except Exception:  # noqa: BLE001,S112 - the ingest thread retries and logs it
            continue
    return ready


def _record(msg: ProviderMessage, clinic: str, media: Sequence[ProviderMedia],
            now: int) -> SmsRecord:
    patient = msg.from_ if msg.inbound else msg.to
    # Only a text a person sent (the outbox or the provider's console: "outbound-api")
    # answers the patient; an auto-responder ("outbound-reply") or a voice flow's text
    # ("outbound-call") is shown as automatic and never stops the SLA clock.
    direction = "in" if msg.inbound else "out" if msg.direction == "outbound-api" else "auto"
    raw = raw_json({"message": json.loads(msg.raw),
                    "media": [{"sid": m.sid, "content_type": m.content_type, "uri": m.uri}
                              for m in media]})
    return SmsRecord(
        provider_id=msg.sid, clinic_number=clinic, patient_number=patient,
        direction=direction, body=_body(msg), at=_epoch(msg.at, now),
        media=tuple((m.filename, m.content_type, m.size) for m in media),
        media_ids=tuple(m.sid for m in media), raw=raw, status=msg.status,
        error_code=msg.error_code, error_message=msg.error_message,
        num_segments=msg.num_segments)


UNDELIVERED: Final = frozenset({"undelivered", "failed"})


def _not_delivered(tx: StoreTx, msg: ProviderMessage, conv: int, now_s: int) -> None:
    """A text the carrier could not deliver: reopen its conversation and tell its author."""
    if msg.status not in UNDELIVERED:
        return
    reason = clean_line(msg.error_message, max_len=160) or msg.status
    if msg.error_code is not None:
        reason = f"carrier error {msg.error_code}: {reason}"
    tx.reopen(conv, now_s, "text not delivered", "sync")
    owner = tx.sms_outbox_of(msg.sid)
    tx.append_event("sync", "outbox.undelivered", f"conversation:{conv}",
                    {"outbox": owner[0] if owner else None, "author": owner[1] if owner else "",
                     "conversation": conv, "sid": msg.sid, "status": msg.status,
                     "reason": reason})


def _arrived(stored_status: str, msg: ProviderMessage) -> bool:
    """A patient's MMS stored while "receiving" is now listed as arrived."""
    return msg.inbound and stored_status == "receiving" and msg.status not in ("", "receiving")


def _status_moves(old: str, new: str) -> bool:
    """A listed status replaces the stored one unless it would undo a final status."""
    return bool(new) and new != old and (old not in FINAL_STATUSES or new in FINAL_STATUSES)


def lease_name(clinic_number: str) -> str:
    """What a clinic number's polling lease is called in the store."""
    return f"sms:{clinic_number}"


class SmsPoller:
    """Polls the provider for every configured clinic number this server holds the lease of.

    Several servers on one store poll each number one at a time: a number is polled by
    the server holding its lease (`Store.try_lease`), and the cursor in the store is where
    a new holder resumes. A server that dies frees its leases with its database session;
    the others try the leases they lack every `_LEASE_RETRY_S` and poll a number they
    took at once, so a number goes unpolled for seconds, not a poll interval.
    """

    def __init__(self, db: Store, config: Config | SmsConfig,
                 token_resolver: TokenResolver = default_token, *,
                 client_factory: ClientFactory | None = None,
                 initial_backfill_s: int = INITIAL_BACKFILL_S, batch_size: int = 500,
                 rules: RuleEngine | None = None) -> None:
        self.db = db
        self.rules = rules
        self.sms = config if isinstance(config, SmsConfig) else config.sms
        self.config = Config(sms=config) if isinstance(config, SmsConfig) else config
        self.token_resolver = token_resolver
        self.client_factory: ClientFactory = client_factory or (lambda c, t: SmsClient(c, t))
        self.initial_backfill_s = initial_backfill_s
        self.batch_size = batch_size
        self.last_error: str | None = None
        self._client: SmsClient | None = None
        self._rejected: set[str] = set()  # sids already logged and recorded as refused
        self._leases: dict[str, SyncLease] = {}
        self._unleased: list[str] = []  # numbers another server polls (at the last try)

    # -- client ---------------------------------------------------------------------------

    def client(self) -> SmsClient:
        if self._client is None:
            self._client = self.client_factory(self.sms, self.token_resolver(self.sms))
        return self._client

    def _drop_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def close(self) -> None:
        """Close the provider client and give back every number's lease."""
        self._drop_client()
        leases, self._leases = self._leases, {}
        for lease in leases.values():
            lease.release()

    # -- leases ---------------------------------------------------------------------------

    def _lease_numbers(self) -> tuple[list[str], list[str]]:
        """(numbers this server polls now, those of them it has just taken). A lease lost
        (its database session broke) is given up and tried again like any other."""
        mine: list[str] = []
        taken: list[str] = []
        self._unleased = []
        for configured in self.sms.numbers:
            number = configured.number
            lease = self._leases.get(number)
            if lease is not None and not lease.held():
                self._lost(number)
                lease = None
            if lease is None:
                lease = self.db.try_lease(lease_name(number))
                if lease is None:
                    self._unleased.append(number)
                    continue
                self._leases[number] = lease
                taken.append(number)
                log.info("sms lease taken", extra=fields(channel="sms",
                                                         line=self._line(number)))
            mine.append(number)
        return mine, taken

    def _line(self, number: str) -> int:
        """Which clinic number a log line means, without the number: its place among
        [[sms.numbers]] (1 for the first)."""
        return next((n for n, c in enumerate(self.sms.numbers, 1) if c.number == number), 0)

    def _lost(self, number: str) -> None:
        """Give up a lease another server took (or the database ended with our session),
        and say so: the line that pairs with the new holder's "sms lease taken"."""
        lease = self._leases.pop(number, None)
        if lease is None:
            return
        lease.release()
        log.warning("sms lease lost; polling that number again once it is ours",
                    extra=fields(channel="sms", line=self._line(number)))

    @property
    def unleased(self) -> list[str]:
        """Clinic numbers another server was polling at the last try (not polled here)."""
        return list(self._unleased)

    # -- one pass -------------------------------------------------------------------------

    def poll_once(self, now: datetime | None = None, *, taken_only: bool = False) -> PollResult:
        """List every clinic number whose lease this server holds (takes) once, then follow
        their delivery status; `taken_only`: only the numbers whose lease was just taken.
        Raises SmsError / CredentialError; whatever committed before the error stays, the
        cursor does not move."""
        now_s = int((now or datetime.now(UTC)).timestamp())
        mine, taken = self._lease_numbers()
        numbers = taken if taken_only else mine
        result = PollResult()
        if not numbers:
            return result
        client = self.client()
        listed: set[str] = set()
        kept = [number for number in numbers
                if self._fenced(number, self._poll_number, client, number, now_s, result,
                                listed)]
        # The status follow-up writes under each number's lease too: a holder that paused
        # after its listing and lost the number meanwhile must not write a status (nor
        # reopen a conversation for an undelivered text) the new holder also writes.
        for number in kept:
            self._fenced(number, self._poll_statuses, client, [number], now_s, result, listed)
        return result

    def _fenced(self, number: str, work: Callable[..., None], *args: object) -> bool:
        """`work(*args)` with every write it makes fenced by `number`'s lease; False when
        the lease was lost (nothing of that write kept; the lease is given up, and this
        number is another server's now), the other numbers going on."""
        lease = self._leases.get(number)
        if lease is None:
            return False
        try:
            with lease.fencing():  # nothing kept once another took it
                work(*args)
        except LeaseLost:
            self._lost(number)
            return False
        return True

    def _poll_number(self, client: SmsClient, number: str, now_s: int, result: PollResult,
                     listed: set[str]) -> None:
        with self.db.reading() as tx:
            cursor = tx.sms_cursor(number)
        start = (cursor if cursor is not None else now_s - self.initial_backfill_s) \
            - self.sms.overlap_seconds
        since = datetime.fromtimestamp(start, UTC)
        newest: int | None = None
        # A number sending through a Messaging Service: the pool may text (and patients
        # answer) from other numbers; the list cannot filter by service, so one more
        # listing without a number filter keeps the rows of this number's service.
        listings: list[dict[str, str]] = [{"to": number}, {"from_": number}]
        if self.sms.service_for(number):
            listings.append({})
        for filters in listings:
            batch: list[ProviderMessage] = []
            for msg in client.list_messages(since, **filters):
                batch.append(msg)
                if len(batch) >= self.batch_size:
                    newest = self._store_batch(client, number, batch, now_s, result, listed,
                                               newest)
                    batch = []
            if batch:
                newest = self._store_batch(client, number, batch, now_s, result, listed, newest)
        with self.db.writing() as tx:
            tx.advance_sms_cursor(number, newest, now_s)

    def _store_batch(self, client: SmsClient, number: str, batch: list[ProviderMessage],
                     now_s: int, result: PollResult, listed: set[str],
                     newest: int | None) -> int | None:
        service = self.sms.service_for(number)
        mine = [m for m in batch if (m.to if m.inbound else m.from_) == number
                or (service and m.messaging_service_sid == service)]
        for m in batch:
            if m.date_sent is not None:
                stamp = int(m.date_sent.timestamp())
                newest = stamp if newest is None else max(newest, stamp)
        unique: dict[str, ProviderMessage] = {}
        for m in mine:
            unique.setdefault(m.sid, m)
        with self.db.reading() as tx:
            known = tx.known_sids(list(unique))
        media = {sid: client.media(sid) for sid, m in unique.items()
                 if (sid not in known or _arrived(known[sid].status, m)) and m.num_media > 0}
        oldest = now_s - self.config.triage.backlog_hours * 3600
        ready = _assess_new(unique.values(), known, now_s, oldest=oldest)
        received: set[int] = set()
        keywords: list[int] = []
        status_convs: set[int] = set()
        new_count = status_count = 0
        rules = self.rules
        firing = None
        with self.db.writing() as tx:
            tx.hold_intake()
            before = tx.max_message_pk()
            known = tx.known_sids(list(unique))  # the outbox may have added some
            for m in sorted(unique.values(), key=lambda x: _epoch(x.at, now_s)):
                listed.add(m.sid)
                have = known.get(m.sid)
                if have is not None:
                    result.duplicates += 1
                    if _arrived(have.status, m):
                        conv = self._arrive(tx, m, media.get(m.sid, ()), now_s)
                        if conv is not None:
                            status_count += 1
                            status_convs.add(conv)
                    elif not m.inbound and _status_moves(have.status, m.status):
                        conv = tx.update_sms_status(m.sid, m.status, m.error_code,
                                                    m.error_message, now_s)
                        if conv is not None:
                            _not_delivered(tx, m, conv, now_s)
                            status_count += 1
                            status_convs.add(conv)
                    continue
                problem = patient_number_problem(m.from_ if m.inbound else m.to)
                if problem is not None:
                    result.rejected += 1
                    self._reject(tx, m, number, problem)
                    continue
                adopted = None if m.inbound else self._adopt(tx, m, number, now_s)
                if adopted is not None:
                    status_count += 1
                    status_convs.add(adopted)
                    continue
                stored = tx.store_sms(_record(m, number, media.get(m.sid, ()), now_s),
                                      index_text=False, now=now_s, backlog_before=oldest)
                if stored is None:
                    result.duplicates += 1
                    continue
                new_count += 1
                received.add(stored.conversation_id)
                if m.inbound:
                    result.opt_changes += self._keyword(tx, m, number, stored, now_s,
                                                        keywords)
            if not self.db.indexes_text_after_sync():  # PostgreSQL indexes a text with its
                tx.index_pending()  # row (what it leaves is the mail sync's pass after it)
            # Red flags and intent: the one place texts are assessed (service/redflags.py).
            raised = redflags.triage_arrivals(tx, self.config, now_s, ready,
                                              keywords=frozenset(keywords),
                                              oldest=oldest) \
                if new_count else []
            if new_count:
                # The message ids the ingest stored between: a replay (`rules test`, also
                # of a rule not enabled yet) hides what came later.
                tx.append_event("sync", "sms.received", f"sms/{number}",
                                {"count": new_count, "conversations": sorted(received)[:500],
                                 "after": before, "upto": tx.max_message_pk()})
            if status_count:
                tx.append_event("sync", "sms.status", f"sms/{number}",
                                {"count": status_count,
                                 "conversations": sorted(status_convs)[:500]})
            # Rules run last, after anything the ingest derives (red-flag tags included),
            # in this same transaction: see service/rules.py.
            if rules is not None and new_count:
                firing = rules.fire_arrivals(tx, before, now=now_s)
        redflags.notify_raised(self.config, raised)
        if rules is not None and firing is not None:
            rules.after_commit(firing)
        result.new += new_count
        result.status_updates += status_count
        result.conversations |= received | status_convs
        return newest

    def _reject(self, tx: StoreTx, msg: ProviderMessage, number: str, problem: str) -> None:
        """A listed text that cannot belong to a patient: no conversation. Logged and
        recorded once per sid (the overlap lists it again on every poll)."""
        if msg.sid in self._rejected:
            return
        self._rejected.add(msg.sid)
        log.warning("sms not stored", extra=fields(account=number, rejected=1))
        tx.append_event("sync", "sms.rejected", f"sms/{number}",
                        {"sid": clean_line(msg.sid), "reason": problem})

    @staticmethod
    def _adopt(tx: StoreTx, msg: ProviderMessage, number: str, now_s: int) -> int | None:
        """A text staff confirmed before the provider listed it gets the provider's id
        instead of being stored a second time; its conversation, or None."""
        if msg.direction != "outbound-api":
            return None
        created = _epoch(msg.date_created or msg.date_sent, now_s)
        for held in tx.sms_placeholders(number, msg.to):
            if body_match(held.body, msg.body) and created >= held.created_s - 60:
                return tx.adopt_sms_sid(held.sid, msg.sid, msg.status, msg.error_code,
                                        msg.error_message, _record(msg, number, (),
                                                                   now_s).raw, now_s)
        return None

    @staticmethod
    def _arrive(tx: StoreTx, msg: ProviderMessage, media: Sequence[ProviderMedia],
                now_s: int) -> int | None:
        """Record that a patient's MMS stored while "receiving" is complete."""
        raw = _record(msg, "", media, now_s).raw
        return tx.refresh_received_sms(
            msg.sid, msg.status, raw, [(m.filename, m.content_type, m.sid) for m in media],
            now_s)

    def _keyword(self, tx: StoreTx, msg: ProviderMessage, number: str, stored: StoredSms,
                 now_s: int, keywords: list[int]) -> int:
        """Record STOP / START / HELP (its message joins `keywords`: no request, see
        `asks_nothing`); 1 when the patient's opt-out state changed."""
        keyword = parse_keyword(msg.body)
        if keyword is None or not asks_nothing(msg.body, tx.is_opted_out(msg.from_)):
            return 0  # text, or a "Yes" that answers the desk (not an opt-in)
        keywords.append(stored.message_pk)
        word = keyword_word(msg.body)  # one of the fixed keywords: safe to show
        conv = stored.conversation_id
        at = _epoch(msg.at, now_s)
        tx.set_sms_keyword(msg.sid, keyword.value)
        target = f"conversation:{conv}"
        details = {"number": msg.from_, "keyword": word, "message": stored.message_pk,
                   "clinic_number": number}
        if keyword is Keyword.HELP:
            tx.append_event("sync", "sms.help", target, details)
            return 0
        state = "out" if keyword is Keyword.STOP else "in"
        if not tx.set_opt_state(msg.from_, state, word, number, at, stored.message_pk):
            return 0
        if state == "out":
            line = (f"Patient opted out by texting {word}. Texts to this number are blocked "
                    f"until the patient texts START (or {SPANISH_START}).")
        else:
            line = f"Patient opted back in by texting {word}. Texts can be sent again."
        tx.add_system_line(conv, line, at)
        tx.append_event("sync", "sms.opt_out" if state == "out" else "sms.opt_in", target,
                        details)
        return 1

    def _poll_statuses(self, client: SmsClient, numbers: Sequence[str], now_s: int,
                       result: PollResult, listed: set[str]) -> None:
        """Fetch, one by one, our texts not final yet and patients' MMS still arriving
        that the listing did not show (`listed`), and store what moved. Called with one
        clinic number at a time, inside its lease's fence (`_fenced`)."""
        with self.db.reading() as tx:
            sids = tx.open_outbound_sms(numbers, now_s - STATUS_WINDOW_S, STATUS_FETCH_LIMIT)
            sids += tx.receiving_sms(numbers, now_s - STATUS_WINDOW_S, STATUS_FETCH_LIMIT)
        fetched: list[ProviderMessage] = []
        for sid in sids:
            if sid in listed:
                continue
            try:
                fetched.append(client.fetch(sid))
            except SmsNotFound:
                log.warning("sms: a message is no longer known to the provider")
            except SmsRejected as exc:  # one bad stored id must never stop every poll
                log.warning("sms: not following one stored message",
                            extra=fields(error=error_class(exc)))
        if not fetched:
            return
        media = {m.sid: client.media(m.sid) for m in fetched
                 if m.inbound and m.status != "receiving" and m.num_media > 0}
        convs: set[int] = set()
        with self.db.writing() as tx:
            tx.hold_intake()
            known = tx.known_sids([m.sid for m in fetched])
            for m in fetched:
                have = known.get(m.sid)
                if have is not None and _arrived(have.status, m):
                    conv: int | None = self._arrive(tx, m, media.get(m.sid, ()), now_s)
                elif have is None or m.inbound or not _status_moves(have.status, m.status):
                    continue
                else:
                    conv = tx.update_sms_status(m.sid, m.status, m.error_code,
                                                m.error_message, now_s)
                    if conv is not None:
                        _not_delivered(tx, m, conv, now_s)
                if conv is not None:
                    convs.add(conv)
                    result.status_updates += 1
            if convs:
                tx.append_event("sync", "sms.status", "sms", {
                    "count": len(convs), "conversations": sorted(convs)[:500]})
        result.conversations |= convs

    # -- loop -----------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, on_result: Callable[[PollResult], None] | None = None,
            ) -> None:
        """Poll every `poll_seconds` until `stop` is set; never raises for provider trouble.

        429 waits what Retry-After says, or (Twilio documents none) twice as long as
        the poll interval and doubling on each 429 in a row, with jitter; 5xx and network
        errors back off exponentially;
        a 401 or a missing token logs one clear line and retries every AUTH_RETRY_S with a
        freshly resolved token. While another server polls some number, its lease is tried
        again every `_LEASE_RETRY_S` and a number taken is polled at once.
        """
        failures = 0
        limited = 0
        due = 0.0  # monotonic time of the next poll of every number held
        try:
            while not stop.is_set():
                delay = float(self.sms.poll_seconds)
                full = time.monotonic() >= due
                try:
                    started = time.monotonic()
                    outcome = self.poll_once(taken_only=not full)
                    log.debug("sms polled", extra=fields(
                        received=outcome.new, statuses=outcome.status_updates,
                        rejected=outcome.rejected, conversations=len(outcome.conversations),
                        duration_ms=round((time.monotonic() - started) * 1000, 1)))
                    failures = limited = 0
                    if self.last_error:
                        log.info("sms: polling works again")
                    self.last_error = None
                    if on_result is not None:
                        on_result(outcome)
                except (SmsAuthError, CredentialError) as exc:
                    self._drop_client()  # the next try resolves the token again
                    delay = max(AUTH_RETRY_S, delay)
                    full = True
                    self._failed(f"{exc}; SMS polling paused, next try in {delay:.0f}s", error=True)
                except SmsRateLimited as exc:
                    if exc.retry_after is not None:
                        delay = min(max(exc.retry_after, 1.0), MAX_RETRY_AFTER_S)
                        said = "as the provider asks"
                    else:
                        delay = rate_limit_backoff(limited, base=2.0 * delay,
                                                   cap=MAX_RETRY_AFTER_S)
                        said = "backing off"
                    limited += 1
                    full = True
                    self._failed(f"{exc}; waiting {delay:.0f}s {said}")
                except (SmsError, StoreError) as exc:
                    failures += 1
                    delay = min(delay * 2 ** min(failures, 10), MAX_BACKOFF_S)
                    full = True
                    self._failed(f"{exc}; retrying in {delay:.0f}s")
                except Exception as exc:  # noqa: BLE001 - the database's own trouble: retried
                    # (a locked SQLite file, a PostgreSQL connection lost); the traceback
                    # goes to the log, never the exception's text (it may quote a text).
                    failures += 1
                    delay = min(delay * 2 ** min(failures, 10), MAX_BACKOFF_S)
                    full = True
                    if self.last_error != type(exc).__name__:
                        log_failure(log, "sms poll failed", exc)
                    self.last_error = type(exc).__name__
                if full:
                    due = time.monotonic() + delay
                wait = due - time.monotonic()
                if self._unleased and not failures and not limited:
                    wait = min(wait, _LEASE_RETRY_S)
                stop.wait(max(0.0, wait))
        finally:
            self.close()

    def _failed(self, line: str, *, error: bool = False) -> None:
        repeated = line == self.last_error
        self.last_error = line
        if not repeated:
            (log.error if error else log.warning)("%s", line)
