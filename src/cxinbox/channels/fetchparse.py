"""Parsing the replies to cxinbox's bulk body fetch: `UID FETCH (UID FLAGS INTERNALDATE
BODY.PEEK[] MODSEQ)`. Pure functions, no I/O.

imaplib reads replies line by line through several regular expressions and imapclient then
tokenises every item in Python: together most of the client-side cost of a bulk sync. The
replies to this one command have a known shape, so each message is read as a head line
ending in the body literal's size, the literal, and a tail line; the attributes are picked
out of head + tail with small regular expressions, in whatever order the server sent them.
"""

from __future__ import annotations

import re
from calendar import timegm
from dataclasses import dataclass
from datetime import datetime

_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}

LITERAL_AT_END = re.compile(rb"\{(\d+)\}\r?\n?\Z")
_FETCH_START = re.compile(rb"\* \d+ FETCH \(")
_UID = re.compile(rb"\bUID (\d+)")
_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
_INTERNALDATE = re.compile(rb"\bINTERNALDATE \"([^\"]+)\"")
_MODSEQ = re.compile(rb"\bMODSEQ \((\d+)\)")
_DATE = re.compile(rb" ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\Z")


@dataclass(frozen=True, slots=True)
class BodyItem:
    uid: int
    flags: str
    modseq: int | None
    internal_date: int | None
    raw: bytes


def internal_date(value: bytes) -> int | None:
    """IMAP INTERNALDATE ("25-Nov-2026 13:49:00 +0100") to epoch seconds."""
    m = _DATE.match(value)
    if m is None:
        return None
    month = _MONTHS.get(m.group(2).decode("ascii").title())
    if month is None:
        return None
    day, year = int(m.group(1)), int(m.group(3))
    hh, mm, ss = int(m.group(4)), int(m.group(5)), int(m.group(6))
    offset = (int(m.group(8)) * 3600 + int(m.group(9)) * 60) * (1 if m.group(7) == b"+" else -1)
    try:
        datetime(year, month, day, hh, mm, ss)  # rejects 31-Feb and 25:00
    except ValueError:
        return None
    return timegm((year, month, day, hh, mm, ss)) - offset


def flag_text(flags: bytes) -> str:
    """Flags as stored: space-separated, without \\Recent (it belongs to one session, so a
    server without CONDSTORE would otherwise look changed on every login)."""
    return " ".join(f for f in flags.decode("utf-8", "replace").split()
                    if f.lower() != "\\recent")


def flags_item(line: bytes) -> tuple[int, str, int | None] | None:
    """(uid, flags, modseq) from one line of a `UID FETCH (UID FLAGS [MODSEQ])` reply; None
    for anything else (an unsolicited FETCH without UID, or another reply)."""
    if not _FETCH_START.match(line):
        return None
    uid = _UID.search(line)
    flags = _FLAGS.search(line)
    if uid is None or flags is None:
        return None
    modseq = _MODSEQ.search(line)
    return int(uid.group(1)), flag_text(flags.group(1)), int(modseq.group(1)) if modseq else None


def body_item(head: bytes, literal: bytes, tail: bytes) -> BodyItem | None:
    """One message from its head line (ending in `BODY[] {n}`), literal and tail line.

    None when the reply is not a body FETCH this parser understands (the caller treats that
    message as not delivered; it is fetched again by the next sync).
    """
    if not _FETCH_START.match(head) or not head.rstrip().endswith(b"}"):
        return None
    if b"BODY[]" not in head:
        return None
    attrs = head + b" " + tail
    uid = _UID.search(attrs)
    if uid is None:
        return None
    flags = _FLAGS.search(attrs)
    date = _INTERNALDATE.search(attrs)
    modseq = _MODSEQ.search(attrs)
    return BodyItem(
        uid=int(uid.group(1)),
        flags=flag_text(flags.group(1)) if flags else "",
        modseq=int(modseq.group(1)) if modseq else None,
        internal_date=internal_date(date.group(1)) if date else None,
        raw=literal,
    )
