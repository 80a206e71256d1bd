"""Answering patients: shared drafts, canned replies, the send guard and the outbox.

`ReplyService` is what the TUI composer and `cxinbox reply` / `cxinbox outbox` call. It
never talks to the network: `send` writes the finished message to the outbox (committed)
and the `OutboxWorker` delivers it after the undo window.

Why the send guard compares ids rather than times: a draft remembers the newest message,
note and outbox id of its conversation when composing started; anything newer from
someone else (a patient's new message, a colleague's reply or note, a colleague's reply
still in the outbox) stops the send until the author has seen it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cxinbox.config import AccountConfig
from cxinbox.contract.errors import BadRequest, CannedRefused, NotFound
from cxinbox.contract.reply_types import (
    CannedView,
    DraftFile,
    DraftView,
    GuardItem,
    OutboxItemView,
    RenderedCanned,
    SendGuardTripped,
)
from cxinbox.domain import compose
from cxinbox.domain.compose import HandedOut
from cxinbox.domain.mime import parse_message
from cxinbox.domain.recipient import Recipient, RecipientError, parse_recipient
from cxinbox.domain.sanitize import clean_line, clean_text, header_safe
from cxinbox.service.canned_library import canned_views
from cxinbox.service.inbox import PRIVILEGED_ROLES, InboxService
from cxinbox.service.redflags import (
    CannedLeft,
    canned_left,
    canned_refusal,
    clear_it_first,
    handed_hashes,
    library_handouts,
    red_flag_open,
)
from cxinbox.store.interface import Store, StoreTx
from cxinbox.store.records import DraftRecord, OutboxItem, file_ids

MODES: Final = ("reply", "reply_all", "new", "sms")
STATES: Final = ("queued", "sending", "sent", "failed", "cancelled", "unconfirmed")
MAX_BODY_CHARS: Final = 200_000
SMS_MAX_CHARS: Final = 1600  # ten segments; providers refuse longer texts
MAX_ATTACHMENTS: Final = 20
MAX_FILENAME_CHARS: Final = 120


class ReplyService:
    """Reply use cases for one acting staff member (the InboxService's actor)."""

    def __init__(self, inbox: InboxService, *, worker: Any = None) -> None:
        self.inbox = inbox
        self.store: Store = inbox.store
        self.config = inbox.config
        self.actor = inbox.actor
        self.worker = worker  # an OutboxWorker to wake after queue/cancel/retry, if any

    # -- helpers ---------------------------------------------------------------------------

    def staff_name(self, os_user: str) -> str:
        member = self.config.staff_member(os_user)
        return clean_line(member.name if member else os_user)

    def _account(self, name: str) -> AccountConfig | None:
        try:
            return self.config.account(name)
        except KeyError:
            return None

    def _own_addresses(self) -> list[str]:
        return [a.address.lower() for a in self.config.accounts if a.address]

    def _draft_view(self, tx: StoreTx, draft: DraftRecord) -> DraftView:
        account = self._account(draft.account)
        channel = "sms" if draft.mode == "sms" else "email"
        return DraftView(
            id=draft.id, conversation_id=draft.conversation_id, author=clean_line(draft.author),
            author_name=self.staff_name(draft.author), mode=draft.mode, channel=channel,
            account=clean_line(draft.account),
            to=tuple(clean_line(a) for a in json.loads(draft.to_addrs)),
            cc=tuple(clean_line(a) for a in json.loads(draft.cc_addrs)),
            subject=clean_line(draft.subject), body=clean_text(draft.body),
            attachments=_draft_files(tx, json.loads(draft.attachments)),
            created_at=draft.created_ms / 1000, updated_at=draft.updated_ms / 1000,
            signature=clean_text(account.signature) if account and channel == "email" else "")

    @staticmethod
    def item_view(item: OutboxItem) -> OutboxItemView:
        return OutboxItemView(
            id=item.id, conversation_id=item.conversation_id, author=clean_line(item.author),
            channel=item.channel, account=clean_line(item.account),
            recipients=tuple(clean_line(r) for r in json.loads(item.recipients)),
            subject=clean_line(item.subject), state=item.state, phase=item.phase,
            attempts=item.attempts, last_error=clean_line(item.last_error),
            created_at=item.created_ms / 1000, send_after=item.send_after_ms / 1000,
            next_attempt_at=item.next_attempt_ms / 1000,
            sent_at=item.sent_ms / 1000 if item.sent_ms is not None else None,
            message_id=clean_line(item.message_id) if item.message_id else None,
            provider_id=clean_line(item.provider_id) if item.provider_id else None,
            sent_copy=item.sent_copy, sent_copy_error=clean_line(item.sent_copy_error),
            delivery=clean_line(item.delivery),
            delivery_error=clean_line(item.delivery_error))

    def _own_draft(self, tx: StoreTx, draft_id: int) -> DraftRecord:
        draft = tx.draft(draft_id)
        if draft is None:
            raise NotFound(f"no draft {draft_id} (sent or discarded already?)")
        if draft.author != self.actor:
            raise BadRequest(f"draft {draft_id} belongs to {self.staff_name(draft.author)};"
                             " only its author can change or send it")
        return draft

    def _wake_worker(self) -> None:
        if self.worker is not None:
            self.worker.wake()
        else:
            from cxinbox.service.outbox import wake_running

            wake_running()

    # -- drafts ----------------------------------------------------------------------------

    def start_draft(self, conv_id: int | None, mode: str = "reply", to: str | None = None,
                    *, mailbox: str | None = None) -> DraftView:
        """The caller's draft for the conversation, created if there is none yet.

        Reply: To is the parent's Reply-To (else From). Reply-all adds its other recipients
        as Cc, never our own mailboxes. A new message (conv_id None) needs `to`: an e-mail
        address, or a mobile number in any common form ("(555) 350-4006", "+44 20 …"),
        which makes it a text from the clinic's SMS number (`mailbox` may name another of
        them); a number that has texted with that clinic number already gets the reply in
        its conversation, where its texts are.
        """
        if mode not in MODES:
            raise BadRequest(f"mode must be one of {', '.join(MODES)}")
        with self.store.writing() as tx:
            if conv_id is None and to and (mode == "sms" or (mode == "new" and "@" not in to)):
                conv_id = self._text_conversation(tx, to, mailbox)
                if conv_id is None:
                    draft_id = self._new_text_draft(tx, to, mailbox)
                    tx.append_event(self.actor, "draft.started", f"draft:{draft_id}",
                                    {"draft": draft_id, "mode": "sms"})
                    draft = tx.draft(draft_id)
                    assert draft is not None
                    return self._draft_view(tx, draft)
                mode, to = "sms", None
            if conv_id is None:
                draft_id = self._new_message_draft(tx, mode, to, mailbox)
            else:
                existing = tx.draft_of(conv_id, self.actor)
                if existing is not None:
                    view = self._draft_view(tx, existing)
                    self._record_drafts(f"conversation:{conv_id}", [view])
                    return view
                draft_id = self._reply_draft(tx, conv_id, mode, to)
            tx.append_event(self.actor, "draft.started",
                            f"conversation:{conv_id}" if conv_id else f"draft:{draft_id}",
                            {"draft": draft_id, "mode": mode})
            draft = tx.draft(draft_id)
            assert draft is not None
            return self._draft_view(tx, draft)

    def _new_message_draft(self, tx: StoreTx, mode: str, to: str | None,
                           mailbox: str | None) -> int:
        if mode != "new":
            raise BadRequest("a draft without a conversation must use mode 'new'")
        if mailbox is not None:
            account = self._account(mailbox)
            if account is None:
                raise BadRequest(f"no mailbox named {clean_line(mailbox)!r}")
        else:
            account = next((a for a in self.config.accounts if a.smtp_host), None)
            if account is None:
                raise BadRequest("no mailbox has an smtp_host; new messages cannot be sent")
        recipients = [self._address(self._recipient(to).value)] if to else []
        return tx.insert_draft(
            conversation_id=None, author=self.actor, mode="new", account=account.name,
            to=recipients, cc=[], subject="", body="", parent_message=None,
            base=tx.draft_bases(None), now_ms=self.store.now_ms())

    def _sms_sender(self, mailbox: str | None) -> str:
        """The clinic number a new text leaves from: the first one, or the one `mailbox`
        names by number or by name."""
        numbers = self.config.sms.numbers
        if not self.config.sms.configured or not numbers:
            raise BadRequest("texts cannot be sent here (no [sms] in the config); type an"
                             " e-mail address instead")
        if mailbox is None:
            return numbers[0].number
        for number in numbers:
            if mailbox in (number.number, number.name):
                return number.number
        raise BadRequest(f"no SMS number named {clean_line(mailbox)!r}")

    def _recipient(self, typed: str) -> Recipient:
        """An address or number as typed into `C` or the CLI, one line when neither."""
        try:
            return parse_recipient(typed, self.config.phone_country)
        except RecipientError as exc:
            raise BadRequest(clean_line(str(exc))) from None

    def _patient_number(self, typed: str) -> str:
        found = self._recipient(typed)
        if found.kind != "phone":
            raise BadRequest(f"{clean_line(typed)[:40]!r} is not a phone number")
        return found.value

    def _text_conversation(self, tx: StoreTx, typed: str, mailbox: str | None) -> int | None:
        return tx.sms_conversation_of(self._sms_sender(mailbox), self._patient_number(typed))

    def _new_text_draft(self, tx: StoreTx, typed: str, mailbox: str | None) -> int:
        return tx.insert_draft(
            conversation_id=None, author=self.actor, mode="sms",
            account=self._sms_sender(mailbox), to=[self._patient_number(typed)], cc=[],
            subject="", body="", parent_message=None, base=tx.draft_bases(None),
            now_ms=self.store.now_ms())

    def _reply_draft(self, tx: StoreTx, conv_id: int, mode: str, to: str | None) -> int:
        conv = tx.conversation(conv_id)
        if conv is None:
            raise NotFound(f"no conversation #{conv_id}")
        if conv.merged_into:
            raise NotFound(f"conversation #{conv_id} was merged into #{conv.merged_into}")
        base = tx.draft_bases(conv_id)
        if conv.channel == "sms" or mode == "sms":
            if conv.channel != "sms":
                raise BadRequest(f"conversation #{conv_id} is email; reply by email")
            return tx.insert_draft(
                conversation_id=conv_id, author=self.actor, mode="sms",
                account=conv.mailbox, to=[conv.from_addr], cc=[], subject="", body="",
                parent_message=None, base=base, now_ms=self.store.now_ms())
        if mode == "new":
            mode = "reply"
        found = tx.reply_parent(conv_id)
        parent = _parent_of(found.data) if found is not None else None
        if parent is not None:
            rcpt_to, rcpt_cc = compose.reply_recipients(parent, self._own_addresses(),
                                                        reply_all=mode == "reply_all")
        else:
            rcpt_to, rcpt_cc = ([conv.from_addr] if conv.from_addr else []), []
        if to:
            rcpt_to = [self._address(to)]
            rcpt_cc = compose.dedupe_addresses(rcpt_cc, exclude=rcpt_to)
        subject = compose.reply_subject(parent.subject if parent and parent.subject
                                        else conv.subject)
        return tx.insert_draft(
            conversation_id=conv_id, author=self.actor, mode=mode, account=conv.mailbox,
            to=rcpt_to, cc=rcpt_cc, subject=subject, body="",
            parent_message=found.id if found is not None else None,
            base=base, now_ms=self.store.now_ms())

    @staticmethod
    def _address(text: str) -> str:
        try:
            return compose.check_address(text)
        except compose.ComposeError as exc:
            raise BadRequest(str(exc)) from None

    def _number(self, text: str) -> str:
        return self._patient_number(header_safe(text))

    def save_draft(self, draft_id: int, body: str, subject: str | None = None,
                   to: list[str] | None = None, cc: list[str] | None = None) -> DraftView:
        """Store what the author has typed so far (called as they type; no event)."""
        if len(body) > MAX_BODY_CHARS:
            raise BadRequest(f"the reply is longer than {MAX_BODY_CHARS} characters")
        with self.store.writing() as tx:
            draft = self._own_draft(tx, draft_id)
            sms = draft.mode == "sms"
            columns: dict[str, Any] = {"body": body.replace("\r\n", "\n")}
            if subject is not None:
                columns["subject"] = header_safe(subject)
            if to is not None:
                columns["to_addrs"] = json.dumps(
                    [self._number(a) if sms else self._address(a) for a in to])
            if cc is not None:
                if sms and cc:
                    raise BadRequest("a text message has no Cc")
                columns["cc_addrs"] = json.dumps([self._address(a) for a in cc])
            tx.update_draft(draft_id, self.store.now_ms(), **columns)
            fresh = tx.draft(draft_id)
            assert fresh is not None
            return self._draft_view(tx, fresh)

    def attach_file(self, draft_id: int, filename: str, data: bytes,
                    content_type: str = "") -> DraftView:
        """Keep a file with the draft. The caller read it with its own rights; the bytes
        are stored now, so what the patient gets cannot change before the send."""
        name = _attachment_name(filename)
        kind = header_safe(content_type).lower()
        if kind and (kind.count("/") != 1 or " " in kind or len(kind) > 100):
            raise BadRequest(f"not a content type: {kind[:40]!r}")
        with self.store.writing() as tx:
            draft = self._own_draft(tx, draft_id)
            if draft.mode == "sms" and not self.config.sms.can_send_media:
                raise BadRequest("attachments cannot be texted here ([sms] media_dir and "
                                 "media_base_url are not set); send an email instead")
            entries = json.loads(draft.attachments)
            ids = file_ids(entries)
            if len(entries) >= MAX_ATTACHMENTS:
                raise BadRequest(f"a reply carries at most {MAX_ATTACHMENTS} files")
            sizes = [max(f.size, 0) for f in tx.reply_file_infos(ids).values()]
            try:
                compose.check_attachment_size([*sizes, len(data)])
            except compose.ComposeError as exc:
                raise BadRequest(str(exc)) from None
            file_id = tx.insert_reply_file(author=self.actor, filename=name, content_type=kind,
                                           data=bytes(data),
                                           sha256=hashlib.sha256(data).hexdigest(),
                                           now_ms=self.store.now_ms())
            tx.update_draft(draft_id, self.store.now_ms(),
                            attachments=json.dumps([*entries, file_id]))
            fresh = tx.draft(draft_id)
            assert fresh is not None
            return self._draft_view(tx, fresh)

    def detach_file(self, draft_id: int, file_id: int) -> DraftView:
        """Take a file off the draft (its bytes go once nothing else refers to them)."""
        with self.store.writing() as tx:
            draft = self._own_draft(tx, draft_id)
            entries = json.loads(draft.attachments)
            if file_id not in file_ids(entries):
                raise NotFound(f"draft {draft_id} has no attachment {file_id}")
            tx.update_draft(draft_id, self.store.now_ms(),
                            attachments=json.dumps([e for e in entries if e != file_id]))
            tx.delete_reply_files([file_id])
            fresh = tx.draft(draft_id)
            assert fresh is not None
            return self._draft_view(tx, fresh)

    def discard_draft(self, draft_id: int) -> None:
        with self.store.writing() as tx:
            draft = self._own_draft(tx, draft_id)
            tx.delete_draft(draft_id)
            tx.delete_reply_files(file_ids(json.loads(draft.attachments)))
            conv = draft.conversation_id
            tx.append_event(self.actor, "draft.discarded",
                            f"conversation:{conv}" if conv else f"draft:{draft_id}",
                            {"draft": draft_id})

    def rebase_draft(self, draft_id: int) -> DraftView:
        """The author has read what arrived meanwhile: the send guard starts from now."""
        with self.store.writing() as tx:
            draft = self._own_draft(tx, draft_id)
            base = tx.draft_bases(draft.conversation_id)
            tx.update_draft(draft_id, self.store.now_ms(), base_seq=base.seq,
                            base_message=base.message, base_note=base.note,
                            base_outbox=base.outbox)
            fresh = tx.draft(draft_id)
            assert fresh is not None
            return self._draft_view(tx, fresh)

    def get_draft(self, draft_id: int) -> DraftView:
        with self.store.reading() as tx:
            draft = tx.draft(draft_id)
            if draft is None:
                raise NotFound(f"no draft {draft_id}")
            return self._draft_view(tx, draft)

    def drafts_for(self, conv_id: int) -> list[DraftView]:
        """Everyone's drafts on a conversation, newest first ("draft by Maria"). A
        colleague's draft text is patient data: the call is audited as `drafts.view`."""
        with self.store.reading() as tx:
            views = [self._draft_view(tx, d) for d in tx.drafts_of(conv_id)]
        self._record_drafts(f"conversation:{conv_id}", views)
        return views

    def my_drafts(self) -> list[DraftView]:
        with self.store.reading() as tx:
            views = [self._draft_view(tx, d) for d in tx.drafts_by(self.actor)]
        self._record_drafts(f"user:{self.actor}", views)
        return views

    def _record_drafts(self, target: str, views: list[DraftView]) -> None:
        self.inbox.record_read("drafts.view", target, {
            "drafts": [v.id for v in views], "authors": sorted({v.author for v in views}),
            "conversations": sorted({v.conversation_id for v in views
                                     if v.conversation_id is not None})})

    # -- canned replies --------------------------------------------------------------------

    def canned_replies(self) -> list[CannedView]:
        """Canned replies from the config, then *.txt files in canned_dir (config wins a
        name clash). Unreadable files are skipped, never fatal."""
        return canned_views(self.config)

    def _library(self, key: bytes) -> Callable[[], list[HandedOut]]:
        """The canned replies as the red-flag send check reads them (only when a flag is open)."""
        return lambda: library_handouts(self.config, key)

    def render_canned(self, name: str, conv_id: int | None,
                      fills: dict[str, str] | None = None) -> RenderedCanned:
        """A canned reply filled for a conversation; unknown or empty variables are blanks."""
        canned = next((c for c in self.canned_replies() if c.name == name), None)
        if canned is None:
            known = ", ".join(c.name for c in self.canned_replies()) or "none configured"
            raise NotFound(f"no canned reply {clean_line(name)!r} (known: {known})")
        variables = {"staff_name": self.staff_name(self.actor),
                     "clinic_name": clean_line(self.config.clinic.name),
                     "clinic_phone": clean_line(self.config.clinic.phone)}
        if conv_id is not None:
            with self.store.reading() as tx:
                conv = tx.conversation(conv_id)
                if conv is None:
                    raise NotFound(f"no conversation #{conv_id}")
                flagged = red_flag_open(tx, conv_id)
            if flagged:
                self.inbox.record_read("canned.refused", f"conversation:{conv_id}",
                                       {"name": canned.name, "reason": "red flag"})
                raise CannedRefused(
                    f"conversation #{conv_id} has an open red flag: no canned replies while"
                    f" it is open; write your own words, or"
                    f" {clear_it_first(self.config, conv_id, self.actor, self.inbox.role)}")
            account = self._account(conv.mailbox)
            variables.update({
                "patient_name": clean_line(conv.from_name),
                "conversation_id": str(conv_id),
                "mailbox": clean_line((account.display_name or account.address) if account
                                      else conv.mailbox),
            })
        for key, value in (fills or {}).items():
            variables[key] = clean_text(value).strip()
        body = compose.render_template(canned.body, variables)
        subject = compose.render_template(canned.subject, variables)
        blanks = list(body.blanks) + [b for b in subject.blanks if b not in body.blanks]
        details: dict[str, Any] = {"name": canned.name, "filled": sorted(fills or {})}
        if conv_id is not None:  # what send checks while a red flag is open (no text kept)
            details["shingles"] = handed_hashes(self.store.text_key(), body.text)
        self.inbox.record_read("canned.render",
                               f"conversation:{conv_id}" if conv_id is not None else "",
                               details)
        return RenderedCanned(canned.name, header_safe(subject.text), body.text, tuple(blanks))

    # -- sending ---------------------------------------------------------------------------

    def _guard_items(self, tx: StoreTx, draft: DraftRecord) -> list[GuardItem]:
        if draft.conversation_id is None:
            return []
        found = tx.guard_changes(draft.conversation_id, draft.base_message, draft.base_note,
                                 draft.base_outbox, self.actor)
        return [GuardItem(f.kind, int(f.id), clean_line(self.staff_name(f.who)
                                                        if f.kind in ("note", "queued-reply")
                                                        else f.who),
                          int(f.at or 0), clean_text(f.text)) for f in found]

    def check_guard(self, draft_id: int) -> list[GuardItem]:
        """What arrived since composing started (empty: safe to send)."""
        with self.store.reading() as tx:
            return self._guard_items(tx, self._own_draft(tx, draft_id))

    def send(self, draft_id: int, force: bool = False) -> OutboxItemView:
        """Queue the draft: outbox row (committed) + draft removed + event, in one transaction.

        The worker sends it after `outbox.undo_seconds`; until then `cancel` takes it back.
        Raises SendGuardTripped when the conversation moved on, unless `force`.
        """
        key = self.store.text_key()  # before any transaction: made on first use
        with self.store.reading() as tx:
            draft = self._own_draft(tx, draft_id)
            guard = self._guard_items(tx, draft)
            refused = None if draft.conversation_id is None else canned_left(
                tx, key, draft.conversation_id, draft.body, library=self._library(key))
        if refused is not None:  # before the guard: forcing past it must not get around it
            raise self._canned_refused(draft, refused)
        if guard and not force:
            with self.store.writing() as tx:
                tx.append_event(self.actor, "outbox.guard_stopped", _draft_target(draft),
                                {"draft": draft_id, "items": [[g.kind, g.id] for g in guard]})
            raise SendGuardTripped(draft_id, guard)
        if not draft.body.strip():
            raise BadRequest("the reply is empty; write something first")
        if draft.mode == "sms":
            item = self._sms_item(draft)
        else:
            item = self._email_item(draft)
        undo_ms = self.config.outbox.undo_seconds * 1000
        try:
            fresh = self._queue(draft, item, guard, undo_ms)
        except _CannedLeft as left:
            raise self._canned_refused(draft, left.found) from None
        self._wake_worker()
        return self.item_view(fresh)

    def _canned_refused(self, draft: DraftRecord, found: CannedLeft) -> CannedRefused:
        """Audit a send refused for canned text on a red-flagged conversation; its line."""
        conv_id = int(draft.conversation_id or 0)
        self.inbox.record_read("canned.refused", f"conversation:{conv_id}",
                               {"draft": draft.id, "reason": "red flag", "on": "send",
                                "text": found.label, "with_earlier": found.with_earlier})
        return CannedRefused(canned_refusal(self.config, conv_id, found, self.actor,
                                            self.inbox.role))

    def _queue(self, draft: DraftRecord, item: dict[str, Any], guard: list[GuardItem],
               undo_ms: int) -> OutboxItem:
        draft_id = draft.id
        key = self.store.text_key()
        with self.store.writing() as tx:
            current = tx.draft(draft_id)
            if current is None or current.updated_ms != draft.updated_ms:
                raise BadRequest(f"draft {draft_id} changed or was sent meanwhile; send again")
            if draft.conversation_id is not None:
                _require_conversation(tx, draft.conversation_id)
                found = canned_left(tx, key, draft.conversation_id, draft.body,
                                    library=self._library(key))
                if found is not None:  # flagged (or another reply queued) meanwhile
                    raise _CannedLeft(draft, found)
            now = self.store.now_ms()
            item_id = tx.insert_outbox_item(**item, author=self.actor,
                                            conversation_id=draft.conversation_id, now_ms=now,
                                            send_after_ms=now + undo_ms,
                                            draft=_draft_snapshot(draft))
            tx.delete_draft(draft_id)
            tx.append_event(self.actor, "outbox.queued", _draft_target(draft, item_id),
                            {"outbox": item_id, "channel": item["channel"],
                             "to": list(item["recipients"]), "undo_s": undo_ms // 1000,
                             "forced_over": [[g.kind, g.id] for g in guard]})
            fresh = tx.outbox_item(item_id)
        assert fresh is not None
        return fresh

    def _email_item(self, draft: DraftRecord) -> dict[str, Any]:
        account = self._account(draft.account)
        if account is None:
            raise BadRequest(f"mailbox {clean_line(draft.account)!r} is not configured;"
                             " replies cannot be sent from it")
        if not account.smtp_host:
            raise BadRequest(f"mailbox {account.name} has no smtp_host in the config;"
                             " replies cannot be sent from it")
        if not account.address:
            raise BadRequest(f"mailbox {account.name} has no address in the config")
        to = tuple(json.loads(draft.to_addrs))
        cc = tuple(json.loads(draft.cc_addrs))
        if not to:
            raise BadRequest("the reply has no recipient")
        parent = None
        if draft.parent_message is not None:
            with self.store.reading() as tx:
                raw = tx.raw_of_message(draft.parent_message)
            parent = _parent_of(raw) if raw else None
        staff = self.config.staff_member(self.actor)
        message_id = compose.new_message_id(account.address)
        outgoing = compose.Outgoing(
            from_addr=account.address,
            from_name=compose.sender_name(account.display_name,
                                          compose.first_name(staff.name if staff else ""),
                                          account.sender_with_staff_name),
            to=to, cc=cc, subject=draft.subject or "(no subject)", body=draft.body,
            message_id=message_id, date=datetime.now(UTC),
            in_reply_to=parent.message_id if parent else None,
            references=compose.reply_references(parent) if parent else (),
            signature=account.signature,
            quote=compose.quote_block(parent, self.inbox.tz) if parent else "",
            attachments=self._attachment_files(json.loads(draft.attachments)))
        try:
            raw_out = compose.build_email(outgoing)
        except compose.ComposeError as exc:
            raise BadRequest(str(exc)) from None
        return {"channel": "email", "account": account.name, "sender": account.address,
                "recipients": outgoing.recipients, "subject": header_safe(outgoing.subject),
                "message_id": message_id, "raw": raw_out, "body": ""}

    def _attachment_files(self, entries: Sequence[Any]) -> tuple[compose.AttachmentFile, ...]:
        files: list[compose.AttachmentFile] = []
        paths = [e for e in entries if isinstance(e, str)]
        if paths:  # a draft saved before migration 6 named files by path: never read them here
            raise BadRequest(f"attach {clean_line(Path(paths[0]).name)!r} again (this draft"
                             " is from an older version that kept only its path)")
        with self.store.reading() as tx:
            for file_id in file_ids(entries):
                found = tx.reply_file(file_id)
                if found is None:
                    raise BadRequest(f"attachment {file_id} is gone; attach the file again")
                files.append(compose.AttachmentFile(found.filename, found.data,
                                                    found.content_type))
        return tuple(files)

    def _sms_item(self, draft: DraftRecord) -> dict[str, Any]:
        numbers = {n.number for n in self.config.sms.numbers}
        clinic = draft.account
        if not self.config.sms.configured or clinic not in numbers:
            raise BadRequest(f"{clean_line(clinic)} is not one of the clinic's SMS numbers"
                             " in the config; cannot text from it")
        to = [self._number(n) for n in json.loads(draft.to_addrs)]
        if len(to) != 1:
            raise BadRequest("a text goes to exactly one number")
        body = draft.body.strip()
        if len(body) > SMS_MAX_CHARS:
            raise BadRequest(f"the text is longer than {SMS_MAX_CHARS} characters")
        with self.store.reading() as tx:
            if tx.is_opted_out(to[0]):
                raise BadRequest(f"{to[0]} has opted out of texts (STOP); call or email instead")
        return {"channel": "sms", "account": clinic, "sender": clinic, "recipients": tuple(to),
                "subject": "", "message_id": None, "raw": None, "body": body}

    # -- the outbox ------------------------------------------------------------------------

    def outbox(self, states: list[str] | None = None, limit: int = 100,
               conversation_id: int | None = None) -> list[OutboxItemView]:
        bad = [s for s in states or [] if s not in STATES]
        if bad:
            raise BadRequest(f"unknown outbox state {clean_line(bad[0])!r};"
                             f" expected one of {', '.join(STATES)}")
        if not 0 < limit <= 1000:
            raise BadRequest("limit must be 1..1000")
        with self.store.reading() as tx:
            items = tx.outbox_items(states, limit, conversation_id)
        self.inbox.record_read(
            "outbox.view", f"conversation:{conversation_id}" if conversation_id else "",
            {"states": list(states or []), "limit": limit, "shown": [i.id for i in items],
             "conversations": sorted({i.conversation_id for i in items
                                      if i.conversation_id is not None})})
        return [self.item_view(i) for i in items]

    def outbox_item(self, outbox_id: int) -> OutboxItemView:
        """One reply with its recipients; audited as `outbox.view`."""
        item = self._item_or_404(outbox_id)
        self.inbox.record_read("outbox.view", _item_target(item), {"shown": [outbox_id]})
        return self.item_view(item)

    def _may_manage(self, item: OutboxItem, what: str) -> None:
        if item.author != self.actor:
            self.inbox.require_role(f"{what} a reply written by {clean_line(item.author)}",
                                    PRIVILEGED_ROLES)

    def cancel(self, outbox_id: int) -> OutboxItemView:
        """Take a reply back before it is sent (author, or a supervisor/admin); the draft
        comes back so the author can edit it."""
        self._may_manage(self._item_or_404(outbox_id), "cancelling")
        with self.store.writing() as tx:
            item = self._locked_item(tx, outbox_id)
            if item.state not in ("queued", "failed"):
                raise BadRequest(f"outbox item {outbox_id} is {item.state}; only queued or"
                                 " failed replies can be cancelled")
            tx.set_outbox_state(outbox_id, "cancelled", clear_phase=True)
            restored = restore_draft(tx, item, self.store.now_ms())
            if restored is None:  # the author has another draft: these files are unwanted
                tx.release_outbox_files(outbox_id)
            tx.append_event(self.actor, "outbox.cancelled", _item_target(item),
                            {"outbox": outbox_id, "author": item.author, "draft": restored})
            fresh = tx.outbox_item(outbox_id)
        assert fresh is not None
        self._wake_worker()
        return self.item_view(fresh)

    def requeue(self, outbox_id: int) -> OutboxItemView:
        """Undo a cancel: the reply goes back into the queue with a fresh undo window and
        the draft its cancel gave back is removed again.

        Refused, with one line, when that draft was edited, sent or discarded since (what
        the author did with the text since is what counts), or when the patient or a
        colleague added something to the conversation since (the send guard, as for a
        first send). The event is `outbox.queued` with `undo_of` naming the cancel."""
        self._may_manage(self._item_or_404(outbox_id), "re-queueing")
        try:
            return self._requeue(outbox_id)
        except _CannedLeft as left:
            raise self._canned_refused(left.draft, left.found) from None

    def _requeue(self, outbox_id: int) -> OutboxItemView:
        key = self.store.text_key()
        with self.store.writing() as tx:
            item = self._locked_item(tx, outbox_id)
            if item.state != "cancelled":
                raise BadRequest(f"outbox item {outbox_id} is {item.state}; only a"
                                 " cancelled reply can be put back in the queue")
            target = _item_target(item)
            cancels = [e for e in tx.later_on_target(target, 0, ("outbox.cancelled",))
                       if e.details.get("outbox") == outbox_id]
            draft_id = cancels[-1].details.get("draft") if cancels else None
            draft = tx.draft(draft_id) if isinstance(draft_id, int) else None
            if draft is None:
                raise BadRequest(f"outbox item {outbox_id}: its text is no longer a draft"
                                 " (sent or discarded since); nothing to put back")
            snap = item.snapshot
            if any(getattr(draft, k) != snap.get(k) for k in ("to_addrs", "cc_addrs", "subject",
                                                              "body", "attachments")):
                raise BadRequest(f"outbox item {outbox_id}: its draft was edited since;"
                                 " send the draft again from the conversation (r)")
            if self._guard_items(tx, draft):
                raise BadRequest(f"outbox item {outbox_id}: something was added to the"
                                 " conversation since; read it, then send the draft (r)")
            if item.channel == "sms" and tx.is_opted_out(item.to[0]):
                raise BadRequest("the patient has opted out of texts (STOP) since")
            found = None if item.conversation_id is None else canned_left(
                tx, key, item.conversation_id, draft.body, outbox_id=outbox_id,
                library=self._library(key))
            if found is not None:
                raise _CannedLeft(draft, found)
            send_after = self.store.now_ms() + self.config.outbox.undo_seconds * 1000
            tx.requeue_outbox_item(outbox_id, send_after)
            tx.delete_draft(draft.id)
            tx.append_event(self.actor, "outbox.queued", target,
                            {"outbox": outbox_id, "channel": item.channel,
                             "to": json.loads(item.recipients),
                             "undo_s": self.config.outbox.undo_seconds,
                             "undo_of": cancels[-1].seq, "draft": draft.id})
            fresh = tx.outbox_item(outbox_id)
        assert fresh is not None
        self._wake_worker()
        return self.item_view(fresh)

    def retry(self, outbox_id: int) -> OutboxItemView:
        """failed or unconfirmed -> queued, now. For unconfirmed this may send it twice:
        the person retrying has checked the patient did not get it."""
        self._may_manage(self._item_or_404(outbox_id), "retrying")
        with self.store.writing() as tx:
            item = self._locked_item(tx, outbox_id)
            if item.state not in ("failed", "unconfirmed"):
                raise BadRequest(f"outbox item {outbox_id} is {item.state}; only failed or"
                                 " unconfirmed replies can be retried")
            now = self.store.now_ms()
            if item.channel == "sms" and tx.is_opted_out(item.to[0]):
                raise BadRequest("the patient has opted out of texts (STOP) since")
            if not tx.set_outbox_state(outbox_id, "queued", clear_phase=True,
                                       next_attempt_ms=now, reset_attempts=True, error="",
                                       only_from=item.state):
                raise BadRequest(f"outbox item {outbox_id} changed meanwhile (recorded as"
                                 " sent?); look at it again before retrying")
            tx.append_event(self.actor, "outbox.retry", _item_target(item),
                            {"outbox": outbox_id, "author": item.author, "from": item.state})
            fresh = tx.outbox_item(outbox_id)
        assert fresh is not None
        self._wake_worker()
        return self.item_view(fresh)

    def confirm_sent(self, outbox_id: int) -> OutboxItemView:
        """An unconfirmed reply did reach the patient: record it as sent (no resend)."""
        from cxinbox.service.outbox import OutboxWorker

        item = self._item_or_404(outbox_id)
        self._may_manage(item, "confirming")
        if item.state != "unconfirmed":
            raise BadRequest(f"outbox item {outbox_id} is {item.state}; only unconfirmed"
                             " replies can be confirmed")
        OutboxWorker(self.store, self.config).record_confirmed(item, self.actor)
        return self.item_view(self._item_or_404(outbox_id))

    @staticmethod
    def _locked_item(tx: StoreTx, outbox_id: int) -> OutboxItem:
        item = tx.outbox_item(outbox_id)
        if item is None:
            raise NotFound(f"no outbox item {outbox_id}")
        return item

    def _item_or_404(self, outbox_id: int) -> OutboxItem:
        with self.store.reading() as tx:
            item = tx.outbox_item(outbox_id)
        if item is None:
            raise NotFound(f"no outbox item {outbox_id}")
        return item


# -- module helpers ------------------------------------------------------------------------


class _CannedLeft(Exception):
    """Inside a write: the draft still holds canned text and the conversation is
    red-flagged; the caller audits the refusal once the transaction is rolled back."""

    def __init__(self, draft: DraftRecord, found: CannedLeft) -> None:
        super().__init__("canned text on a red-flagged conversation")
        self.draft = draft
        self.found = found


def _parent_of(raw: bytes) -> compose.Parent:
    p = parse_message(raw)
    return compose.Parent(
        message_id=p.message_id, references=tuple(p.references), subject=p.subject,
        from_name=p.from_addr.name if p.from_addr else "",
        from_addr=p.from_addr.email if p.from_addr else "", date=p.date, body_text=p.body_text,
        reply_to=tuple((a.name, a.email) for a in p.reply_to),
        to=tuple((a.name, a.email) for a in p.to), cc=tuple((a.name, a.email) for a in p.cc))


def _attachment_name(filename: str) -> str:
    """The name the patient sees: a base name, one clean line, never empty or hidden."""
    text = clean_line(str(filename)).replace("\\", "/")
    name = text.rsplit("/", 1)[-1].strip().lstrip(".").strip()
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        keep = MAX_FILENAME_CHARS - len(ext) - 1
        name = (stem[:keep] + dot + ext) if dot and 0 < len(ext) < 12 else name[:MAX_FILENAME_CHARS]
    return name or "attachment"


def _draft_files(tx: StoreTx, entries: Sequence[Any]) -> tuple[DraftFile, ...]:
    infos = tx.reply_file_infos(file_ids(entries))
    out: list[DraftFile] = []
    for entry in entries:
        if isinstance(entry, str):  # a path kept by a draft from before migration 6
            out.append(DraftFile(0, clean_line(Path(entry).name), -1))
        elif entry in infos:
            info = infos[entry]
            out.append(DraftFile(int(entry), clean_line(info.filename), int(info.size),
                                 clean_line(info.content_type)))
    return tuple(out)


_SNAPSHOT_FIELDS: Final = ("conversation_id", "mode", "account", "to_addrs", "cc_addrs",
                           "subject", "body", "attachments", "parent_message")


def _draft_snapshot(draft: DraftRecord) -> dict[str, Any]:
    """What a cancel turns back into the draft (kept with the outbox item)."""
    return {k: getattr(draft, k) for k in _SNAPSHOT_FIELDS}


def restore_draft(tx: StoreTx, item: OutboxItem, now: int) -> int | None:
    """Turn a cancelled reply back into its author's draft (unless they started another)."""
    snap = item.snapshot
    if not snap:
        return None
    conv = snap.get("conversation_id")
    if conv is not None and tx.draft_of(conv, item.author) is not None:
        return None
    draft_id = tx.insert_draft(
        conversation_id=conv, author=item.author, mode=snap["mode"],
        account=snap["account"], to=json.loads(snap["to_addrs"]), cc=json.loads(snap["cc_addrs"]),
        subject=snap["subject"], body=snap["body"], parent_message=snap["parent_message"],
        base=tx.draft_bases(conv), now_ms=now)
    tx.update_draft(draft_id, now, attachments=snap["attachments"])
    return draft_id


def _require_conversation(tx: StoreTx, conv_id: int) -> None:
    conv = tx.conversation(conv_id)
    if conv is None:
        raise NotFound(f"no conversation #{conv_id}")
    if conv.merged_into:
        raise BadRequest(f"conversation #{conv_id} was merged into #{conv.merged_into};"
                         " reply there")


def _draft_target(draft: DraftRecord, item_id: int | None = None) -> str:
    conv = draft.conversation_id
    if conv is not None:
        return f"conversation:{conv}"
    return f"outbox:{item_id}" if item_id is not None else f"draft:{draft.id}"


def _item_target(item: OutboxItem) -> str:
    conv = item.conversation_id
    return f"conversation:{conv}" if conv is not None else f"outbox:{item.id}"
