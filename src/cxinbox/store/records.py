"""What the store hands up: typed, immutable records, never driver rows.

Code above the store reads attributes of these, so it cannot tell which database produced
them (DESIGN.md, "Layers"). Field order follows the store's SELECT lists, so a record is
built from a row in one call (`ConversationRecord(*row)`), with no per-field lookups in a
Python loop: a list page of 144 conversations costs the same as the rows it replaces.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from dataclasses import dataclass as _record

    from cxinbox.domain.models import ParsedMessage
    from cxinbox.domain.reports import (
        AgeCount,
        ChangeFact,
        ConvFacts,
        JudgedCount,
        LateFact,
        MessageFact,
        Pause,
        RawInterval,
        SpanCount,
        VolumeCount,
        WorkCount,
    )
else:
    def _record(**options: Any) -> Callable[[type], type]:
        """`dataclass(**options)`, applied when the record is first asked for (see the
        end of the module)."""
        def hold(cls: type) -> type:
            _held[cls.__name__] = (cls, options)
            return cls
        return hold

_held: dict[str, tuple[type, dict[str, Any]]] = {}
_making: Final = threading.RLock()

STAFF_FLAG: Final = ""
"""`conversations.red_flag` of an open flag a person raised with the `red-flag` tag (a
detector's flag stores its category; none open: NULL)."""

OUTBOUND_FOLDER: Final = "\\cxinbox-sent"
"""Pseudo folder (per account) holding the location of mail we sent ourselves.

A message with no location is treated as expunged by the sync's sweep; this location keeps
our reply alive until the Sent-folder copy is synced, and its `uid` is the outbox id, so
recording the same send twice inserts nothing. The backslash keeps it apart from any real
IMAP folder name we would sync."""



@_record(frozen=True, slots=True)
class ConversationRecord:
    """A conversation as lists, the thread view, staff actions and the SLA engine read it."""

    id: int
    subject: str
    channel: str
    mailbox: str
    status: str
    snoozed_until: int | None
    assignee: str | None
    priority: str
    from_name: str
    from_addr: str
    created_at: int
    last_message_at: int
    last_inbound_at: int | None
    first_response_at: int | None
    last_response_at: int | None
    message_count: int
    unread_count: int
    has_attachment: int
    sla_paused_s: int
    sla_paused_since: int | None
    sla_policy: str | None
    sla_target: str | None
    sla_due_at: int | None
    sla_at_risk_at: int | None
    sla_pause_end: int | None
    contact_id: int | None
    intent: str | None = None  # the request it is filed under (domain/intent_kept.py)
    intent_confidence: float | None = None  # of `intent`, 0.0-1.0
    red_flag: str | None = None  # the stored column: see `red_flag_open`, `red_flag_category`
    red_flag_matched: str = ""
    language: str | None = None  # "en" | "es" of the latest assessed patient message
    merged_into: int | None = None

    @property
    def red_flag_open(self) -> bool:
        """A red flag is open: a detector's or a person's (store/triage.py)."""
        return self.red_flag is not None

    @property
    def red_flag_category(self) -> str | None:
        """The open flag's detector category; None when none is open or a person raised it."""
        return self.red_flag or None


@_record(frozen=True, slots=True)
class StaffState:
    """The staff state of one conversation a bulk action matched (what it may change)."""

    id: int
    subject: str
    status: str
    snoozed_until: int | None
    assignee: str | None
    priority: str
    sla_policy: str | None
    sla_paused_s: int
    sla_paused_since: int | None
    sla_pause_end: int | None


@_record(frozen=True, slots=True)
class SlaFactsRecord:
    """The facts due times are computed from, of a conversation whose facts changed."""

    id: int
    status: str
    created_at: int
    last_inbound_at: int | None
    first_response_at: int | None
    last_response_at: int | None
    sla_paused_s: int
    sla_paused_since: int | None


@_record(frozen=True, slots=True)
class PauseRecord:
    """A conversation no longer paused whose last pause is not counted yet."""

    id: int
    sla_policy: str | None
    sla_paused_s: int
    sla_paused_since: int | None
    sla_pause_end: int | None


@_record(frozen=True, slots=True)
class MessageRecord:
    """One message of a conversation; addresses and attachments as the store keeps them
    (JSON text), to be read by whoever shows them."""

    id: int
    channel: str
    direction: str
    message_id: str
    subject: str
    from_name: str
    from_addr: str
    to_addrs: str
    cc_addrs: str
    date: int
    body_text: str
    attachments: str
    problems: str
    seen: int
    received_at: int | None = None
    """When the server (the SMS provider) received it; None: not known, or stored before
    migration 28 (`arrived` reads its Date: then)."""
    unscreened_at: int | None = None
    """When a later sync stored it although it had arrived longer than `[triage]
    backlog_hours` before: the detectors passed it over (migration 28)."""
    backlog_at: int | None = None
    """When a first sync stored it as backlog (migration 27): the detectors passed it over."""

    @property
    def arrived(self) -> int:
        """When it arrived: the server's time, else its Date:."""
        return self.received_at if self.received_at else self.date


@_record(frozen=True, slots=True)
class UnscreenedMark:
    """A conversation's "not screened" mark (store/unscreened.py): when the earliest
    unread, unanswered message the detectors never read arrived (epoch seconds), and why
    (`late` | `backlog`)."""

    received_at: int
    reason: str


@_record(frozen=True, slots=True)
class NoteRecord:
    id: int
    conversation_id: int
    author: str
    body: str
    created_at: int
    retracted_at: int | None


@_record(frozen=True, slots=True)
class MentionRecord:
    """A note that mentions someone, with its conversation's subject."""

    note_id: int
    conversation_id: int
    author: str
    body: str
    created_at: int
    read_at: int | None
    subject: str


@_record(frozen=True, slots=True)
class FolderRecord:
    """A synced IMAP folder and how many messages the cache holds of it."""

    account: str
    name: str
    uidvalidity: int | None
    last_uid: int
    highestmodseq: int | None
    quarantine: str | None
    last_sync_at: int | None
    messages: int


@_record(frozen=True, slots=True)
class EventRecord:
    """One event of the log; `details` is its JSON text as stored (and hashed)."""

    seq: int
    at: int
    actor: str
    action: str
    target: str
    details: str


@_record(frozen=True, slots=True)
class StoredEvent:
    """An event read back with its details parsed (what an undo checks against)."""

    seq: int
    actor: str
    action: str
    target: str
    details: dict[str, Any]


@_record(frozen=True, slots=True)
class ContactRecord:
    id: int
    name: str
    merged_into: int | None
    addresses: tuple[tuple[str, str, str], ...]  # (address, kind, name)


@_record(frozen=True, slots=True)
class ContactConversationRecord:
    """One conversation of a contact, as the contact view lists it."""

    id: int
    subject: str
    channel: str
    mailbox: str
    status: str
    from_addr: str
    last_message_at: int


@_record(frozen=True, slots=True)
class AlertRecord:
    key: str
    severity: str
    message: str
    since: int

@_record(slots=True)
class FetchedMessage:
    """One message as fetched from a server and parsed, ready to store."""

    uid: int
    flags: str  # space-separated IMAP flags
    modseq: int | None
    internal_date: int | None  # epoch seconds
    raw: bytes
    sha256: bytes
    parsed: ParsedMessage
    search: str | None = None
    """Its search vector as PostgreSQL's tsvector text, where the parse worker could make
    it exactly (`Store.search_vectors`); None: the store makes it (or indexes the text
    itself)."""


@_record(frozen=True, slots=True)
class FolderState:
    """A synced folder's identity and watermarks, as the mail sync reads them."""

    id: int
    account: str
    name: str
    uidvalidity: int | None
    last_uid: int
    uidnext: int | None
    highestmodseq: int | None
    quarantine: str | None
    sweep_needed: bool
    release_once: bool


@_record(frozen=True, slots=True)
class FolderCheckpoint:
    """A synced folder's place, for the health report."""

    account: str
    folder: str
    last_sync_at: int | None
    quarantine: bool


@_record(frozen=True, slots=True)
class Diagnosis:
    """One finding of a store's own checks for `cxinbox doctor` (engine version, integrity);
    our own words, never patient text."""

    level: str
    """"ok" | "warn" | "fail"."""
    text: str


@_record(frozen=True, slots=True)
class OutboxCounts:
    """The outbox queue by state, for the health report."""

    queued: int
    sending: int
    failed: int
    unconfirmed: int
    oldest_due_ms: int | None
    """The earliest time a still-queued reply was due to leave (undo window over)."""


@_record(frozen=True, slots=True)
class SmsCursor:
    """When an SMS number was last polled, for the health report."""

    number: str
    last_poll_at: int | None


@_record(frozen=True, slots=True)
class DeliveryStatus:
    status: str
    error_code: int | None
    error_message: str


@_record(frozen=True, slots=True)
class MergeCounts:
    messages: int
    notes: int
    tags: tuple[str, ...]  # tags `into` gained
    undo: dict[str, Any]  # what `unmerge` needs to put everything back (kept in the event)


@_record(frozen=True, slots=True)
class SplitPlan:
    source: int
    message_ids: tuple[int, ...]  # message primary keys that move, oldest first
    subject: str
    channel: str
    mailbox: str
    whole: bool  # every message of the source would move


@_record(frozen=True, slots=True)
class SmsMediaRow:
    """One listed MMS attachment of a stored SMS (as `store_sms` wrote it)."""

    filename: str
    content_type: str
    part_path: str  # the provider's media id ("ME..."), or a 1-based index when unknown


@_record(frozen=True, slots=True)
class SmsMessageMedia:
    """What fetching an SMS message's media needs: its provider id and its listed media."""

    message_pk: int
    conversation_id: int
    provider_id: str
    media: tuple[SmsMediaRow, ...]


@_record(frozen=True, slots=True)
class EscalationCandidate:
    """A running SLA at risk or breached, with what was last escalated for it. `arm` names
    the running target (its name, the patient message that started it and an open red
    flag's raise: store/escalations.py `arm_of`): a new arm escalates afresh, the same arm
    paused and resumed does not."""

    id: int
    subject: str
    assignee: str | None
    sla_policy: str | None
    sla_target: str | None
    sla_due_at: int
    sla_at_risk_at: int | None
    last_inbound_at: int | None
    last_arm: str | None
    last_level: int | None
    arm: str
    channel: str = "email"
    from_name: str = ""
    from_addr: str = ""
    """Who the conversation is with: an SMS escalation is audited as "SMS from ..." rather
    than under its title, the patient's first text."""
    backlog: bool = False
    """Whether the patient's latest message (the one that started this target) was stored
    as a first sync's backlog (`messages.backlog_at`, marked when stored) and no staff
    reply came after it was stored (a reply's later target is today's work)."""

    @property
    def escalated_level(self) -> int:
        """The level already escalated for the running arm (0: none). What was escalated
        while a red flag was open counts for the same target and message once the flag is
        cleared (the arm has no flag part then), so a clear does not announce the desk's own
        target again. Must match the condition in store/escalations.py `candidates`."""
        last, arm = self.last_arm, self.arm
        if last is None or not (last == arm or ("!" not in arm and last.startswith(arm + "!"))):
            return 0
        return self.last_level or 0


@_record(frozen=True, slots=True)
class AuditKeyRecord:
    """An audit signing key registered in a shared store (store/audit_keys.py): trusted
    for checkpoints of events from `first_seq` (its `audit.key` event) on. `carried_seq`:
    the `audit.key` event that repeats the registration once retention released the
    first (0: none)."""

    key_id: str
    public_key: str
    host: str
    first_at: int
    first_seq: int
    carried_seq: int = 0


@_record(frozen=True, slots=True)
class ChainHeadRecord:
    """The newest event: what a checkpoint signs. seq 0 and hash "" for an empty trail."""

    seq: int
    hash: str
    count: int


@_record(frozen=True, slots=True)
class StandbyReplayRecord:
    """How far the standbys streaming from a PostgreSQL primary have replayed its WAL.

    `mark`: where the primary's WAL ends now (every commit seen before the read lies
    before it); `standbys`: the physical standbys attached (pg_stat_replication, without
    WAL archivers such as pg_receivewal, base backups and logical subscribers);
    `replayed`: the least position they have all replayed (0 when one has reported none
    yet); `hidden`: standbys whose positions this role may not see (it lacks
    pg_read_all_stats); `away`: of `standbys`, those not connected that a physical
    replication slot keeps (counted until an admin drops the slot, at the position the
    slot holds). Positions are LSNs as numbers (bytes of WAL)."""

    mark: int
    standbys: int
    replayed: int
    hidden: int
    away: int = 0


@_record(frozen=True, slots=True)
class ChainWalkRecord:
    """What walking the event chain from its start found.

    `bad_seq` is the first event the chain itself cannot vouch for (None when every link
    holds); `problem` says why, in words for an auditor. `head_seq`/`head_hash` are the last
    event read, so a caller can compare the head with a signed checkpoint. `start_seq` and
    `start_prev` are where the trail begins: event #1 with no predecessor, or, after
    retention released the oldest events, what the newest `audit.truncate` event recorded.
    `lowest_seq` is the oldest event still in the table (released ones may linger until
    they are deleted; 0 when the table is empty).
    """

    count: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    problem: str = ""
    start_seq: int = 1
    start_prev: str = ""
    lowest_seq: int = 0


@_record(frozen=True, slots=True)
class SmsRecord:
    provider_id: str  # the provider's message id (e.g. "SM..."): the dedupe key
    clinic_number: str  # E.164
    patient_number: str  # E.164
    direction: str  # in | out (a person sent it: a response) | auto (an automatic reply)
    body: str
    at: int  # epoch seconds
    patient_name: str = ""
    media: tuple[tuple[str, str, int], ...] = ()  # (filename, content type, size; 0 = unknown)
    raw: bytes = b""  # provider JSON; built from the fields when empty
    status: str = ""  # provider status; "" = received (in) / delivered (out)
    error_code: int | None = None
    error_message: str = ""
    num_segments: int | None = None
    media_ids: tuple[str, ...] = ()  # provider media ids, parallel to `media`

    def raw_bytes(self) -> bytes:
        if self.raw:
            return self.raw
        return json.dumps({"sid": self.provider_id, "from": self.patient_number if
                           self.direction == "in" else self.clinic_number,
                           "to": self.clinic_number if self.direction == "in" else
                           self.patient_number, "body": self.body, "date": self.at},
                          sort_keys=True, ensure_ascii=False).encode("utf-8")

    @property
    def effective_status(self) -> str:
        return self.status or ("received" if self.direction == "in" else "delivered")


@_record(frozen=True, slots=True)
class StoredSms:
    """What `store_sms` did: the message and conversation, and whether the conversation is new."""

    message_pk: int
    conversation_id: int
    new_conversation: bool


@_record(frozen=True, slots=True)
class KnownSms:
    """A text already stored, as the SMS poller checks a listing against the store."""

    message_pk: int
    conversation_id: int
    status: str


@_record(frozen=True, slots=True)
class SmsPlaceholder:
    """A text staff confirmed that the provider has not listed yet."""

    sid: str
    body: str  # what the outbox posted
    created_s: int  # when the reply was queued: the text cannot be older


@_record(frozen=True, slots=True)
class OutboxItem:
    """One reply in the outbox (without its bytes), with a text's delivery as the provider
    last reported it. `recipients` and `draft` are the JSON the store keeps."""

    id: int
    conversation_id: int | None
    author: str
    channel: str
    account: str
    sender: str
    recipients: str
    subject: str
    message_id: str | None
    body: str
    draft: str
    state: str
    phase: str
    owner_pid: int | None
    attempts: int
    next_attempt_ms: int
    last_error: str
    created_ms: int
    send_after_ms: int
    sent_ms: int | None
    provider_id: str | None
    message_pk: int | None
    sent_copy: str
    sent_copy_attempts: int
    sent_copy_next_ms: int
    sent_copy_error: str
    delivery: str
    delivery_error: str

    @property
    def to(self) -> list[str]:
        value = json.loads(self.recipients or "[]")
        return [str(v) for v in value]

    @property
    def snapshot(self) -> dict[str, Any]:
        """The copy of its draft the item keeps (`draft_snapshot`)."""
        return draft_snapshot(self.draft)


def draft_snapshot(text: object) -> dict[str, Any]:
    """An outbox item's copy of the draft it was sent from (the `draft` column: JSON of
    the draft's columns, service/replies.py `_draft_snapshot`); {} when empty or damaged.
    The one reader of that column: a cancel gives the draft back from it, the red-flag
    checks read its body, retention and file clean-up its attachments."""
    try:
        found = json.loads(str(text)) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


@_record(frozen=True, slots=True)
class Bases:
    """The newest ids in a conversation when composing started (the send guard's baseline)."""

    seq: int
    message: int
    note: int
    outbox: int


@_record(frozen=True, slots=True)
class DraftRecord:
    """One shared draft. Recipients and attachments are the JSON the store keeps (the
    attachments list holds file ids; drafts from before migration 6 hold paths)."""

    id: int
    conversation_id: int | None
    author: str
    mode: str
    account: str
    to_addrs: str
    cc_addrs: str
    subject: str
    body: str
    attachments: str
    parent_message: int | None
    base_seq: int
    base_message: int
    base_note: int
    base_outbox: int
    created_ms: int
    updated_ms: int


def file_ids(entries: Sequence[Any]) -> list[int]:
    """The attached files' ids in a draft's attachments list (older drafts also hold paths)."""
    return [e for e in entries if isinstance(e, int) and not isinstance(e, bool)]


@_record(frozen=True, slots=True)
class ReplyFileInfo:
    """A file attached to a draft or reply, without its bytes."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


@_record(frozen=True, slots=True)
class ReplyFile:
    """A file attached to a draft or reply, with its bytes (what the sent message carries)."""

    id: int
    filename: str
    content_type: str
    size: int
    data: bytes


@_record(frozen=True, slots=True)
class GuardChange:
    """Something added to a conversation since a draft's baseline (what the send guard
    shows): a patient "message", a colleague's "reply", "note" or "queued-reply". `at` is
    epoch seconds, `text` the first 300 characters."""

    kind: str
    id: int
    who: str
    at: int | None
    text: str


@_record(frozen=True, slots=True)
class ReplyParent:
    """The message a reply answers, with its raw bytes (for its headers and quote)."""

    id: int
    channel: str
    direction: str
    from_addr: str
    data: bytes


EventSpec = tuple[str, str, dict[str, Any]]
"""(action, target, details) of one event to append."""


# -- reports ---------------------------------------------------------------------------

@_record(frozen=True, slots=True)
class Needs:
    """What one report reads."""

    window_messages: bool = False  # messages dated in the window (volume)
    window_events: bool = False  # staff events in the window (workload)
    conversation_tags: bool = True  # the conversations' tags (workload groups by none)
    intervals: bool = False  # the kept intervals that end in the window
    running: bool = False  # ... and those still running at its end (sla)
    answered: bool = False  # ... only response intervals a reply ended (workload)
    quiet_floor: int | None = None
    """With running: leave out intervals begun before this instant in conversations not
    paused since (the service picks it from the policies: they were late before the
    window began)."""
    work_spans: tuple[tuple[int, int, int], ...] | None = None
    """With window_events: count staff events per local day, by these UTC-offset spans
    (domain/reports.py `offset_spans`); None: over the whole window."""
    tagged: str | None = None  # only conversations with this tag, with their history
    authors: bool = False  # who wrote each reply we sent
    volume_spans: tuple[tuple[int, int, int], ...] | None = None
    """Count the window's messages per local day in SQL instead of reading them (volume),
    by these UTC-offset spans (domain/reports.py `offset_spans`)."""
    volume_by: str | None = None  # ... under this breakdown (report_tables DIMENSIONS)
    heatmap: bool = False  # ... and the patients' messages per local hour of the week
    spans: tuple[tuple[int, int, int], ...] | None = None
    """Backlog: count the kept status spans (migration 22) per local day in SQL, by these
    UTC-offset spans of the window (domain/reports.py `offset_spans`)."""
    spans_by: str | None = None  # ... under this breakdown (mailbox, channel or tag)
    sla_targets: tuple[tuple[str, str, int], ...] | None = None
    """SLA (with calendar_keys): (policy, kind, target s) of every target; the intervals
    ended in the window whose business time is kept for their calendar and settled by its
    end are judged met or late in SQL and left out of `intervals`."""
    judge_spans: tuple[tuple[int, int, int], ...] | None = None  # ... per local day
    judge_by: str | None = None  # ... under this breakdown
    calendar_keys: tuple[tuple[str, str], ...] | None = None
    """With intervals: each SLA policy's calendar key (domain/reports.py `calendar_key`),
    and under "" the key for a conversation without one: pauses are then read only for
    conversations with an interval the report measures (none kept for its calendar, or
    not settled by the window's end, or still running). None: every conversation's."""


@_record(frozen=True, slots=True)
class ReportData:
    """Everything one report run reads, in one snapshot."""

    conversations: tuple[ConvFacts, ...]
    messages: tuple[MessageFact, ...]
    changes: tuple[ChangeFact, ...]
    sent_by: dict[int, str]
    absorbed: tuple[ChangeFact, ...] = ()
    """Events on conversations since merged away, under the id of the one that took them
    in: work done (notes, assignments, closing), but not part of that one's own timeline."""
    intervals: tuple[RawInterval, ...] | None = None  # kept (migration 19), when asked
    pauses: dict[int, list[Pause]] | None = None
    work: tuple[WorkCount, ...] | None = None  # staff events counted, merged ones included
    volume: tuple[VolumeCount, ...] | None = None  # messages counted (Needs.volume_spans)
    heat: tuple[tuple[int, int], ...] = ()
    """(local hour number modulo a week, patients' messages): domain/reports.py
    `week_hour` reads the first."""
    backlog: tuple[SpanCount, ...] | None = None  # status spans counted (Needs.spans)
    ages: tuple[AgeCount, ...] = ()  # ... and the backlog at the end by age
    judged: tuple[JudgedCount, ...] | None = None  # SLA intervals judged in SQL
    late: tuple[LateFact, ...] = ()  # ... the late ones, each


@_record(frozen=True, slots=True)
class AwayRecord:
    """Someone marked away: since when (epoch seconds) and who marked them."""

    os_user: str
    since: int
    set_by: str
# -- knowledge base (store/kb.py) --------------------------------------------------------------

@_record(frozen=True, slots=True)
class KbArticleRecord:
    """An article as it is now (`tags` space-separated)."""

    id: int
    slug: str
    title: str
    tags: str
    audience: str
    body: str
    link: str
    source: str
    revision: int
    created_at: int
    updated_at: int
    updated_by: str
    retired: bool


@_record(frozen=True, slots=True)
class KbRevisionRecord:
    """One version of an article, whole."""

    revision: int
    at: int
    author: str
    changed: str
    note: str
    title: str
    tags: str
    audience: str
    body: str
    link: str


@_record(frozen=True, slots=True)
class KbHitRecord:
    """One search match: `snippet` marks matched words with \\x02 ... \\x03."""

    slug: str
    title: str
    tags: str
    audience: str
    link: str
    revision: int
    updated_at: int
    snippet: str


@_record(frozen=True, slots=True)
class PastTrigger:
    """One time a rule trigger happened (for `rules test`): to which conversation, when
    (epoch seconds: the ingest, the close, the escalation), the last event `seq` of the state
    it happened in (what came after is to be undone to see that state), and the intent the
    detectors had recorded for the conversation by then (None: none assessed). `arrived`:
    for an arrival or a patient's reply, when the server received the message that made it
    (the clock the list reads, never after `at`): what `rules test --since` and its rows
    go by; None for the other triggers, whose time is `at`."""

    conversation_id: int
    at: int
    seq: int
    intent: str | None
    arrived: int | None = None


@_record(frozen=True, slots=True)
class PastState:
    """A conversation's staff and triage state as it was at a past trigger."""

    status: str
    snoozed_until: int | None
    assignee: str | None
    priority: str
    red_flag: str | None
    intent: str | None
    tags: frozenset[str]


@_record(frozen=True, slots=True)
class ArrivalRecord:
    """Inbound messages one write stored in one conversation (the rules' arrival trigger):
    the newest message, its channel, and whether the conversation is new."""

    conversation_id: int
    message_pk: int
    channel: str
    new_conversation: bool
    brought_intent: bool = True
    """Whether these messages brought the conversation's intent (one of them was read as
    asking it): False when a content-free follow-up ("ok thx") left it filed under a request
    made before, which `intent:` terms of the arrival rules then do not match."""
    newest_date: int = 0
    """The newest of these messages' own dates (epoch seconds)."""
    backlog: bool = False
    """Whether all of them were stored as a first sync's backlog (received by the server
    longer than `[triage] backlog_hours` before the first sync stored them, marked then:
    store/ingest.py `is_backlog`): such an arrival fires no rules."""


@_record(frozen=True, slots=True)
class TriageCandidate:
    """An inbound message not yet offered to the red-flag and intent detectors."""

    id: int
    conversation_id: int
    channel: str
    date: int
    subject: str
    body_text: str
    head: bytes  # the start of an email's raw bytes (its header block); b"" for SMS
    sha256: bytes  # of the raw bytes: finds an assessment made while the batch was parsed
    sender: str = ""  # the stored From: address ("" when there was none)
    received_at: int | None = None  # when the server received it (migration 28)


@_record(frozen=True, slots=True)
class RedFlagState:
    """A conversation's red flag: `is_open` while one is open (a detector's or a person's);
    `category`: the open detector flag's category, None otherwise; `message_pk`: the message
    that raised the last detector flag; `raised_at`: when a flag was last raised or cleared."""

    conversation_id: int
    category: str | None
    matched: str
    message_pk: int | None
    raised_at: int | None
    is_open: bool = False


@_record(frozen=True, slots=True)
class CsatStatusChange:
    """A `conversation.status` event the CSAT scheduler reads (closes and reopens)."""

    seq: int
    at: int  # epoch seconds
    actor: str
    conversation_id: int
    to: str


@_record(frozen=True, slots=True)
class CsatDue:
    """A scheduled question whose time came, with what deciding to send it needs."""

    id: int
    conversation_id: int
    staff: str
    status: str
    channel: str
    mailbox: str
    from_addr: str
    merged: bool
    tags: tuple[str, ...]


@_record(frozen=True, slots=True)
class CsatRatingRow:
    """One answered question, for the csat report."""

    conversation_id: int
    rating: int
    rated_at: int
    staff: str
    mailbox: str
    channel: str


# Each record above is made a dataclass when some code first imports or reads it, not when
# this module loads: making one costs ~0.6 ms (dataclasses compiles its methods), and a
# sync, which needs a few of the 53, paid ~34 ms of CPU for all of them before its first
# fetch. Until then the plain class is held in `_held` and its name is not in the module,
# so reading it reaches `__getattr__` (PEP 562), which makes it, once, and puts it in its
# place. Type checkers see ordinary dataclasses (`_record` is `dataclass` to them). Code in
# this module must not name a record at run time (a function's global lookup does not
# reach `__getattr__`): none does.
for _name in _held:
    del globals()[_name]


def __getattr__(name: str) -> Any:
    with _making:
        made = globals().get(name)
        if made is not None:
            return made
        held = _held.pop(name, None)
        if held is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        cls, options = held
        made = dataclass(**options)(cls)
        globals()[name] = made
        return made
