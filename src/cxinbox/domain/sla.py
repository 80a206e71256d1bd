"""SLA maths for cxinbox: clinic business hours, response and resolution targets, countdowns.

Pure and stdlib-only, so the SLA monitor, the `sla:` query and the TUI's per-second tick all
agree on one definition. The model follows Request Tracker's: targets are measured in business
seconds, and the clock stops while the clinic waits on the patient (pending or snoozed).

Decisions the rest of cxinbox relies on:

* Precision is one second. Input instants are floored to the whole second; every instant the
  engine returns is a whole second in UTC. Business-time arithmetic is then exact integer maths,
  which is what makes `add_business_seconds` and `business_seconds_between` exact inverses.
* Shifts are local wall-clock times. A shift whose end is not after its start runs past midnight
  (22:00-06:00; 00:00-00:00 is a full day) and belongs to the day it starts on.
* A wall-clock time becomes a real instant by one rule: the first instant at which the clinic's
  clock reads that time or later. So an ambiguous time (the repeated hour when clocks go back)
  is its first occurrence, and a time skipped when clocks go forward is the instant the clock
  jumps past it (a shift "opening" at 02:30 on a 02:00->03:00 night opens at 03:00). The open
  time of a shift is the real time between its two instants: a 01:00-04:00 shift is 2 hours on
  the spring-forward night in New York and 4 hours on the fall-back night.
* A holiday removes the shifts that start on that date. The tail of an overnight shift that began
  the evening before still counts: the person on the night line is still on shift.
* Shifts may overlap; open time is their union, never counted twice.
* `add_business_seconds(t, 0)` is `t` itself, even in closed time; for more than zero it returns
  the earliest instant at which that much open time has elapsed, which may be the very end of a
  shift. With that definition adding in steps equals adding at once.
* A calendar must have at least one shift in its week (`SlaSpecError` otherwise), so every
  search for the next opening ends.

Speed: open time is walked day by day (never minute by minute) and each calendar memoises the
real instants of each date's shifts, so a 30-business-day target costs a few dozen dictionary
lookups once warm.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Final, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CONVERSATION_STATUSES",
    "NO_SLA",
    "PAUSING_STATUSES",
    "SLA_STATES",
    "SLA_TARGETS",
    "BusinessCalendar",
    "SlaFacts",
    "SlaPolicy",
    "SlaSpecError",
    "SlaState",
    "SlaStatus",
    "SlaTarget",
    "countdown_changes_at",
    "countdown_text",
    "evaluate",
    "state_at",
    "transition",
]

SlaTarget = Literal["first-response", "next-response", "resolution"]
SlaState = Literal["ok", "at-risk", "breached", "paused", "none"]
Alert = Literal["at-risk", "breached"]
Shift = tuple[time, time]

SLA_TARGETS: Final[tuple[SlaTarget, ...]] = ("first-response", "next-response", "resolution")
SLA_STATES: Final[tuple[SlaState, ...]] = ("ok", "at-risk", "breached", "paused", "none")
CONVERSATION_STATUSES: Final[tuple[str, ...]] = ("open", "pending", "snoozed", "closed")
PAUSING_STATUSES: Final[frozenset[str]] = frozenset({"pending", "snoozed"})

_UTC: Final = UTC
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=_UTC)
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_SECOND: Final = timedelta(seconds=1)
_MICROSECOND: Final = timedelta(microseconds=1)
_DAY: Final = timedelta(days=1)
_WEEKDAY_KEYS: Final[tuple[str, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC_KEYS: Final[tuple[str, ...]] = ("timezone", "hours", "holidays")
_SHIFT_RE: Final = re.compile(
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*[-\u2013]\s*(\d{1,2}):(\d{2})(?::(\d{2}))?")
"""A shift, "HH:MM-HH:MM"; either end may give its seconds too ("08:00:30-17:00")."""
_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAN_CACHE_LIMIT: Final = 8192  # dates memoised per calendar (~22 years); cleared when full

_SECONDS_SHOWN_BELOW: Final = 600  # at or under 10 minutes left the countdown shows seconds
_MAX_SHOWN_HOURS: Final = 24_000  # 1000 days: beyond this the countdown reads ">999d"
_MAX_SHOWN_LATE_DAYS: Final = 999


class SlaSpecError(ValueError):
    """An SLA calendar or policy is malformed.

    `str()` is one line, `KEY: PROBLEM`, so config loading can print it as-is; `key` and
    `problem` are kept apart for callers that wrap it in their own error type.
    """

    def __init__(self, key: str | None, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}" if key else problem)


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class BusinessCalendar:
    """When the clinic counts as open, in its own wall-clock time.

    `weekly` maps weekday (0 = Monday) to that day's shifts; missing days are closed. It is
    normalised on construction (all seven days present, shifts sorted, read-only) so that
    equal calendars compare equal and can be shared between threads.
    """

    tz: ZoneInfo
    weekly: Mapping[int, tuple[Shift, ...]]
    holidays: frozenset[date] = frozenset()
    _plans: dict[date, tuple[tuple[int, int], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekly", _normalise_weekly(self.weekly))
        object.__setattr__(self, "holidays", _normalise_holidays(self.holidays))

    def __hash__(self) -> int:
        return hash((self.tz, tuple(self.weekly.items()), self.holidays))

    @classmethod
    def always(cls, tz: ZoneInfo) -> BusinessCalendar:
        """Open 24 hours a day, 7 days a week: business time is plain elapsed time."""
        full_day = ((time(0), time(0)),)
        return cls(tz, {weekday: full_day for weekday in range(7)})

    @classmethod
    def from_spec(
        cls, spec: Mapping[str, object], *, where: str, default_tz: ZoneInfo | None = None
    ) -> BusinessCalendar:
        """Build a calendar from plain config data, naming the exact key of any mistake.

        `spec` looks like ``{"timezone": "America/New_York", "hours": {"mon": ["08:00-12:00",
        "13:00-17:30"], ...}, "holidays": ["2026-12-25", ...]}``. Days left out of `hours` (or
        given an empty list) are closed; "24:00" is accepted as a closing time; a time may give
        its seconds ("08:00:30"). Holidays may be ISO date strings or `date` values (TOML
        parses bare dates into those). `timezone` may
        be omitted when `default_tz` (the clinic's zone) is given. `where` is the dotted path
        of `spec` in the config, e.g. "sla.calendars.main".
        """
        if not isinstance(spec, Mapping):
            raise SlaSpecError(where, f"expected a table of {', '.join(_SPEC_KEYS)}")
        for key in spec:
            if key not in _SPEC_KEYS:
                raise SlaSpecError(
                    f"{where}.{key}", f"unknown key (expected one of {', '.join(_SPEC_KEYS)})"
                )
        tz = _parse_timezone(spec.get("timezone"), f"{where}.timezone", default_tz)
        weekly = _parse_hours(spec.get("hours"), f"{where}.hours")
        holidays = _parse_holidays(spec.get("holidays", ()), f"{where}.holidays")
        return cls(tz, weekly, holidays)

    def is_open(self, at: datetime) -> bool:
        """Whether `at` falls inside a shift (shifts include their start, not their end)."""
        instant = _to_ts(at, "at")
        intervals = self._intervals(instant)
        while True:
            opens, closes = next(intervals)
            if opens > instant:
                return False
            if instant < closes:
                return True

    def add_business_seconds(self, start: datetime, seconds: int) -> datetime:
        """The earliest instant by which `seconds` of open time have elapsed since `start`.

        Counting starts at the next opening when `start` is in closed time. Zero returns `start`
        (floored to the second, in UTC) unmoved. Raises OverflowError past the year 9999.
        """
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds}")
        return _from_ts(self._advance(_to_ts(start, "start"), (seconds,))[0])

    def business_seconds_between(self, a: datetime, b: datetime) -> int:
        """Open seconds in [a, b); 0 when b is not after a."""
        return self._between(_to_ts(a, "a"), _to_ts(b, "b"))

    def open_spans(self, a: datetime, b: datetime) -> list[tuple[int, int]]:
        """The open time in [a, b) as ordered, disjoint [open, close) epoch-second spans
        (overlapping shifts joined), for callers that add up many intervals at once."""
        start, end = _to_ts(a, "a"), _to_ts(b, "b")
        spans: list[tuple[int, int]] = []
        for opens, closes in self._intervals(start):
            if opens >= end:
                return spans
            lo, hi = max(opens, start), min(closes, end)
            if hi <= lo:
                continue
            if spans and lo <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
            else:
                spans.append((lo, hi))
        return spans  # not reached: the shifts go on for ever

    def _advance(self, start: int, amounts: Sequence[int]) -> list[int]:
        """`add_business_seconds` for several ascending amounts in one walk over the hours."""
        results = [start for amount in amounts if amount == 0]
        if len(results) == len(amounts):
            return results
        counted = 0
        position = start
        intervals = self._intervals(start)
        while True:
            opens, closes = next(intervals)
            if closes <= position:
                continue
            begin = max(opens, position)
            span = closes - begin
            while len(results) < len(amounts) and amounts[len(results)] - counted <= span:
                results.append(begin + amounts[len(results)] - counted)
            if len(results) == len(amounts):
                return results
            counted += span
            position = closes

    def _between(self, a: int, b: int) -> int:
        if b <= a:
            return 0
        total = 0
        position = a
        intervals = self._intervals(a)
        while True:
            opens, closes = next(intervals)
            if opens >= b:
                return total
            if closes <= position:
                continue
            total += min(closes, b) - max(opens, position)
            position = closes
            if position >= b:
                return total

    def _intervals(self, since: int) -> Iterator[tuple[int, int]]:
        """Every shift that could contain `since` or come after it, ordered by opening.

        Starts with the day before `since`'s local date: a shift starting two days earlier
        ends before the clock first reads that local date, hence before `since`. Openings
        never decrease because wall times map to instants monotonically.
        """
        day = datetime.fromtimestamp(since, self.tz).date() - _DAY
        while True:
            yield from self._day_plan(day)
            day += _DAY

    def _day_plan(self, day: date) -> tuple[tuple[int, int], ...]:
        """The real [open, close) instants of the shifts starting on `day`, memoised."""
        plan = self._plans.get(day)
        if plan is None:
            plan = self._build_plan(day)
            if len(self._plans) >= _PLAN_CACHE_LIMIT:
                self._plans.clear()
            self._plans[day] = plan
        return plan

    def _build_plan(self, day: date) -> tuple[tuple[int, int], ...]:
        if day in self.holidays:
            return ()
        plan = []
        for start, end in self.weekly[day.weekday()]:
            opens = self._instant(day, start)
            closes = self._instant(day + _DAY if end <= start else day, end)
            if closes > opens:  # a shift wholly inside a skipped hour has no open time
                plan.append((opens, closes))
        return tuple(plan)

    def _instant(self, day: date, wall: time) -> int:
        """The first instant at which the local clock reads `day wall` or later."""
        naive = datetime.combine(day, wall)
        wall_s = (day.toordinal() - _EPOCH_ORDINAL) * 86_400 + (
            wall.hour * 3600 + wall.minute * 60 + wall.second
        )
        first = _offset_s(naive.replace(tzinfo=self.tz))
        second = _offset_s(naive.replace(tzinfo=self.tz, fold=1))
        if first >= second:  # an ordinary time, or a repeated one (fold=0 is its first run)
            return wall_s - first
        return self._jump_past(wall_s, wall_s - second, wall_s - first)

    def _jump_past(self, wall_s: int, before: int, after: int) -> int:
        """The clocks-go-forward instant that skips `wall_s`, searched between two bounds.

        `before` still reads earlier than `wall_s` and `after` reads later; bisection on whole
        seconds takes at most ~17 steps even for a day-long jump.
        """
        while after - before > 1:
            middle = (before + after) // 2
            local = datetime.fromtimestamp(middle, self.tz)
            if middle + _offset_s(local) >= wall_s:
                after = middle
            else:
                before = middle
        return after


def _normalise_weekly(weekly: Mapping[int, Sequence[Shift]]) -> Mapping[int, tuple[Shift, ...]]:
    days: dict[int, tuple[Shift, ...]] = {weekday: () for weekday in range(7)}
    for weekday, shifts in weekly.items():
        if isinstance(weekday, bool) or weekday not in days:
            raise SlaSpecError("weekly", f"weekdays are 0 (Monday) to 6 (Sunday), got {weekday!r}")
        days[weekday] = tuple(sorted(_checked_shift(shift) for shift in shifts))
    if not any(days.values()):
        raise SlaSpecError("weekly", "no open hours on any day; give at least one shift")
    return MappingProxyType(days)


def _checked_shift(shift: Shift) -> Shift:
    """Reject what would make open time fuzzy: zoned or sub-second wall times."""
    if not isinstance(shift, tuple | list) or len(shift) != 2:
        raise SlaSpecError("weekly", f"a shift is a (start, end) pair of times, got {shift!r}")
    start, end = shift
    for wall in (start, end):
        if not isinstance(wall, time) or wall.tzinfo is not None or wall.microsecond:
            raise SlaSpecError(
                "weekly", f"shift times must be plain whole-second times, got {wall!r}"
            )
    return (start, end)


def _normalise_holidays(holidays: frozenset[date]) -> frozenset[date]:
    for day in holidays:
        # A datetime never equals a date, so it would silently never match: refuse it.
        if not isinstance(day, date) or isinstance(day, datetime):
            raise SlaSpecError("holidays", f"holidays must be dates, got {day!r}")
    return frozenset(holidays)


def _offset_s(local: datetime) -> int:
    offset = local.utcoffset()
    if offset is None:
        raise ValueError(f"time zone {local.tzinfo!r} gives no UTC offset")
    return offset // _SECOND


def _to_ts(instant: datetime, name: str) -> int:
    """Whole POSIX seconds, floored; naive datetimes are refused rather than guessed."""
    if instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    return (instant - _EPOCH) // _SECOND


def _from_ts(seconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


# --------------------------------------------------------------------------- spec parsing


def _shown(value: object) -> str:
    """A short one-line rendering of a bad config value for an error message."""
    text = repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r}"
    return text if len(text) <= 48 else text[:45] + "..."


def _parse_timezone(value: object, where: str, default: ZoneInfo | None) -> ZoneInfo:
    if value is None:
        if default is None:
            raise SlaSpecError(where, "missing: give an IANA time zone such as 'America/New_York'")
        return default
    if not isinstance(value, str):
        raise SlaSpecError(where, f"expected an IANA time zone name, got {_shown(value)}")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SlaSpecError(where, f"unknown time zone {_shown(value)}") from None


def _parse_hours(value: object, where: str) -> dict[int, tuple[Shift, ...]]:
    if value is None:
        raise SlaSpecError(where, 'missing: give opening hours per day, e.g. mon = ["08:00-17:00"]')
    if not isinstance(value, Mapping):
        raise SlaSpecError(where, f"expected a table of days (mon ... sun), got {_shown(value)}")
    weekly: dict[int, tuple[Shift, ...]] = {}
    for key, shifts in value.items():
        if key not in _WEEKDAY_KEYS:
            raise SlaSpecError(
                f"{where}.{key}", f"unknown day (expected one of {', '.join(_WEEKDAY_KEYS)})"
            )
        weekly[_WEEKDAY_KEYS.index(key)] = _parse_day(shifts, f"{where}.{key}")
    if not any(weekly.values()):
        raise SlaSpecError(
            where, 'no open hours on any day; give at least one, e.g. mon = ["08:00-17:00"]'
        )
    return weekly


def _parse_day(value: object, where: str) -> tuple[Shift, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise SlaSpecError(where, f'expected a list of "HH:MM-HH:MM" shifts, got {_shown(value)}')
    return tuple(_parse_shift(item, f"{where}[{index}]") for index, item in enumerate(value))


def _parse_shift(value: object, where: str) -> Shift:
    match = _SHIFT_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise SlaSpecError(where, f"expected HH:MM-HH:MM or HH:MM:SS-HH:MM:SS, got {_shown(value)}")
    start_h, start_m, start_s, end_h, end_m, end_s = (int(part or 0)
                                                      for part in match.groups())
    if (start_h > 23 or max(start_m, start_s, end_m, end_s) > 59 or end_h > 24
            or (end_h == 24 and (end_m or end_s))):
        raise SlaSpecError(where, f"times run from 00:00 to 24:00, got {_shown(value)}")
    return (time(start_h, start_m, start_s), time(end_h % 24, end_m, end_s))


def _parse_holidays(value: object, where: str) -> frozenset[date]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise SlaSpecError(
            where, f'expected a list of dates like "2026-12-25", got {_shown(value)}'
        )
    return frozenset(_parse_date(item, f"{where}[{index}]") for index, item in enumerate(value))


def _parse_date(value: object, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_RE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise SlaSpecError(where, f"expected a date YYYY-MM-DD, got {_shown(value)}")


# --------------------------------------------------------------------------- policy and facts


@dataclass(frozen=True, kw_only=True)
class SlaPolicy:
    """Targets in business seconds; None switches a target off.

    `at_risk_fraction` is the share of a target's business time after which it is "at risk"
    (0.75: the last quarter). Which conversations a policy covers is decided elsewhere.
    """

    name: str
    first_response_s: int | None = None
    next_response_s: int | None = None
    resolution_s: int | None = None
    calendar: BusinessCalendar
    at_risk_fraction: float = 0.75

    def __post_init__(self) -> None:
        for key in ("first_response_s", "next_response_s", "resolution_s"):
            target = getattr(self, key)
            if target is not None and (
                isinstance(target, bool) or not isinstance(target, int) or target <= 0
            ):
                raise SlaSpecError(key, f"expected a positive number of seconds, got {target!r}")
        fraction = self.at_risk_fraction
        if not (isinstance(fraction, int | float) and 0 < fraction <= 1):
            raise SlaSpecError(
                "at_risk_fraction", f"expected more than 0 and at most 1, got {fraction!r}"
            )


@dataclass(frozen=True, kw_only=True)
class SlaFacts:
    """What the engine needs to know about one conversation; the service keeps it current.

    Pause accounting is the service's job, because only it sees status changes: when a
    pending/snoozed spell ends it adds `calendar.business_seconds_between(paused_since, end)`
    to `paused_business_s`, and the part of it after `last_inbound_at` to
    `paused_after_inbound_s`. It resets `paused_after_inbound_s` to 0 on every inbound
    message, so that a keep-in-loop target is only stretched by pauses since the patient
    last wrote, while the first-response and resolution targets are stretched by all of them.
    `paused_since` (the start of the current spell) is only read while the status is pending
    or snoozed; if it is missing then, the clock is taken as stopped at evaluation time.
    """

    created_at: datetime
    status: str
    last_inbound_at: datetime | None = None
    first_response_at: datetime | None = None
    last_response_at: datetime | None = None
    paused_business_s: int = 0
    paused_after_inbound_s: int = 0
    paused_since: datetime | None = None

    def __post_init__(self) -> None:
        if self.status not in CONVERSATION_STATUSES:
            raise ValueError(f"unknown conversation status {self.status!r}")
        if self.paused_business_s < 0 or self.paused_after_inbound_s < 0:
            raise ValueError("paused business seconds cannot be negative")
        for key in (
            "created_at",
            "last_inbound_at",
            "first_response_at",
            "last_response_at",
            "paused_since",
        ):
            value = getattr(self, key)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{key} must be timezone-aware, got {value!r}")


@dataclass(frozen=True)
class SlaStatus:
    """The running target of one conversation, as of the `now` it was evaluated at.

    `due_at` and `at_risk_at` are fixed instants, so `state_at` and the countdown functions can
    follow the clock without the calendar. `business_s_left` is as of evaluation time (frozen
    while paused) and is zero or negative once breached.
    """

    target: SlaTarget | None
    state: SlaState
    due_at: datetime | None
    at_risk_at: datetime | None
    business_s_left: int | None

    def __post_init__(self) -> None:
        if self.state not in SLA_STATES:
            raise ValueError(f"unknown SLA state {self.state!r}")
        if self.state in ("ok", "at-risk", "breached") and self.due_at is None:
            raise ValueError(f"a {self.state!r} SLA status needs due_at")


NO_SLA: Final = SlaStatus(
    target=None, state="none", due_at=None, at_risk_at=None, business_s_left=None
)


class _Clock(NamedTuple):
    """One running target: budget = target + business time spent paused since `origin`."""

    target: SlaTarget
    origin: datetime
    target_s: int
    paused_s: int


def evaluate(policy: SlaPolicy, facts: SlaFacts, now: datetime) -> SlaStatus:
    """Which target is running for a conversation, when it is due and how it stands at `now`.

    Closed conversations have none. Before the first staff reply the first-response target runs
    from `created_at`; after it, a patient message newer than the latest reply starts the
    next-response target from `last_inbound_at`. Resolution runs alongside from `created_at`,
    and whichever is due first is reported. Pending and snoozed conversations are "paused":
    no due time, and `business_s_left` frozen at `paused_since`. A breach that happened before
    the pause is visible then only as a negative `business_s_left`.
    """
    if now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    if facts.status == "closed":
        return NO_SLA
    clocks = _running_clocks(policy, facts)
    if not clocks:
        return NO_SLA
    if facts.status in PAUSING_STATUSES:
        return _paused_status(policy.calendar, clocks, facts, now)
    running = [_running_status(policy, clock, now) for clock in clocks]
    return min(running, key=lambda status: status.due_at or now)


def _running_clocks(policy: SlaPolicy, facts: SlaFacts) -> list[_Clock]:
    """Response target first, so it wins a tie with resolution (it is the actionable one)."""
    clocks: list[_Clock] = []
    if facts.first_response_at is None:
        if policy.first_response_s is not None:
            clocks.append(
                _Clock(
                    "first-response",
                    facts.created_at,
                    policy.first_response_s,
                    facts.paused_business_s,
                )
            )
    elif policy.next_response_s is not None and facts.last_inbound_at is not None:
        answered = max(facts.first_response_at, facts.last_response_at or facts.first_response_at)
        if facts.last_inbound_at > answered:
            clocks.append(
                _Clock(
                    "next-response",
                    facts.last_inbound_at,
                    policy.next_response_s,
                    facts.paused_after_inbound_s,
                )
            )
    if policy.resolution_s is not None:
        clocks.append(
            _Clock("resolution", facts.created_at, policy.resolution_s, facts.paused_business_s)
        )
    return clocks


def _paused_status(
    calendar: BusinessCalendar, clocks: list[_Clock], facts: SlaFacts, now: datetime
) -> SlaStatus:
    frozen_at = min(facts.paused_since or now, now)
    left = [
        clock.target_s + clock.paused_s - calendar.business_seconds_between(clock.origin, frozen_at)
        for clock in clocks
    ]
    nearest = left.index(min(left))
    return SlaStatus(clocks[nearest].target, "paused", None, None, left[nearest])


def _running_status(policy: SlaPolicy, clock: _Clock, now: datetime) -> SlaStatus:
    calendar = policy.calendar
    origin = _to_ts(clock.origin, "origin")
    # round() first so that 0.7 * 100 counts as 70, not 71.
    risk_s = math.ceil(round(policy.at_risk_fraction * clock.target_s, 6))
    risk_ts, due_ts = calendar._advance(
        origin, (clock.paused_s + risk_s, clock.paused_s + clock.target_s)
    )
    due_at, at_risk_at = _from_ts(due_ts), _from_ts(risk_ts)
    left = clock.target_s + clock.paused_s - calendar._between(origin, _to_ts(now, "now"))
    return SlaStatus(clock.target, _state(now, due_at, at_risk_at), due_at, at_risk_at, left)


def _state(now: datetime, due_at: datetime, at_risk_at: datetime | None) -> SlaState:
    if now >= due_at:
        return "breached"
    if at_risk_at is not None and now >= at_risk_at:
        return "at-risk"
    return "ok"


def state_at(status: SlaStatus, now: datetime) -> SlaState:
    """The state of `status` at a later `now`, in O(1), assuming the facts did not change."""
    if status.due_at is None or status.state in ("paused", "none"):
        return status.state
    return _state(now, status.due_at, status.at_risk_at)


def transition(previous_state: str, new_state: str) -> Alert | None:
    """ "at-risk" or "breached" when a conversation has just entered that state, else None.

    Any change into one of them counts, including breached -> at-risk (a new target took
    over) and paused -> at-risk; a service that wants fewer alerts around pauses should
    remember what it last alerted per target.
    """
    for state in (previous_state, new_state):
        if state not in SLA_STATES:
            raise ValueError(f"unknown SLA state {state!r}")
    if new_state == previous_state:
        return None
    if new_state == "at-risk":
        return "at-risk"
    if new_state == "breached":
        return "breached"
    return None


# --------------------------------------------------------------------------- countdown


def countdown_text(status: SlaStatus, now: datetime, *, ascii: bool = False) -> str:
    """The SLA cell of the conversation list: at most 12 characters, readable without colour.

    Wall-clock time to the due instant (what a person can plan with), rounded up:

    * more than a day left: days and hours, "2d4h" (">999d" beyond 999 days);
    * more than 10 minutes: hours and minutes, "3h05m", or minutes, "42m";
    * 10 minutes or less: minutes and seconds, "9m05s";
    * at risk: the same, marked "▲" ("!" when `ascii`), e.g. "▲42m";
    * breached: time since due, rounded down, coarsening as it grows: "-45s BREACH",
      "-12m BREACH", "-3h BREACH", "-2d BREACH" (capped at "-999d BREACH");
    * paused: "paused"; no SLA: "".
    """
    return _face(status, now, ascii)[0]


def countdown_changes_at(status: SlaStatus, now: datetime) -> datetime | None:
    """The next instant `countdown_text` will read differently, or None if it never will.

    The TUI redraws a cell only then; with minute granularity above 10 minutes left that keeps
    terminal traffic to about one update per conversation per minute.
    """
    return _face(status, now, True)[1]


def _face(status: SlaStatus, now: datetime, ascii: bool) -> tuple[str, datetime | None]:
    state = state_at(status, now)
    if state == "none":
        return "", None
    if state == "paused" or status.due_at is None:
        return "paused", None
    due_at = status.due_at
    if state == "breached":
        text, next_late_s = _late_face((now - due_at) // _SECOND)
        changes = None if next_late_s is None else due_at + timedelta(seconds=next_late_s)
        return f"-{text} BREACH", changes
    text, next_left_s = _left_face((due_at - now) // _MICROSECOND)
    changes = due_at - timedelta(seconds=next_left_s)
    if state == "at-risk":
        return ("!" if ascii else "\u25b2") + text, changes
    if status.at_risk_at is not None:
        changes = min(changes, status.at_risk_at)
    return text, changes


def _left_face(left_us: int) -> tuple[str, int]:
    """Text for time left (> 0) and the seconds-left value at which that text ends."""
    seconds = -(-left_us // 1_000_000)
    if seconds <= _SECONDS_SHOWN_BELOW:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes}m{rest:02d}s", seconds - 1
    if seconds <= 86_400:
        total_minutes = -(-seconds // 60)
        hours, minutes = divmod(total_minutes, 60)
        text = f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
        return text, (total_minutes - 1) * 60
    total_hours = -(-seconds // 3600)
    if total_hours >= _MAX_SHOWN_HOURS:
        return ">999d", (_MAX_SHOWN_HOURS - 1) * 3600
    days, hours = divmod(total_hours, 24)
    return f"{days}d{hours}h", (total_hours - 1) * 3600


def _late_face(late_s: int) -> tuple[str, int | None]:
    """Text for time since due (>= 0) and the seconds-late value at which it next changes."""
    for unit, suffix, below in ((1, "s", 60), (60, "m", 3600), (3600, "h", 86_400)):
        if late_s < below:
            count = late_s // unit
            return f"{count}{suffix}", (count + 1) * unit
    days = late_s // 86_400
    if days >= _MAX_SHOWN_LATE_DAYS:
        return f"{_MAX_SHOWN_LATE_DAYS}d", None
    return f"{days}d", (days + 1) * 86_400
