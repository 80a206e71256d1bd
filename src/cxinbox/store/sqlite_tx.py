"""`StoreTx` on one SQLite connection inside a transaction: each operation is the SQL
module function of the same name (store/conversations.py, contacts.py, merge.py ...),
so the SQL stays where it is documented and tested, and this class is only the typed,
connection-free face the service calls."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from cxinbox.domain.models import ParsedMessage
from cxinbox.store import (
    anchor,
    audit,
    contacts,
    csat,
    escalations,
    fts,
    health,
    ingest,
    kb,
    merge,
    outbox,
    reparse,
    rules,
    sms,
    status,
    teams,
    triage,
    undo,
)
from cxinbox.store import conversations as convs
from cxinbox.store.db import append_event
from cxinbox.store.dialect import dialect_of
from cxinbox.store.interface import ListView, Selection, SlaRow
from cxinbox.store.records import EventSpec
from cxinbox.store.sqlite import SqlSelection

_of = SqlSelection.of

if TYPE_CHECKING:
    from cxinbox.domain.reports import KeptBusiness
    from cxinbox.store.anchor import EventStamp
    from cxinbox.store.records import *  # the record types: listed once, where defined
    from cxinbox.store.replaylog import ReplayLog
    from cxinbox.store.retention import TrailStart


class SqliteTx:
    """One transaction's operations (implements `store.interface.StoreTx`)."""

    __slots__ = ("after", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.after: list[tuple[str, str, str, dict[str, Any] | None]] = []
        """Audit events to append once this transaction has committed (`record_after`):
        the store that made the handle appends them."""

    # -- conversations and lists

    def list_page(self, selection: Selection, offset: int, limit: int,
                  order: str = "newest", count_up_to: int | None = None, *,
                  red_flags_first: bool = False) -> tuple[list[ConversationRecord], int]:
        s = _of(selection)
        return convs.list_page(self.conn, s.where, s.params, offset, limit, order,
                               count_up_to, red_flags_first=red_flags_first,
                               unflagged=s.unflagged)

    def list_view(self, selection: Selection, offset: int, limit: int,
                  order: str = "newest", count_up_to: int | None = None, *,
                  red_flags_first: bool = False, unless_sla_dirty: bool = False,
                  ) -> ListView | None:
        if unless_sla_dirty and self.has_sla_dirty():
            return None
        rows, total = self.list_page(selection, offset, limit, order, count_up_to,
                                     red_flags_first=red_flags_first)
        tags = self.tags_for([r.id for r in rows])
        return rows, total, lambda: tags

    def record_after(self, actor: str, action: str, target: str = "",
                     details: dict[str, Any] | None = None) -> None:
        self.after.append((actor, action, target, details))

    def matching_ids(self, selection: Selection) -> list[int]:
        s = _of(selection)
        return convs.matching_ids(self.conn, s.where, s.params)

    def matching_states(self, selection: Selection) -> list[StaffState]:
        s = _of(selection)
        return convs.matching_states(self.conn, s.where, s.params)

    def matching_tags(self, selection: Selection) -> dict[int, set[str]]:
        s = _of(selection)
        return convs.matching_tags(self.conn, s.where, s.params)

    def ids_matching(self, ids: Sequence[int], selection: Selection) -> set[int]:
        s = _of(selection)
        return convs.ids_matching(self.conn, ids, s.where, s.params)

    def ids_matching_each(self, ids: Sequence[int],
                          selections: Sequence[Selection]) -> list[set[int]]:
        return convs.ids_matching_each(self.conn, ids, [(s.where, s.params) for s in
                                                        map(_of, selections)])

    def conversation(self, conv_id: int) -> ConversationRecord | None:
        return convs.conversation(self.conn, conv_id)

    def tags_for(self, ids: Sequence[int]) -> dict[int, list[str]]:
        return convs.tags_for(self.conn, ids)

    def tag_counts(self, limit: int) -> list[tuple[str, int]]:
        return convs.tag_counts(self.conn, limit)

    def unscreened_of(self, conv_ids: Sequence[int],
                      backlog_since: int | None) -> dict[int, UnscreenedMark]:
        return convs.unscreened_of(self.conn, conv_ids, backlog_since)

    def messages_of(self, conv_id: int) -> list[MessageRecord]:
        return convs.messages_of(self.conn, conv_id)

    def notes_of(self, conv_id: int) -> list[NoteRecord]:
        return convs.notes_of(self.conn, conv_id)

    def conversation_of_message(self, message_pk: int) -> int | None:
        return convs.conversation_of_message(self.conn, message_pk)

    def raw_of_message(self, message_pk: int) -> bytes | None:
        return convs.raw_of_message(self.conn, message_pk)

    def sms_message_media(self, message_pk: int) -> SmsMessageMedia | None:
        return sms.sms_message_media(self.conn, message_pk)

    def delivery_statuses(self, message_pks: Sequence[int]) -> dict[int, DeliveryStatus]:
        return sms.delivery_statuses(self.conn, message_pks)

    def sms_keywords(self, message_pks: Sequence[int]) -> dict[int, str]:
        return sms.sms_keywords(self.conn, message_pks)

    def folders(self) -> list[FolderRecord]:
        return convs.folder_rows(self.conn)

    def alerts(self) -> list[AlertRecord]:
        return health.current(self.conn)

    def alert(self, key: str) -> AlertRecord | None:
        return health.get(self.conn, key)

    def put_alert(self, key: str, severity: str, message: str, since: int) -> None:
        health.put(self.conn, key, severity, message, since)

    def clear_alert(self, key: str) -> bool:
        return health.clear(self.conn, key)

    def clear_alerts(self) -> list[str]:
        return health.clear_all(self.conn)

    def folder_checkpoints(self) -> list[FolderCheckpoint]:
        return status.folder_checkpoints(self.conn)

    def outbox_counts(self, now_ms: int) -> OutboxCounts:
        return status.outbox_counts(self.conn, now_ms)

    def sms_cursors(self) -> list[SmsCursor]:
        return status.sms_cursors(self.conn)

    # -- staff state

    def add_tags(self, ids: Iterable[int], tags: Sequence[str]) -> int:
        return convs.add_tags(self.conn, ids, tags)

    def remove_tags(self, ids: Iterable[int], tags: Sequence[str]) -> int:
        return convs.remove_tags(self.conn, ids, tags)

    def add_tag_pairs(self, pairs: Sequence[tuple[int, str]]) -> None:
        convs.add_tag_pairs(self.conn, pairs)

    def remove_tag_pairs(self, pairs: Sequence[tuple[int, str]]) -> None:
        convs.remove_tag_pairs(self.conn, pairs)

    def update_state(self, conv_id: int, **columns: object) -> None:
        convs.update_state(self.conn, conv_id, **columns)

    def update_state_unheld(self, conv_id: int, **columns: object) -> bool:
        return convs.update_state_unheld(self.conn, conv_id, **columns)

    def update_state_many(self, columns: Sequence[str],
                          rows: Sequence[Sequence[object]]) -> None:
        convs.update_state_many(self.conn, columns, rows)

    def mark_read(self, conv_id: int) -> int:
        return convs.mark_read(self.conn, conv_id)

    def snoozed_due(self, now: int) -> list[ConversationRecord]:
        return convs.snoozed_due(self.conn, now)

    # -- notes and mentions

    def insert_note(self, conv_id: int, author: str, body: str, at: int) -> int:
        return convs.insert_note(self.conn, conv_id, author, body, at)

    def get_note(self, note_id: int) -> NoteRecord | None:
        return convs.get_note(self.conn, note_id)

    def retract_note(self, note_id: int, at: int) -> None:
        convs.retract_note(self.conn, note_id, at)

    def insert_mentions(self, note_id: int, users: Iterable[str]) -> None:
        convs.insert_mentions(self.conn, note_id, users)

    def mentions_of(self, user: str, unread_only: bool, limit: int) -> list[MentionRecord]:
        return convs.mentions_of(self.conn, user, unread_only, limit)

    def mark_mentions_read(self, user: str, up_to_note_id: int, at: int) -> int:
        return convs.mark_mentions_read(self.conn, user, up_to_note_id, at)

    def unread_mention_count(self, user: str) -> int:
        return convs.unread_mention_count(self.conn, user)

    # -- the event log

    def append_event(self, actor: str, action: str, target: str = "",
                     details: dict[str, Any] | None = None) -> int:
        return append_event(self.conn, actor, action, target, details)

    def pipeline_to_commit(self) -> None:
        pipeline = getattr(self.conn, "pipeline_until_commit", None)
        if pipeline is not None:
            pipeline()

    def append_event_at_commit(self, actor: str, action: str, target: str = "",
                               details: dict[str, Any] | None = None) -> Callable[[], int]:
        seq = append_event(self.conn, actor, action, target, details)
        return lambda: seq

    def append_events(self, actor: str, events: Sequence[EventSpec]) -> list[int]:
        return audit.append_events(self.conn, actor, events)

    def last_event_seq(self) -> int:
        return convs.last_event_seq(self.conn)

    def feed_head(self) -> tuple[int, str]:
        return dialect_of(self.conn).feed_head(self.conn)

    def events_of_kinds(self, after: int, upto: int, actions: Sequence[str],
                        limit: int) -> list[EventRecord]:
        return convs.events_of_kinds(self.conn, after, upto, actions, limit)

    def changed_by(self, actor: str, since_ms: int, actions: Sequence[str]) -> set[int]:
        return convs.changed_by(self.conn, actor, since_ms, actions)

    def event_at(self, seq: int) -> StoredEvent | None:
        return undo.event_at(self.conn, seq)

    def later_on_target(self, target: str, after: int,
                        actions: Sequence[str]) -> list[StoredEvent]:
        return undo.later_on_target(self.conn, target, after, actions)

    def newest_on_targets(self, targets: Sequence[str],
                          action: str) -> dict[str, tuple[StoredEvent, int]]:
        return undo.newest_on_targets(self.conn, targets, action)

    def note_event_seq(self, target: str, note_id: int) -> int | None:
        return undo.note_event_seq(self.conn, target, note_id)

    def chain_head(self) -> ChainHeadRecord:
        return anchor.chain_head(self.conn)

    def event_hash_at(self, seq: int) -> str | None:
        return anchor.event_hash_at(self.conn, seq)

    def event_stamp(self, seq: int) -> EventStamp | None:
        return anchor.event_row(self.conn, seq)

    def trail_start(self) -> TrailStart:
        from cxinbox.store.retention import trail_start

        return trail_start(self.conn)

    def audit_keys(self) -> list[AuditKeyRecord]:
        from cxinbox.store import audit_keys

        return audit_keys.audit_keys(self.conn)

    def register_audit_key(self, actor: str, key_id: str, public_key: str, host: str,
                           at: int) -> AuditKeyRecord:
        from cxinbox.store import audit_keys

        return audit_keys.register_audit_key(self.conn, actor, key_id, public_key, host, at)

    def keep_checkpoint(self, key_id: str, seq: int, at: int, line: str) -> None:
        from cxinbox.store import audit_keys

        audit_keys.keep_checkpoint(self.conn, key_id, seq, at, line)

    def kept_checkpoints(self) -> list[str]:
        from cxinbox.store import audit_keys

        return audit_keys.kept_checkpoints(self.conn)

    def report_data(self, conversations: Selection, since: int, until: int,
                    needs: Needs) -> ReportData:
        from cxinbox.store.reports import read_report_data

        s = _of(conversations)
        return read_report_data(self.conn, s.where, s.params, since, until, needs)

    def report_facts_stale(self) -> bool:
        from cxinbox.store import report_facts

        return report_facts.has_stale(self.conn)

    def refresh_report_facts(self, limit: int | None = None) -> int:
        from cxinbox.store import report_facts

        return report_facts.refresh(self.conn, limit)

    def keep_report_business(self, kept: Sequence[KeptBusiness]) -> None:
        from cxinbox.store import report_facts

        report_facts.keep_business(self.conn, kept)

    def find_events(self, *, since_ms: int | None = None, actor: str | None = None,
                    target: str | None = None, conversations: Selection | None = None,
                    limit: int | None = None, until_ms: int | None = None
                    ) -> list[EventRecord]:
        where = None
        if conversations is not None:
            s = _of(conversations)
            where = (s.where, s.params)
        return audit.find_events(self.conn, since_ms=since_ms, actor=actor, target=target,
                                 conversations_where=where, limit=limit,
                                 until_ms=until_ms)

    # -- SLA bookkeeping

    def has_sla_dirty(self) -> bool:
        return convs.has_sla_dirty(self.conn)

    def sla_dirty_rows(self, limit: int) -> list[SlaFactsRecord]:
        return convs.sla_dirty_rows(self.conn, limit)

    def store_sla(self, rows: Sequence[SlaRow]) -> None:
        convs.store_sla(self.conn, rows)

    def unsettled_pauses(self) -> list[PauseRecord]:
        return convs.unsettled_pauses(self.conn)

    def settle_pauses(self, rows: Sequence[tuple[int, int]]) -> None:
        convs.settle_pauses(self.conn, rows)

    def escalation_candidates(self, now: int) -> list[EscalationCandidate]:
        return escalations.candidates(self.conn, now)

    def backlog_storing(self, now: int) -> bool:
        return escalations.backlog_storing(self.conn, now)

    def record_escalation(self, conv_id: int, arm: str, level: int, at: int) -> None:
        escalations.record(self.conn, conv_id, arm, level, at)

    # -- merge and split

    def merge(self, into_id: int, other_id: int) -> MergeCounts:
        return merge.merge(self.conn, into_id, other_id)

    def last_merge_record(self, into_id: int, other_id: int) -> dict[str, Any] | None:
        return merge.last_merge_record(self.conn, into_id, other_id)

    def unmerge(self, into_id: int, other_id: int, record: dict[str, Any]) -> int:
        return merge.unmerge(self.conn, into_id, other_id, record)

    def handout_sources(self, conv_id: int) -> list[int]:
        return merge.handout_sources(self.conn, conv_id)

    def plan_split(self, message_pk: int) -> SplitPlan | None:
        return merge.plan_split(self.conn, message_pk)

    def split(self, plan: SplitPlan, norm_subject: str) -> int:
        return merge.split(self.conn, plan, norm_subject)

    # -- drafts and the files attached to replies

    def draft_bases(self, conv_id: int | None) -> Bases:
        return outbox.bases(self.conn, conv_id)

    def insert_draft(self, *, conversation_id: int | None, author: str, mode: str,
                     account: str, to: Sequence[str], cc: Sequence[str], subject: str,
                     body: str, parent_message: int | None, base: Bases, now_ms: int) -> int:
        return outbox.insert_draft(
            self.conn, conversation_id=conversation_id, author=author, mode=mode,
            account=account, to=to, cc=cc, subject=subject, body=body,
            parent_message=parent_message, base=base, now_ms=now_ms)

    def draft(self, draft_id: int) -> DraftRecord | None:
        return outbox.get_draft(self.conn, draft_id)

    def draft_of(self, conv_id: int, author: str) -> DraftRecord | None:
        return outbox.draft_of(self.conn, conv_id, author)

    def drafts_of(self, conv_id: int) -> list[DraftRecord]:
        return outbox.drafts_of(self.conn, conv_id)

    def drafts_by(self, author: str) -> list[DraftRecord]:
        return outbox.drafts_by(self.conn, author)

    def update_draft(self, draft_id: int, now_ms: int, **columns: object) -> None:
        outbox.update_draft(self.conn, draft_id, now_ms, **columns)

    def delete_draft(self, draft_id: int) -> None:
        outbox.delete_draft(self.conn, draft_id)

    def insert_reply_file(self, *, author: str, filename: str, content_type: str, data: bytes,
                          sha256: str, now_ms: int) -> int:
        return outbox.insert_file(self.conn, author=author, filename=filename,
                                  content_type=content_type, data=data, sha256=sha256,
                                  now_ms=now_ms)

    def reply_file_infos(self, ids: Sequence[int]) -> dict[int, ReplyFileInfo]:
        return outbox.file_infos(self.conn, ids)

    def reply_file(self, file_id: int) -> ReplyFile | None:
        return outbox.file_data(self.conn, file_id)

    def delete_reply_files(self, ids: Sequence[int]) -> int:
        return outbox.delete_files(self.conn, ids)

    def release_outbox_files(self, item_id: int) -> int:
        return outbox.release_item_files(self.conn, item_id)

    def guard_changes(self, conv_id: int, base_message: int, base_note: int, base_outbox: int,
                      me: str) -> list[GuardChange]:
        return outbox.changes_since(self.conn, conv_id, base_message, base_note, base_outbox, me)

    def reply_parent(self, conv_id: int) -> ReplyParent | None:
        return outbox.parent_candidate(self.conn, conv_id)

    def sms_conversation_of(self, clinic_number: str, patient_number: str) -> int | None:
        return sms.conversation_of_number(self.conn, clinic_number, patient_number)

    # -- the outbox

    def outbox_item(self, item_id: int) -> OutboxItem | None:
        return outbox.item(self.conn, item_id)

    def replies_since(self, conv_ids: Sequence[int], since_ms: int,
                      exclude: int | None = None) -> list[OutboxItem]:
        return outbox.replies_since(self.conn, conv_ids, since_ms, exclude)

    def insert_outbox_item(self, *, conversation_id: int | None, author: str, channel: str,
                           account: str, sender: str, recipients: Sequence[str], subject: str,
                           message_id: str | None, raw: bytes | None, body: str,
                           draft: dict[str, Any], now_ms: int, send_after_ms: int) -> int:
        return outbox.insert_item(
            self.conn, conversation_id=conversation_id, author=author, channel=channel,
            account=account, sender=sender, recipients=recipients, subject=subject,
            message_id=message_id, raw=raw, body=body, draft=draft, now_ms=now_ms,
            send_after_ms=send_after_ms)

    def outbox_items(self, states: Sequence[str] | None, limit: int,
                     conversation_id: int | None = None,
                     channel: str | None = None) -> list[OutboxItem]:
        return outbox.list_items(self.conn, states, limit, conversation_id, channel)

    def outbox_drafts(self, channel: str) -> list[tuple[int, str, str | None, str | None]]:
        return outbox.drafts_of_channel(self.conn, channel)

    def requeue_outbox_item(self, item_id: int, send_after_ms: int) -> bool:
        return outbox.requeue_cancelled(self.conn, item_id, send_after_ms)

    def outbox_in_state(self, state: str, limit: int) -> list[OutboxItem]:
        return outbox.items_in_state(self.conn, state, limit)

    def outbox_due_ids(self, now_ms: int) -> list[int]:
        return outbox.due_ids(self.conn, now_ms)

    def outbox_next_due_ms(self) -> int | None:
        return outbox.next_due_ms(self.conn)

    def claim_outbox_item(self, item_id: int, now_ms: int, pid: int) -> bool:
        return outbox.claim(self.conn, item_id, now_ms, pid)

    def claim_next_outbox_item(self, now_ms: int, pid: int) -> int | None:
        return outbox.claim_next(self.conn, now_ms, pid)

    def set_outbox_phase(self, item_id: int, phase: str, owner: int | None = None) -> bool:
        return outbox.set_phase(self.conn, item_id, phase, owner)

    def set_outbox_state(self, item_id: int, state: str, *, error: str | None = None,
                         next_attempt_ms: int | None = None, clear_phase: bool = False,
                         reset_attempts: bool = False, only_from: str | None = None) -> bool:
        return outbox.set_state(self.conn, item_id, state, error=error,
                                next_attempt_ms=next_attempt_ms, clear_phase=clear_phase,
                                reset_attempts=reset_attempts, only_from=only_from)

    def hold_outbox_item(self, item_id: int, state: str, owner: int | None = None) -> bool:
        return outbox.hold(self.conn, item_id, state, owner)

    def mark_outbox_sent(self, item_id: int, now_ms: int, *, provider_id: str | None = None,
                         message_pk: int | None = None, sent_copy: str = "") -> None:
        outbox.mark_sent(self.conn, item_id, now_ms, provider_id=provider_id,
                         message_pk=message_pk, sent_copy=sent_copy)

    def outbox_raw(self, item_id: int) -> bytes:
        return outbox.item_raw(self.conn, item_id)

    def outbox_files(self, item_id: int) -> list[tuple[str, bytes]]:
        return outbox.item_files(self.conn, item_id)

    def outbox_provider_ids(self, sender: str, recipient: str) -> set[str]:
        return outbox.provider_ids(self.conn, sender, recipient)

    def stuck_outbox_items(self, owners: Sequence[int] | None = None) -> list[OutboxItem]:
        return outbox.stuck_sending(self.conn, owners)

    def sent_copy_due(self, now_ms: int) -> list[OutboxItem]:
        return outbox.sent_copy_due(self.conn, now_ms)

    def set_sent_copy(self, item_id: int, status: str, *, error: str = "", next_ms: int = 0,
                      count_try: bool = True) -> None:
        outbox.set_sent_copy(self.conn, item_id, status, error=error, next_ms=next_ms,
                             count_try=count_try)

    def claim_sent_copy(self, item_id: int, now_ms: int, next_ms: int) -> bool:
        return outbox.claim_sent_copy(self.conn, item_id, now_ms, next_ms)

    def record_outbound_email(self, *, item_id: int, account: str, conversation_id: int | None,
                              raw: bytes, parsed: ParsedMessage, own_addresses: frozenset[str],
                              now_s: int, counts_as_response: bool) -> tuple[int, int]:
        return outbox.record_outbound_email(
            self.conn, item_id=item_id, account=account, conversation_id=conversation_id,
            raw=raw, parsed=parsed, own_addresses=own_addresses, now_s=now_s,
            counts_as_response=counts_as_response)

    def record_outbound_sms(self, rec: SmsRecord, *,
                            counts_as_response: bool) -> StoredSms | None:
        return sms.store_sms(self.conn, rec, counts_as_response=counts_as_response)

    def store_sms(self, rec: SmsRecord, *, index_text: bool = True,
                  now: int | None = None,
                  backlog_before: int | None = None) -> StoredSms | None:
        return sms.store_sms(self.conn, rec, index_text=index_text, now=now,
                             backlog_before=backlog_before)

    def message_of_sms_id(self, provider_id: str) -> int | None:
        return outbox.message_of_sid(self.conn, provider_id)

    def is_opted_out(self, number: str) -> bool:
        return sms.is_opted_out(self.conn, number)

    # -- SMS sync

    def sms_cursor(self, clinic_number: str) -> int | None:
        return sms.poll_cursor(self.conn, clinic_number)

    def advance_sms_cursor(self, clinic_number: str, date_sent_max: int | None,
                           polled_at: int) -> None:
        sms.advance_cursor(self.conn, clinic_number, date_sent_max, polled_at)

    def known_sids(self, sids: Sequence[str]) -> dict[str, KnownSms]:
        return sms.known_sids(self.conn, sids)

    def update_sms_status(self, sid: str, status: str, error_code: int | None,
                          error_message: str, now: int) -> int | None:
        return sms.update_status(self.conn, sid, status, error_code, error_message, now)

    def sms_outbox_of(self, sid: str) -> tuple[int, str] | None:
        return sms.outbox_of_sid(self.conn, sid)

    def sms_placeholders(self, clinic_number: str, patient_number: str) -> list[SmsPlaceholder]:
        return sms.placeholders(self.conn, clinic_number, patient_number)

    def adopt_sms_sid(self, placeholder: str, sid: str, status: str, error_code: int | None,
                      error_message: str, raw: bytes, now: int) -> int | None:
        return sms.adopt_sid(self.conn, placeholder, sid, status, error_code, error_message,
                             raw, now)

    def refresh_received_sms(self, sid: str, status: str, raw: bytes,
                             media: Sequence[tuple[str, str, str]], now: int) -> int | None:
        return sms.refresh_received(self.conn, sid, status, raw, media, now)

    def set_sms_keyword(self, sid: str, keyword: str) -> None:
        sms.set_keyword(self.conn, sid, keyword)

    def set_opt_state(self, number: str, state: str, keyword: str, clinic_number: str,
                      changed_at: int, message_pk: int | None) -> bool:
        return sms.set_opt_state(self.conn, number, state, keyword, clinic_number, changed_at,
                                 message_pk)

    def add_system_line(self, conv_id: int, text: str, at: int) -> int:
        return sms.add_system_line(self.conn, conv_id, text, at)

    def open_outbound_sms(self, clinic_numbers: Sequence[str], since: int,
                          limit: int) -> list[str]:
        return sms.open_outbound(self.conn, clinic_numbers, since, limit)

    def receiving_sms(self, clinic_numbers: Sequence[str], since: int, limit: int) -> list[str]:
        return sms.still_receiving(self.conn, clinic_numbers, since, limit)

    def reopen(self, conv_id: int, at: int, reason: str, actor: str) -> bool:
        return convs.reopen(self.conn, conv_id, at, reason, actor=actor)

    def ingest_local(self, *, account: str, folder: str, raw: bytes, parsed: ParsedMessage,
                     at: int, seen: bool, own_addresses: frozenset[str], now: int) -> int:
        from cxinbox.store.local_mail import ingest_local

        return ingest_local(self.conn, account=account, folder=folder, raw=raw, parsed=parsed,
                            at=at, seen=seen, own_addresses=own_addresses, now=now)

    # -- rebuilding

    def raw_batch(self, after_id: int, limit: int) -> list[tuple[int, bytes]]:
        return reparse.raw_batch(self.conn, after_id, limit)

    def update_parsed(self, updates: Sequence[tuple[int, ParsedMessage]]) -> None:
        reparse.update_parsed(self.conn, updates)

    def rebuild_search_index(self) -> None:
        reparse.rebuild_fts(self.conn)

    # -- contacts

    def contact_of_address(self, address: str) -> int | None:
        return contacts.contact_of_address(self.conn, address)

    def create_contact(self, name: str, first_address: str | None) -> int:
        return contacts.create_contact(self.conn, name, first_address)

    def add_address(self, contact_id: int, address: str, name: str) -> None:
        contacts.add_address(self.conn, contact_id, address, name)

    def link_conversation(self, conv_id: int, address: str, name: str) -> int:
        return contacts.link_conversation(self.conn, conv_id, address, name)

    def attach_conversation(self, conv_id: int, address: str,
                            name: str) -> tuple[int, bool, list[int]]:
        return contacts.attach_conversation(self.conn, conv_id, address, name)

    def live_contact_id(self, contact_id: int) -> int | None:
        return contacts.live_contact_id(self.conn, contact_id)

    def get_contact(self, contact_id: int) -> ContactRecord | None:
        return contacts.get_contact(self.conn, contact_id)

    def conversations_of_contact(self, contact_id: int) -> list[ContactConversationRecord]:
        return contacts.conversations_of_contact(self.conn, contact_id)

    def move_conversations_by_address(self, from_contact: int | None, to_contact: int,
                                      address: str) -> list[int]:
        return contacts.move_conversations_by_address(self.conn, from_contact, to_contact,
                                                      address)

    def merge_contacts(self, into_id: int, other_id: int) -> list[int]:
        return contacts.merge_contacts(self.conn, into_id, other_id)

    def mark_merged_if_empty(self, contact_id: int, into_id: int) -> bool:
        return contacts.mark_merged_if_empty(self.conn, contact_id, into_id)

    # -- teams and away

    def away_staff(self) -> list[AwayRecord]:
        return teams.away(self.conn)

    def set_away(self, os_user: str, away: bool, at: int, set_by: str) -> bool:
        return teams.set_away(self.conn, os_user, away, at, set_by)

    def open_counts(self, users: Sequence[str]) -> dict[str, int]:
        return teams.open_counts(self.conn, users)

    def team_cursor(self, team: str) -> str | None:
        return teams.cursor(self.conn, team)

    def set_team_cursor(self, team: str, member: str, at: int) -> None:
        teams.set_cursor(self.conn, team, member, at)

    def set_conversation_team(self, conv_id: int, team: str | None, at: int) -> None:
        teams.set_conversation_team(self.conn, conv_id, team, at)

    def teams_of(self, conv_ids: Sequence[int]) -> dict[int, str]:
        return teams.teams_of(self.conn, conv_ids)

    def open_held_by(self, os_user: str) -> list[tuple[int, str | None]]:
        return teams.open_held_by(self.conn, os_user)

    def red_flags_unheld(self) -> list[int]:
        return teams.red_flags_unheld(self.conn)
    # -- the knowledge base

    def kb_article(self, slug: str) -> KbArticleRecord | None:
        return kb.article(self.conn, slug)

    def kb_articles(self, *, retired: bool = False) -> list[KbArticleRecord]:
        return kb.articles(self.conn, retired=retired)

    def kb_search(self, words: Sequence[tuple[str, bool]], limit: int) -> list[KbHitRecord]:
        return kb.search(self.conn, words, limit)

    def kb_save(self, *, slug: str, title: str, tags: str, audience: str, body: str,
                link: str, source: str, author: str, at: int, changed: str,
                note: str) -> int:
        return kb.save(self.conn, slug=slug, title=title, tags=tags, audience=audience,
                       body=body, link=link, source=source, author=author, at=at,
                       changed=changed, note=note)

    def kb_retire(self, slug: str, *, author: str, at: int) -> bool:
        return kb.retire(self.conn, slug, author=author, at=at)

    def kb_revisions(self, slug: str) -> list[KbRevisionRecord]:
        return kb.revisions(self.conn, slug)
    # -- rules ----------------------------------------------------------------------------------

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        self.conn.execute("SAVEPOINT rule_step")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO rule_step")
            self.conn.execute("RELEASE rule_step")
            raise
        self.conn.execute("RELEASE rule_step")

    def hold_intake(self) -> None:
        """SQLite has one writer at a time: the turn is the transaction itself."""

    def max_message_pk(self) -> int:
        return rules.max_message_pk(self.conn)

    def arrivals_after(self, message_pk: int) -> list[ArrivalRecord]:
        return rules.arrivals_after(self.conn, message_pk)

    def arrivals_after_later(self, message_pk: int) -> Callable[[], list[ArrivalRecord]]:
        return rules.arrivals_after_later(self.conn, message_pk)

    def ack_refusal(self, conv_id: int, sender: str, day: str) -> str | None:
        return rules.ack_refusal(self.conn, conv_id, sender, day)

    def record_ack(self, conv_id: int, sender: str, day: str, rule: str, outbox_id: int,
                   at: int) -> None:
        rules.record_ack(self.conn, conv_id, sender, day, rule, outbox_id, at)

    def is_acknowledgement(self, conv_id: int, outbox_id: int) -> bool:
        return rules.is_acknowledgement(self.conn, conv_id, outbox_id)

    def pin_sla_policy(self, conv_id: int, policy: str, rule: str, at: int) -> None:
        rules.pin_sla_policy(self.conn, conv_id, policy, rule, at)

    def sla_pins(self, ids: Sequence[int]) -> dict[int, str]:
        return rules.sla_pins(self.conn, ids)

    def past_triggers(self, trigger: str, since_s: int) -> list[PastTrigger]:
        return rules.past_triggers(self.conn, trigger, since_s)

    def rewind(self, conv_id: int, state: PastState) -> None:
        rules.rewind(self.conn, conv_id, state)

    def forget_acks_after(self, seq: int, log: ReplayLog | None = None) -> None:
        rules.forget_acks_after(self.conn, seq, log)

    def rewind_opt_outs(self, seq: int, log: ReplayLog | None = None) -> None:
        rules.rewind_opt_outs(self.conn, seq, log)

    def message_bounds(self, seq: int,
                       log: ReplayLog | None = None) -> tuple[int, int] | None:
        return rules.message_bounds(self.conn, seq, log)

    def latest_inbound(self, conv_id: int, upto: int | None,
                       at: int) -> tuple[int, bool] | None:
        return rules.latest_inbound(self.conn, conv_id, upto, at)

    def latest_inbound_each(self, moments: Sequence[tuple[int, int, int]],
                            ) -> dict[tuple[int, int], tuple[int, bool] | None]:
        return rules.latest_inbound_each(self.conn, moments)

    def message_record(self, message_pk: int) -> MessageRecord | None:
        return rules.message_record(self.conn, message_pk)

    def hide_later_messages(self, conv_id: int, upto: int | None, at: int,
                            ids: Sequence[int] | None = None) -> int:
        return rules.hide_later_messages(self.conn, conv_id, upto, at, ids)

    def moment_reads(self, log: ReplayLog, conv_ids: Sequence[int], upto: int | None,
                     at: int) -> tuple[dict[int, ConversationRecord], dict[int, list[str]],
                                       dict[int, list[int]]]:
        return rules.moment_reads(self.conn, log, conv_ids, upto, at)

    def restore_messages(self, conv_id: int, upto: int) -> None:
        rules.restore_messages(self.conn, conv_id, upto)

    def rewind_holders(self, seq: int, log: ReplayLog | None = None,
                       keep: Container[int] = ()) -> None:
        rules.rewind_holders(self.conn, seq, log, keep)

    def rewind_teams(self, teams: Sequence[str], seq: int,
                     log: ReplayLog | None = None) -> None:
        rules.rewind_teams(self.conn, teams, seq, log)
    # -- triage at ingest

    def triage_pending(self, limit: int, *, known: Container[bytes] = frozenset()
                       ) -> tuple[list[TriageCandidate], int]:
        return triage.pending(self.conn, limit, known=known)

    def advance_triage(self, upto: int) -> None:
        triage.advance(self.conn, upto)

    def record_triage(self, message_pk: int, intent: str, confidence: float,
                      red_flag: str | None, matched: str) -> None:
        triage.record_message(self.conn, message_pk, intent, confidence, red_flag, matched)

    def set_conversation_intent(self, conv_id: int, intent: str, confidence: float,
                                language: str) -> None:
        triage.set_intent(self.conn, conv_id, intent, confidence, language)

    def red_flag_state(self, conv_id: int) -> RedFlagState | None:
        return triage.red_flag_state(self.conn, conv_id)

    def open_red_flag(self, conv_id: int, category: str, matched: str, message_pk: int,
                      at: int) -> None:
        triage.open_flag(self.conn, conv_id, category, matched, message_pk, at)

    def open_staff_red_flags(self, conv_ids: Sequence[int], at: int) -> list[int]:
        return triage.open_staff_flags(self.conn, conv_ids, at)

    def clear_red_flag(self, conv_id: int, at: int) -> None:
        triage.clear_flag(self.conn, conv_id, at)
    # -- satisfaction question (CSAT) ------------------------------------------------------

    def csat_cursor(self) -> int | None:
        return csat.csat_cursor(self.conn)

    def set_csat_cursor(self, seq: int) -> None:
        csat.set_csat_cursor(self.conn, seq)

    def csat_status_changes_after(self, seq: int, limit: int) -> list[CsatStatusChange]:
        return csat.status_changes_after(self.conn, seq, limit)

    def csat_seq_before(self, at: int) -> int:
        return csat.seq_before(self.conn, at)

    def schedule_csat(self, conv_id: int, closed_at: int, due_at: int, staff: str) -> None:
        csat.schedule_csat(self.conn, conv_id, closed_at, due_at, staff)

    def cancel_csat(self, conv_id: int, reason: str) -> bool:
        return csat.cancel_csat(self.conn, conv_id, reason)

    def csat_due(self, now: int, limit: int = 100) -> list[CsatDue]:
        return csat.csat_due(self.conn, now, limit)

    def csat_patient_asked_since(self, patient: str, since: int) -> bool:
        return csat.patient_asked_since(self.conn, patient, since)

    def finish_csat(self, request_id: int, *, state: str, reason: str = "", patient: str = "",
                    channel: str = "", lang: str = "", outbox_id: int | None = None,
                    asked_at: int | None = None, answer_until: int | None = None) -> bool:
        return csat.finish_csat(self.conn, request_id, state=state, reason=reason,
                                patient=patient, channel=channel, lang=lang,
                                outbox_id=outbox_id, asked_at=asked_at,
                                answer_until=answer_until)

    def csat_ratings(self, since: int, until: int) -> list[CsatRatingRow]:
        return csat.csat_ratings(self.conn, since, until)

    def csat_asked(self, since: int, until: int) -> int:
        return csat.csat_asked(self.conn, since, until)

    # -- mail sync: folders, watermarks, ingest (store/ingest.py, fts.py)

    def folder_state(self, account: str, name: str) -> FolderState:
        return ingest.folder_state(self.conn, account, name)

    def set_uidvalidity(self, folder_id: int, uidvalidity: int) -> None:
        ingest.set_uidvalidity(self.conn, folder_id, uidvalidity)

    def reset_folder_identity(self, folder_id: int, uidvalidity: int) -> int:
        return ingest.reset_folder_identity(self.conn, folder_id, uidvalidity)

    def set_folder_marks(self, folder_id: int, *, uidnext: int | None,
                         highestmodseq: int | None, synced_at: int) -> None:
        ingest.set_folder_marks(self.conn, folder_id, uidnext=uidnext,
                                highestmodseq=highestmodseq, synced_at=synced_at)

    def mark_synced(self, folder_id: int, at: int) -> None:
        ingest.mark_synced(self.conn, folder_id, at)

    def release_pending(self, folder_id: int) -> bool:
        return ingest.release_pending(self.conn, folder_id)

    def consume_release(self, folder_id: int) -> bool:
        return ingest.consume_release(self.conn, folder_id)

    def set_quarantine(self, folder_id: int, reason: str | None) -> None:
        ingest.set_quarantine(self.conn, folder_id, reason)

    def release_quarantine(self, account: str, folder: str) -> bool:
        return ingest.release_quarantine(self.conn, account, folder)

    def sweep_pending(self, folder_id: int) -> bool:
        return ingest.sweep_pending(self.conn, folder_id)

    def clear_sweep(self, folder_id: int) -> None:
        ingest.clear_sweep(self.conn, folder_id)

    def live_email_count(self) -> int:
        return ingest.live_email_count(self.conn)

    def orphan_count(self) -> int:
        return ingest.orphan_count(self.conn)

    def sweep_gone(self, now: int) -> set[int]:
        return ingest.sweep_gone(self.conn, now)

    def local_uids(self, folder_id: int) -> list[int]:
        return ingest.local_uids(self.conn, folder_id)

    def local_count(self, folder_id: int) -> int:
        return ingest.local_count(self.conn, folder_id)

    def sample_uids(self, folder_id: int, count: int = 16) -> list[int]:
        return ingest.sample_uids(self.conn, folder_id, count)

    def fingerprints(self, folder_id: int, uids: Sequence[int]) -> dict[int, tuple[int, str]]:
        return ingest.fingerprints(self.conn, folder_id, uids)

    def ingest_batch(self, folder: FolderState, messages: Sequence[FetchedMessage], *,
                     own_addresses: frozenset[str], watermark: int, now: int,
                     index_text: bool = True, outbound: bool = False,
                     backlog_before: int | None = None) -> set[int]:
        return ingest.ingest_batch(self.conn, folder, messages, own_addresses=own_addresses,
                                   watermark=watermark, now=now, index_text=index_text,
                                   outbound=outbound, backlog_before=backlog_before)

    def apply_flags(self, folder_id: int,
                    changes: Sequence[tuple[int, str, int | None]]) -> set[int]:
        return ingest.apply_flags(self.conn, folder_id, changes)

    def changed_flags(self, folder_id: int, listed: Sequence[tuple[int, str, int | None]]
                      ) -> list[tuple[int, str, int | None]]:
        return ingest.changed_flags(self.conn, folder_id, listed)

    def seen_to_push(self, folder_id: int, limit: int = 1000) -> list[int]:
        return ingest.seen_to_push(self.conn, folder_id, limit)

    def mark_pushed_seen(self, folder_id: int, uids: Sequence[int]) -> None:
        ingest.mark_pushed_seen(self.conn, folder_id, uids)

    def drop_locations(self, folder_id: int, uids: Sequence[int]) -> None:
        ingest.drop_locations(self.conn, folder_id, uids)

    def index_pending(self, limit: int = 5000) -> int:
        return fts.index_pending(self.conn, limit)
