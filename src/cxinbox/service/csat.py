"""The satisfaction question (CSAT): asked once after a close, by the patient's channel.

`cxinbox serve` calls `CsatService.round` from the SLA monitor's loop. A round
1. reads the event log from its cursor: a close schedules the question `delay_minutes`
   later; any other status change (a reopen) cancels a question not yet asked. Following
   the log, rather than hooking the close action, means closes by rules, bulk commands and
   merges all count, and a restart neither loses nor repeats one;
2. for each question whose time came, decides to ask or to skip (conversation reopened or
   merged, a red flag, an excluded tag such as billing-dispute, an opted-out number, mail
   from a robot or a mailing list, the same patient asked within `frequency_days`), and
   writes the outbox
   row, the request's new state and the audit event (actor "csat") in ONE transaction: the
   outbox's own exactly-once delivery then carries it, and a crash can neither lose the
   question nor ask it twice.

Red flags. A conversation that EVER had a red flag is never asked, even after a clinician
cleared it: a clinic does not ask "how did we do?" after an emergency. The answer comes from
the one red-flag state (`StoreTx.red_flag_state`, the column every other block reads), not
from the `red-flag` tag: a flag stays open when someone removes the tag, and a cleared flag
keeps its time (`raised_at`), so neither untagging nor clearing makes the question go.

Nothing here logs patient text: the log lines carry ids and reasons only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from cxinbox.config import Config
from cxinbox.domain import autoreply, compose
from cxinbox.domain.csat import guess_language
from cxinbox.domain.mime import parse_message
from cxinbox.domain.sanitize import header_safe
from cxinbox.service.logsafe import fields
from cxinbox.store.interface import Store, StoreTx
from cxinbox.store.records import CsatDue

log = logging.getLogger(__name__)

ACTOR: Final = "csat"
"""Who the audit trail says asked (and who recorded an answer)."""
BATCH: Final = 500
DAY_S: Final = 86400


def red_flag_history(tx: StoreTx, conversation_id: int) -> str:
    """Why a red flag rules the question out ("red flag open", "red flag raised before"),
    or "" when the conversation never had one (see the module docstring)."""
    state = tx.red_flag_state(conversation_id)
    if state is None:
        return ""
    if state.is_open:
        return "red flag open"
    if state.raised_at is not None or state.message_pk is not None:
        return "red flag raised before"
    return ""


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """The outbox row's fields for one question."""

    channel: str
    account: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    message_id: str | None
    raw: bytes | None
    body: str


class CsatService:
    """Schedules, asks and skips satisfaction questions; see the module docstring."""

    def __init__(self, store: Store, config: Config, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.config = config
        self.csat = config.csat
        self.clock = clock
        self._scanned = 0
        """The newest event seq a round found no status change up to (after the stored
        cursor): the next round starts there instead of walking those events again."""

    def round(self, now: int | None = None) -> int:
        """One pass; returns how many questions were queued."""
        if not self.csat.enabled:
            return 0
        now = int(self.clock()) if now is None else now
        self.follow_closes(now)
        return self.ask_due(now)

    def follow_closes(self, now: int | None = None) -> None:
        """Schedule on closes, cancel on reopens, from the event log after the cursor.

        The first round after the feature is switched on starts at closes of the last
        `delay_minutes` plus a day (a server started just after a close still asks), never
        further back: old closes do not get a question out of the blue."""
        with self.store.reading() as tx:
            cursor = tx.csat_cursor()
            if cursor is not None:
                head = tx.last_event_seq()
                if not tx.csat_status_changes_after(max(cursor, self._scanned), 1):
                    # the common round: nothing closed or reopened, no write lock; and the
                    # events read this time are not read again next round
                    self._scanned = head
                    return
        with self.store.writing() as tx:
            cursor = tx.csat_cursor()
            if cursor is not None:
                cursor = max(cursor, self._scanned)
            else:
                now = int(self.clock()) if now is None else now
                cursor = tx.csat_seq_before(now - self.csat.delay_minutes * 60 - DAY_S)
            while True:
                changes = tx.csat_status_changes_after(cursor, BATCH)
                for ch in changes:
                    if ch.to == "closed":
                        conv = tx.conversation(ch.conversation_id)
                        staff = (conv.assignee if conv is not None and conv.assignee
                                 else ch.actor)
                        tx.schedule_csat(ch.conversation_id, ch.at,
                                         ch.at + self.csat.delay_minutes * 60, staff or "")
                    else:
                        tx.cancel_csat(ch.conversation_id, "reopened")
                    cursor = ch.seq
                if len(changes) < BATCH:
                    break
            tx.set_csat_cursor(cursor)

    def ask_due(self, now: int) -> int:
        with self.store.reading() as tx:
            due = tx.csat_due(now)
        asked = 0
        for item in due:
            with self.store.writing() as tx:
                outcome = self._ask_one(tx, item, now)
            if outcome == "sent":
                asked += 1
            # The reason stays in the audit event: a tag name is staff text, not a log field.
            log.info("csat question %s", "queued" if outcome == "sent" else "skipped",
                     extra=fields(conversation=item.conversation_id))
        if asked:
            from cxinbox.service.outbox import wake_running

            wake_running()
        return asked

    def _ask_one(self, tx: StoreTx, item: CsatDue, now: int) -> str:
        """Ask or skip one question in the caller's transaction; returns "sent" or the reason."""
        reason = self._skip_reason(tx, item, now)
        if reason:
            if reason == "reopened":
                tx.cancel_csat(item.conversation_id, reason)
            elif tx.finish_csat(item.id, state="skipped", reason=reason):
                tx.append_event(ACTOR, "csat.skipped", f"conversation:{item.conversation_id}",
                                {"conversation": item.conversation_id, "reason": reason})
            return reason
        lang = self._language(tx, item.conversation_id)
        built = self._item(tx, item, lang)
        if isinstance(built, str):
            if tx.finish_csat(item.id, state="skipped", reason=built):
                tx.append_event(ACTOR, "csat.skipped", f"conversation:{item.conversation_id}",
                                {"conversation": item.conversation_id, "reason": built})
            return built
        now_ms = int(self.clock() * 1000)  # the outbox runs on the wall clock
        outbox_id = tx.insert_outbox_item(
            conversation_id=item.conversation_id, author=ACTOR, channel=built.channel,
            account=built.account, sender=built.sender, recipients=built.recipients,
            subject=built.subject, message_id=built.message_id, raw=built.raw, body=built.body,
            draft={}, now_ms=now_ms, send_after_ms=now_ms)
        tx.finish_csat(item.id, state="sent", patient=item.from_addr, channel=item.channel,
                       lang=lang, outbox_id=outbox_id, asked_at=now,
                       answer_until=now + self.csat.answer_days * DAY_S)
        tx.append_event(ACTOR, "csat.asked", f"conversation:{item.conversation_id}",
                        {"conversation": item.conversation_id, "outbox": outbox_id,
                         "channel": item.channel, "lang": lang})
        tx.append_event(ACTOR, "outbox.queued", f"conversation:{item.conversation_id}",
                        {"outbox": outbox_id, "channel": item.channel,
                         "to": list(built.recipients), "undo_s": 0})
        return "sent"

    def _skip_reason(self, tx: StoreTx, item: CsatDue, now: int) -> str:
        if item.status != "closed":
            return "reopened"
        if item.merged:
            return "merged"
        flag = red_flag_history(tx, item.conversation_id)
        if flag:
            return flag
        excluded = sorted(set(item.tags) & {t.lower() for t in self.csat.excluded_tags})
        if excluded:
            return f"excluded tag {excluded[0]}"
        if not item.from_addr:
            return "no patient address"
        if item.channel == "sms" and tx.is_opted_out(item.from_addr):
            return "opted out of texts"
        days = self.csat.frequency_days
        if days and tx.csat_patient_asked_since(item.from_addr, now - days * DAY_S):
            return f"patient asked within {days} days"
        return ""

    def _language(self, tx: StoreTx, conv_id: int) -> str:
        """The language of the patient's newest message, else the clinic's default."""
        default = self.csat.default_language
        for msg in reversed(tx.messages_of(conv_id)):
            if msg.direction == "in":
                return guess_language(msg.body_text[:4000], default)
        return default

    def _item(self, tx: StoreTx, item: CsatDue, lang: str) -> _Outgoing | str:
        """The outbox row's fields, or the reason the question cannot go this way."""
        text = self.csat.question(item.channel, lang)
        if item.channel == "sms":
            numbers = {n.number for n in self.config.sms.numbers}
            if not self.config.sms.configured or item.mailbox not in numbers:
                return "clinic number not configured"
            return _Outgoing("sms", item.mailbox, item.mailbox, (item.from_addr,), "", None,
                             None, text)
        try:
            account = self.config.account(item.mailbox)
        except KeyError:
            return "mailbox not configured"
        if not account.smtp_host or not account.address:
            return "mailbox cannot send"
        found = tx.reply_parent(item.conversation_id)
        if found is None or found.direction != "in":
            return "no patient message"
        parsed = parse_message(found.data)
        if parsed.auto_submitted or autoreply.refusal(found.data) is not None:
            return "automatic or mailing-list mail"
        patient = parsed.reply_to[0].email if parsed.reply_to else item.from_addr
        parent = compose.Parent(
            message_id=parsed.message_id, references=tuple(parsed.references),
            subject=parsed.subject, from_name="", from_addr=item.from_addr, date=parsed.date,
            body_text="", reply_to=(), to=(), cc=())
        message_id = compose.new_message_id(account.address)
        outgoing = compose.Outgoing(
            from_addr=account.address,
            from_name=compose.sender_name(account.display_name, "", False),
            to=(patient,), cc=(), subject=compose.reply_subject(parsed.subject or ""),
            body=text, message_id=message_id, date=datetime.fromtimestamp(self.clock(), UTC),
            in_reply_to=parsed.message_id, references=compose.reply_references(parent),
            signature=account.signature, quote="", attachments=())
        try:
            raw = compose.build_email(outgoing)
        except compose.ComposeError:
            return "could not build the email"
        return _Outgoing("email", account.name, account.address, tuple(outgoing.recipients),
                         header_safe(outgoing.subject), message_id, raw, "")
