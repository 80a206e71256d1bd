"""Building outgoing mail and filling canned replies. Pure: no I/O except reading the
attachment files the caller names (done by the caller through `AttachmentFile`).

Why our own header discipline on top of `email.message.EmailMessage`: a subject or a
display name that came from a patient can carry CR/LF, terminal escapes or an encoded
word that decodes into control characters (CVE-2024-6923 class). Every header value here
is squeezed through `header_safe` (one line, no controls) before the library sees it, and
the library's SMTP policy then folds and RFC 2047-encodes it. Addresses are checked against
a plain ASCII grammar so nothing but an address reaches the envelope.
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import time
import unicodedata
from collections.abc import Collection, Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Final

from cxinbox.domain.sanitize import clean_text, header_safe

MAX_ATTACHMENT_BYTES: Final = 20 * 1024 * 1024
"""Total attachment size per message: most clinic and patient mail servers refuse 25 MB
and base64 grows data by a third."""

MAX_QUOTED_LINES: Final = 200
"""Longer parents are quoted up to this many lines; the patient still has the original."""

MAX_REFERENCES: Final = 20
"""References kept in a reply: the first (thread root) and the newest ones (RFC 5322 3.6.4
lets a reply trim the middle of a long chain)."""

KNOWN_VARIABLES: Final = ("patient_name", "staff_name", "clinic_phone", "clinic_name",
                          "conversation_id", "mailbox")

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:re|aw|sv|vs|antw|odp|res|rv)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*", re.IGNORECASE)
_MSGID_CHARS = re.compile(r"[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]")


class ComposeError(ValueError):
    """The message cannot be built as asked (bad address, attachment too big). One line."""


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    """An attachment already read by the caller (the service reads files, not this module)."""

    filename: str
    data: bytes
    content_type: str = ""  # guessed from the file name when empty


@dataclass(frozen=True, slots=True)
class Parent:
    """What a reply needs from the message it answers (fields as parsed, not yet sanitised)."""

    message_id: str | None
    references: tuple[str, ...]
    subject: str
    from_name: str
    from_addr: str
    date: datetime | None
    body_text: str
    reply_to: tuple[tuple[str, str], ...] = ()
    to: tuple[tuple[str, str], ...] = ()
    cc: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Everything needed to write one email; `build_email` turns it into bytes."""

    from_addr: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    message_id: str  # without angle brackets
    date: datetime
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    signature: str = ""
    quote: str = ""  # already formatted quoted block ("On ..., X wrote:\n> ...")
    attachments: tuple[AttachmentFile, ...] = field(default_factory=tuple)
    auto_submitted: str = "no"  # RFC 3834: "auto-replied" for an acknowledgement

    @property
    def recipients(self) -> tuple[str, ...]:
        """Envelope recipients: To then Cc, each once, case-insensitively."""
        return tuple(dedupe_addresses(list(self.to) + list(self.cc)))


@dataclass(frozen=True, slots=True)
class Rendered:
    """A filled template: its text and the variables still to be asked for, in order."""

    text: str
    blanks: list[str]


def header_text(text: str | None) -> str:
    """A header value from untrusted text: one line, no controls, and no "=?" either.

    The standard library decodes RFC 2047 encoded words in values it is given and then
    writes the decoded text out raw, so a literal "=?utf-8?q?Hi=0D=0ABcc:...?=" (a patient's
    subject that was encoded twice) would become a CR LF and a new header (CVE-2024-6923 on
    the Python releases before its fix). Breaking the "=?" opener keeps the text readable and
    makes it plain text to every parser.
    """
    return header_safe(text).replace("=?", "= ?")


# -- addresses -------------------------------------------------------------------------------


def check_address(address: str) -> str:
    """A bare ASCII email address, trimmed; ComposeError otherwise.

    Display names never travel in the To/Cc lists stored on a draft: what staff type is
    an address, and the name shown to the patient comes from our own From only.
    """
    text = header_safe(address).strip().strip("<>").strip()
    if not _EMAIL.fullmatch(text) or len(text) > 254 or "=?" in text:
        raise ComposeError(f"not an email address: {header_safe(address)[:80]!r}")
    return text


def dedupe_addresses(addresses: Sequence[str], exclude: Sequence[str] = ()) -> list[str]:
    """Addresses in order, each once (case-insensitive), without any in `exclude`."""
    seen = {a.lower() for a in exclude}
    out: list[str] = []
    for a in addresses:
        key = a.lower()
        if a and key not in seen:
            seen.add(key)
            out.append(a)
    return out


def reply_recipients(parent: Parent, own: Sequence[str], *, reply_all: bool
                     ) -> tuple[list[str], list[str]]:
    """(To, Cc) for a reply: Reply-To (else From) of the parent; reply-all adds the other
    visible recipients to Cc. Our own addresses never appear, each address once."""
    first = [a for _n, a in parent.reply_to] or ([parent.from_addr] if parent.from_addr else [])
    to = dedupe_addresses([_valid_or_empty(a) for a in first], exclude=own)
    if not reply_all:
        return to, []
    others = [_valid_or_empty(a) for _n, a in parent.to + parent.cc]
    if not to:  # a reply to our own message goes back to its recipients
        return dedupe_addresses(others, exclude=own)[:1], dedupe_addresses(others, exclude=own)[1:]
    cc = dedupe_addresses(others, exclude=list(own) + to)
    return to, cc


def _valid_or_empty(address: str) -> str:
    try:
        return check_address(address)
    except ComposeError:
        return ""


# -- subject, ids, quoting -------------------------------------------------------------------


def reply_subject(subject: str) -> str:
    """"Re: " + the subject without its reply prefixes (never "Re: Re:")."""
    s = header_text(subject)
    for _ in range(10):
        stripped = _REPLY_PREFIX.sub("", s, count=1)
        if stripped == s:
            break
        s = stripped
    return f"Re: {s}" if s else "Re: your message"


def new_message_id(address: str, *, now: float | None = None) -> str:
    """A unique Message-ID (without brackets) in the domain of our own address."""
    domain = address.rpartition("@")[2] or "localhost"
    stamp = int((time.time() if now is None else now) * 1000)
    return f"{stamp}.{secrets.token_hex(8)}.cxinbox@{domain}"


def reply_references(parent: Parent, limit: int = MAX_REFERENCES) -> tuple[str, ...]:
    """The parent's References plus its Message-ID, trimmed to the root and newest ids."""
    refs = [r for r in (_clean_id(x) for x in parent.references) if r]
    pid = _clean_id(parent.message_id or "")
    if pid and pid not in refs:
        refs.append(pid)
    if len(refs) > limit:
        refs = refs[:1] + refs[-(limit - 1):]
    return tuple(refs)


def _clean_id(mid: str) -> str:
    """A message id safe to write between angle brackets (anything odd is dropped)."""
    text = mid.strip().strip("<>")
    return "" if not text or _MSGID_CHARS.search(text) or len(text) > 250 else text


def quote_block(parent: Parent, tz: object | None = None,
                max_lines: int = MAX_QUOTED_LINES) -> str:
    """"On <date>, <name> wrote:" and the parent's text with "> " before each line."""
    who = header_safe(parent.from_name) or header_safe(parent.from_addr) or "you"
    when = ""
    if parent.date is not None:
        shown = parent.date.astimezone(tz) if tz is not None else parent.date  # type: ignore[arg-type]
        when = shown.strftime("%a, %d %b %Y at %H:%M")
    lines = clean_text(parent.body_text).rstrip("\n").split("\n")
    cut = len(lines) > max_lines
    lines = lines[:max_lines]
    quoted = "\n".join(">" if not line.strip() else f"> {line}" for line in lines)
    if cut:
        quoted += "\n> [...]"
    head = f"On {when}, {who} wrote:" if when else f"{who} wrote:"
    return f"{head}\n{quoted}"


# -- building the message --------------------------------------------------------------------


def sender_name(display_name: str, staff_first_name: str, with_staff: bool) -> str:
    """The From display name: "Maria at Maple Clinic Billing" when configured so."""
    display = header_text(display_name)
    first = header_text(staff_first_name)
    if with_staff and first:
        return f"{first} at {display}" if display else first
    return display


def body_text(out: Outgoing) -> str:
    """The text part: reply, signature after "-- ", then the quoted parent.

    The signature comes before the quote so the patient reads it right under the reply;
    clients cut at "-- " when they quote us back, so the old quote does not pile up.
    """
    parts = [clean_text(out.body).rstrip()]
    if out.signature.strip():
        parts.append("-- \n" + clean_text(out.signature).strip("\n"))
    if out.quote:
        parts.append(out.quote)
    return "\n\n".join(p for p in parts if p) + "\n"


def build_email(out: Outgoing) -> bytes:
    """The message as bytes with CRLF line ends, ready for SMTP DATA and IMAP APPEND."""
    msg = EmailMessage(policy=email_policy.SMTP)
    from_addr = check_address(out.from_addr)
    to = [check_address(a) for a in out.to]
    cc = [check_address(a) for a in out.cc]
    if not to:
        raise ComposeError("a message needs at least one recipient")
    msg["From"] = Address(display_name=header_text(out.from_name), addr_spec=from_addr)
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = header_text(out.subject) or "(no subject)"
    msg["Date"] = format_datetime(out.date.astimezone(UTC))
    mid = _clean_id(out.message_id)
    if not mid:
        raise ComposeError("invalid Message-ID")
    msg["Message-ID"] = f"<{mid}>"
    parent = _clean_id(out.in_reply_to or "")
    if parent:
        msg["In-Reply-To"] = f"<{parent}>"
    refs = [r for r in (_clean_id(x) for x in out.references) if r]
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs)
    msg["MIME-Version"] = "1.0"
    msg["Auto-Submitted"] = out.auto_submitted
    msg.set_content(body_text(out), charset="utf-8", cte="quoted-printable")
    total = 0
    for att in out.attachments:
        total += len(att.data)
        if total > MAX_ATTACHMENT_BYTES:
            raise ComposeError(f"attachments exceed {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB"
                               f" (at {header_safe(att.filename)!r}); send a link instead")
        maintype, subtype = _content_type(att).split("/", 1)
        msg.add_attachment(att.data, maintype=maintype, subtype=subtype,
                           filename=header_text(att.filename) or "attachment")
    return msg.as_bytes(policy=email_policy.SMTP)


def _content_type(att: AttachmentFile) -> str:
    ctype = att.content_type or mimetypes.guess_type(att.filename)[0] or ""
    if not re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", ctype.lower()):
        return "application/octet-stream"
    return ctype.lower()


def check_attachment_size(sizes: Sequence[int]) -> None:
    """Refuse before reading files when their sizes already add up to too much."""
    if sum(sizes) > MAX_ATTACHMENT_BYTES:
        raise ComposeError(f"attachments add up to {sum(sizes) // (1024 * 1024)} MB; the limit is"
                           f" {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB")


# -- canned replies --------------------------------------------------------------------------

_TEMPLATE = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def render_template(text: str, variables: Mapping[str, str]) -> Rendered:
    """Fill {name} from `variables`; a name with no (or an empty) value stays "{name}" and is
    listed in `blanks` for the composer to ask. "{{" and "}}" stand for literal braces."""
    blanks: list[str] = []

    def fill(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        value = variables.get(name, "")
        if value:
            return value
        if name not in blanks:
            blanks.append(name)
        return token

    return Rendered(_TEMPLATE.sub(fill, text), blanks)


def parse_canned_file(text: str) -> tuple[str, str]:
    """(subject, body) of a canned reply file: an optional first line "Subject: ..."."""
    first, _sep, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        return header_safe(first[len("subject:"):]), rest.lstrip("\n")
    return "", text


def first_name(full_name: str) -> str:
    parts = header_safe(full_name).split()
    return parts[0] if parts else ""


# What is left of canned text in a reply is judged on word shingles (runs of SHINGLE_WORDS
# words of the whole text, folded), not on lines: a name added, a word changed or lines
# re-wrapped into one paragraph break a line but leave most shingles standing, while a
# person's own reply shares only the odd common phrase ("please call us", "thank you for
# your message") with any one canned text. The server keeps the shingles of what it handed
# out only as keyed hashes (service/redflags.py); the composer compares them in the clear.
# bench/canned_match.py measures the rule on a labelled set of edited and free replies.

SHINGLE_WORDS: Final = 4
"""Words per shingle: three let common phrases through, five break on every edit."""
CANNED_MIN_WORDS: Final = 6
"""A canned text shorter than this ("Kind regards,") is what people type themselves too:
nothing of it is remembered."""
CANNED_SHARE: Final = 0.35
"""A reply still holds a canned text when this share of the text's shingles is in it..."""
CANNED_MIN_KEPT: Final = 3
"""...and at least this many of them (a short text's one common phrase is not enough)..."""
CANNED_RUN_KEPT: Final = 12
"""...or, whatever the share, this many (a paragraph kept from a long article)."""
CANNED_PIECE_KEPT: Final = 2
"""A reply holding at least this many of a text's shingles is judged together with what
the conversation's earlier replies (since the red flag) held of it: a text split across
short replies is still the text. One is the odd common phrase, which adds nothing."""
MAX_SHINGLES: Final = 2000
"""Shingles remembered of one text (about 2,000 words); a longer article is judged on its
first part."""

_WORD: Final = re.compile(r"[^\W_]+")


def fold_words(text: str) -> list[str]:
    """`text`'s words: case folded, accents taken off (an accent added or dropped is not a
    new word), punctuation, line breaks and template braces gone."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return _WORD.findall(plain)


def canned_shingles(text: str, *, size: int = SHINGLE_WORDS) -> list[str]:
    """`text`'s distinct shingles (`size` folded words each), in order, at most
    MAX_SHINGLES; none for a text under CANNED_MIN_WORDS words. What the server remembers
    (hashed) of canned text it hands out."""
    words = fold_words(text)
    if len(words) < CANNED_MIN_WORDS:
        return []
    return _shingles(words, size)[:MAX_SHINGLES]


def body_shingles(text: str, *, size: int = SHINGLE_WORDS) -> list[str]:
    """Every distinct shingle of a reply's body, however short: where `canned_still_there`
    looks for a handed-out text's shingles."""
    return _shingles(fold_words(text), size)


def replies_shingles(earlier: Sequence[str], body: str, *,
                     size: int = SHINGLE_WORDS) -> list[str]:
    """The shingles of `earlier` replies and `body` read in turn as one text: a canned
    text cut between two replies keeps the shingles across the cut."""
    words = [w for text in (*earlier, body) for w in fold_words(text)]
    return _shingles(words, size)


def _shingles(words: Sequence[str], size: int) -> list[str]:
    return list(dict.fromkeys(" ".join(words[i:i + size])
                              for i in range(len(words) - size + 1)))


def canned_kept(handed: Collection[object], present: Container[object]) -> int:
    """How many of a handed-out text's shingles (`handed`) are still in a body."""
    return sum(1 for item in handed if item in present)


def canned_still_there(handed: Collection[object], present: Container[object],
                       before: Container[object] = frozenset()) -> bool:
    """The one rule: a body (its shingles, or their hashes, `present`) still holds the
    canned text whose shingles (or hashes) are `handed`.

    `before`: the shingles of the conversation's earlier replies (since its red flag was
    raised) and this body read one after another as one text (`replies_shingles`), so a
    text sent a piece at a time, each piece under the rule, is judged whole: a body that
    itself holds at least CANNED_PIECE_KEPT of the text's shingles is judged on what of
    the text all of them hold together."""
    if not handed:
        return False
    kept = canned_kept(handed, present)
    if _holds(kept, len(handed)):
        return True
    if kept < CANNED_PIECE_KEPT:
        return False
    joined = sum(1 for item in handed if item in present or item in before)
    return _holds(joined, len(handed))


def _holds(kept: int, size: int) -> bool:
    if kept >= CANNED_RUN_KEPT:
        return True
    return kept >= CANNED_MIN_KEPT and kept >= CANNED_SHARE * size


@dataclass(frozen=True, slots=True)
class HandedOut:
    """One handed-out text as an audit event remembers it: its packed keyed hashes and
    what it was, for the refusal to name ("canned reply 'callback'"; "" when the event
    does not say)."""

    packed: str
    label: str


def handed_out_texts(details: Mapping[str, object]) -> list[HandedOut]:
    """The handed-out texts an audit event's details hold: one for a hand-out (`shingles`,
    named by the canned reply's `name` or the article's `slug`), several for a carry
    (`texts`, named by `labels` in the same order). Read by the send's check
    (service/redflags.py) and by the carries (store/retention.py, service/redflags.py)."""
    texts = details.get("texts")
    labels = details.get("labels")
    named = labels if isinstance(labels, list) else []
    out: list[HandedOut] = []
    if isinstance(texts, list):
        for i, text in enumerate(texts):
            if isinstance(text, str) and text:
                label = named[i] if i < len(named) and isinstance(named[i], str) else ""
                out.append(HandedOut(text, label))
    one = details.get("shingles")
    if isinstance(one, str) and one:
        out.append(HandedOut(one, handout_label(details)))
    return out


def handout_label(details: Mapping[str, object]) -> str:
    """What a hand-out event's details say was handed out, as a refusal names it."""
    name, slug = details.get("name"), details.get("slug")
    if isinstance(name, str) and name:
        return f"canned reply {name!r}"
    if isinstance(slug, str) and slug:
        return f"knowledge-base article {slug!r}"
    return ""


def carried_details(texts: Sequence[HandedOut], lines: Sequence[str]) -> dict[str, object]:
    """A `canned.carried` event's details: each text once (its first label kept), in the
    shape `handed_out_texts` reads."""
    kept: dict[str, str] = {}
    for text in texts:
        kept.setdefault(text.packed, text.label)
    details: dict[str, object] = {"texts": list(kept), "labels": list(kept.values())}
    if lines:
        details["lines"] = list(dict.fromkeys(lines))
    return details
