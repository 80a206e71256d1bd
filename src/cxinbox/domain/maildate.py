"""A Date header value → an aware UTC datetime, zone names as real mailers write them.

`email.utils` knows the numeric zones and a dozen names (GMT, UT, the North American ones);
any other name silently becomes UTC. Mailers on Unix hosts write the host's TZ setting
instead, POSIX style (`EST5EDT`, `CET-1CEST`), and older European software writes `MET DST`
or `MESZ`; read as UTC, such a message sorts hours away from its replies and its SLA clock
starts at the wrong time. Summer time for POSIX names follows the US and EU rules, which is
what those settings mean on the hosts that write them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Final, Literal

__all__ = ["parse_mail_date"]

_MAX_LEN: Final = 256

# The names `email.utils` already reads correctly.
_KNOWN_TO_STDLIB: Final = frozenset(
    {"UT", "UTC", "GMT", "Z", "AST", "ADT", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"}
)
# Unambiguous zone abbreviations seen in Date headers, in minutes east of UTC. IST (India,
# Ireland, Israel) and other ambiguous names are left out on purpose.
_NAMED: Final = {
    "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "MET": 60, "MEZ": 60,
    "CEST": 120, "MEST": 120, "MESZ": 120, "EET": 120, "EEST": 180, "MSK": 180,
    "HKT": 480, "SGT": 480, "AWST": 480, "JST": 540, "KST": 540, "ACST": 570, "ACDT": 630,
    "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
    "HST": -600, "AKST": -540, "AKDT": -480, "NST": -210, "NDT": -150,
}  # fmt: skip
_US_RULE: Final = frozenset({"EST", "CST", "MST", "PST", "AKST", "AST", "NST"})
_EU_RULE: Final = frozenset({"WET", "GMT", "CET", "MET", "EET"})

# The zone after the time of day: a name or a POSIX TZ string, perhaps followed by "DST".
_ZONE: Final = re.compile(
    r"\d:\d\d(?::\d\d)?\s*([A-Za-z][A-Za-z0-9:+-]{0,15})(\s+DST\b)?", re.IGNORECASE
)
_POSIX: Final = re.compile(r"([A-Z]{3,5})([+-]?)(\d{1,2})(?::(\d\d))?([A-Z]{3,5})?")

Rule = Literal["us", "eu"]


def parse_mail_date(value: str) -> datetime:
    """The instant a Date header value names, in UTC; ValueError if it names none.

    A value without a zone, or with `-0000` (RFC 5322: local time unknown), is taken as UTC.
    """
    text = value[:_MAX_LEN]
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, IndexError, OverflowError) as exc:
        raise ValueError(f"not a date: {type(exc).__name__}") from None
    if parsed is None:  # some Python versions return None instead of raising
        raise ValueError("not a date")
    if parsed.tzinfo is not None and parsed.utcoffset():
        return parsed.astimezone(UTC)  # a numeric zone or a name the stdlib knows
    # The stdlib reads a name it does not know as +0000 (or as no zone at all).
    offset = _named_offset(text, parsed.replace(tzinfo=None))
    if offset is not None:
        parsed = parsed.replace(tzinfo=timezone(offset))
    elif parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _named_offset(text: str, wall: datetime) -> timedelta | None:
    """The UTC offset of a zone name the stdlib does not know, at local time `wall`."""
    match = _ZONE.search(text)
    if match is None:
        return None
    name = match.group(1).upper()
    if name in _KNOWN_TO_STDLIB:
        return None
    summer = timedelta(hours=1) if match.group(2) else timedelta(0)
    if name in _NAMED:
        return timedelta(minutes=_NAMED[name]) + summer
    posix = _POSIX.fullmatch(name)
    if posix is None:
        return None
    std_name, sign, hours, minutes, dst_name = posix.groups()
    west = timedelta(hours=int(hours), minutes=int(minutes or 0))
    standard = west if sign == "-" else -west  # POSIX offsets count hours west of UTC
    if abs(standard) > timedelta(hours=14):
        return None
    rule: Rule | None = "us" if std_name in _US_RULE else "eu" if std_name in _EU_RULE else None
    if dst_name and rule is not None and _in_summer_time(wall, standard, rule):
        return standard + timedelta(hours=1)
    return standard + summer


def _in_summer_time(wall: datetime, standard: timedelta, rule: Rule) -> bool:
    """Whether local time `wall` falls in summer time under the US or EU rule of its year."""
    year = wall.year
    if rule == "us":
        if year >= 2007:
            start, end = _nth_sunday(year, 3, 2), _nth_sunday(year, 11, 1)
        elif year >= 1987:
            start, end = _nth_sunday(year, 4, 1), _last_sunday(year, 10)
        else:
            start, end = _last_sunday(year, 4), _last_sunday(year, 10)
        return start.replace(hour=2) <= wall < end.replace(hour=2)
    # EU: from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
    # October (September before 1996), compared here in local wall-clock time.
    end_month = 10 if year >= 1996 else 9
    start = _last_sunday(year, 3) + timedelta(hours=1) + standard
    end = _last_sunday(year, end_month) + timedelta(hours=2) + standard
    return start <= wall < end


def _nth_sunday(year: int, month: int, n: int) -> datetime:
    first = datetime(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def _last_sunday(year: int, month: int) -> datetime:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)
