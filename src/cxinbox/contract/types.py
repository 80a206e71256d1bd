"""The service API's value types. Every text field is already sanitised for display.

Sanitising here, at the one door every client passes through, means no presentation
code (TUI, CLI, a script reading --json into a terminal) can forget to: subjects, names,
bodies and folder names arrive without escape sequences, controls or bidi overrides.
They are still plain text, never markup.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RedFlagCleared:
    """The clear of a conversation's last red flag (its `redflag.cleared` event): who
    cleared it, when, and the reason they gave."""

    by: str
    at: int  # epoch seconds
    reason: str
    category: str = ""  # the detector's category of the flag cleared; "" for a tag's

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    id: int
    subject: str
    from_name: str
    from_addr: str
    channel: str
    mailbox: str
    status: str
    assignee: str | None
    priority: str
    tags: tuple[str, ...]
    created_at: int
    last_message_at: int
    last_inbound_at: int | None
    first_response_at: int | None
    snoozed_until: int | None
    message_count: int
    unread_count: int
    has_attachment: bool
    last_response_at: int | None = None
    sla_target: str | None = None  # first-response | next-response | resolution
    sla_state: str = "none"  # ok | at-risk | breached | paused | none
    sla_due_at: int | None = None  # epoch seconds
    sla_at_risk_at: int | None = None
    intent: str | None = None  # appointment_book ... spam_marketing; None: not assessed
    red_flag: str | None = None  # the open detector flag's category (chest_pain ...), else None
    red_flag_matched: str = ""  # the patient's words that raised it, for the thread banner
    red_flag_open: bool = False  # THE answer to "red-flagged?": a detector's or a person's
    # flag (the `red-flag` tag), open until a clinician clears it (service/redflags.py)
    language: str | None = None  # "en" | "es": what the patient last wrote in
    red_flag_cleared: bool = False  # a flag was raised and cleared, none is open now (its
    # tags stay): the list's calm mark; who, when and why: `red_flag_clear`
    intent_confidence: float | None = None  # how sure the detector was of `intent`, 0.0-1.0
    red_flag_clear: RedFlagCleared | None = None  # while `red_flag_cleared`: the newest
    # clear's who, when and why, read with the row (a thread's header refreshed from its
    # summary needs no second, audited open); None also when retention released its event
    unscreened_received_at: int | None = None  # set while the conversation's newest patient
    # message(s) were never read by the detectors (store/unscreened.py: a later sync stored
    # it long after it arrived, or a recent first sync's backlog) and nobody has read or
    # answered them: no red flag or intent was looked for; when the earliest such
    # message arrived (epoch seconds), for "NOT CHECKED FOR RED FLAGS: 5 d old"
    unscreened_reason: str | None = None  # with `unscreened_received_at`, why the detectors
    # did not read it: "late" (a later sync fetched it long after it arrived) or "backlog"
    # (a first sync's old mail or texts, arrived within [triage] backlog_mark_days)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tags"] = list(self.tags)
        return d


@dataclass(frozen=True, slots=True)
class AttachmentView:
    filename: str
    content_type: str
    size: int
    part_path: str


@dataclass(frozen=True, slots=True)
class MessageView:
    id: int
    channel: str
    direction: str
    subject: str
    from_name: str
    from_addr: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: int
    body: str
    attachments: tuple[AttachmentView, ...]
    problems: str
    seen: bool
    delivery: str = ""  # SMS only: the provider's status (queued ... delivered, undelivered)
    delivery_error: str = ""  # the carrier's error of an undelivered or failed text
    received_at: int | None = None  # when the server (the SMS provider) received it; None:
    # not known (`date` is the sender's Date:, what the thread shows as sent)
    unscreened: bool = False  # a later sync stored it long after it arrived: the red-flag
    # and intent detectors did not read it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class NoteView:
    id: int
    author: str
    body: str
    created_at: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ConversationDetail:
    summary: ConversationSummary
    messages: tuple[MessageView, ...]
    notes: tuple[NoteView, ...]
    assigned_by: str = ""
    """The rule whose action made the current assignment ("" when a person did)."""
    intent_why: str = ""
    """Why the intent is what it is when the detectors did not read it from a request
    (the patient texted only SMS keywords such as STOP); "" otherwise."""

    @property
    def red_flag_cleared(self) -> RedFlagCleared | None:
        """While no flag is open: the clear of the last one (None when none was ever raised,
        one is open again, or retention released the clear's event)."""
        return self.summary.red_flag_clear

    def to_dict(self) -> dict[str, Any]:
        return {"conversation": self.summary.to_dict(),
                "messages": [m.to_dict() for m in self.messages],
                "notes": [n.to_dict() for n in self.notes],
                "assigned_by_rule": self.assigned_by or None,
                "intent_why": self.intent_why or None,
                "red_flag_cleared": (self.red_flag_cleared.to_dict()
                                     if self.red_flag_cleared else None)}


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[ConversationSummary, ...]
    total: int
    offset: int
    limit: int

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "offset": self.offset, "limit": self.limit,
                "conversations": [c.to_dict() for c in self.items]}


@dataclass(frozen=True, slots=True)
class Alert:
    """Something wrong with the server's own work (a mailbox that cannot sign in, a worker
    that is down), for every staff member's status line. No patient text."""

    key: str
    severity: str  # "error": stopped; "warning": still working
    message: str
    since: int  # epoch ms

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class FolderStatus:
    account: str
    folder: str
    uidvalidity: int | None
    last_uid: int
    messages: int
    last_sync_at: int | None
    quarantine: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    at: int
    actor: str
    action: str
    target: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Presence:
    """One connected staff member: what they have open and whether they are typing in it.

    `name` is the roster's display name (the OS login when there is no roster entry);
    `since` is when this state began, in epoch seconds.
    """

    os_user: str
    name: str
    conv_id: int | None
    composing: bool
    since: int
    away: bool = False
    """Marked away (`cxinbox away on`, `Z`): at the desk, but not taking new work."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Changes:
    """What a `wait_events` long-poll brings back.

    `events` are the events after the sequence number asked about (at most a page);
    `head` is the newest sequence number the server knew of when answering, and
    `presence_version` moves whenever anyone's presence changes, so a client that sees it
    move re-reads `presence()` instead of being sent everyone's state on every poll.
    `more`: the page was full and stopped short of the events committed when it was read
    (ask again at once); False: everything committed then was read, so one transaction's
    events are all in hand (a close and what a rule did about it, say).
    `head` below the sequence number asked about: the database no longer has some events
    the caller has seen (a PostgreSQL standby promoted without the last commits); the
    caller starts over from `head`, reloading what it shows.
    `epoch`: the database's timeline (PostgreSQL's moves when a standby is promoted; ""
    where there is one history, SQLite). Another one than the caller's last means the
    seqs it has seen may now name other events, even with `head` beyond its cursor: it
    starts over from `head` too (and asks with the new one, `wait_events`'s `epoch`).
    """

    events: tuple[Event, ...]
    head: int
    presence_version: int
    more: bool = False
    epoch: str = ""
