"""Snooze times as people type and read them at the desk, in the clinic's time zone.

Typing goes through the CLI's own parser (domain/when.py), so `tomorrow 9am`, `mon 8:00`,
`3pm`, `2h` and `friday` mean the same in the TUI's prompt as in `cxinbox status
--until`. Reading is one short form everywhere (prompt, toast, thread header):
`until Fri 4 Dec 09:00`, with the weekday because that is how a front desk plans. Pure
functions: the caller passes "now" (the app's clock) and the zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final
from zoneinfo import ZoneInfo

from cxinbox.contract.types import ConversationSummary
from cxinbox.domain.when import WhenError, parse_when

MAX_SNOOZE: Final = timedelta(days=2 * 366)
"""The server refuses wake-ups further out (api/validate.py); say so before it does."""
EXAMPLES: Final = "2h, 3pm, tomorrow 9am, mon 8:00, friday"


@dataclass(frozen=True, slots=True)
class SnoozeAnswer:
    until: datetime | None  # aware, in the clinic's zone; None when refused
    text: str  # "until Fri 4 Dec 09:00", or the one-line reason it is refused


def resolve_snooze(typed: str, *, now: datetime, tz: ZoneInfo) -> SnoozeAnswer:
    """What a snooze prompt's answer means: the wake-up time, or why it cannot be one."""
    if not typed.strip():
        return SnoozeAnswer(None, f"Type when it should reopen: {EXAMPLES}.")
    try:
        when = parse_when(typed, now=now, tz=tz, direction="future")
    except WhenError:
        return SnoozeAnswer(None, f"Not a time I know. Try {EXAMPLES}.")
    when = when.astimezone(tz)
    if when <= now:
        return SnoozeAnswer(None, f"{moment_text(when, tz, now)} has passed; "
                                  "a snooze needs a time to come.")
    if when - now > MAX_SNOOZE:
        return SnoozeAnswer(None, "More than two years away; close it instead.")
    return SnoozeAnswer(when, wake_text(when, tz, now))


def wake_text(until: datetime | int, tz: tzinfo, now: datetime | None = None) -> str:
    """`until Fri 4 Dec 09:00`."""
    return f"until {moment_text(until, tz, now)}"


def moment_text(moment: datetime | int, tz: tzinfo, now: datetime | None = None) -> str:
    """`Fri 4 Dec 09:00` in `tz`; the year too when it is not `now`'s."""
    when = datetime.fromtimestamp(moment, UTC) if isinstance(moment, int) else moment
    local = when.astimezone(tz)
    year = f" {local.year}" if now is not None and now.astimezone(tz).year != local.year else ""
    return f"{local:%a} {local.day} {local:%b}{year} {local:%H:%M}"


def wake_short(until: int, tz: tzinfo, now: datetime) -> str:
    """A list cell's form, at most 9 characters: `15:00` today, `Fri 09:00` this week,
    `12 Mar` further out (the thread header has the whole time)."""
    local = datetime.fromtimestamp(until, UTC).astimezone(tz)
    days = (local.date() - now.astimezone(tz).date()).days
    if days == 0:
        return f"{local:%H:%M}"
    if 0 < days < 7:
        return f"{local:%a %H:%M}"
    return f"{local.day} {local:%b}"


def status_fact(summary: ConversationSummary, tz: tzinfo | None) -> str:
    """The status as a header shows it: `snoozed until Fri 4 Dec 09:00`, else the word."""
    if summary.status == "snoozed" and summary.snoozed_until and tz is not None:
        return f"snoozed {wake_text(summary.snoozed_until, tz)}"
    return summary.status
