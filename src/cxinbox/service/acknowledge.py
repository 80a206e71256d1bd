"""The out-of-hours acknowledgement: "we received your message; we will answer by Tuesday
9:00", by mail or text, through the outbox, as the `acknowledge` rule action.

It is the one rule action that speaks to a patient, so it refuses more than it sends:
- only outside the calendar's opening hours (at the instant the action runs);
- never on a red-flagged conversation (`redflags.red_flag_open`: a detector's flag or a
  person's `red-flag` tag, until a clinician clears it), read when the action runs, i.e.
  after the ingest's detection (detection runs before rules in the same transaction, and
  an earlier rule's `red-flag` tag has raised its flag); and, in case no detector ran, never
  when the message itself reads as a red flag to the local detector (domain/triage.py): a
  patient describing an emergency gets a clinician, not a template;
- never to automatic mail, mailing lists, bounces or no-reply senders (RFC 3834,
  domain/autoreply.py), never to a number that texted STOP;
- never to a message that ARRIVED more than MAX_AGE_S ago (a first sync brings in old
  mail); arrived: the server's time (`messages.received_at`), never the Date: header;
- at most once per conversation and once per sender per clinic day (the `rule_acks`
  ledger, whose UNIQUE keys make a second one impossible even if two rules ask at once).

It speaks the patient's language: a message read as Spanish (domain/csat.py
`guess_language`, as the satisfaction question is chosen) gets `[acknowledge] email_es` /
`sms_es`, with the day of {next_open} in Spanish.

The reply itself is an outbox row written in the same transaction as the message that
caused it, so the outbox's exactly-once delivery holds for it as for any reply. The mail
carries `Auto-Submitted: auto-replied` so the patient's own auto-responder stays quiet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from cxinbox.config import Config
from cxinbox.domain import autoreply, compose
from cxinbox.domain.csat import guess_language
from cxinbox.domain.mime import parse_message
from cxinbox.domain.sla import BusinessCalendar
from cxinbox.service.redflags import red_flag_open
from cxinbox.store.interface import StoreTx
from cxinbox.store.records import ConversationRecord, MessageRecord

AUTO_SUBMITTED: Final = "auto-replied"
_DAYS_EN: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                   "Sunday")
_DAYS_ES: Final = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MAX_AGE_S: Final = 12 * 3600
"""A patient message that arrived longer ago than this gets no acknowledgement: the first
sync of a mailbox, or a server back after a long outage, must not answer last month's mail.
Arrived, by the server's clock: mail whose sender's Date: is a year off, received now, is
answered."""


class AckRefused(Exception):
    """The acknowledgement may not go; `str()` is the reason (no patient text)."""


@dataclass(frozen=True, slots=True)
class AckPlan:
    """What would be sent: to whom (kept out of logs), by which channel, and the text."""

    channel: str
    sender_key: str
    text: str
    day: str
    lang: str = "en"
    """The patient's language ("en" or "es"): the text's, and the mail subject's."""


class Acknowledger:
    """Checks and queues acknowledgements for one config."""

    def __init__(self, config: Config) -> None:
        self.config = config
        ack = config.acknowledge
        tz = ZoneInfo(config.clinic.timezone)
        self.calendar = BusinessCalendar.from_spec(
            config.sla.calendars[ack.calendar], where=f"sla.calendars.{ack.calendar}",
            default_tz=tz)

    def next_open(self, at: datetime) -> datetime:
        """The next instant the clinic opens after `at` (when closed at `at`)."""
        return self.calendar.add_business_seconds(at, 1) - timedelta(seconds=1)

    def next_open_text(self, at: datetime, lang: str = "en") -> str:
        """"Tuesday 9:00" ("martes 9:00" in Spanish, whatever the server's locale); a
        calendar that opens at a second past the minute says it ("Tuesday 9:00:30"), not
        a time when the desk is still closed."""
        opens = self.next_open(at).astimezone(self.calendar.tz)
        day = _DAYS_ES[opens.weekday()] if lang == "es" else _DAYS_EN[opens.weekday()]
        seconds = f":{opens.second:02d}" if opens.second else ""
        return f"{day} {opens.hour}:{opens.minute:02d}{seconds}"

    def text_for(self, channel: str, lang: str) -> tuple[str, str]:
        """(text, its language) for the channel and the patient's language: the Spanish text
        for a Spanish writer where one is set, else the English one ("" when the channel
        has none: the English text is what turns a channel on)."""
        ack = self.config.acknowledge
        english = ack.email if channel == "email" else ack.sms
        spanish = ack.email_es if channel == "email" else ack.sms_es
        if english and lang == "es" and spanish:
            return spanish, "es"
        return english, "en"

    def plan(self, tx: StoreTx, conv: ConversationRecord, at: datetime) -> AckPlan:
        """What to send for `conv` at `at`, or AckRefused saying why not."""
        if self.calendar.is_open(at):
            raise AckRefused("open hours")
        if at.timestamp() - (conv.last_inbound_at or conv.created_at) > MAX_AGE_S:
            raise AckRefused("old message")
        if red_flag_open(tx, conv.id):
            raise AckRefused("red flag")
        message = _newest_inbound(tx, conv.id)
        if message is None:
            raise AckRefused("no patient message")
        if at.timestamp() - message.arrived > MAX_AGE_S:
            raise AckRefused("old message")
        text_template = self.config.acknowledge.email if conv.channel == "email" \
            else self.config.acknowledge.sms
        if not text_template:
            raise AckRefused(f"no {conv.channel} text in [acknowledge]")
        if conv.channel == "email":
            raw = tx.raw_of_message(message.id) or b""
            why = autoreply.refusal(raw)
            if why:
                raise AckRefused(why)
            sender = (message.from_addr or conv.from_addr).lower()
        else:
            sender = message.from_addr or conv.from_addr
            if tx.is_opted_out(sender):
                raise AckRefused("opted out")
        day = at.astimezone(self.calendar.tz).date().isoformat()
        refused = tx.ack_refusal(conv.id, sender, day)
        if refused:
            raise AckRefused(refused)
        from cxinbox.domain.triage import assess  # loaded on first use (service/redflags.py)

        if assess(message.body_text, subject=message.subject, channel=conv.channel).red_flag:
            raise AckRefused("red flag in message")
        # The patient's language, read as the satisfaction question reads it (domain/csat.py)
        text_template, lang = self.text_for(conv.channel,
                                            guess_language(message.body_text[:4000], "en"))
        text = text_template.format(next_open=self.next_open_text(at, lang),
                                    clinic=self.config.clinic.name)
        return AckPlan(conv.channel, sender, text, day, lang)

    def send(self, tx: StoreTx, conv: ConversationRecord, plan: AckPlan, actor: str,
             now_ms: int) -> int:
        """Queue the acknowledgement (due now, no undo window) and note it in the ledger;
        returns the outbox id. Raises AckRefused when the channel cannot send."""
        item: dict[str, Any]
        if plan.channel == "email":
            item = self._email(tx, conv, plan)
        else:
            item = {"channel": "sms", "account": conv.mailbox, "sender": conv.mailbox,
                    "recipients": (plan.sender_key,), "subject": "", "message_id": None,
                    "raw": None, "body": plan.text}
        item_id = tx.insert_outbox_item(**item, conversation_id=conv.id, author=actor,
                                        draft={}, now_ms=now_ms, send_after_ms=now_ms)
        tx.record_ack(conv.id, plan.sender_key, plan.day, actor, item_id, now_ms // 1000)
        return item_id

    def _email(self, tx: StoreTx, conv: ConversationRecord, plan: AckPlan) -> dict[str, Any]:
        account = next((a for a in self.config.accounts if a.name == conv.mailbox), None)
        if account is None or not account.smtp_host or not account.address:
            raise AckRefused("mailbox cannot send")
        message = _newest_inbound(tx, conv.id)
        parsed = parse_message(tx.raw_of_message(message.id) or b"") if message else None
        parent = compose.Parent(
            message_id=parsed.message_id, references=tuple(parsed.references),
            subject=parsed.subject, from_name="", from_addr=plan.sender_key, date=parsed.date,
            body_text="") if parsed else None
        subject = compose.reply_subject(parent.subject) if parent and parent.subject \
            else (self.config.acknowledge.email_subject_es if plan.lang == "es"
                  else self.config.acknowledge.email_subject)
        message_id = compose.new_message_id(account.address)
        outgoing = compose.Outgoing(
            from_addr=account.address, from_name=compose.header_text(account.display_name),
            to=(plan.sender_key,), cc=(), subject=subject, body=plan.text,
            message_id=message_id, date=datetime.now(UTC),
            in_reply_to=parent.message_id if parent else None,
            references=compose.reply_references(parent) if parent else (),
            auto_submitted=AUTO_SUBMITTED)
        try:
            raw = compose.build_email(outgoing)
        except compose.ComposeError as exc:
            raise AckRefused(f"cannot write the mail: {type(exc).__name__}") from None
        return {"channel": "email", "account": account.name, "sender": account.address,
                "recipients": outgoing.recipients, "subject": compose.header_text(subject),
                "message_id": message_id, "raw": raw, "body": ""}


def _newest_inbound(tx: StoreTx, conv_id: int) -> MessageRecord | None:
    inbound = [m for m in tx.messages_of(conv_id) if m.direction == "in"]
    return max(inbound, key=lambda m: (m.arrived, m.id)) if inbound else None
