"""Turn what a person types for a time (`--until`, `--since`) into an instant.

Pure: the caller passes "now" and the clinic's time zone, so the same text means the same
instant in tests, in cron and at the desk. Wall-clock forms (`tomorrow 9:00`, a date without
an offset) are read in the clinic's time zone, never UTC and never the server's local zone:
the front desk thinks in clinic time. Relative amounts (`2h`, `3d`, `1h30m`) point forward
for a deadline such as a snooze and backward for a lower bound such as an audit `--since`,
so callers say which they mean. So do the forms that name a recurring moment, a weekday
(`mon 8:00`, `friday`) or a time alone (`3pm`, `15:30`): the next one for a deadline, the
last one for a lower bound. The TUI's snooze prompt and the CLI's `--until` share this.

A wall time that a daylight-saving change skips (02:30 on the spring-forward night) means
the instant the clock would show it had it not jumped, shown afterwards as 03:30.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

Direction = Literal["future", "past"]

WHEN_HELP: Final = ("use an ISO date or time (2026-11-30, 2026-11-30T09:00, with or without an"
                    " offset), an amount such as 40s, 30m, 2h, 3d, 1w or 1h30m, today/tomorrow/"
                    "yesterday or a weekday (mon, friday) with an optional time such as 9:00"
                    " or 5pm, or a time alone (3pm, 15:30)")

_AMOUNT: Final = re.compile(
    r"(?:(\d{1,5})w)?(?:(\d{1,6})d)?(?:(\d{1,7})h)?(?:(\d{1,9})m)?(?:(\d{1,11})s)?")
_CLOCK: Final = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?")
_DAYS: Final = {"today": 0, "tomorrow": 1, "yesterday": -1}
_WEEKDAYS: Final = {
    **dict.fromkeys(("mon", "monday"), 0), **dict.fromkeys(("tue", "tues", "tuesday"), 1),
    **dict.fromkeys(("wed", "weds", "wednesday"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday"), 3),
    **dict.fromkeys(("fri", "friday"), 4), **dict.fromkeys(("sat", "saturday"), 5),
    **dict.fromkeys(("sun", "sunday"), 6)}
_MAX_AMOUNT: Final = timedelta(days=3660)
MAX_SNOOZE_S: Final = 2 * 366 * 86400
"""A snooze wakes within two years: a far-future wake-up would hide a conversation for good.
The API refuses a later `until`; a rule's `snooze` amount is held to the same bound."""


class WhenError(ValueError):
    """Text that is not a time we understand; the message says what would be."""


def parse_when(text: str, *, now: datetime, tz: ZoneInfo,
               direction: Direction = "future") -> datetime:
    """The aware instant `text` refers to.

    `now` must be aware. A bare day (`2026-11-30`, `today`, `tomorrow`) means midnight at the
    start of that day in `tz`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    value = " ".join(text.strip().lower().split())
    if not value:
        raise WhenError(f"empty time; {WHEN_HELP}")
    if value == "now":
        return now
    amount = _amount(value)
    if amount is not None:
        return now + amount if direction == "future" else now - amount
    word, _, rest = value.partition(" ")
    if word in _DAYS or word in _WEEKDAYS:
        clock = _clock(rest) if rest else time()
        if clock is None:
            raise WhenError(f"unknown time of day {rest!r}; {WHEN_HELP}")
        if word in _DAYS:
            return _wall(now.astimezone(tz).date() + timedelta(days=_DAYS[word]), clock, tz)
        return _occurrence(now, tz, clock, _WEEKDAYS[word], direction)
    if ":" in value or value.endswith(("am", "pm")):
        clock = _clock(value)
        if clock is not None:
            return _occurrence(now, tz, clock, None, direction)
    return _iso(text.strip(), tz)


_BARE_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_until(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """An upper bound (a report's `--until`): as `parse_when` for the past, except that a
    bare day (`2026-11-30`, `yesterday`, `fri`, with no time) means the END of that day,
    the next day's 00:00 in `tz`, so the day itself is inside the range."""
    moment = parse_when(text, now=now, tz=tz, direction="past")
    value = " ".join(text.strip().lower().split())
    if value in _DAYS or value in _WEEKDAYS or _BARE_DATE.fullmatch(value):
        return _wall(moment.astimezone(tz).date() + timedelta(days=1), time(), tz)
    return moment


def _wall(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """`clock` on `day` in `tz`, moved past a daylight-saving gap if it falls in one."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _occurrence(now: datetime, tz: ZoneInfo, clock: time, weekday: int | None,
                direction: Direction) -> datetime:
    """The next (future) or last (past) time the clinic's clock shows `clock`, on
    `weekday` if given: `fri 9:00` on a Friday at 10:00 is next week's."""
    today = now.astimezone(tz).date()
    step = 1 if direction == "future" else -1
    for offset in range(0, 9 * step, step):
        day = today + timedelta(days=offset)
        if weekday is not None and day.weekday() != weekday:
            continue
        moment = _wall(day, clock, tz)
        if (moment > now) if direction == "future" else (moment <= now):
            return moment
    raise AssertionError("a weekday recurs within eight days")


def amount_seconds(text: str) -> int | None:
    """Seconds of an amount such as `40s`, `30m`, `2h`, `3d`, `1w` or `1h30m` (units in
    that order, spaces ignored); None when `text` is not one. The one grammar of a
    duration: `--since`/`--until`, the snooze prompt, a rule's `snooze`, the config's
    durations and the query's `after:`/`before:` ages all read amounts here, so a form
    one of them takes the others take too."""
    match = _AMOUNT.fullmatch(text.strip().lower().replace(" ", ""))
    if match is None or not any(match.groups()):
        return None
    weeks, days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds


def format_amount(seconds: int) -> str:
    """`seconds` in the grammar `amount_seconds` reads, each unit as large as it goes
    exactly: 604800 -> `1w`, 129600 -> `1d12h`, 5400 -> `1h30m`, 0 -> `0s`."""
    if seconds <= 0:
        return "0s"
    parts: list[str] = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _amount(value: str) -> timedelta | None:
    seconds = amount_seconds(value)
    if seconds is None:
        return None
    amount = timedelta(seconds=seconds)
    if amount > _MAX_AMOUNT:
        raise WhenError(f"{value!r} is more than ten years away")
    return amount


def _clock(value: str) -> time | None:
    match = _CLOCK.fullmatch(value)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match[3] == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _iso(value: str, tz: ZoneInfo) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise WhenError(f"unknown time {value!r}; {WHEN_HELP}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=tz)
    return parsed
