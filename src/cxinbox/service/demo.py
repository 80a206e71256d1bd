"""`cxinbox demo`: a believable clinic inbox, built through the real ingest and service paths.

A demo is only convincing (and only tests anything) if its data took the same road as real
data: email is written as raw RFC 5322 bytes, parsed by `parse_message` and stored by
`ingest_batch` with per-folder UIDs; SMS go through `insert_sms`; the red-flag and intent
detectors run over what was stored exactly as at live ingest (`triage_arrivals`), every
message as if assessed when it arrived (the clinic's server ran all along: none of its
mail is a first sync's backlog), so every patient message's intent, the chest-pain red
flag and the traps beside it (an idiom, a family history, "no chest pain anymore") are
the detectors' own findings;
every assignment, tag, status and note is an `InboxService` call, so the audit trail and
the change feed the TUI follows are real too. No SQL lives here.

The demo clinic has rules (`DEMO_AUTOMATION`: red flags to the nurses, lab results to the
results team) and they run as in the server: after the ingest's triage, through the rules
engine, in the ingest's transaction, so "assigned by rule" and the rules' tags show, and
`rules test` of a kept demo (`cxinbox demo --keep DIR`) replays what they did: the seeding
is one ingest whose `mail.received` event names the conversations and message ids it stored,
as the mail sync's does.

Everything derives from one seeded `random.Random` and from `now`, so the same seed gives
the same clinic, with SLA clocks spread over ok, at risk, breached and paused at whatever
time the demo starts. While the demo runs, `DemoArrivals` adds one more patient message
every 20-30 seconds through the same path, so live updates and countdowns can be watched.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import random
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxinbox.config import (
    AccountConfig,
    CannedReply,
    ClinicConfig,
    ComposeConfig,
    Config,
    OutboxConfig,
    SlaConfig,
    SlaPolicyConfig,
    SmsConfig,
    SmsNumber,
    StaffMember,
)
from cxinbox.domain.mime import parse_message
from cxinbox.domain.sla import BusinessCalendar
from cxinbox.domain.when import format_amount
from cxinbox.service import redflags
from cxinbox.service.inbox import InboxService
from cxinbox.service.rules import RuleEngine
from cxinbox.service.sla_monitor import SlaMonitor
from cxinbox.store.interface import Store, StoreTx
from cxinbox.store.records import SmsRecord

CLINIC_NAME = "Maple Street Clinic"
DOMAIN = "maplestreet-clinic.example"
MAILBOXES: dict[str, str] = {
    "appointments": f"appointments@{DOMAIN}",
    "billing": f"billing@{DOMAIN}",
    "results": f"results@{DOMAIN}",
    "referrals": f"referrals@{DOMAIN}",
}
CLINIC_SMS = "+15550100100"
STAFF = ("maria", "dev", "sam", "priya")
STAFF_NAMES = {"maria": "Maria Lopez", "dev": "Dev Patel", "sam": "Sam Okafor",
               "priya": "Priya Nair"}
CLINICAL = frozenset({"priya"})
"""The practice nurse: who may clear a red flag (and whose terminal rings for one)."""
CONVERSATIONS = 300
CLINIC_HOURS: dict[str, list[str]] = {
    **{day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    "sat": ["09:00-13:00"],
}
FIRST_RESPONSE_S = 3600  # one business hour: what most front desks promise
RED_FLAG_RESPONSE_S = 15 * 60  # red flags (chest pain, stroke signs) wait for nobody
RED_FLAG_AGE_S = 10 * 60
"""How long ago the chest-pain message came in when the demo opens: at risk a minute
later, breached five minutes in, so the first minutes of a demo show the escalations."""

_FIRST = ("Jane", "Robert", "Aisha", "Tom", "Linda", "Carlos", "Mei", "Olga", "Peter",
          "Fatima", "George", "Hannah", "Ivan", "Julia", "Kwame", "Laura", "Miguel", "Nora",
          "Omar", "Paula", "Quinn", "Rosa", "Steve", "Tara", "Uma", "Victor", "Wendy",
          "Yusuf", "Zoe", "José", "Ana", "Björn", "Chloé", "Dmitri", "Elena", "Farah")
_LAST = ("Smith", "Johnson", "Khan", "Nguyen", "Garcia", "Müller", "Okafor", "Brown",
         "Wilson", "Rossi", "Kowalski", "Haddad", "Chen", "Murphy", "Silva", "Novak",
         "Núñez", "Tanaka", "Ivanova", "O'Brien", "Dubois", "Larsen", "Mensah", "Park")
_MAIL_DOMAINS = ("example.com", "example.org", "mail.example.net", "inbox.example")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_MEDS = ("lisinopril", "metformin", "atorvastatin", "levothyroxine", "amlodipine",
         "sertraline", "omeprazole", "albuterol inhaler")
_SPECIALTIES = ("dermatology", "cardiology", "physiotherapy", "orthopedics", "ENT",
                "gastroenterology")


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    mailbox: str
    subjects: tuple[str, ...]
    bodies: tuple[str, ...]
    replies: tuple[str, ...]
    tags: tuple[str, ...]
    sms: tuple[str, ...] = ()
    attachment: tuple[str, str] | None = None  # (filename, content type)


TOPICS: tuple[Topic, ...] = (
    Topic("appointment", "appointments",
          ("Appointment request", "Booking a check-up", "New patient appointment",
           "Can I see Dr. Rivera next week?", "Annual physical"),
          (("Hello,\n\nI would like to book an appointment for a routine check-up. I am free "
           "{day} morning or any afternoon after 2pm.\n\nThank you,\n{first}"),
           ("Hi there,\n\nI'm a new patient and would like to register and book a first "
           "visit. What documents should I bring?\n\nBest regards,\n{first} {last}")),
          ("Could you also tell me if there is parking nearby?",
           "{day} at 10:30 would be perfect, thank you!"),
          ("appointment",),
          ("Hi, can I book an appointment for {day}? This is {first}",
           "hello do you have anything free this week for a checkup")),
    Topic("reschedule", "appointments",
          ("Need to reschedule my appointment", "Reschedule Thursday visit",
           "Change of appointment time", "Running late / reschedule"),
          (("Hi,\n\nSomething came up at work and I can't make my appointment on {day}. "
           "Could we move it to later in the week?\n\nSorry for the trouble,\n{first}"),),
          ("Friday afternoon works too if that's easier.",
           "Thanks, please confirm the new time."),
          ("appointment", "reschedule"),
          ("Hi its {first}, I need to move my appt on {day}, sorry!",
           "can we reschedule tomorrows appointment? kid is sick")),
    Topic("refill", "appointments",
          ("Prescription refill - {med}", "Refill request", "Repeat prescription for {med}",
           "Running out of {med}"),
          (("Hello,\n\nI'm almost out of my {med} and need a refill sent to the pharmacy on "
           "Main St. My date of birth is on file.\n\nThanks,\n{first} {last}"),),
          ("Just checking whether this was sent to the pharmacy?",
           "The pharmacy says they haven't received anything yet."),
          ("refill",),
          ("Hi, need a refill of {med} please. Pharmacy on Main St. {first}",)),
    Topic("lab", "results",
          ("Question about my blood test results", "Lab results question",
           "Do I need to be fasting for the blood draw?", "Cholesterol results"),
          (("Hi,\n\nI saw my lab results came back in the portal but I don't understand what "
           "the cholesterol numbers mean. Should I be worried?\n\nThank you,\n{first}"),
           ("Hello,\n\nMy blood draw is on {day}. Do I need to be fasting, and for how many "
           "hours? Can I drink water or coffee?\n\nRegards,\n{first} {last}")),
          (("Thanks. One more question: should I stop taking my vitamins before the fasting "
           "test?"), "I've attached the results from the other lab as well."),
          ("lab-results",),
          ("Do I have to be fasting for my blood test on {day}?",),
          ("lab-results.pdf", "application/pdf")),
    Topic("billing", "billing",
          ("Question about invoice #{num}", "[EXT] Billing question", "Charged twice?",
           "Payment plan options", "Receipt for my last visit"),
          (("Hello,\n\nI received an invoice (#{num}) for my visit but I believe my insurance "
           "should have covered it. Could you check?\n\nThanks,\n{first} {last}"),
           ("Hi,\n\nIt looks like my card was charged twice for the same visit on {day}. "
           "Can you refund one of them?\n\n{first}")),
          ("Any update on this? Thank you.", "I've attached the bank statement."),
          ("billing",),
          ("Hi, was I charged twice for my visit? {first}",)),
    Topic("insurance", "billing",
          ("Insurance card update", "New insurance provider", "Is my plan accepted?"),
          (("Hello,\n\nI changed jobs and have a new insurance plan. A photo of my new card is "
           "attached. Please update my file before my next visit.\n\n{first} {last}"),),
          ("Did you receive the card photo?",),
          ("insurance",), (),
          ("insurance-card.jpg", "image/jpeg")),
    Topic("referral", "referrals",
          ("Referral to {spec}", "Status of my {spec} referral", "Specialist referral"),
          (("Hi,\n\nDr. Rivera said she would refer me to {spec}. Has the referral been sent? "
           "The specialist's office says they haven't received it.\n\nThanks,\n{first}"),),
          ("Could you fax it again? Their number is on their website.",),
          ("referral",)),
)

RED_FLAG = Topic(
    "red-flag", "appointments", ("Chest pain since this morning",),
    (("Hello,\n\nI have had chest pain since this morning and it's spreading to my left arm. "
     "I feel a bit short of breath. Can I come in today or should I wait for my appointment "
     "on Friday?\n\n{first}"),), (), ("red-flag",))

_STAFF_REPLIES = (
    ("Hi {first},\n\nThank you for your message. We have booked you for {day} at 10:30.\n\n"
    "Kind regards,\n{staff}\n{clinic}"),
    ("Hi {first},\n\nThanks for getting in touch. I've passed this to the clinical team and "
    "we'll get back to you today.\n\nBest,\n{staff}\n{clinic}"),
    ("Hello {first},\n\nCould you confirm your date of birth so we can find your file?\n\n"
    "Thanks,\n{staff}\n{clinic}"),
)
_NOTES = (
    "@{other} can you call the patient back about this? They prefer mornings.",
    "Checked the file: insurance is active until December. @{other} FYI",
    "Left a voicemail at {time}. Will try again this afternoon.",
    "Dr. Rivera reviewed this, nothing urgent. @{other} please book a follow-up.",
    "Patient called the front desk too; same question. Answered by phone.",
)


@dataclass
class _Thread:
    conv_id: int
    topic: Topic
    mailbox: str
    subject: str
    first: str
    last: str
    address: str
    last_message_id: str
    last_body: str
    last_at: int


@dataclass
class DemoInbox:
    """The built clinic, and what is needed to keep adding patient messages to it."""

    db: Store
    config: Config
    me: str
    seed: int
    rng: random.Random
    mailboxes: list[str]
    threads: list[_Thread] = field(default_factory=list)
    sms_numbers: list[tuple[str, str]] = field(default_factory=list)
    counter: int = 0
    arrived: int = 0
    rules: RuleEngine | None = None

    def arrive(self, now: float | None = None) -> int:
        """Ingest one more patient message (new or a follow-up); returns its conversation."""
        at = int(now if now is not None else time.time())
        firing = None
        with self.db.writing() as tx:
            before = tx.max_message_pk()
            roll = self.rng.random()
            if roll < 0.25:
                conv = _add_sms(self, tx, at, reply=self.rng.random() < 0.4)
                action = "sms.received"
                target = f"sms/{CLINIC_SMS}"
            else:
                follow_up = self.threads and roll < 0.45
                conv = (_email_follow_up(self, tx, at) if follow_up
                        else _new_email_thread(self, tx, _pick_topic(self.rng), at).conv_id)
                action = "mail.received"
                target = "demo/INBOX"
            redflags.triage_arrivals(tx, self.config, at,  # as live ingest, before the event
                                     arrived=redflags.dated_on_arrival)
            tx.append_event("sync", action, target, {"count": 1, "conversations": [conv],
                                                     "after": before,
                                                     "upto": tx.max_message_pk()})
            if self.rules is not None:  # last, as in the sync (service/rules.py)
                firing = self.rules.fire_arrivals(tx, before, now=at)
        if self.rules is not None and firing is not None:
            self.rules.after_commit(firing)
        self.arrived += 1
        return conv


class DemoArrivals:
    """Adds a patient message every 20-30 s until stopped; a daemon thread (never blocks exit)."""

    def __init__(self, demo: DemoInbox, *, low_s: float = 20.0, high_s: float = 30.0) -> None:
        self.demo = demo
        self._low, self._high = low_s, high_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cxinbox-demo-arrivals",
                                        daemon=True)
        self.last_error: str | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        pace = random.Random(self.demo.seed + 1)
        while not self._stop.wait(pace.uniform(self._low, self._high)):
            try:
                self.demo.arrive()
            except Exception as exc:  # noqa: BLE001 - a demo hiccup must not kill the app
                self.last_error = str(exc)


def demo_config(timezone: str = "UTC") -> Config:
    """The demo clinic: its staff and a typical SLA (first reply within one business hour),
    with red flags first: 15 minutes around the clock, whatever the clinic's hours."""
    return Config(
        clinic=ClinicConfig(name=f"{CLINIC_NAME} (demo)", timezone=timezone,
                            phone="(555) 010-0100"),
        staff=tuple(StaffMember(os_user=s, name=STAFF_NAMES[s], clinical=s in CLINICAL)
                    for s in STAFF),
        sla=SlaConfig(
            calendars=MappingProxyType({"clinic": MappingProxyType({"hours": CLINIC_HOURS})}),
            policies=(SlaPolicyConfig(name="red flag", match="is:red-flag",
                                      first_response_s=RED_FLAG_RESPONSE_S,
                                      next_response_s=RED_FLAG_RESPONSE_S),
                      SlaPolicyConfig(name="front desk", calendar="clinic",
                                      first_response_s=FIRST_RESPONSE_S,
                                      next_response_s=4 * 3600),)),
        compose=ComposeConfig(canned=DEMO_CANNED),
        accounts=tuple(AccountConfig(name=name, host=f"imap.{DOMAIN}", username=address,
                                     address=address, smtp_host=f"smtp.{DOMAIN}",
                                     display_name=f"{CLINIC_NAME} {name.title()}",
                                     signature=f"{CLINIC_NAME} · (555) 010-0100")
                       for name, address in MAILBOXES.items()),
        sms=SmsConfig(base_url=f"https://sms.{DOMAIN}", account_sid="ACdemo",
                      numbers=(SmsNumber(number=CLINIC_SMS, name="Front desk"),)),
        outbox=OutboxConfig(undo_seconds=10))


DEMO_AUTOMATION: Final = '''
[[teams]]
name = "nurses"
members = ["priya"]

[[teams]]
name = "results"
members = ["dev", "sam"]

[[rules]]
name = "red flags to the nurses"
on = "arrival"
match = "is:red-flag"
actions = { assign = "team:nurses", tag = ["nurses-told"] }
stop = true

[[rules]]
name = "lab results"
on = "arrival"
match = "mailbox:results"
actions = { assign = "team:results", tag = ["lab"] }
'''
"""The demo clinic's teams and rules, in the config's own words (`with_automation` loads
them as a config file's are checked; `demo_config_toml` writes them into a kept demo's
config.toml)."""


def _toml_str(text: str) -> str:
    return json.dumps(text)  # a JSON string is a TOML basic string


def demo_config_toml(config: Config, db_path: Path | None = None,
                     admin: str = "") -> str:
    """The demo clinic as a config file: its clinic, staff, SLA policies, canned replies,
    teams and rules, and (for a kept demo) the database and a server socket beside it. No accounts: the
    demo's mail came from nowhere, so `sync` has nothing to reach. `admin`: the login made
    an admin there (the person who kept it, so `store copy` and the like are theirs)."""
    lines = ["[clinic]", f"name = {_toml_str(config.clinic.name)}",
             f"timezone = {_toml_str(config.clinic.timezone)}",
             f"phone = {_toml_str(config.clinic.phone)}", ""]
    if db_path is not None:
        lines += ["[store]", f"path = {_toml_str(str(db_path))}", "",
                  "[server]", f"socket = {_toml_str(str(db_path.parent / 'cxinbox.sock'))}",
                  ""]
    for member in config.staff:
        lines += ["[[staff]]", f"os_user = {_toml_str(member.os_user)}",
                  f"name = {_toml_str(member.name)}"]
        role = "admin" if member.os_user == admin else member.role
        if role != "agent":
            lines.append(f"role = {_toml_str(role)}")
        if member.clinical:
            lines.append("clinical = true")
        lines.append("")
    lines += ["[sla.calendars.clinic]", f"timezone = {_toml_str(config.clinic.timezone)}",
              "", "[sla.calendars.clinic.hours]"]
    lines += [f"{day} = {json.dumps(spans)}" for day, spans in CLINIC_HOURS.items()]
    lines.append("")
    for policy in config.sla.policies:
        lines += ["[[sla.policies]]", f"name = {_toml_str(policy.name)}"]
        if policy.match:
            lines.append(f"match = {_toml_str(policy.match)}")
        if policy.calendar:
            lines.append(f"calendar = {_toml_str(policy.calendar)}")
        for key, seconds in (("first_response", policy.first_response_s),
                             ("next_response", policy.next_response_s)):
            if seconds:
                lines.append(f"{key} = {_toml_str(format_amount(seconds))}")
        lines.append("")
    for canned in config.compose.canned:  # the composer's templates, and their refusal on a red flag
        lines += ["[[compose.canned]]", f"name = {_toml_str(canned.name)}"]
        if canned.subject:
            lines.append(f"subject = {_toml_str(canned.subject)}")
        lines += [f"body = {_toml_str(canned.body)}", ""]
    return "\n".join(lines) + DEMO_AUTOMATION


def with_automation(config: Config) -> Config:
    """`config` with the demo's teams and rules, checked as a config file's are."""
    from cxinbox.config import load_config_text

    loaded = load_config_text(demo_config_toml(config))
    return dataclasses.replace(config, teams=loaded.teams, rules=loaded.rules)


class DemoSmtp:
    """The demo's mail server: takes every reply and sends it nowhere."""

    broken = False

    def __init__(self, account: AccountConfig) -> None:
        self.account = account

    def send(self, sender: str, recipients: list[str], raw: bytes,
             before_data: Callable[[], None] | None = None) -> None:
        if before_data is not None:
            before_data()

    def close(self) -> None:
        pass


class DemoSms:
    """The demo's SMS provider: every text is accepted and at once delivered."""

    def __init__(self) -> None:
        self._count = 0

    def send(self, from_: str, to: str, body: str) -> Any:
        from cxinbox.channels.sms import ProviderMessage, SendResult

        self._count += 1
        sid = f"SMdemo{int(time.time())}{self._count:04d}"
        now = datetime.now(UTC)
        raw = json.dumps({"sid": sid, "from": from_, "to": to, "body": body,
                          "status": "delivered", "direction": "outbound-api"}).encode()
        message = ProviderMessage(sid=sid, from_=from_, to=to, body=body, status="delivered",
                                  direction="outbound-api", date_sent=now, date_created=now,
                                  num_media=0, num_segments=1, error_code=None,
                                  error_message="", media_uri="", raw=raw)
        return SendResult(sid, "delivered", message)

    def find_sent(self, *args: Any, **kwargs: Any) -> None:
        return None


def demo_outbox(db: Store, config: Config) -> Any:
    """The outbox worker for the demo: the real queue, undo window and records, with a
    transport that delivers nowhere."""
    from cxinbox.service.outbox import OutboxWorker

    return OutboxWorker(db, config, session_factory=DemoSmtp, sms_client=DemoSms(),
                        copy_to_sent_folder=False)


class DemoOutbox:
    """The outbox as a server worker (`service/runtime.py`), delivering nowhere."""

    name = "outbox"

    def __init__(self, db: Store, config: Config) -> None:
        self.worker = demo_outbox(db, config)

    def run(self, stop: threading.Event) -> None:
        self.worker.run(stop)


def start_background(demo: DemoInbox, stop: threading.Event, *,
                     clock: Callable[[], float] = time.time,
                     sla_interval_s: float | None = None) -> list[threading.Thread]:
    """What `cxinbox serve` runs next to its socket, for the demo: the outbox and the SLA
    monitor with the snooze waker, each supervised the way the server does it.

    The same `SlaWatch` as the server's means the demo's escalations are the server's:
    events in the change feed that every TUI toasts (and rings the bell for) alike,
    in-process or over the socket. Daemon threads, stopped by `stop`. The SLA rounds come
    every `[sla] check_interval` of the demo's config unless `sla_interval_s` is given.
    """
    from cxinbox.service.runtime import SlaWatch, Worker, supervise

    workers: list[Worker] = [DemoOutbox(demo.db, demo.config),
                             SlaWatch(demo.db, demo.config, clock=clock,
                                      interval_s=sla_interval_s)]
    threads = [threading.Thread(target=supervise, args=(worker, stop, None),
                                name=f"demo {worker.name}", daemon=True)
               for worker in workers]
    for thread in threads:
        thread.start()
    return threads


DEMO_CANNED: tuple[CannedReply, ...] = (
    CannedReply(name="appointment-confirmed", subject="Your appointment",
                body="Hello {patient_name},\n\nYour appointment is confirmed for {day} at "
                     "{time}. Please arrive 10 minutes early and bring your insurance card."
                     "\n\n{staff_name}\n{clinic_name} · {clinic_phone}\n"),
    CannedReply(name="results-ready", subject="Your results",
                body="Hello {patient_name},\n\nYour results are in. For your privacy we do "
                     "not send results by email; please call us at {clinic_phone} and ask "
                     "for the nurse line.\n\n{staff_name}, {clinic_name}\n"),
    CannedReply(name="refill-received",
                body="Hello {patient_name}, we received your refill request and sent it to "
                     "the doctor. Allow 2 business days. {clinic_name}\n"),
    CannedReply(name="billing-call-back",
                body="Hello {patient_name},\n\nThank you for your message about your bill. "
                     "Our billing team will call you within one business day (reference "
                     "#{conversation_id}).\n\n{staff_name}\n"),
)


def local_timezone() -> str:
    """This machine's IANA zone, so demo times read like the wall clock; UTC if unknown."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    try:
        candidates.append(str(Path("/etc/localtime").resolve()).split("zoneinfo/", 1)[1])
    except (OSError, IndexError):
        pass
    for name in candidates:
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
        return name
    return "UTC"


def _pick_topic(rng: random.Random) -> Topic:
    return TOPICS[rng.randrange(len(TOPICS))]


def _fill(template: str, rng: random.Random, **known: str) -> str:
    values = {"day": rng.choice(_WEEKDAYS), "med": rng.choice(_MEDS),
              "spec": rng.choice(_SPECIALTIES), "num": str(rng.randint(1000, 9999)),
              "first": "", "last": "", "staff": "", "clinic": CLINIC_NAME,
              "time": f"{rng.randint(8, 11)}:{rng.choice(('05', '20', '40'))}",
              "other": rng.choice(STAFF)}
    values.update(known)
    return template.format(**values)


def _patient(rng: random.Random) -> tuple[str, str, str]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    local = f"{first}.{last}".lower().replace("'", "")
    local = local.encode("ascii", "ignore").decode() or "patient"
    return first, last, f"{local}{rng.randint(1, 99)}@{rng.choice(_MAIL_DOMAINS)}"


def _header_text(text: str) -> str:
    return text if text.isascii() else Header(text, "utf-8").encode()


def _raw_email(*, sender: tuple[str, str], to: str, subject: str, body: str, at: int,
               message_id: str, in_reply_to: str | None,
               attachment: tuple[str, str] | None) -> bytes:
    """RFC 5322 bytes as a mail client would send them (UTF-8 names encoded per RFC 2047).

    Written out directly: `email.message.EmailMessage` spent ~1 ms per message folding
    headers, most of the demo's start-up time.
    """
    lines = [f"From: {formataddr(sender, 'utf-8')}", f"To: {to}",
             f"Subject: {_header_text(subject)}",
             f"Date: {format_datetime(datetime.fromtimestamp(at, UTC))}",
             f"Message-ID: <{message_id}>", "MIME-Version: 1.0"]
    if in_reply_to:
        lines += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    text = ("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + body.replace("\n", "\r\n") + "\r\n")
    if attachment is None:
        return ("\r\n".join(lines) + "\r\n" + text).encode("utf-8")
    filename, content_type = attachment
    boundary = f"=_demo_{hashlib.sha1(message_id.encode()).hexdigest()[:16]}"
    payload = base64.encodebytes(hashlib.sha256(message_id.encode()).digest() * 64).decode()
    parts = [f"Content-Type: multipart/mixed; boundary=\"{boundary}\"", "", f"--{boundary}",
             text, f"--{boundary}", f"Content-Type: {content_type}; name=\"{filename}\"",
             f"Content-Disposition: attachment; filename=\"{filename}\"",
             "Content-Transfer-Encoding: base64", "", payload.replace("\n", "\r\n"),
             f"--{boundary}--", ""]
    return ("\r\n".join(lines + parts)).encode("utf-8")


def _ingest_email(demo: DemoInbox, tx: StoreTx, *, account: str, folder: str, raw: bytes,
                  at: int, seen: bool) -> int:
    return tx.ingest_local(account=account, folder=folder, raw=raw, parsed=parse_message(raw),
                           at=at, seen=seen, own_addresses=frozenset(MAILBOXES.values()),
                           now=max(at, int(time.time())))


def _next_id(demo: DemoInbox, domain: str) -> str:
    demo.counter += 1
    return f"demo-{demo.seed}-{demo.counter}@{domain}"


def _new_email_thread(demo: DemoInbox, tx: StoreTx, topic: Topic, at: int, *,
                      seen: bool = False) -> _Thread:
    rng = demo.rng
    first, last, address = _patient(rng)
    subject = _fill(rng.choice(topic.subjects), rng, first=first, last=last)
    body = _fill(rng.choice(topic.bodies), rng, first=first, last=last)
    if rng.random() < 0.3:
        body += f"\n\n-- \n{first} {last}\nSent from my phone"
    message_id = _next_id(demo, address.split("@", 1)[1])
    attachment = topic.attachment if topic.attachment and rng.random() < 0.6 else None
    raw = _raw_email(sender=(f"{first} {last}", address), to=MAILBOXES[topic.mailbox],
                     subject=subject, body=body, at=at, message_id=message_id,
                     in_reply_to=None, attachment=attachment)
    conv = _ingest_email(demo, tx, account=topic.mailbox, folder="INBOX", raw=raw, at=at,
                         seen=seen)
    thread = _Thread(conv, topic, topic.mailbox, subject, first, last, address, message_id, body, at)
    demo.threads.append(thread)
    return thread


def _quoted(body: str, who: str, at: int) -> str:
    when = datetime.fromtimestamp(at, UTC).strftime("%a, %d %b %Y at %H:%M")
    lines = "\n".join("> " + line if line else ">" for line in body.split("\n"))
    return f"On {when}, {who} wrote:\n{lines}"


def _staff_reply(demo: DemoInbox, tx: StoreTx, thread: _Thread, at: int) -> None:
    rng = demo.rng
    staff = rng.choice(STAFF)
    body = _fill(rng.choice(_STAFF_REPLIES), rng, first=thread.first,
                 staff=STAFF_NAMES[staff])
    body += "\n\n" + _quoted(thread.last_body, f"{thread.first} {thread.last}", thread.last_at)
    message_id = _next_id(demo, DOMAIN)
    raw = _raw_email(sender=(f"{CLINIC_NAME}", MAILBOXES[thread.mailbox]), to=thread.address,
                     subject=f"Re: {thread.subject}", body=body, at=at,
                     message_id=message_id, in_reply_to=thread.last_message_id,
                     attachment=None)
    _ingest_email(demo, tx, account=thread.mailbox, folder="Sent", raw=raw, at=at, seen=True)
    thread.last_message_id, thread.last_body, thread.last_at = message_id, body, at


def _patient_reply(demo: DemoInbox, tx: StoreTx, thread: _Thread, at: int,
                   seen: bool = False) -> int:
    rng = demo.rng
    text = _fill(rng.choice(thread.topic.replies or ("Thank you!",)), rng, first=thread.first)
    body = f"{text}\n\n{thread.first}\n\n" + _quoted(thread.last_body, CLINIC_NAME,
                                                     thread.last_at)
    message_id = _next_id(demo, thread.address.split("@", 1)[1])
    raw = _raw_email(sender=(f"{thread.first} {thread.last}", thread.address),
                     to=MAILBOXES[thread.mailbox], subject=f"Re: {thread.subject}", body=body,
                     at=at, message_id=message_id, in_reply_to=thread.last_message_id,
                     attachment=None)
    conv = _ingest_email(demo, tx, account=thread.mailbox, folder="INBOX", raw=raw, at=at,
                         seen=seen)
    thread.last_message_id, thread.last_body, thread.last_at = message_id, body, at
    return conv


def _email_follow_up(demo: DemoInbox, tx: StoreTx, at: int) -> int:
    thread = demo.rng.choice(demo.threads[-60:])
    return _patient_reply(demo, tx, thread, at)


def _add_sms(demo: DemoInbox, tx: StoreTx, at: int, *, reply: bool) -> int:
    rng = demo.rng
    if reply and demo.sms_numbers:
        number, name = rng.choice(demo.sms_numbers[-40:])
        first = name.split(" ")[0]
    else:
        first, last, _ = _patient(rng)
        number, name = f"+1555{rng.randint(2000000, 9999999)}", f"{first} {last}"
        demo.sms_numbers.append((number, name))
    topic = rng.choice([t for t in TOPICS if t.sms])
    demo.counter += 1
    record = SmsRecord(provider_id=f"SMdemo{demo.seed}x{demo.counter}",
                       clinic_number=CLINIC_SMS, patient_number=number, direction="in",
                       body=_fill(rng.choice(topic.sms), rng, first=first), at=at,
                       patient_name=name)
    stored = tx.store_sms(record)
    return stored.conversation_id if stored is not None else 0


def _staff_sms(demo: DemoInbox, tx: StoreTx, number: str, at: int) -> None:
    demo.counter += 1
    tx.store_sms(SmsRecord(provider_id=f"SMdemo{demo.seed}x{demo.counter}",
                               clinic_number=CLINIC_SMS, patient_number=number,
                               direction="out", at=at,
                               body="Thanks, we have you down. Reply STOP to opt out."))


def _business_ago(calendar: BusinessCalendar, now: int, seconds: int) -> int:
    """The latest instant from which `seconds` of clinic hours have passed by `now`.

    The first-response clock counts business time, so "50 minutes ago" has to mean 50
    open minutes: at 8:10 on a Monday that is Saturday late morning. Bisection over whole
    seconds: business time since t only shrinks as t moves later.
    """
    end = datetime.fromtimestamp(now, UTC)
    low, high = now - 60 * 86400, now
    while high - low > 1:
        middle = (low + high) // 2
        if calendar.business_seconds_between(datetime.fromtimestamp(middle, UTC), end) >= seconds:
            low = middle
        else:
            high = middle
    return low


def _created_times(rng: random.Random, count: int, calendar: BusinessCalendar,
                   now: int) -> list[tuple[int, bool]]:
    """(start, waiting for a first reply) per conversation, oldest first.

    A recent cluster, placed in business time, so that the one-hour first response is ok
    for some, at risk for some and breached for others; the rest are older and mostly
    handled already.
    """
    times = []
    for index in range(count):
        if index < 12:
            times.append((_business_ago(calendar, now, rng.randint(60, 25 * 60)), True))
        elif index < 24:
            times.append((_business_ago(calendar, now, rng.randint(47 * 60, 58 * 60)), True))
        elif index < 44:
            times.append((_business_ago(calendar, now, rng.randint(70 * 60, 8 * 3600)), True))
        else:
            times.append((now - rng.randint(8 * 3600, 21 * 86400), False))
    return sorted(times)


def build_demo(db: Store, *, seed: int = 7, me: str, now: float | None = None,
               conversations: int = CONVERSATIONS, timezone: str | None = None,
               automation: bool = True) -> DemoInbox:
    """Fill an empty database with the demo clinic; returns the handle for live arrivals.

    `timezone` is the clinic's (default: this machine's), which also places the clinic
    hours the SLA counts in. `automation`: with the demo's teams and rules
    (`DEMO_AUTOMATION`); without, a clinic with neither (as tests of other things use it).
    """
    rng = random.Random(seed)
    start = int(now if now is not None else time.time())
    config = demo_config(timezone or local_timezone())
    if config.staff_member(me) is None:  # so "@you" in a note reaches the person trying it
        config = dataclasses.replace(config, staff=(
            *config.staff, StaffMember(os_user=me, name=me.title(), role="supervisor")))
    if automation:
        config = with_automation(config)
    calendar = BusinessCalendar.from_spec(config.sla.calendars["clinic"], where="demo",
                                          default_tz=config.clinic.tzinfo)
    rules = None
    if any(r.enabled for r in config.rules):
        from cxinbox.service.rules_preview import engine_for

        rules = engine_for(db, config)
    demo = DemoInbox(db=db, config=config, me=me, seed=seed, rng=rng,
                     mailboxes=sorted(MAILBOXES), rules=rules)
    plans: list[tuple[int, str, bool]] = []  # (conversation id, kind, waiting)
    firing = None
    with db.writing() as tx:
        before = tx.max_message_pk()
        for at, waiting in _created_times(rng, conversations - 1, calendar, start):
            if rng.random() < 0.25:
                conv = _add_sms(demo, tx, at, reply=False)
                plans.append((conv, "sms", waiting))
                if not waiting and rng.random() < 0.5:
                    _staff_sms(demo, tx, demo.sms_numbers[-1][0], at + rng.randint(300, 7200))
                continue
            thread = _new_email_thread(demo, tx, _pick_topic(rng), at, seen=not waiting)
            plans.append((thread.conv_id, "email", waiting))
            if not waiting and rng.random() < 0.7:
                _staff_reply(demo, tx, thread, at + rng.randint(600, 3 * 3600))
                if rng.random() < 0.5:
                    _patient_reply(demo, tx, thread, thread.last_at + rng.randint(600, 7200),
                                   seen=rng.random() < 0.5)
        _long_thread(demo, tx, start)
        red = _new_email_thread(demo, tx, RED_FLAG, start - RED_FLAG_AGE_S)
        plans.append((red.conv_id, "red-flag", True))
        handled = _triage_examples(demo, tx, start)
        # Every message, however old: the demo clinic's server ran all along, so each was
        # assessed as it arrived (a first sync's backlog, mail that arrived long before a
        # sync stored it, is what live leaves unassessed, and the demo has none).
        redflags.triage_arrivals(tx, config, start, arrived=redflags.dated_on_arrival,
                                 oldest=0)
        # As the mail sync's: the conversations and message ids this ingest stored (a
        # replay, `rules test`, finds each arrival here and the state it arrived in).
        stored = sorted({a.conversation_id for a in tx.arrivals_after(before)})
        tx.append_event("sync", "mail.received", "demo/INBOX",
                        {"count": len(plans), "conversations": stored[:500],
                         "after": before, "upto": tx.max_message_pk()})
        if demo.rules is not None:  # the rules last, as in the sync
            firing = demo.rules.fire_arrivals(tx, before, now=start)
        # what a rule assigned stays with whom it chose ("assigned by rule" in the thread)
        held = {a.conversation_id for a in (firing.applied if firing is not None else ())
                if any(not line.startswith("tag ") for line in a.done)}
        _staff_actions(demo, plans, start, held)
        _nurse_clears(demo, handled)
        from cxinbox.service.kb_demo import seed as seed_kb

        seed_kb(tx, at=start - 30 * 86400)  # the clinic's answers, for K and the composer
    if demo.rules is not None and firing is not None:
        demo.rules.after_commit(firing)
    # What is already at risk or breached was escalated while "the server ran": only what
    # turns at risk or breached from now on is news (a toast and a bell) in the demo.
    SlaMonitor(db, config, clock=lambda: start).check(start)
    return demo


TRAPS: tuple[tuple[str, str, str, str, int], ...] = (
    # (name, address or number, subject ("" for a text), body, minutes ago)
    ("Linda Brown", "linda.brown@example.org", "Why is my bill so high?",
     ("Hi,\n\nThis bill is giving me a heart attack! I was charged $240 for a ten-minute "
      "visit. Can someone explain the charges?\n\nLinda"), 40),
    ("Omar Haddad", "omar.haddad7@example.com", "Records for my father's neurologist",
     ("Hello,\n\nMy father had a stroke last year and now sees a new neurologist. Could "
      "you send his records to Dr. Hale's office? I have his signed release.\n\nThanks,"
      "\nOmar"), 130),
    ("Rosa Silva", "+15557650311", "",
     ("no chest pain anymore, thanks for calling back. can i book the follow up for next "
      "week?"), 25),
)
"""Messages that read like emergencies and are not: what the detector must leave alone."""
HANDLED_RED_FLAG: Final = ("Mei Chen", "+15557650412",
                           "my 6 week old has a fever of 38.4 and is not feeding, what do i do",
                           180)
"""A text the detector flags, that the nurse called back about and cleared."""
NURSE_REASON: Final = "Called the parent back: on the way to the children's ER."


def _triage_examples(demo: DemoInbox, tx: StoreTx, start: int) -> int:
    """The traps and the handled infant-fever text, with fixed names and no draw from the
    demo's generator (the rest of the clinic stays what the seed always made); returns
    the handled text's conversation."""
    for name, address, subject, body, minutes in TRAPS:
        at = start - minutes * 60
        if not subject:
            demo.counter += 1
            tx.store_sms(SmsRecord(provider_id=f"SMdemo{demo.seed}x{demo.counter}",
                                   clinic_number=CLINIC_SMS, patient_number=address,
                                   direction="in", body=body, at=at, patient_name=name))
            continue
        mailbox = "billing" if "bill" in subject else "referrals"
        raw = _raw_email(sender=(name, address), to=MAILBOXES[mailbox], subject=subject,
                         body=body, at=at, message_id=_next_id(demo, address.split("@")[1]),
                         in_reply_to=None, attachment=None)
        _ingest_email(demo, tx, account=mailbox, folder="INBOX", raw=raw, at=at, seen=False)
    name, number, body, minutes = HANDLED_RED_FLAG
    demo.counter += 1
    stored = tx.store_sms(SmsRecord(provider_id=f"SMdemo{demo.seed}x{demo.counter}",
                                    clinic_number=CLINIC_SMS, patient_number=number,
                                    direction="in", body=body, at=start - minutes * 60,
                                    patient_name=name))
    return stored.conversation_id if stored is not None else 0


def _nurse_clears(demo: DemoInbox, conv: int) -> None:
    """The nurse took the infant-fever text: hers, and its flag cleared with her reason
    (the tags stay for the red-flag report; RED! and the block on templates are gone)."""
    nurse = InboxService(demo.db, demo.config, "priya")
    nurse.assign(conv, "priya")
    nurse.clear_red_flag(conv, NURSE_REASON)


def _long_thread(demo: DemoInbox, tx: StoreTx, start: int) -> None:
    """One thread long enough to show that older messages load on demand."""
    topic = next(t for t in TOPICS if t.key == "billing")
    at = start - 12 * 86400
    thread = _new_email_thread(demo, tx, topic, at, seen=True)
    for turn in range(24):
        at += demo.rng.randint(3600, 9 * 3600)
        if turn % 2 == 0:
            _staff_reply(demo, tx, thread, at)
        else:
            _patient_reply(demo, tx, thread, at, seen=turn < 20)


def _staff_actions(demo: DemoInbox, plans: list[tuple[int, str, bool]], start: int,
                   held: Collection[int] = ()) -> None:
    """Triage as the team would have done it, each action by the person who did it; `held`
    (assigned by a rule) keep their assignee (the same draws are made, so the rest of the
    clinic is what the seed always made)."""
    rng = demo.rng
    services = {name: InboxService(demo.db, demo.config, name) for name in (*STAFF, demo.me)}
    seen: set[int] = set()
    for conv, kind, waiting in plans:
        if conv in seen:
            continue
        seen.add(conv)
        if kind == "red-flag":
            _red_flag_actions(services, conv, demo.me)
            continue
        actor = services[rng.choice(STAFF)]
        recent = waiting
        roll = rng.random()
        if recent or roll < 0.30:
            status = "open"
        elif roll < 0.50:
            status = "pending"
        elif roll < 0.58:
            status = "snoozed"
        else:
            status = "closed"
        if status != "closed" or rng.random() < 0.8:
            who_roll = rng.random()
            if recent and who_roll < 0.45:
                assignee = None
            elif who_roll < 0.18:
                assignee = demo.me
            else:
                assignee = rng.choice(STAFF)
            if assignee is not None and conv not in held:
                actor.assign(conv, assignee)
        if rng.random() < 0.5:
            topic_tags = _tags_of(demo, conv)
            extra = ["follow-up"] if rng.random() < 0.2 else []
            if topic_tags or extra:
                actor.tag(conv, [*topic_tags, *extra], [])
        pri = rng.random()
        if pri < 0.05:
            actor.set_priority(conv, "urgent")
        elif pri < 0.2:
            actor.set_priority(conv, "high")
        elif pri > 0.9:
            actor.set_priority(conv, "low")
        if rng.random() < 0.15:
            actor.add_note(conv, _fill(rng.choice(_NOTES), rng))
        if status == "snoozed":
            actor.set_status(conv, "snoozed", start + rng.randint(3600, 3 * 86400))
        elif status != "open":
            actor.set_status(conv, status)
    _mention_me(demo, services, plans)


def _tags_of(demo: DemoInbox, conv: int) -> list[str]:
    thread = next((t for t in demo.threads if t.conv_id == conv), None)
    return ["sms"] if thread is None else list(thread.topic.tags)


def _red_flag_actions(services: dict[str, InboxService], conv: int, me: str) -> None:
    """The detector flagged it at ingest (urgent, tagged, on the 15-minute red-flag policy);
    a colleague tags it for the clinical team and hands it to the person trying the demo,
    whose phone call is still to be confirmed in writing: the SLA keeps running until
    someone replies."""
    author = "maria" if me != "maria" else "sam"
    colleague = services[author]
    colleague.tag(conv, ["clinical"], [])
    colleague.assign(conv, me)
    colleague.add_note(conv, f"@{me} RED FLAG: chest pain spreading to left arm, short of "
                             "breath. Do not answer with a template. I called and advised 911; "
                             "please reply in writing to confirm. @priya FYI.")


_NOTES_FOR_ME = (
    "@{me} this patient asked for you by name; can you call back before 5?",
    "@{me} Dr. Rivera wants this booked this week. Can you find a slot?",
    "@{me} could you check whether the pharmacy got this? I am off after lunch.",
    "@{me} the card photo came in by text; please update the file before the visit.",
)


def _mention_me(demo: DemoInbox, services: dict[str, InboxService],
                plans: list[tuple[int, str, bool]]) -> None:
    """Colleagues' notes that mention the person trying the demo, so "Mentions of me"
    (view 6) has something in it. A generator of its own, so the rest of the clinic
    stays what the seed always made."""
    rng = random.Random(demo.seed * 7919 + 3)
    waiting = sorted({conv for conv, kind, is_waiting in plans
                      if is_waiting and kind != "red-flag"})
    authors = [name for name in STAFF if name != demo.me]
    chosen = rng.sample(waiting, min(len(waiting), len(_NOTES_FOR_ME)))  # tiny test clinics
    for conv, text in zip(chosen, _NOTES_FOR_ME, strict=False):
        services[rng.choice(authors)].add_note(conv, text.format(me=demo.me))
