"""The store's one interface: what the service may ask of whichever database runs.

A `Store` opens transactions; each hands out a `StoreTx`, a typed handle whose methods are
the store's operations and whose results are the records of `store/records.py`. The
service is built with a `Store` and never sees a connection, a driver row or SQL
(DESIGN.md, "Layers"); the SQLite implementation is `store/sqlite.py`, and a second
backend implements these two protocols and nothing else.

Why handles rather than methods on the store itself: every state change is one
transaction holding the change and its event (DESIGN.md, "Data principles"), and the
service decides what goes into it (check, change, event, undo bookkeeping). The handle
is that transaction; what it can do is listed here, so a backend cannot be asked for
something it does not offer.

A query travels as the parsed query of `domain/query.py`: `Store.select` prepares it for
this backend once (the SQLite store compiles it to SQL there) and returns a `Selection`,
an opaque value the service hands back to the handle's list and bulk operations. Errors
in a query (`QueryError`) come out of `select`, before anything is read or written.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, Self

from cxinbox.domain.models import ParsedMessage
from cxinbox.domain.query import Node, QueryContext
from cxinbox.domain.searchvector import WordMap
from cxinbox.store.records import EventSpec

SlaRow = tuple[str | None, str | None, int | None, int | None, int]
"""(policy, target, due_at, at_risk_at, conversation id): due times the SLA service computed."""

if TYPE_CHECKING:
    from types import TracebackType

    from cxinbox.contract.types import Presence
    from cxinbox.domain.reports import KeptBusiness
    from cxinbox.store.anchor import EventStamp
    from cxinbox.store.records import *  # the record types: listed once, where defined
    from cxinbox.store.replaylog import ReplayLog
    from cxinbox.store.retention import TrailStart


class Selection:
    """A query prepared by one store for one caller at one instant. Opaque above the store:
    only the store that made it reads it (each backend subclasses this)."""

    __slots__ = ()


ListView = tuple[list["ConversationRecord"], int, Callable[[], dict[int, list[str]]]]
"""A list's page, its count and its tags (`StoreTx.list_view`)."""


class StoreTx(Protocol):
    """One transaction (a read snapshot or a write) and the operations inside it."""

    # -- conversations and lists --------------------------------------------------------------

    def list_page(self, selection: Selection, offset: int, limit: int,
                  order: str = "newest", count_up_to: int | None = None, *,
                  red_flags_first: bool = False) -> tuple[list[ConversationRecord], int]:
        """One page of live conversations in `order` (a `sort:` value), those with an open
        red flag before all others if `red_flags_first`, and the count (at most
        `count_up_to`, when given: then "at least that many")."""
        ...

    def list_view(self, selection: Selection, offset: int, limit: int,
                  order: str = "newest", count_up_to: int | None = None, *,
                  red_flags_first: bool = False, unless_sla_dirty: bool = False,
                  ) -> ListView | None:
        """`list_page` and the page's tags, read together: what a list shows. None, with
        nothing else read, when `unless_sla_dirty` and a due time is stale in this
        snapshot (the caller refreshes them, then reads again). The tags come from
        `tags()`, to be called after the `reading()` block: on PostgreSQL the whole read
        is then two round trips (the check and the page, then the tags with the COMMIT)."""
        ...

    def record_after(self, actor: str, action: str, target: str = "",
                     details: dict[str, Any] | None = None) -> None:
        """Append an audit event (as `Store.record_event`) in a transaction of its own
        right after this one commits, before the `reading()` or `writing()` block that
        made this handle returns (its exit raises if the append fails: the caller then
        shows nothing). On PostgreSQL the append leaves with the COMMIT, in the same
        round trip."""
        ...

    def matching_ids(self, selection: Selection) -> list[int]: ...

    def matching_states(self, selection: Selection) -> list[StaffState]: ...

    def matching_tags(self, selection: Selection) -> dict[int, set[str]]:
        """Tags of every match (matches without tags are absent)."""
        ...

    def ids_matching(self, ids: Sequence[int], selection: Selection) -> set[int]:
        """Which of `ids` the selection matches (merged ones included)."""
        ...

    def ids_matching_each(self, ids: Sequence[int],
                          selections: Sequence[Selection]) -> list[set[int]]:
        """`ids_matching` of each selection, in one read."""
        ...

    def conversation(self, conv_id: int) -> ConversationRecord | None:
        """The conversation, merged away or not (`merged_into` says)."""
        ...

    def tags_for(self, ids: Sequence[int]) -> dict[int, list[str]]: ...

    def tag_counts(self, limit: int) -> list[tuple[str, int]]: ...

    def messages_of(self, conv_id: int) -> list[MessageRecord]: ...

    def unscreened_of(self, conv_ids: Sequence[int],
                      backlog_since: int | None) -> dict[int, UnscreenedMark]:
        """Of `conv_ids`, those marked "not screened" (store/unscreened.py): a patient
        message the detectors never read (a later sync stored it long after it arrived,
        or a first sync's backlog that arrived at or after `backlog_since`; None: backlog
        is never marked), still unread, unanswered and the newest inbound: when the
        earliest such message arrived, why, and which messages."""
        ...

    def notes_of(self, conv_id: int) -> list[NoteRecord]: ...

    def conversation_of_message(self, message_pk: int) -> int | None: ...

    def raw_of_message(self, message_pk: int) -> bytes | None: ...

    def sms_message_media(self, message_pk: int) -> SmsMessageMedia | None: ...

    def delivery_statuses(self, message_pks: Sequence[int]) -> dict[int, DeliveryStatus]: ...

    def sms_keywords(self, message_pks: Sequence[int]) -> dict[int, str]:
        """Message id -> the SMS keyword it was stored as, for the texts that were one."""
        ...

    def folders(self) -> list[FolderRecord]: ...

    def alerts(self) -> list[AlertRecord]: ...

    def alert(self, key: str) -> AlertRecord | None: ...

    def put_alert(self, key: str, severity: str, message: str, since: int) -> None:
        """Report a problem (a new one keeps `since`; a known one only changes its line)."""
        ...

    def clear_alert(self, key: str) -> bool: ...

    def clear_alerts(self) -> list[str]:
        """Forget every problem; returns their keys."""
        ...

    def folder_checkpoints(self) -> list[FolderCheckpoint]:
        """Every synced folder's last sync and quarantine, for the health report."""
        ...

    def outbox_counts(self, now_ms: int) -> OutboxCounts:
        """The outbox queue by state and its oldest due reply, for the health report."""
        ...

    def sms_cursors(self) -> list[SmsCursor]:
        """When each SMS number was last polled, for the health report."""
        ...

    # -- staff state ----------------------------------------------------------------------------

    def add_tags(self, ids: Iterable[int], tags: Sequence[str]) -> int: ...

    def remove_tags(self, ids: Iterable[int], tags: Sequence[str]) -> int: ...

    def add_tag_pairs(self, pairs: Sequence[tuple[int, str]]) -> None: ...

    def remove_tag_pairs(self, pairs: Sequence[tuple[int, str]]) -> None: ...

    def update_state(self, conv_id: int, **columns: object) -> None:
        """Set staff-state columns (status, snoozed_until, assignee, priority, sla_*)."""
        ...

    def update_state_unheld(self, conv_id: int, **columns: object) -> bool:
        """`update_state` only while nobody holds the conversation; false (nothing
        written) when someone does, also by a commit of another server meanwhile."""
        ...

    def update_state_many(self, columns: Sequence[str],
                          rows: Sequence[Sequence[object]]) -> None:
        """The same staff-state columns on many conversations; each row is (*values, id)."""
        ...

    def mark_read(self, conv_id: int) -> int: ...

    def snoozed_due(self, now: int) -> list[ConversationRecord]: ...

    # -- notes and mentions -----------------------------------------------------------------------

    def insert_note(self, conv_id: int, author: str, body: str, at: int) -> int: ...

    def get_note(self, note_id: int) -> NoteRecord | None: ...

    def retract_note(self, note_id: int, at: int) -> None: ...

    def insert_mentions(self, note_id: int, users: Iterable[str]) -> None: ...

    def mentions_of(self, user: str, unread_only: bool, limit: int) -> list[MentionRecord]: ...

    def mark_mentions_read(self, user: str, up_to_note_id: int, at: int) -> int: ...

    def unread_mention_count(self, user: str) -> int: ...

    # -- the event log ------------------------------------------------------------------------------

    def append_event(self, actor: str, action: str, target: str = "",
                     details: dict[str, Any] | None = None) -> int:
        """Append one hash-chained event in this (write) transaction; returns its seq."""
        ...

    def pipeline_to_commit(self) -> None:
        """From here to the end of this write transaction, statements whose results are
        not read go out without waiting for their answers (PostgreSQL: they leave with
        the COMMIT; a result read still waits for its own): for a change's writes after
        its checks. An error among them comes out at the commit and undoes the whole
        transaction, as any error does. Nothing to do where the store is in-process."""
        ...

    def append_event_at_commit(self, actor: str, action: str, target: str = "",
                               details: dict[str, Any] | None = None) -> Callable[[], int]:
        """`append_event` as the transaction's last statement: where writers in other
        processes wait on the chain (PostgreSQL), the append goes out with the COMMIT and
        the chain is locked for that statement and the commit alone. The seq comes from
        the returned callable, once the transaction has ended (called earlier, it waits
        for the append; a statement after it still runs, the chain locked meanwhile)."""
        ...

    def append_events(self, actor: str, events: Sequence[EventSpec]) -> list[int]: ...

    def last_event_seq(self) -> int: ...

    def feed_head(self) -> tuple[int, str]:
        """The newest event's seq and the database's timeline (`Dialect.feed_head`): a
        change of timeline means seqs after some point may now name other events."""
        ...

    def events_of_kinds(self, after: int, upto: int, actions: Sequence[str],
                        limit: int) -> list[EventRecord]: ...

    def changed_by(self, actor: str, since_ms: int, actions: Sequence[str]) -> set[int]:
        """Conversations `actor` changed (one of `actions`) at or after `since_ms`."""
        ...

    def event_at(self, seq: int) -> StoredEvent | None: ...

    def later_on_target(self, target: str, after: int,
                        actions: Sequence[str]) -> list[StoredEvent]: ...

    def newest_on_targets(self, targets: Sequence[str],
                          action: str) -> dict[str, tuple[StoredEvent, int]]:
        """The newest `action` event on each of `targets` that has one, with its time
        (epoch ms)."""
        ...

    def note_event_seq(self, target: str, note_id: int) -> int | None: ...

    def chain_head(self) -> ChainHeadRecord:
        """The newest event's seq and hash, and how many events there are."""
        ...

    def event_hash_at(self, seq: int) -> str | None: ...

    def event_stamp(self, seq: int) -> EventStamp | None:
        """Event `seq`'s hash and time, or None when there is no such event."""
        ...

    def trail_start(self) -> TrailStart:
        """Where the audit trail starts (1 until retention released old events)."""
        ...

    def audit_keys(self) -> list[AuditKeyRecord]:
        """The audit signing keys registered in a shared store (PostgreSQL only)."""
        ...

    def register_audit_key(self, actor: str, key_id: str, public_key: str, host: str,
                           at: int) -> AuditKeyRecord:
        """Register a signing key with its `audit.key` event, unless it is (PostgreSQL)."""
        ...

    def keep_checkpoint(self, key_id: str, seq: int, at: int, line: str) -> None:
        """Keep a copy of a signed checkpoint line in the shared store (PostgreSQL)."""
        ...

    def kept_checkpoints(self) -> list[str]:
        """The checkpoint lines kept in the shared store, per key in signing order."""
        ...

    def report_data(self, conversations: Selection, since: int, until: int,
                    needs: Needs) -> ReportData:
        """What one report reads about `conversations` (see store/reports.py)."""
        ...

    def report_facts_stale(self) -> bool:
        """Whether a conversation's kept report facts wait to be recomputed."""
        ...

    def refresh_report_facts(self, limit: int | None = None) -> int:
        """Recompute the stale conversations' report facts (a write), at most `limit` of
        them when given; how many."""
        ...

    def keep_report_business(self, kept: Sequence[KeptBusiness]) -> None:
        """Keep business times a report measured on the kept intervals (a write; see
        store/report_facts.py `keep_business`)."""
        ...

    def find_events(self, *, since_ms: int | None = None, actor: str | None = None,
                    target: str | None = None, conversations: Selection | None = None,
                    limit: int | None = None, until_ms: int | None = None
                    ) -> list[EventRecord]:
        """The audit trail: events matching every filter given, oldest first (with
        `limit`, the newest `limit`); `conversations` keeps events on those only; at
        from `since_ms` on and before `until_ms`."""
        ...

    # -- SLA bookkeeping ------------------------------------------------------------------------------

    def has_sla_dirty(self) -> bool: ...

    def sla_dirty_rows(self, limit: int) -> list[SlaFactsRecord]: ...

    def store_sla(self, rows: Sequence[SlaRow]) -> None: ...

    def unsettled_pauses(self) -> list[PauseRecord]: ...

    def settle_pauses(self, rows: Sequence[tuple[int, int]]) -> None: ...

    def escalation_candidates(self, now: int) -> list[EscalationCandidate]:
        """Running SLAs at risk or breached at `now` not yet escalated at that level."""
        ...

    def backlog_storing(self, now: int) -> bool:
        """Whether a first sync may still be storing its backlog (store/escalations.py)."""
        ...

    def record_escalation(self, conv_id: int, arm: str, level: int, at: int) -> None: ...

    # -- merge and split ------------------------------------------------------------------------------

    def merge(self, into_id: int, other_id: int) -> MergeCounts: ...

    def last_merge_record(self, into_id: int, other_id: int) -> dict[str, Any] | None: ...

    def unmerge(self, into_id: int, other_id: int, record: dict[str, Any]) -> int: ...

    def handout_sources(self, conv_id: int) -> list[int]:
        """The conversations whose canned-text hand-outs count for a reply on `conv_id`
        (itself and those merged into it; a split child holds a copy of its parent's)."""
        ...

    def plan_split(self, message_pk: int) -> SplitPlan | None: ...

    def split(self, plan: SplitPlan, norm_subject: str) -> int: ...

    # -- drafts and the files attached to replies ------------------------------------------------

    def draft_bases(self, conv_id: int | None) -> Bases:
        """The newest event, message, note and outbox ids now (a draft's send-guard baseline;
        without a conversation only the event and outbox ids count)."""
        ...

    def insert_draft(self, *, conversation_id: int | None, author: str, mode: str,
                     account: str, to: Sequence[str], cc: Sequence[str], subject: str,
                     body: str, parent_message: int | None, base: Bases, now_ms: int) -> int:
        """A new draft without attachments; returns its id."""
        ...

    def draft(self, draft_id: int) -> DraftRecord | None: ...

    def draft_of(self, conv_id: int, author: str) -> DraftRecord | None:
        """`author`'s draft on the conversation (one each at most)."""
        ...

    def drafts_of(self, conv_id: int) -> list[DraftRecord]:
        """Everyone's drafts on the conversation, last changed first."""
        ...

    def drafts_by(self, author: str) -> list[DraftRecord]:
        """`author`'s drafts everywhere, last changed first."""
        ...

    def update_draft(self, draft_id: int, now_ms: int, **columns: object) -> None:
        """Set draft fields (to_addrs, cc_addrs, subject, body, attachments, base_*) and
        stamp the change; an unknown field raises ValueError."""
        ...

    def delete_draft(self, draft_id: int) -> None: ...

    def insert_reply_file(self, *, author: str, filename: str, content_type: str, data: bytes,
                          sha256: str, now_ms: int) -> int:
        """Keep a file's bytes for a draft; returns the file id its attachments list names."""
        ...

    def reply_file_infos(self, ids: Sequence[int]) -> dict[int, ReplyFileInfo]:
        """The files of `ids` that exist, without their bytes."""
        ...

    def reply_file(self, file_id: int) -> ReplyFile | None: ...

    def delete_reply_files(self, ids: Sequence[int]) -> int:
        """Drop these files unless a draft still names them; returns how many went."""
        ...

    def release_outbox_files(self, item_id: int) -> int:
        """An outbox item is final: drop the files its draft snapshot names."""
        ...

    def guard_changes(self, conv_id: int, base_message: int, base_note: int, base_outbox: int,
                      me: str) -> list[GuardChange]:
        """What others added to the conversation after these ids (the send guard)."""
        ...

    def reply_parent(self, conv_id: int) -> ReplyParent | None:
        """The message a reply answers: the newest patient message, else the newest one."""
        ...

    def sms_conversation_of(self, clinic_number: str, patient_number: str) -> int | None:
        """The live conversation texts between these two numbers go to (None before the first)."""
        ...

    # -- the outbox ------------------------------------------------------------------------------

    def outbox_item(self, item_id: int) -> OutboxItem | None: ...

    def replies_since(self, conv_ids: Sequence[int], since_ms: int,
                      exclude: int | None = None) -> list[OutboxItem]:
        """Replies of these conversations queued or sent since `since_ms`, or still
        waiting to go, oldest first, without `exclude` (the red-flag check's earlier
        replies, service/redflags.py `canned_left`)."""
        ...

    def insert_outbox_item(self, *, conversation_id: int | None, author: str, channel: str,
                           account: str, sender: str, recipients: Sequence[str], subject: str,
                           message_id: str | None, raw: bytes | None, body: str,
                           draft: dict[str, Any], now_ms: int, send_after_ms: int) -> int:
        """Queue a finished reply (state queued, due at `send_after_ms`); returns its id."""
        ...

    def outbox_items(self, states: Sequence[str] | None, limit: int,
                     conversation_id: int | None = None,
                     channel: str | None = None) -> list[OutboxItem]:
        """Items in any of `states` (all when None or empty), of one conversation and of
        one channel if given, newest first."""
        ...

    def outbox_drafts(self, channel: str) -> list[tuple[int, str, str | None, str | None]]:
        """(id, state, draft JSON, recipients JSON) of every item of `channel`, oldest
        first."""
        ...

    def requeue_outbox_item(self, item_id: int, send_after_ms: int) -> bool:
        """cancelled -> queued with a fresh undo window; False when it was not cancelled."""
        ...

    def outbox_in_state(self, state: str, limit: int) -> list[OutboxItem]:
        """Items in `state`, newest first."""
        ...

    def outbox_due_ids(self, now_ms: int) -> list[int]:
        """Queued items whose undo window and backoff are over, oldest due first."""
        ...

    def outbox_next_due_ms(self) -> int | None:
        """When the next item (or Sent-folder copy) is due; None when nothing waits."""
        ...

    def claim_outbox_item(self, item_id: int, now_ms: int, pid: int) -> bool:
        """queued -> sending for this worker; False when someone else took it first."""
        ...

    def claim_next_outbox_item(self, now_ms: int, pid: int) -> int | None:
        """The next due item, queued -> sending for this worker, picked and claimed in
        one statement (skipping rows other workers hold); None when none is left."""
        ...

    def set_outbox_phase(self, item_id: int, phase: str, owner: int | None = None) -> bool:
        """The send's phase marker; with `owner`, only while that worker's claim on the
        item stands (False: it was settled by another worker; do not send)."""
        ...

    def set_outbox_state(self, item_id: int, state: str, *, error: str | None = None,
                         next_attempt_ms: int | None = None, clear_phase: bool = False,
                         reset_attempts: bool = False, only_from: str | None = None) -> bool:
        """True when set; with `only_from`, only an item still in that state is."""
        ...

    def hold_outbox_item(self, item_id: int, state: str, owner: int | None = None) -> bool:
        """Whether the item is in `state` (claimed by `owner`, if given); its row is then
        held until this transaction ends, so nobody changes it in between."""
        ...

    def mark_outbox_sent(self, item_id: int, now_ms: int, *, provider_id: str | None = None,
                         message_pk: int | None = None, sent_copy: str = "") -> None: ...

    def outbox_raw(self, item_id: int) -> bytes: ...

    def outbox_files(self, item_id: int) -> list[tuple[str, bytes]]:
        """(filename, bytes) of the files attached to an item."""
        ...

    def outbox_provider_ids(self, sender: str, recipient: str) -> set[str]:
        """SMS ids the outbox already owns for this pair (never taken for a new send)."""
        ...

    def stuck_outbox_items(self, owners: Sequence[int] | None = None) -> list[OutboxItem]:
        """Items in "sending" (only those these owners claimed, when given), their rows
        locked for this transaction where the store has row locks; rows another
        transaction holds are left out."""
        ...

    def sent_copy_due(self, now_ms: int) -> list[OutboxItem]: ...

    def set_sent_copy(self, item_id: int, status: str, *, error: str = "", next_ms: int = 0,
                      count_try: bool = True) -> None: ...

    def claim_sent_copy(self, item_id: int, now_ms: int, next_ms: int) -> bool:
        """Take the Sent-folder copy's next try (counted, the one after not before
        `next_ms`) if it is still pending and due; False when another worker took it."""
        ...

    def record_outbound_email(self, *, item_id: int, account: str, conversation_id: int | None,
                              raw: bytes, parsed: ParsedMessage, own_addresses: frozenset[str],
                              now_s: int, counts_as_response: bool) -> tuple[int, int]:
        """Our sent message joins its conversation; (message pk, conversation id).
        `counts_as_response` False (an automatic acknowledgement) leaves the conversation's
        first/last response times, and so its SLA clock and reports, as they were."""
        ...

    def record_outbound_sms(self, rec: SmsRecord, *,
                            counts_as_response: bool) -> StoredSms | None:
        """Our sent text joins its conversation (None when its provider id is known
        already); `counts_as_response` as for `record_outbound_email`."""
        ...

    def store_sms(self, rec: SmsRecord, *, index_text: bool = True,
                  now: int | None = None,
                  backlog_before: int | None = None) -> StoredSms | None:
        """Store one text; None when its provider id is already known. `index_text=False`
        leaves full-text indexing to one `index_pending` per batch; `now` stamps the
        delivery status (the text's own time when None). `backlog_before`: on the
        number's first poll, an inbound text received before then is marked backlog."""
        ...

    def message_of_sms_id(self, provider_id: str) -> int | None: ...

    def is_opted_out(self, number: str) -> bool:
        """Whether the patient's last keyword was STOP (or a synonym)."""
        ...

    # -- SMS sync (service/sms_sync.py) ----------------------------------------------------------

    def sms_cursor(self, clinic_number: str) -> int | None:
        """The newest provider date stored for this clinic number (None before its first poll)."""
        ...

    def advance_sms_cursor(self, clinic_number: str, date_sent_max: int | None,
                           polled_at: int) -> None:
        """Move the number's cursor forward (never back) after a complete listing."""
        ...

    def known_sids(self, sids: Sequence[str]) -> dict[str, KnownSms]:
        """The subset of `sids` already stored."""
        ...

    def update_sms_status(self, sid: str, status: str, error_code: int | None,
                          error_message: str, now: int) -> int | None:
        """Record a new provider status; the conversation when it changed, else None."""
        ...

    def sms_outbox_of(self, sid: str) -> tuple[int, str] | None:
        """(outbox id, author) of the reply that sent text `sid`, if the desk sent it."""
        ...

    def sms_placeholders(self, clinic_number: str, patient_number: str) -> list[SmsPlaceholder]:
        """Texts staff confirmed that the provider has not listed yet, for this pair."""
        ...

    def adopt_sms_sid(self, placeholder: str, sid: str, status: str, error_code: int | None,
                      error_message: str, raw: bytes, now: int) -> int | None:
        """Give a confirmed text the provider's own id, status and record; its conversation."""
        ...

    def refresh_received_sms(self, sid: str, status: str, raw: bytes,
                             media: Sequence[tuple[str, str, str]], now: int) -> int | None:
        """A patient's MMS stored while "receiving" has arrived: its status, media
        (filename, content type, provider media id) and newer record; its conversation."""
        ...

    def set_sms_keyword(self, sid: str, keyword: str) -> None: ...

    def set_opt_state(self, number: str, state: str, keyword: str, clinic_number: str,
                      changed_at: int, message_pk: int | None) -> bool:
        """Record STOP ("out") or START ("in") unless a newer keyword decided; True when
        the stored state changed."""
        ...

    def add_system_line(self, conv_id: int, text: str, at: int) -> int:
        """A line in the conversation written by cxinbox itself (shown with the notes)."""
        ...

    def open_outbound_sms(self, clinic_numbers: Sequence[str], since: int,
                          limit: int) -> list[str]:
        """Sids of our texts since `since` whose status is not final yet, oldest first."""
        ...

    def receiving_sms(self, clinic_numbers: Sequence[str], since: int, limit: int) -> list[str]:
        """Sids of patients' MMS stored while still "receiving", oldest first."""
        ...

    def reopen(self, conv_id: int, at: int, reason: str, actor: str) -> bool:
        """A pending, snoozed or closed conversation open again, with its event; False
        when it was open already (or is gone)."""
        ...

    def ingest_local(self, *, account: str, folder: str, raw: bytes, parsed: ParsedMessage,
                     at: int, seen: bool, own_addresses: frozenset[str], now: int) -> int:
        """A message made here (the demo clinic's) stored as if synced into `folder` at its
        next UID; returns its conversation."""
        ...

    # -- rebuilding what is derived from the raw messages -------------------------------------------

    def raw_batch(self, after_id: int, limit: int) -> list[tuple[int, bytes]]:
        """(message id, raw bytes) of the next messages after `after_id`, in id order."""
        ...

    def update_parsed(self, updates: Sequence[tuple[int, ParsedMessage]]) -> None: ...

    def rebuild_search_index(self) -> None: ...

    # -- contacts -------------------------------------------------------------------------------------

    def contact_of_address(self, address: str) -> int | None: ...

    def create_contact(self, name: str, first_address: str | None) -> int: ...

    def add_address(self, contact_id: int, address: str, name: str) -> None: ...

    def link_conversation(self, conv_id: int, address: str, name: str) -> int: ...

    def attach_conversation(self, conv_id: int, address: str,
                            name: str) -> tuple[int, bool, list[int]]: ...

    def live_contact_id(self, contact_id: int) -> int | None: ...

    def get_contact(self, contact_id: int) -> ContactRecord | None: ...

    def conversations_of_contact(self, contact_id: int) -> list[ContactConversationRecord]: ...

    def move_conversations_by_address(self, from_contact: int | None, to_contact: int,
                                      address: str) -> list[int]: ...

    def merge_contacts(self, into_id: int, other_id: int) -> list[int]: ...

    def mark_merged_if_empty(self, contact_id: int, into_id: int) -> bool: ...

    # -- teams and away (store/teams.py)

    def away_staff(self) -> list[AwayRecord]:
        """Everyone marked away."""
        ...

    def set_away(self, os_user: str, away: bool, at: int, set_by: str) -> bool:
        """Mark or clear; True when that changed anything."""
        ...

    def open_counts(self, users: Sequence[str]) -> dict[str, int]:
        """Open live conversations held by each of `users` (absent: none)."""
        ...

    def team_cursor(self, team: str) -> str | None:
        """The member the team picked last."""
        ...

    def set_team_cursor(self, team: str, member: str, at: int) -> None: ...

    def set_conversation_team(self, conv_id: int, team: str | None, at: int) -> None:
        """The team the conversation was assigned through (None: not through a team)."""
        ...

    def teams_of(self, conv_ids: Sequence[int]) -> dict[int, str]:
        """The team each conversation was last given to (those given to none left out)."""
        ...

    def open_held_by(self, os_user: str) -> list[tuple[int, str | None]]:
        """(conversation, its team or None) for each open conversation the person holds."""
        ...

    def red_flags_unheld(self) -> list[int]:
        """Conversations with an open red flag that nobody holds and are not closed."""
        ...

    # -- the knowledge base (store/kb.py) -----------------------------------------------------

    def kb_article(self, slug: str) -> KbArticleRecord | None:
        """The article, retired or not (`retired` says)."""
        ...

    def kb_articles(self, *, retired: bool = False) -> list[KbArticleRecord]: ...

    def kb_search(self, words: Sequence[tuple[str, bool]], limit: int) -> list[KbHitRecord]:
        """Live articles matching every (word, is_phrase), best first; a word is a prefix."""
        ...

    def kb_save(self, *, slug: str, title: str, tags: str, audience: str, body: str,
                link: str, source: str, author: str, at: int, changed: str,
                note: str) -> int:
        """A new version of the article (made if missing); returns its revision."""
        ...

    def kb_retire(self, slug: str, *, author: str, at: int) -> bool: ...

    def kb_revisions(self, slug: str) -> list[KbRevisionRecord]:
        """Every version, newest first."""
    # -- rules (service/rules.py) ---------------------------------------------------------------

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested step of this write: an exception inside undoes the step's writes only
        (and propagates); the rest of the transaction stays. A failing rule is one."""
        ...

    def hold_intake(self) -> None:
        """Take the intake's turn for the rest of this transaction, as its first statement:
        storing new mail or texts, triaging what came after the last triaged message and
        firing arrival rules on the ids it stored rely on no other intake (of this server
        or another on the same database) committing ids in between. SQLite's single writer
        gives that already; PostgreSQL takes a transaction-scoped advisory lock."""
        ...

    def max_message_pk(self) -> int: ...

    def arrivals_after(self, message_pk: int) -> list[ArrivalRecord]:
        """Inbound messages stored after `message_pk`, one record per conversation."""
        ...

    def arrivals_after_later(self, message_pk: int) -> Callable[[], list[ArrivalRecord]]:
        """`arrivals_after`, read now and answered when the function returned is called
        (on PostgreSQL with the next read waited for, not in a round trip of its own)."""
        ...

    def ack_refusal(self, conv_id: int, sender: str, day: str) -> str | None:
        """Why an acknowledgement may not go (conversation or sender-day already had one)."""
        ...

    def record_ack(self, conv_id: int, sender: str, day: str, rule: str, outbox_id: int,
                   at: int) -> None: ...

    def is_acknowledgement(self, conv_id: int, outbox_id: int) -> bool:
        """Whether outbox item `outbox_id` is the automatic acknowledgement the rules
        queued for the conversation (the ledger says so, not the author's name)."""
        ...

    def pin_sla_policy(self, conv_id: int, policy: str, rule: str, at: int) -> None: ...

    def sla_pins(self, ids: Sequence[int]) -> dict[int, str]: ...

    def past_triggers(self, trigger: str, since_s: int) -> list[PastTrigger]:
        """Every time a rule trigger happened since `since_s`, oldest first, with the
        event seq that ends the state it happened in (for `rules test`)."""
        ...

    def rewind(self, conv_id: int, state: PastState) -> None:
        """Put a conversation's state back as it was (inside `Store.rehearsing` only)."""
        ...

    def forget_acks_after(self, seq: int, log: ReplayLog | None = None) -> None:
        """Drop the acknowledgements queued after event `seq` from the ledger (inside
        `Store.rehearsing` only). `log`: the replay's events, read from it rather than the
        database (`moment_reads` keeps it up to date); likewise below."""
        ...

    def rewind_opt_outs(self, seq: int, log: ReplayLog | None = None) -> None:
        """Put each patient number's STOP / START state back as it was at event `seq`
        (inside `Store.rehearsing` only)."""
        ...

    def latest_inbound(self, conv_id: int, upto: int | None,
                       at: int) -> tuple[int, bool] | None:
        """(id, stored as a first sync's backlog) of the conversation's latest patient
        message stored by a past moment (id at most `upto`; unknown: dated by `at`)."""
        ...

    def latest_inbound_each(self, moments: Sequence[tuple[int, int, int]],
                            ) -> dict[tuple[int, int], tuple[int, bool] | None]:
        """`latest_inbound` of each (conversation id, event seq, at), by (conversation
        id, seq), each bounded by its own moment's ingest (`message_bounds`), read at
        once for a whole replay."""
        ...

    def message_record(self, message_pk: int) -> MessageRecord | None:
        """One message (None: gone)."""
        ...

    def message_bounds(self, seq: int,
                       log: ReplayLog | None = None) -> tuple[int, int] | None:
        """(newest message id before, after) the last ingest at or before event `seq`;
        None when its event does not say."""
        ...

    def hide_later_messages(self, conv_id: int, upto: int | None, at: int,
                            ids: Sequence[int] | None = None) -> int:
        """Take the messages stored after id `upto` (unknown: dated after `at`) out of the
        conversation, as it was then (inside `Store.rehearsing` only). `ids`: those
        messages, from `moment_reads`."""
        ...

    def moment_reads(self, log: ReplayLog, conv_ids: Sequence[int], upto: int | None,
                     at: int) -> tuple[dict[int, ConversationRecord], dict[int, list[str]],
                                       dict[int, list[int]]]:
        """What a rehearsal reads first, as one read (PostgreSQL: one round trip): the
        events recorded since `log`'s head, added to it (the first time, all since its
        base); the conversations of `conv_ids` that exist, merged away or not; their tags;
        and for each, the messages `hide_later_messages` would take out (after id `upto`,
        unknown: dated after `at`)."""
        ...

    def restore_messages(self, conv_id: int, upto: int) -> None:
        """Give back the hidden messages up to id `upto` (inside `Store.rehearsing` only)."""
        ...

    def rewind_holders(self, seq: int, log: ReplayLog | None = None,
                       keep: Container[int] = ()) -> None:
        """Every conversation's assignee and status as at event `seq` but those of `keep`
        (inside `Store.rehearsing` only)."""
        ...

    def rewind_teams(self, teams: Sequence[str], seq: int,
                     log: ReplayLog | None = None) -> None:
        """The teams' round-robin turns and who was away, as at event `seq` (inside
        `Store.rehearsing` only)."""
        ...
    # -- triage at ingest: red flags and intent (store/triage.py)

    def triage_pending(self, limit: int, *, known: Container[bytes] = frozenset()
                       ) -> tuple[list[TriageCandidate], int]:
        """Inbound messages not yet offered to the detectors (a first sync's backlog
        passed over), oldest first, and where the cursor goes once they are done.
        `known`: raw SHA-256s already assessed, returned without their text."""
        ...

    def advance_triage(self, upto: int) -> None: ...

    def record_triage(self, message_pk: int, intent: str, confidence: float,
                      red_flag: str | None, matched: str) -> None: ...

    def set_conversation_intent(self, conv_id: int, intent: str, confidence: float,
                                language: str) -> None: ...

    def red_flag_state(self, conv_id: int) -> RedFlagState | None: ...

    def open_red_flag(self, conv_id: int, category: str, matched: str, message_pk: int,
                      at: int) -> None:
        """Open the flag: category, matched words, the raising message; priority urgent."""
        ...

    def open_staff_red_flags(self, conv_ids: Sequence[int], at: int) -> list[int]:
        """Open a flag raised by a person (the `red-flag` tag) where none is open; returns
        the conversations it opened."""
        ...

    def clear_red_flag(self, conv_id: int, at: int) -> None:
        """Close the flag, whoever raised it, recording when (a cleared flag stays cleared
        until a newer message or a person raises it again)."""
        ...
    # -- satisfaction question (CSAT): store/csat.py --------------------------------------

    def csat_cursor(self) -> int | None:
        """How far the CSAT scheduler has read the event log (None: never ran)."""
        ...

    def set_csat_cursor(self, seq: int) -> None: ...

    def csat_status_changes_after(self, seq: int, limit: int) -> list[CsatStatusChange]: ...

    def csat_seq_before(self, at: int) -> int:
        """The newest event older than `at` (epoch seconds), 0 when none."""
        ...

    def schedule_csat(self, conv_id: int, closed_at: int, due_at: int, staff: str) -> None: ...

    def cancel_csat(self, conv_id: int, reason: str) -> bool: ...

    def csat_due(self, now: int, limit: int = 100) -> list[CsatDue]: ...

    def csat_patient_asked_since(self, patient: str, since: int) -> bool: ...

    def finish_csat(self, request_id: int, *, state: str, reason: str = "", patient: str = "",
                    channel: str = "", lang: str = "", outbox_id: int | None = None,
                    asked_at: int | None = None, answer_until: int | None = None) -> bool: ...

    def csat_ratings(self, since: int, until: int) -> list[CsatRatingRow]: ...

    def csat_asked(self, since: int, until: int) -> int: ...

    # -- mail sync: folders, watermarks and ingest (store/ingest.py) ---------------------------

    def folder_state(self, account: str, name: str) -> FolderState:
        """The folder's identity and watermarks (made on first use)."""
        ...

    def set_uidvalidity(self, folder_id: int, uidvalidity: int) -> None: ...

    def reset_folder_identity(self, folder_id: int, uidvalidity: int) -> int:
        """The server's UIDs lost their meaning: drop the folder's locations and
        watermarks (a sweep follows); returns how many locations went."""
        ...

    def set_folder_marks(self, folder_id: int, *, uidnext: int | None,
                         highestmodseq: int | None, synced_at: int) -> None: ...

    def mark_synced(self, folder_id: int, at: int) -> None: ...

    def release_pending(self, folder_id: int) -> bool:
        """Whether staff released the folder's quarantine for its next sync."""
        ...

    def consume_release(self, folder_id: int) -> bool: ...

    def set_quarantine(self, folder_id: int, reason: str | None) -> None: ...

    def release_quarantine(self, account: str, folder: str) -> bool:
        """Staff release a quarantined folder for its next sync (`sync --release`); False
        when it was not quarantined."""
        ...

    def sweep_pending(self, folder_id: int) -> bool: ...

    def clear_sweep(self, folder_id: int) -> None: ...

    def live_email_count(self) -> int: ...

    def orphan_count(self) -> int:
        """Live email messages no folder holds any more."""
        ...

    def sweep_gone(self, now: int) -> set[int]:
        """Mark the orphans gone; returns the conversations that changed."""
        ...

    def local_uids(self, folder_id: int) -> list[int]: ...

    def local_count(self, folder_id: int) -> int: ...

    def sample_uids(self, folder_id: int, count: int = 16) -> list[int]:
        """A spread of the folder's stored UIDs (first, last, evenly between)."""
        ...

    def fingerprints(self, folder_id: int, uids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """(raw size, Message-ID) of what is stored under these UIDs."""
        ...

    def ingest_batch(self, folder: FolderState, messages: Sequence[FetchedMessage], *,
                     own_addresses: frozenset[str], watermark: int, now: int,
                     index_text: bool = True, outbound: bool = False,
                     backlog_before: int | None = None) -> set[int]:
        """Store a fetched batch and move the folder's watermark with it (one transaction:
        all or nothing, and a replay stores nothing twice); returns the conversations that
        changed. `index_text=False` leaves full-text indexing to `index_pending`.
        `backlog_before`: on a first sync (`folder.last_uid` 0), inbound mail the server
        received before then is stored marked as backlog (store/ingest.py `is_backlog`)."""
        ...

    def apply_flags(self, folder_id: int,
                    changes: Sequence[tuple[int, str, int | None]]) -> set[int]:
        """Record server flag changes (uid, flags, modseq); returns changed conversations."""
        ...

    def changed_flags(self, folder_id: int, listed: Sequence[tuple[int, str, int | None]]
                      ) -> list[tuple[int, str, int | None]]:
        """The entries of a full flag listing that differ from what is stored."""
        ...

    def seen_to_push(self, folder_id: int, limit: int = 1000) -> list[int]:
        """UIDs the desk read whose server copy is not \\Seen yet."""
        ...

    def mark_pushed_seen(self, folder_id: int, uids: Sequence[int]) -> None: ...

    def drop_locations(self, folder_id: int, uids: Sequence[int]) -> None:
        """The server expunged these UIDs (a sweep follows)."""
        ...

    def index_pending(self, limit: int = 5000) -> int:
        """Full-text index up to `limit` messages that trail ingest; how many it indexed
        (SQLite: those past the index's watermark; PostgreSQL: those a bulk sync stored
        without their search vector, which a search meanwhile tests on their text)."""
        ...


class SyncLease(Protocol):
    """The right to sync one source (an IMAP folder, an SMS number) while several servers share a store."""

    def held(self) -> bool:
        """Still ours (asks the database where leases can be lost): when False, stop
        syncing the source and take the lease again before going on."""
        ...

    def release(self) -> None: ...

    def fencing(self) -> AbstractContextManager[None]:
        """Within it, every write transaction this thread begins commits only while the
        lease is still this one (a holder that was paused and lost it meanwhile gets
        LeaseLost, and nothing of that transaction is kept)."""
        ...


class Watch(Protocol):
    """Something a store runs for its caller until closed."""

    def close(self) -> None: ...


class PresenceShare(Protocol):
    """This server's presence copied where other servers on the same store read it."""

    def changed(self) -> None:
        """This server's entries changed: copy them (soon, on the share's own thread)."""
        ...

    def close(self) -> None: ...


class Store(Protocol):
    """A database the service runs on. One per process; safe to use from many threads."""

    def reading(self) -> AbstractContextManager[StoreTx]:
        """A consistent snapshot for several reads; never hold it across a wait."""
        ...

    def writing(self) -> AbstractContextManager[StoreTx]:
        """One write transaction: everything inside commits together or not at all.
        Writers never interleave; a nested `writing()` joins the outer transaction."""
        ...

    def rehearsing(self) -> AbstractContextManager[StoreTx]:
        """A write transaction that is always rolled back, whatever happens inside: to
        see what changes would do (`rules test`) while changing nothing. Never nested in
        another transaction."""
        ...

    def rehearsals(self) -> AbstractContextManager[Callable[[],
                                                              AbstractContextManager[StoreTx]]]:
        """Rehearsals one after another (a replay's moments): each call of what it gives
        is one, always rolled back, as `rehearsing`. On PostgreSQL they share one
        transaction, each in a savepoint rolled back without waiting for the server (a
        transaction's ROLLBACK was a round trip per moment); on SQLite each is a
        transaction of its own, which holds the write lock only while it lasts."""
        ...

    def recording(self) -> AbstractContextManager[StoreTx]:
        """A write that records a read (an audit event): it commits without waiting for
        the disk where the backend allows, since it sits on the path of every list."""
        ...

    def record_event(self, actor: str, action: str, target: str = "",
                     details: dict[str, Any] | None = None) -> None:
        """Append one audit event in a `recording()` of its own (or in the transaction
        this thread has open): on PostgreSQL one statement, one round trip."""
        ...

    def select(self, where: Node, ctx: QueryContext, *, sla: bool) -> Selection:
        """`where` prepared for this store, evaluated for `ctx` (who is `me`, what is
        `today`); `sla` says whether `sla:` terms are available (a policy is configured).
        Raises `QueryError` for a query this store cannot run."""
        ...

    def now_ms(self) -> int:
        """The clock events are stamped with (epoch milliseconds)."""
        ...

    def close(self) -> None:
        """Release the store's connections (this process is done with it)."""
        ...

    def make_durable(self) -> None:
        """Make every transaction committed so far survive a power cut (before a signed
        checkpoint vouches for the chain head)."""
        ...

    def standby_replay(self) -> StandbyReplayRecord | None:
        """Where the primary's WAL ends and how far its standbys have replayed it (before
        a signed checkpoint vouches for the chain head, which a failover to a standby
        lacking it would lose); None for a store without standbys (SQLite)."""
        ...

    # -- what a bulk load (the mail sync) may ask of the engine -------------------------------

    def relax_durability_for_this_thread(self) -> None:
        """This thread's commits need not wait for the disk: only for writes that can be
        replayed (a sync batch lost to a power cut takes its watermark with it)."""
        ...

    def bulk_writes(self) -> AbstractContextManager[None]:
        """This thread's writes within are a bulk load: the engine may defer its own
        housekeeping (SQLite: WAL checkpoints) and cache more."""
        ...

    def background_writes(self) -> AbstractContextManager[None]:
        """This thread is a background writer beside a bulk load (the full-text indexer):
        replayable commits, and the engine's housekeeping left to `checkpoint_if_over`."""
        ...

    def writes_beside_fetch(self) -> bool:
        """Whether a bulk sync should store each batch on a thread of its own while the
        next is fetched and parsed: True where a write mostly waits for another process
        (PostgreSQL's server), False where it runs in this one (SQLite)."""
        ...

    def indexes_text_after_sync(self) -> bool:
        """Whether a bulk sync's messages get their full-text index after the sync, on a
        thread of their own, instead of beside it: True where making it is the server's
        work competing with the sync's writes (PostgreSQL), False where it runs beside the
        fetch in this process and is done when the sync is (SQLite). Either way a search
        finds a message not indexed yet (see `StoreTx.index_pending`)."""
        ...

    def search_vectors(self) -> WordMap | None:
        """What makes a message's search vector in this process (the sync's parse
        workers), for `FetchedMessage.search`: the store then only stores it. None where
        the store indexes text itself (SQLite) or this process cannot make it exactly
        as the database would (PostgreSQL: asked of the server once, and checked)."""
        ...

    def checkpoint_if_over(self, nbytes: int) -> None:
        """Do the engine's deferred housekeeping now if it has grown past `nbytes`
        (SQLite: a passive WAL checkpoint); without blocking writers."""
        ...

    def try_lease(self, name: str) -> SyncLease | None:
        """Claim `name` (e.g. "mail:account/folder") for this server until it is released,
        the store is closed or the process ends; None while another server (or another
        thread here) holds it. A store only one server uses grants it always."""
        ...

    def note_round(self, loop: str) -> None:
        """A leader job (`loop`, e.g. the SLA monitor) finished a round now: recorded where
        every server on the database can read it (`last_round`). Nothing where one
        server has the store (its own memory, service/heartbeat.py, is the truth)."""
        ...

    def last_round(self, loop: str) -> float | None:
        """When any server on the database last noted a round of `loop` (epoch seconds,
        the database's clock); None where rounds are not shared, or none was noted."""
        ...

    def database_bytes(self) -> int | None:
        """The database's size as its server counts it (PostgreSQL); None where the
        database is a file this process measures itself (SQLite)."""
        ...

    def store_id(self) -> str | None:
        """A stable id the database keeps of itself, the same for every server on it
        (PostgreSQL); None where the database is known by its path (SQLite)."""
        ...

    def text_key(self) -> bytes:
        """The store's secret for keyed hashes of canned text (store/textkey.py): the same
        for every process and server on this database, made on first use."""
        ...

    def diagnose(self) -> list[Diagnosis]:
        """The backend's own checks for `cxinbox doctor`: the engine's version and what it
        is known for, and the stored data's integrity. Never raises for a damaged store:
        that is a "fail" finding."""
        ...

    def watch_commits(self, wake: Callable[[], object],
                      advance: Callable[[int], object] | None = None,
                      heard: Callable[[list[EventRecord]], object] | None = None,
                      reconnected: Callable[[], object] | None = None,
                      ) -> Watch | None:
        """Call `wake` (on a thread of the store's) soon after any process commits events,
        until the returned watch is closed: how a server's change feed hears of changes
        other servers on the same database made. With `advance`, a signal that names the
        newest committed event's seq is passed to it instead, and the caller need not read
        the head; with `heard`, the events a signal carries are passed to it first (each
        as stored: the caller need not read those back); `reconnected` is called each
        time the signal's session is made anew (signals may have been missed, and the
        database may be another host's now). None where the store has no such signal and callers poll the newest
        event instead (SQLite: one host, one server)."""
        ...

    def watch_outbox(self, wake: Callable[[], object]) -> Watch | None:
        """Call `wake` (on a thread of the store's) soon after any process commits an
        outbox item that is queued (new, requeued, retried, its undo window moved): how
        the outbox workers of several servers on one store hear of work without polling.
        None where the store has no such signal (SQLite: the one server wakes its own)."""
        ...

    def share_presence(self, entries: Callable[[], Sequence[tuple[str, Presence]]],
                       on_others: Callable[[list[Presence]], None]) -> PresenceShare | None:
        """Share this server's presence `entries()` (session key, state) with the other
        servers on this store, and hand theirs to `on_others` whenever they may have
        changed. None where one server is all there is (SQLite)."""
        ...


class AuditReader(Protocol):
    """A read-only look at a store's audit trail from outside the server (`cxinbox audit
    verify`, `doctor`): one snapshot for every read, never a write, never a migration."""

    def walk(self) -> ChainWalkRecord:
        """Walk the event chain from its start, stopping at the first broken link."""
        ...

    def head(self) -> ChainHeadRecord:
        """The newest event: what a signed checkpoint vouches for."""
        ...

    def hash_at(self, seq: int) -> str | None:
        """The stored hash of event `seq` (None when it is not there)."""
        ...

    def missing_guards(self) -> list[str]:
        """The append-only guards (triggers or grants) that should exist and do not."""
        ...

    def audit_keys(self) -> list[AuditKeyRecord]:
        """The signing keys registered in a shared store (none on SQLite)."""
        ...

    def kept_checkpoints(self) -> list[str]:
        """The checkpoint lines kept in a shared store (none on SQLite)."""
        ...

    def registration(self, seq: int) -> str | None:
        """Event `seq`'s details when it registered a key (`audit.key`), else None."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...
