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
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cxinbox.config import AccountConfig
from cxinbox.contract.errors import BadRequest, NotFound
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
from cxinbox.domain.mime import parse_message
from cxinbox.domain.recipient import Recipient, RecipientError, parse_recipient
from cxinbox.domain.sanitize import clean_line, clean_text, header_safe
from cxinbox.service.inbox import PRIVILEGED_ROLES, InboxService
from cxinbox.store import conversations as convs
from cxinbox.store import outbox as store
from cxinbox.store import sms as sms_store
from cxinbox.store import undo as undo_store
from cxinbox.store.db import Database, append_event, now_ms

MODES: Final = ("reply", "reply_all", "new", "sms")
STATES: Final = ("queued", "sending", "sent", "failed", "cancelled", "unconfirmed")
MAX_CANNED_FILE_BYTES: Final = 64 * 1024
MAX_BODY_CHARS: Final = 200_000
RED_FLAG_TAG: Final = "red-flag"
SMS_MAX_CHARS: Final = 1600  # ten segments; providers refuse longer texts
MAX_ATTACHMENTS: Final = 20
MAX_FILENAME_CHARS: Final = 120


class ReplyService:
    """Reply use cases for one acting staff member (the InboxService's actor)."""

    def __init__(self, inbox: InboxService, *, worker: Any = None) -> None:
        self.inbox = inbox
        # Replies still speak SQLite (tests/test_layers.py lists them as debt).
        assert isinstance(inbox.store, Database), "replies need the SQLite store"
        self.db = inbox.store
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

    def _draft_view(self, conn: sqlite3.Connection, row: sqlite3.Row) -> DraftView:
        account = self._account(row["account"])
        channel = "sms" if row["mode"] == "sms" else "email"
        return DraftView(
            id=row["id"], conversation_id=row["conversation_id"], author=clean_line(row["author"]),
            author_name=self.staff_name(row["author"]), mode=row["mode"], channel=channel,
            account=clean_line(row["account"]),
            to=tuple(clean_line(a) for a in json.loads(row["to_addrs"])),
            cc=tuple(clean_line(a) for a in json.loads(row["cc_addrs"])),
            subject=clean_line(row["subject"]), body=clean_text(row["body"]),
            attachments=_draft_files(conn, json.loads(row["attachments"])),
            created_at=row["created_ms"] / 1000, updated_at=row["updated_ms"] / 1000,
            signature=clean_text(account.signature) if account and channel == "email" else "")

    @staticmethod
    def item_view(row: sqlite3.Row) -> OutboxItemView:
        return OutboxItemView(
            id=row["id"], conversation_id=row["conversation_id"], author=clean_line(row["author"]),
            channel=row["channel"], account=clean_line(row["account"]),
            recipients=tuple(clean_line(r) for r in json.loads(row["recipients"])),
            subject=clean_line(row["subject"]), state=row["state"], phase=row["phase"],
            attempts=row["attempts"], last_error=clean_line(row["last_error"]),
            created_at=row["created_ms"] / 1000, send_after=row["send_after_ms"] / 1000,
            next_attempt_at=row["next_attempt_ms"] / 1000,
            sent_at=row["sent_ms"] / 1000 if row["sent_ms"] is not None else None,
            message_id=clean_line(row["message_id"]) if row["message_id"] else None,
            provider_id=clean_line(row["provider_id"]) if row["provider_id"] else None,
            sent_copy=row["sent_copy"], sent_copy_error=clean_line(row["sent_copy_error"]),
            delivery=clean_line(row["delivery"]),
            delivery_error=clean_line(row["delivery_error"]))

    def _own_draft(self, conn: sqlite3.Connection, draft_id: int) -> sqlite3.Row:
        row = store.get_draft(conn, draft_id)
        if row is None:
            raise NotFound(f"no draft {draft_id} (sent or discarded already?)")
        if row["author"] != self.actor:
            raise BadRequest(f"draft {draft_id} belongs to {self.staff_name(row['author'])};"
                             " only its author can change or send it")
        return row

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
        with self.db.write() as conn:
            if conv_id is None and to and (mode == "sms" or (mode == "new" and "@" not in to)):
                conv_id = self._text_conversation(conn, to, mailbox)
                if conv_id is None:
                    draft_id = self._new_text_draft(conn, to, mailbox)
                    append_event(conn, self.actor, "draft.started", f"draft:{draft_id}",
                                 {"draft": draft_id, "mode": "sms"})
                    row = store.get_draft(conn, draft_id)
                    assert row is not None
                    return self._draft_view(conn, row)
                mode, to = "sms", None
            if conv_id is None:
                draft_id = self._new_message_draft(conn, mode, to, mailbox)
            else:
                existing = store.draft_of(conn, conv_id, self.actor)
                if existing is not None:
                    view = self._draft_view(conn, existing)
                    self._record_drafts(f"conversation:{conv_id}", [view])
                    return view
                draft_id = self._reply_draft(conn, conv_id, mode, to)
            append_event(conn, self.actor, "draft.started",
                         f"conversation:{conv_id}" if conv_id else f"draft:{draft_id}",
                         {"draft": draft_id, "mode": mode})
            row = store.get_draft(conn, draft_id)
            assert row is not None
            return self._draft_view(conn, row)

    def _new_message_draft(self, conn: sqlite3.Connection, mode: str, to: str | None,
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
        return store.insert_draft(
            conn, conversation_id=None, author=self.actor, mode="new", account=account.name,
            to=recipients, cc=[], subject="", body="", parent_message=None,
            base=store.bases(conn, None), now_ms=now_ms())

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

    def _text_conversation(self, conn: sqlite3.Connection, typed: str,
                           mailbox: str | None) -> int | None:
        return sms_store.conversation_of_number(conn, self._sms_sender(mailbox),
                                                self._patient_number(typed))

    def _new_text_draft(self, conn: sqlite3.Connection, typed: str, mailbox: str | None) -> int:
        return store.insert_draft(
            conn, conversation_id=None, author=self.actor, mode="sms",
            account=self._sms_sender(mailbox), to=[self._patient_number(typed)], cc=[],
            subject="", body="", parent_message=None, base=store.bases(conn, None),
            now_ms=now_ms())

    def _reply_draft(self, conn: sqlite3.Connection, conv_id: int, mode: str,
                     to: str | None) -> int:
        conv = convs.get_row(conn, conv_id)
        if conv is None:
            raise NotFound(f"no conversation #{conv_id}")
        if conv["merged_into"]:
            raise NotFound(f"conversation #{conv_id} was merged into #{conv['merged_into']}")
        base = store.bases(conn, conv_id)
        if conv["channel"] == "sms" or mode == "sms":
            if conv["channel"] != "sms":
                raise BadRequest(f"conversation #{conv_id} is email; reply by email")
            return store.insert_draft(
                conn, conversation_id=conv_id, author=self.actor, mode="sms",
                account=conv["mailbox"], to=[conv["from_addr"]], cc=[], subject="", body="",
                parent_message=None, base=base, now_ms=now_ms())
        if mode == "new":
            mode = "reply"
        parent_row = store.parent_candidate(conn, conv_id)
        parent = _parent_of(bytes(parent_row["data"])) if parent_row is not None else None
        if parent is not None:
            rcpt_to, rcpt_cc = compose.reply_recipients(parent, self._own_addresses(),
                                                        reply_all=mode == "reply_all")
        else:
            rcpt_to, rcpt_cc = ([conv["from_addr"]] if conv["from_addr"] else []), []
        if to:
            rcpt_to = [self._address(to)]
            rcpt_cc = compose.dedupe_addresses(rcpt_cc, exclude=rcpt_to)
        subject = compose.reply_subject(parent.subject if parent and parent.subject
                                        else conv["subject"])
        return store.insert_draft(
            conn, conversation_id=conv_id, author=self.actor, mode=mode, account=conv["mailbox"],
            to=rcpt_to, cc=rcpt_cc, subject=subject, body="",
            parent_message=parent_row["id"] if parent_row is not None else None,
            base=base, now_ms=now_ms())

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
        with self.db.write() as conn:
            row = self._own_draft(conn, draft_id)
            sms = row["mode"] == "sms"
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
            store.update_draft(conn, draft_id, now_ms(), **columns)
            fresh = store.get_draft(conn, draft_id)
            assert fresh is not None
            return self._draft_view(conn, fresh)

    def attach_file(self, draft_id: int, filename: str, data: bytes,
                    content_type: str = "") -> DraftView:
        """Keep a file with the draft. The caller read it with its own rights; the bytes
        are stored now, so what the patient gets cannot change before the send."""
        name = _attachment_name(filename)
        kind = header_safe(content_type).lower()
        if kind and (kind.count("/") != 1 or " " in kind or len(kind) > 100):
            raise BadRequest(f"not a content type: {kind[:40]!r}")
        with self.db.write() as conn:
            row = self._own_draft(conn, draft_id)
            if row["mode"] == "sms" and not self.config.sms.can_send_media:
                raise BadRequest("attachments cannot be texted here ([sms] media_dir and "
                                 "media_base_url are not set); send an email instead")
            entries = json.loads(row["attachments"])
            ids = store.file_ids(entries)
            if len(entries) >= MAX_ATTACHMENTS:
                raise BadRequest(f"a reply carries at most {MAX_ATTACHMENTS} files")
            sizes = [max(r["size"], 0) for r in store.file_infos(conn, ids).values()]
            try:
                compose.check_attachment_size([*sizes, len(data)])
            except compose.ComposeError as exc:
                raise BadRequest(str(exc)) from None
            file_id = store.insert_file(conn, author=self.actor, filename=name,
                                        content_type=kind, data=bytes(data),
                                        sha256=hashlib.sha256(data).hexdigest(), now_ms=now_ms())
            store.update_draft(conn, draft_id, now_ms(), attachments=json.dumps([*entries, file_id]))
            fresh = store.get_draft(conn, draft_id)
            assert fresh is not None
            return self._draft_view(conn, fresh)

    def detach_file(self, draft_id: int, file_id: int) -> DraftView:
        """Take a file off the draft (its bytes go once nothing else refers to them)."""
        with self.db.write() as conn:
            row = self._own_draft(conn, draft_id)
            entries = json.loads(row["attachments"])
            if file_id not in store.file_ids(entries):
                raise NotFound(f"draft {draft_id} has no attachment {file_id}")
            store.update_draft(conn, draft_id, now_ms(),
                               attachments=json.dumps([e for e in entries if e != file_id]))
            store.delete_files(conn, [file_id])
            fresh = store.get_draft(conn, draft_id)
            assert fresh is not None
            return self._draft_view(conn, fresh)

    def discard_draft(self, draft_id: int) -> None:
        with self.db.write() as conn:
            row = self._own_draft(conn, draft_id)
            store.delete_draft(conn, draft_id)
            store.delete_files(conn, store.file_ids(json.loads(row["attachments"])))
            conv = row["conversation_id"]
            append_event(conn, self.actor, "draft.discarded",
                         f"conversation:{conv}" if conv else f"draft:{draft_id}",
                         {"draft": draft_id})

    def rebase_draft(self, draft_id: int) -> DraftView:
        """The author has read what arrived meanwhile: the send guard starts from now."""
        with self.db.write() as conn:
            row = self._own_draft(conn, draft_id)
            base = store.bases(conn, row["conversation_id"])
            store.update_draft(conn, draft_id, now_ms(), base_seq=base.seq,
                               base_message=base.message, base_note=base.note,
                               base_outbox=base.outbox)
            fresh = store.get_draft(conn, draft_id)
            assert fresh is not None
            return self._draft_view(conn, fresh)

    def get_draft(self, draft_id: int) -> DraftView:
        with self.db.read() as conn:
            row = store.get_draft(conn, draft_id)
            if row is None:
                raise NotFound(f"no draft {draft_id}")
            return self._draft_view(conn, row)

    def drafts_for(self, conv_id: int) -> list[DraftView]:
        """Everyone's drafts on a conversation, newest first ("draft by Maria"). A
        colleague's draft text is patient data: the call is audited as `drafts.view`."""
        with self.db.read() as conn:
            rows = store.drafts_of(conn, conv_id)
            views = [self._draft_view(conn, r) for r in rows]
        self._record_drafts(f"conversation:{conv_id}", views)
        return views

    def my_drafts(self) -> list[DraftView]:
        with self.db.read() as conn:
            rows = store.drafts_by(conn, self.actor)
            views = [self._draft_view(conn, r) for r in rows]
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
        out = [CannedView(clean_line(c.name), clean_line(c.subject), clean_text(c.body), "config")
               for c in self.config.compose.canned]
        names = {c.name for c in out}
        directory = self.config.compose.canned_dir
        if directory is not None and directory.is_dir():
            for path in sorted(directory.glob("*.txt")):
                name = clean_line(path.stem)
                if name in names:
                    continue
                try:
                    if path.stat().st_size > MAX_CANNED_FILE_BYTES:
                        continue
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                subject, body = compose.parse_canned_file(text)
                names.add(name)
                out.append(CannedView(name, clean_line(subject), clean_text(body).strip("\n")
                                      + "\n", str(path)))
        return out

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
            with self.db.read() as conn:
                conv = convs.get_row(conn, conv_id)
                if conv is None:
                    raise NotFound(f"no conversation #{conv_id}")
                tags = convs.tags_for(conn, [conv_id])[conv_id]
            if RED_FLAG_TAG in tags:
                raise BadRequest(f"conversation #{conv_id} is tagged {RED_FLAG_TAG}: answer it in"
                                 " person (clinical staff), not with a canned reply")
            account = self._account(conv["mailbox"])
            variables.update({
                "patient_name": clean_line(conv["from_name"]),
                "conversation_id": str(conv_id),
                "mailbox": clean_line((account.display_name or account.address) if account
                                      else conv["mailbox"]),
            })
        for key, value in (fills or {}).items():
            variables[key] = clean_text(value).strip()
        body = compose.render_template(canned.body, variables)
        subject = compose.render_template(canned.subject, variables)
        blanks = list(body.blanks) + [b for b in subject.blanks if b not in body.blanks]
        self.inbox.record_read("canned.render",
                               f"conversation:{conv_id}" if conv_id is not None else "",
                               {"name": canned.name, "filled": sorted(fills or {})})
        return RenderedCanned(canned.name, header_safe(subject.text), body.text, tuple(blanks))

    # -- sending ---------------------------------------------------------------------------

    def _guard_items(self, conn: sqlite3.Connection, row: sqlite3.Row) -> list[GuardItem]:
        if row["conversation_id"] is None:
            return []
        found = store.changes_since(conn, row["conversation_id"], row["base_message"],
                                    row["base_note"], row["base_outbox"], self.actor)
        return [GuardItem(f["kind"], int(f["id"]), clean_line(self.staff_name(f["who"])
                                                               if f["kind"] in ("note", "queued-reply")
                                                               else f["who"]),
                          int(f["at"] or 0), clean_text(f["text"])) for f in found]

    def check_guard(self, draft_id: int) -> list[GuardItem]:
        """What arrived since composing started (empty: safe to send)."""
        with self.db.read() as conn:
            row = self._own_draft(conn, draft_id)
            return self._guard_items(conn, row)

    def send(self, draft_id: int, force: bool = False) -> OutboxItemView:
        """Queue the draft: outbox row (committed) + draft removed + event, in one transaction.

        The worker sends it after `outbox.undo_seconds`; until then `cancel` takes it back.
        Raises SendGuardTripped when the conversation moved on, unless `force`.
        """
        with self.db.read() as conn:
            row = self._own_draft(conn, draft_id)
            guard = self._guard_items(conn, row)
        if guard and not force:
            with self.db.write() as conn:
                append_event(conn, self.actor, "outbox.guard_stopped", _draft_target(row),
                             {"draft": draft_id, "items": [[g.kind, g.id] for g in guard]})
            raise SendGuardTripped(draft_id, guard)
        if not row["body"].strip():
            raise BadRequest("the reply is empty; write something first")
        if row["mode"] == "sms":
            item = self._sms_item(row)
        else:
            item = self._email_item(row)
        undo_ms = self.config.outbox.undo_seconds * 1000
        with self.db.write() as conn:
            current = store.get_draft(conn, draft_id)
            if current is None or current["updated_ms"] != row["updated_ms"]:
                raise BadRequest(f"draft {draft_id} changed or was sent meanwhile; send again")
            if row["conversation_id"] is not None:
                _require_conversation(conn, row["conversation_id"])
            now = now_ms()
            item_id = store.insert_item(conn, **item, author=self.actor,
                                        conversation_id=row["conversation_id"], now_ms=now,
                                        send_after_ms=now + undo_ms,
                                        draft=_draft_snapshot(row))
            store.delete_draft(conn, draft_id)
            append_event(conn, self.actor, "outbox.queued", _draft_target(row, item_id),
                         {"outbox": item_id, "channel": item["channel"],
                          "to": list(item["recipients"]), "undo_s": undo_ms // 1000,
                          "forced_over": [[g.kind, g.id] for g in guard]})
            fresh = store.get_item(conn, item_id)
        assert fresh is not None
        self._wake_worker()
        return self.item_view(fresh)

    def _email_item(self, row: sqlite3.Row) -> dict[str, Any]:
        account = self._account(row["account"])
        if account is None:
            raise BadRequest(f"mailbox {clean_line(row['account'])!r} is not configured;"
                             " replies cannot be sent from it")
        if not account.smtp_host:
            raise BadRequest(f"mailbox {account.name} has no smtp_host in the config;"
                             " replies cannot be sent from it")
        if not account.address:
            raise BadRequest(f"mailbox {account.name} has no address in the config")
        to = tuple(json.loads(row["to_addrs"]))
        cc = tuple(json.loads(row["cc_addrs"]))
        if not to:
            raise BadRequest("the reply has no recipient")
        parent = None
        if row["parent_message"] is not None:
            with self.db.read() as conn:
                raw = store.message_raw(conn, row["parent_message"])
            parent = _parent_of(raw) if raw else None
        staff = self.config.staff_member(self.actor)
        message_id = compose.new_message_id(account.address)
        outgoing = compose.Outgoing(
            from_addr=account.address,
            from_name=compose.sender_name(account.display_name,
                                          compose.first_name(staff.name if staff else ""),
                                          account.sender_with_staff_name),
            to=to, cc=cc, subject=row["subject"] or "(no subject)", body=row["body"],
            message_id=message_id, date=datetime.now(UTC),
            in_reply_to=parent.message_id if parent else None,
            references=compose.reply_references(parent) if parent else (),
            signature=account.signature,
            quote=compose.quote_block(parent, self.inbox.tz) if parent else "",
            attachments=self._attachment_files(json.loads(row["attachments"])))
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
        with self.db.read() as conn:
            for file_id in store.file_ids(entries):
                found = store.file_data(conn, file_id)
                if found is None:
                    raise BadRequest(f"attachment {file_id} is gone; attach the file again")
                files.append(compose.AttachmentFile(found["filename"], bytes(found["data"]),
                                                    found["content_type"]))
        return tuple(files)

    def _sms_item(self, row: sqlite3.Row) -> dict[str, Any]:
        numbers = {n.number for n in self.config.sms.numbers}
        clinic = row["account"]
        if not self.config.sms.configured or clinic not in numbers:
            raise BadRequest(f"{clean_line(clinic)} is not one of the clinic's SMS numbers"
                             " in the config; cannot text from it")
        to = [self._number(n) for n in json.loads(row["to_addrs"])]
        if len(to) != 1:
            raise BadRequest("a text goes to exactly one number")
        body = row["body"].strip()
        if len(body) > SMS_MAX_CHARS:
            raise BadRequest(f"the text is longer than {SMS_MAX_CHARS} characters")
        with self.db.read() as conn:
            if _opted_out(conn, to[0]):
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
        with self.db.read() as conn:
            rows = store.list_items(conn, states, limit, conversation_id)
        self.inbox.record_read(
            "outbox.view", f"conversation:{conversation_id}" if conversation_id else "",
            {"states": list(states or []), "limit": limit, "shown": [r["id"] for r in rows],
             "conversations": sorted({r["conversation_id"] for r in rows
                                      if r["conversation_id"] is not None})})
        return [self.item_view(r) for r in rows]

    def outbox_item(self, outbox_id: int) -> OutboxItemView:
        """One reply with its recipients; audited as `outbox.view`."""
        row = self._item_or_404(outbox_id)
        self.inbox.record_read("outbox.view", _item_target(row), {"shown": [outbox_id]})
        return self.item_view(row)

    def _may_manage(self, row: sqlite3.Row, what: str) -> None:
        if row["author"] != self.actor:
            self.inbox.require_role(f"{what} a reply written by {clean_line(row['author'])}",
                                    PRIVILEGED_ROLES)

    def cancel(self, outbox_id: int) -> OutboxItemView:
        """Take a reply back before it is sent (author, or a supervisor/admin); the draft
        comes back so the author can edit it."""
        self._may_manage(self._item_or_404(outbox_id), "cancelling")
        with self.db.write() as conn:
            row = self._locked_item(conn, outbox_id)
            if row["state"] not in ("queued", "failed"):
                raise BadRequest(f"outbox item {outbox_id} is {row['state']}; only queued or"
                                 " failed replies can be cancelled")
            store.set_state(conn, outbox_id, "cancelled", clear_phase=True)
            restored = _restore_draft(conn, row)
            if restored is None:  # the author has another draft: these files are unwanted
                store.release_item_files(conn, outbox_id)
            append_event(conn, self.actor, "outbox.cancelled", _item_target(row),
                         {"outbox": outbox_id, "author": row["author"], "draft": restored})
            fresh = store.get_item(conn, outbox_id)
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
        with self.db.write() as conn:
            row = self._locked_item(conn, outbox_id)
            if row["state"] != "cancelled":
                raise BadRequest(f"outbox item {outbox_id} is {row['state']}; only a"
                                 " cancelled reply can be put back in the queue")
            target = _item_target(row)
            cancels = [e for e in undo_store.later_on_target(conn, target, 0,
                                                             ("outbox.cancelled",))
                       if e.details.get("outbox") == outbox_id]
            draft_id = cancels[-1].details.get("draft") if cancels else None
            draft = store.get_draft(conn, draft_id) if isinstance(draft_id, int) else None
            if draft is None:
                raise BadRequest(f"outbox item {outbox_id}: its text is no longer a draft"
                                 " (sent or discarded since); nothing to put back")
            snap = json.loads(row["draft"] or "{}")
            if any(draft[k] != snap.get(k) for k in ("to_addrs", "cc_addrs", "subject",
                                                     "body", "attachments")):
                raise BadRequest(f"outbox item {outbox_id}: its draft was edited since;"
                                 " send the draft again from the conversation (r)")
            if self._guard_items(conn, draft):
                raise BadRequest(f"outbox item {outbox_id}: something was added to the"
                                 " conversation since; read it, then send the draft (r)")
            if row["channel"] == "sms" and _opted_out(conn, json.loads(row["recipients"])[0]):
                raise BadRequest("the patient has opted out of texts (STOP) since")
            send_after = now_ms() + self.config.outbox.undo_seconds * 1000
            store.requeue_cancelled(conn, outbox_id, send_after)
            store.delete_draft(conn, draft["id"])
            append_event(conn, self.actor, "outbox.queued", target,
                         {"outbox": outbox_id, "channel": row["channel"],
                          "to": json.loads(row["recipients"]),
                          "undo_s": self.config.outbox.undo_seconds,
                          "undo_of": cancels[-1].seq, "draft": draft["id"]})
            fresh = store.get_item(conn, outbox_id)
        assert fresh is not None
        self._wake_worker()
        return self.item_view(fresh)

    def retry(self, outbox_id: int) -> OutboxItemView:
        """failed or unconfirmed -> queued, now. For unconfirmed this may send it twice:
        the person retrying has checked the patient did not get it."""
        self._may_manage(self._item_or_404(outbox_id), "retrying")
        with self.db.write() as conn:
            row = self._locked_item(conn, outbox_id)
            if row["state"] not in ("failed", "unconfirmed"):
                raise BadRequest(f"outbox item {outbox_id} is {row['state']}; only failed or"
                                 " unconfirmed replies can be retried")
            now = now_ms()
            if row["channel"] == "sms" and _opted_out(conn, json.loads(row["recipients"])[0]):
                raise BadRequest("the patient has opted out of texts (STOP) since")
            store.set_state(conn, outbox_id, "queued", clear_phase=True, next_attempt_ms=now,
                            reset_attempts=True, error="")
            append_event(conn, self.actor, "outbox.retry", _item_target(row),
                         {"outbox": outbox_id, "author": row["author"], "from": row["state"]})
            fresh = store.get_item(conn, outbox_id)
        assert fresh is not None
        self._wake_worker()
        return self.item_view(fresh)

    def confirm_sent(self, outbox_id: int) -> OutboxItemView:
        """An unconfirmed reply did reach the patient: record it as sent (no resend)."""
        from cxinbox.service.outbox import OutboxWorker

        row = self._item_or_404(outbox_id)
        self._may_manage(row, "confirming")
        if row["state"] != "unconfirmed":
            raise BadRequest(f"outbox item {outbox_id} is {row['state']}; only unconfirmed"
                             " replies can be confirmed")
        with self.db.read() as conn:
            item = store.item(conn, outbox_id)
        assert item is not None
        OutboxWorker(self.db, self.config).record_confirmed(item, self.actor)
        return self.item_view(self._item_or_404(outbox_id))

    @staticmethod
    def _locked_item(conn: sqlite3.Connection, outbox_id: int) -> sqlite3.Row:
        row = store.get_item(conn, outbox_id)
        if row is None:
            raise NotFound(f"no outbox item {outbox_id}")
        return row

    def _item_or_404(self, outbox_id: int) -> sqlite3.Row:
        with self.db.read() as conn:
            row = store.get_item(conn, outbox_id)
        if row is None:
            raise NotFound(f"no outbox item {outbox_id}")
        return row


# -- module helpers ------------------------------------------------------------------------


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


def _draft_files(conn: sqlite3.Connection, entries: Sequence[Any]) -> tuple[DraftFile, ...]:
    infos = store.file_infos(conn, store.file_ids(entries))
    out: list[DraftFile] = []
    for entry in entries:
        if isinstance(entry, str):  # a path kept by a draft from before migration 6
            out.append(DraftFile(0, clean_line(Path(entry).name), -1))
        elif entry in infos:
            info = infos[entry]
            out.append(DraftFile(int(entry), clean_line(info["filename"]), int(info["size"]),
                                 clean_line(info["content_type"])))
    return tuple(out)


def _draft_snapshot(row: sqlite3.Row) -> dict[str, Any]:
    keys = ("conversation_id", "mode", "account", "to_addrs", "cc_addrs", "subject", "body",
            "attachments", "parent_message")
    return {k: row[k] for k in keys}


def _restore_draft(conn: sqlite3.Connection, item: sqlite3.Row) -> int | None:
    """Turn a cancelled reply back into its author's draft (unless they started another)."""
    snap = json.loads(item["draft"] or "{}")
    if not snap:
        return None
    conv = snap.get("conversation_id")
    if conv is not None and store.draft_of(conn, conv, item["author"]) is not None:
        return None
    now = now_ms()
    draft_id = store.insert_draft(
        conn, conversation_id=conv, author=item["author"], mode=snap["mode"],
        account=snap["account"], to=json.loads(snap["to_addrs"]), cc=json.loads(snap["cc_addrs"]),
        subject=snap["subject"], body=snap["body"], parent_message=snap["parent_message"],
        base=store.bases(conn, conv), now_ms=now)
    store.update_draft(conn, draft_id, now, attachments=snap["attachments"])
    return draft_id


def _require_conversation(conn: sqlite3.Connection, conv_id: int) -> None:
    row = convs.get_row(conn, conv_id)
    if row is None:
        raise NotFound(f"no conversation #{conv_id}")
    if row["merged_into"]:
        raise BadRequest(f"conversation #{conv_id} was merged into #{row['merged_into']};"
                         " reply there")


def _opted_out(conn: sqlite3.Connection, number: str) -> bool:
    """STOP was received from this number. Without the opt-out store nothing is texted."""
    try:
        from cxinbox.store.sms import is_opted_out
    except ImportError:
        raise BadRequest("SMS opt-outs cannot be checked (store.sms.is_opted_out missing);"
                         " refusing to text") from None
    return bool(is_opted_out(conn, number))


def _draft_target(row: sqlite3.Row, item_id: int | None = None) -> str:
    conv = row["conversation_id"]
    if conv is not None:
        return f"conversation:{conv}"
    return f"outbox:{item_id}" if item_id is not None else f"draft:{row['id']}"


def _item_target(row: sqlite3.Row) -> str:
    conv = row["conversation_id"]
    return f"conversation:{conv}" if conv is not None else f"outbox:{row['id']}"
