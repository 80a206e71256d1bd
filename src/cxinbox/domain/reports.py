"""Report arithmetic: response intervals, business time with pauses, percentiles, periods.

Pure: the store hands over typed records read from the messages and the event log, and
everything here is computed from those alone, so a report agrees with the audit trail. The
definitions (the test in tests/test_reports_exact.py re-implements each one naively):

* Times are whole epoch seconds. An instant belongs to the clinic-time-zone day (or ISO week,
  Monday first) its local clock reads, so a day is 23 or 25 hours long across a DST change.
* A response interval starts at the first patient message nobody has answered yet and ends at
  the next message we send in that conversation. The first one of a conversation (before we
  ever wrote in it) is a "first-response", later ones "next-response". Closing the
  conversation without writing ends the wait with no interval.
* A resolution interval starts at the first patient message not yet resolved and ends when the
  conversation is closed; a patient writing again after that starts a new one (reopenings).
* Business time is the open time of the conversation's SLA calendar inside the interval, minus
  the open time it spent pending or snoozed (the SLA clock's pauses); wall time is plain
  elapsed time. A snooze ends when it was due to, even if the wake-up was recorded later.
* Percentiles are nearest-rank: the smallest value at least p% of the values are at or below.
* Merged conversations count as part of the one they were merged into (their messages moved);
  a conversation merged away is out of the backlog from the merge until it is unmerged.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal, NamedTuple
from zoneinfo import ZoneInfo

from cxinbox.domain.sla import PAUSING_STATUSES, BusinessCalendar

Kind = Literal["first-response", "next-response", "resolution"]
Unit = Literal["day", "week"]

KINDS: Final[tuple[Kind, ...]] = ("first-response", "next-response", "resolution")
BACKLOG_STATUSES: Final = ("open", "pending", "snoozed")

BUCKETS: Final[tuple[tuple[str, int | None], ...]] = (
    ("<15m", 15 * 60), ("15m-1h", 3600), ("1h-4h", 4 * 3600), ("4h-1d", 86400),
    ("1d-3d", 3 * 86400), (">=3d", None))
"""Distribution buckets of a duration: each holds values below its bound (the last, the rest)."""

AGE_BUCKETS: Final[tuple[tuple[str, int | None], ...]] = (
    ("<1d", 86400), ("1d-3d", 3 * 86400), ("3d-7d", 7 * 86400), ("7d-30d", 30 * 86400),
    (">=30d", None))

SYSTEM_ACTORS: Final = frozenset({"system", "sync", "server", "bench", "triage", "csat",
                                  "outbox"})
"""The server's own actors: jobs (the SLA monitor and snooze waker write as "system"),
mail and SMS sync, the red-flag detector ("triage"), the satisfaction survey ("csat") and
the outbox. Automation writes as `NAME:detail` (`rule:NAME`, `system:retention`,
`kb:folder`): a person's actor is their login, which never holds a colon."""
STAFF_ACTIONS: Final = frozenset({"status", "assign", "priority", "tag", "note", "send",
                                  "merge", "split"})
"""What counts as a person acting on a conversation (reading it does not)."""
RED_FLAG_ACTIONS: Final = STAFF_ACTIONS | {"redflag.cleared"}
"""What counts as acting on a red-flag case: the above, or clearing the flag."""


def is_staff(actor: str) -> bool:
    """People, not the server's own jobs, the detectors or automation rules (`rule:NAME`)."""
    return bool(actor) and actor not in SYSTEM_ACTORS and ":" not in actor


# --------------------------------------------------------------------------- records


class ConvFacts(NamedTuple):
    """A conversation in a report's scope, with its current attributes (a named tuple:
    a year-long report holds ~10^5)."""

    id: int
    created_at: int
    channel: str
    mailbox: str
    status: str
    assignee: str | None
    policy: str | None
    tags: tuple[str, ...]
    intent: str | None = None  # of its latest assessed patient message (triage)


class MessageFact(NamedTuple):
    """A typed record like the others, but a named tuple: a year of a busy desk is ~10^6 of
    these and of ChangeFact, and building a tuple is ~5x cheaper than a frozen dataclass."""

    conversation_id: int
    id: int
    direction: str  # in | out
    at: int


class ChangeFact(NamedTuple):
    """One event on a conversation. `action` is the event's action without "conversation."
    ("status", "assign", "note", "merged", ...; "send" for a reply sent).
    `before`/`after` are a status or assignee change's values; `before_until` the snooze a
    status change ended."""

    seq: int
    at: int
    conversation_id: int
    actor: str
    action: str
    before: str | None = None
    after: str | None = None
    before_until: int | None = None


class RawInterval(NamedTuple):
    """An interval as the history so far makes it, before any report's window: what
    store/report_facts.py keeps per conversation. `end` None: still waiting now."""

    conversation_id: int
    kind: Kind
    start: int
    end: int | None
    staff: str | None
    dropped: bool = False
    """A wait the conversation's closing ended with no reply: no interval at all, except
    for a report ending before the close, which sees it still waiting."""
    business_s: int | None = None
    """Kept business time (migration 21), measured with the calendar whose key is
    `calendar`, true for any report ending after `settled_at`; None until a report keeps it."""
    calendar: str | None = None
    settled_at: int | None = None


class Pause(NamedTuple):
    """A pending/snoozed spell as the history so far makes it: `end` is when the clock
    resumed (a snooze's due time when woken late), `woke_at` when the change that ended it
    was recorded; both None while it lasts."""

    start: int
    end: int | None
    woke_at: int | None


class WorkCount(NamedTuple):
    """How many staff events of one kind fell on one local day (`day`: days since
    1970-01-01 on the clinic's calendar; None when the report has no periods)."""

    day: int | None
    actor: str
    action: str  # "assign", "status", "note", "send"
    after: str | None  # an assignment's or status change's new value
    events: int  # how many


class VolumeCount(NamedTuple):
    """How many messages of one direction fell on one local day (`day` as in WorkCount):
    in total (`breakdown` None), or under one value (`key`: a mailbox, channel, tag, reply
    author or intent; None when the message has none) of a breakdown."""

    day: int
    direction: str  # in | out
    breakdown: str | None
    key: str | None
    messages: int


class SpanCount(NamedTuple):
    """How many conversations held `status` at the end of every local day from `first` to
    `last` (day numbers as in WorkCount) under one group (`key`: a mailbox, channel or tag,
    None when the conversation has none; `total` True for the count over every group): the
    kept status spans (migration 22) counted by SQL for the backlog."""

    first: int
    last: int
    status: str
    total: bool
    key: str | None
    conversations: int


class AgeCount(NamedTuple):
    """How many conversations in the backlog at a report's end fall in one `AGE_BUCKETS`
    bucket (by index), in total or under one group (as SpanCount)."""

    bucket: int
    total: bool
    key: str | None
    conversations: int


class JudgedCount(NamedTuple):
    """SLA intervals judged by SQL from their kept business time (migration 21): how many
    of one policy's `kind` ended in the window met (`met`) or went over its target, on
    local day `day` (None when the report has no periods), under one breakdown value
    `key` (None when it has none). `groups`: "both" (they count in the totals and under
    `key`), "all" (totals only) or "value" (under `key` only: a tag)."""

    policy: str
    kind: Kind
    met: bool
    day: int | None
    key: str | None
    groups: str
    intervals: int


class LateFact(NamedTuple):
    """One interval judged late by SQL (a breach): as the breaches table lists it."""

    conversation_id: int
    policy: str
    kind: Kind
    start: int
    end: int
    business_s: int
    target_s: int
    staff: str | None


def day_number(at: int, tz: ZoneInfo) -> int:
    """The local day of `at` as days since 1970-01-01 (what `day_of_number` reads)."""
    return local_day(at, tz).toordinal() - EPOCH_DAY


def week_hour(hour_number: int) -> tuple[int, int]:
    """(weekday, hour), Monday 0, of the local hour `hour_number` hours after 1970-01-01
    00:00 (a Thursday), given modulo a week: what SQL can group messages by."""
    hour = hour_number % (7 * 24)
    return (hour // 24 + 3) % 7, hour % 24


@dataclass(frozen=True, slots=True)
class PolicyTargets:
    name: str
    calendar: BusinessCalendar
    targets: Mapping[str, int]  # kind -> business seconds


class Interval(NamedTuple):
    """A named tuple for the reason MessageFact is one: a year is ~10^5 of these."""

    conversation_id: int
    kind: Kind
    start: int
    end: int | None  # None: still waiting at the report's end
    staff: str | None  # who sent the reply / closed it
    business_s: int
    wall_s: int


# --------------------------------------------------------------------------- time


@dataclass(frozen=True, slots=True)
class Window:
    since: int
    until: int
    tz: ZoneInfo

    def holds(self, at: int) -> bool:
        return self.since <= at < self.until


WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def hour_of_week(at: int, tz: ZoneInfo) -> tuple[int, int]:
    """(weekday, hour) the clinic's clock reads at `at`: Monday 0, hours 0-23."""
    local = datetime.fromtimestamp(at, UTC).astimezone(tz)
    return local.weekday(), local.hour


def local_day(at: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(at, UTC).astimezone(tz).date()


def period_of(at: int, tz: ZoneInfo, unit: Unit) -> str:
    return day_label(local_day(at, tz), unit)


def day_label(day: date, unit: Unit) -> str:
    """The label of the period (a day, an ISO week) that holds `day`."""
    if unit == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


EPOCH_DAY: Final = date(1970, 1, 1).toordinal()


def day_of_number(number: int) -> date:
    """The date `number` days after 1970-01-01 (what `offset_spans` lets SQL compute)."""
    return date.fromordinal(EPOCH_DAY + number)


def offset_spans(since: int, until: int, tz: ZoneInfo) -> list[tuple[int, int, int]]:
    """[lo, hi) pieces of [since, until) in which the clinic's UTC offset stays `offset`
    (seconds), so an instant's local day is (at + offset) // 86400 days after 1970-01-01
    inside each: a year is three pieces (two DST changes)."""

    def offset(at: int) -> int:
        found = datetime.fromtimestamp(at, UTC).astimezone(tz).utcoffset()
        return int(found.total_seconds()) if found is not None else 0

    out: list[tuple[int, int, int]] = []
    lo, current = since, offset(since)
    a = since
    while a < until:
        b = min(until, a + 86400)  # a change a day is more than any zone makes
        if offset(b) == current:
            a = b
            continue
        while b - a > 1:  # offset(a) == current != offset(b): find the second it changes
            mid = (a + b) // 2
            if offset(mid) == current:
                a = mid
            else:
                b = mid
        out.append((lo, b, current))
        lo, current, a = b, offset(b), b
    if lo < until:
        out.append((lo, until, current))
    return out


def _midnight(day: date, tz: ZoneInfo) -> int:
    """The first instant the clinic's clock reads `day` 00:00 or later (DST-gap safe)."""
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())


def periods(window: Window, unit: Unit) -> list[tuple[str, int]]:
    """Every period the window touches, with the instant it ends (clipped to the window)."""
    if window.until <= window.since:
        return []
    day = local_day(window.since, window.tz)
    last = local_day(window.until - 1, window.tz)
    if unit == "week":
        day -= timedelta(days=day.weekday())
    step = timedelta(days=7 if unit == "week" else 1)
    out: list[tuple[str, int]] = []
    while day <= last:
        nxt = day + step
        label = _week_label(day) if unit == "week" else day.isoformat()
        out.append((label, min(window.until, _midnight(nxt, window.tz))))
        day = nxt
    return out


def _week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def percentile(sorted_values: Sequence[int], p: float) -> int | None:
    """Nearest rank: None for no values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p * len(sorted_values) / 100))
    return sorted_values[rank - 1]


def bucket_of(value: int, buckets: Sequence[tuple[str, int | None]] = BUCKETS) -> str:
    for label, bound in buckets:
        if bound is None or value < bound:
            return label
    return buckets[-1][0]


# --------------------------------------------------------------------------- pauses


def pause_record(changes: Iterable[ChangeFact]) -> list[Pause]:
    """Every pending/snoozed spell of one conversation, from its status changes in time
    order, with the instant each ended and the instant its ending was recorded."""
    spells: list[Pause] = []
    since: int | None = None
    for change in changes:
        if change.action != "status":
            continue
        if change.after in PAUSING_STATUSES:
            if since is None:
                since = change.at
            continue
        if since is not None:
            end = change.at
            if change.before == "snoozed" and change.before_until is not None:
                end = max(since, min(end, change.before_until))
            spells.append(Pause(since, end, change.at))
            since = None
    if since is not None:
        spells.append(Pause(since, None, None))
    return spells


def spells_before(pauses: Sequence[Pause], until: int) -> list[tuple[int, int | None]]:
    """The spells as the history before `until` tells them: a spell whose end was recorded
    at or after `until` was still running then (even when its snooze was due earlier)."""
    if not pauses:
        return []
    return [(p.start, p.end if p.woke_at is not None and p.woke_at < until else None)
            for p in pauses if p.start < until]


def pause_spells(changes: Iterable[ChangeFact]) -> list[tuple[int, int | None]]:
    """[start, end) of every pending/snoozed spell (end None: still paused), from status
    changes in time order."""
    return [(p.start, p.end) for p in pause_record(changes)]


def business_between(calendar: BusinessCalendar, start: int, end: int,
                     spells: Sequence[tuple[int, int | None]]) -> int:
    """Open time in [start, end) of `calendar`, less the open time paused inside it."""
    if end <= start:
        return 0
    return _clock_for(calendar).less_spells(start, end, spells)


def calendar_key(calendar: BusinessCalendar) -> str:
    """A short name for what a calendar's open time depends on (zone, week, holidays),
    the same in every process: a kept business time is reused only under the same key."""
    week = ";".join(f"{day}:" + ",".join(f"{a.isoformat()}-{b.isoformat()}" for a, b in shifts)
                    for day, shifts in sorted(calendar.weekly.items()))
    holidays = ",".join(sorted(d.isoformat() for d in calendar.holidays))
    text = f"{calendar.tz.key}|{week}|{holidays}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def settled_at(pauses: Sequence[Pause], end: int) -> int | None:
    """From when on an interval ending at `end` measures the same for every report: the
    later of its end and the recorded ends of the pauses begun before it ended (a pause
    begun later cannot overlap it); None while such a pause lasts."""
    settled = end
    for p in pauses:
        if p.start < end:
            if p.woke_at is None:
                return None
            settled = max(settled, p.woke_at)
    return settled


class BusinessClock:
    """Open seconds of a calendar between any two instants by two binary searches.

    The calendar's open spans over a range of days are listed once, with the open time
    before each; open time is additive, so [a, b) is at(b) - at(a). The range grows
    (doubling) when an instant falls outside it. A two-year interval then costs what a
    two-minute one does, instead of a walk over seven hundred days.
    """

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.key = calendar_key(calendar)
        self._lo = 0
        self._hi = 0
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._before: list[int] = []

    def _cover(self, a: int, b: int) -> None:
        if self._lo <= a and b <= self._hi:
            return
        if self._hi == 0:
            lo, hi = a - 30 * 86400, b + 30 * 86400
        else:
            width = self._hi - self._lo
            lo, hi = min(self._lo, a - width), max(self._hi, b + width)
        spans = self.calendar.open_spans(datetime.fromtimestamp(lo, UTC),
                                         datetime.fromtimestamp(hi, UTC))
        self._lo, self._hi = lo, hi
        self._starts = [s for s, _ in spans]
        self._ends = [e for _, e in spans]
        self._before = []
        total = 0
        for s, e in spans:
            self._before.append(total)
            total += e - s

    def _at(self, t: int) -> int:
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return 0
        end = self._ends[i]
        return self._before[i] + min(t, end) - self._starts[i]

    def between(self, a: int, b: int) -> int:
        if b <= a:
            return 0
        if a < self._lo or b > self._hi:
            self._cover(a, b)
        # `_at(b) - _at(a)` written out: a year's report calls this ~2x10^5 times
        starts, ends, before = self._starts, self._ends, self._before
        i = bisect_right(starts, b) - 1
        j = bisect_right(starts, a) - 1
        return ((before[i] + min(b, ends[i]) - starts[i] if i >= 0 else 0)
                - (before[j] + min(a, ends[j]) - starts[j] if j >= 0 else 0))

    def less_spells(self, start: int, end: int,
                    spells: Sequence[tuple[int, int | None]]) -> int:
        """Open time in [start, end) less the open time of `spells` inside it (end None:
        still running). The hot path of a year's report (~10^5 intervals)."""
        total = self.between(start, end)
        for s, e in spells:
            lo = max(start, s)
            hi = end if e is None or e > end else e
            if hi > lo:
                total -= self.between(lo, hi)
        return total


_CLOCKS: dict[int, BusinessClock] = {}


def _clock_for(calendar: BusinessCalendar) -> BusinessClock:
    """One clock per calendar object (by identity: hashing a calendar walks its week)."""
    clock = _CLOCKS.get(id(calendar))
    if clock is None or clock.calendar is not calendar:
        if len(_CLOCKS) > 64:
            _CLOCKS.clear()
        clock = _CLOCKS[id(calendar)] = BusinessClock(calendar)
    return clock


# --------------------------------------------------------------------------- intervals


def raw_intervals(conversation_id: int, messages: Sequence[MessageFact],
                  changes: Sequence[ChangeFact], sent_by: Mapping[int, str],
                  skip: Collection[int] = ()) -> list[RawInterval]:
    """Every response and resolution interval of one conversation over its whole history,
    those still waiting with end None.

    `messages` and `changes` are this conversation's, in time order; a message sorts before
    an event at the same second (the reply exists before it is acted on). Messages in
    `skip` (a patient's answer that is nothing but a satisfaction rating) ask for nothing.
    The history before any instant is a prefix of the whole, so the intervals a report
    ending then sees are these, cut there (`intervals_until`).
    """
    stream: list[tuple[int, int, int, MessageFact | ChangeFact]] = []
    stream.extend((m.at, 0, m.id, m) for m in messages if m.id not in skip)
    stream.extend((c.at, 1, c.seq, c) for c in changes
                  if c.action == "status" and c.after == "closed")
    stream.sort(key=lambda item: item[:3])
    out: list[RawInterval] = []
    awaiting: int | None = None
    unresolved: int | None = None
    answered = False
    for _at, _order, _key, item in stream:
        if isinstance(item, MessageFact):
            if item.direction == "in":
                if awaiting is None:
                    awaiting = item.at
                if unresolved is None:
                    unresolved = item.at
            else:
                if awaiting is not None:
                    out.append(RawInterval(conversation_id,
                                           "next-response" if answered else "first-response",
                                           awaiting, item.at, sent_by.get(item.id)))
                    awaiting = None
                answered = True
        else:
            if unresolved is not None:
                out.append(RawInterval(conversation_id, "resolution", unresolved, item.at,
                                       item.actor))
            if awaiting is not None:
                out.append(RawInterval(conversation_id,
                                       "next-response" if answered else "first-response",
                                       awaiting, item.at, None, True))
            unresolved = None
            awaiting = None
    if awaiting is not None:
        out.append(RawInterval(conversation_id, "next-response" if answered
                               else "first-response", awaiting, None, None))
    if unresolved is not None:
        out.append(RawInterval(conversation_id, "resolution", unresolved, None, None))
    return out


KeptBusiness = tuple[int, str, int, int, str, int, int]
"""(business_s, calendar key, settled_at, conversation_id, kind, start, end): a settled
interval's business time for the store to keep (store/report_facts.py `keep_business`)."""


def intervals_until(raw: Iterable[RawInterval], pauses: Sequence[Pause],
                    calendar: BusinessCalendar, until: int,
                    keep: list[KeptBusiness] | None = None) -> list[Interval]:
    """The intervals a report ending at `until` sees: those begun before it, the ones
    ending at or after it still open (end None, measured up to `until`, nobody's yet).
    An ended interval's kept business time is used when it was measured with this
    calendar and holds at `until`; one measured here that every later report would
    measure the same is added to `keep` (when given) for the store to keep."""
    spells = spells_before(pauses, until)
    clock = _clock_for(calendar)
    key = clock.key
    measure = clock.less_spells if spells else (lambda a, b, _s: clock.between(a, b))
    out: list[Interval] = []
    for r in raw:
        start = r.start
        if start >= until:
            continue
        end = r.end
        if end is not None and end < until:
            if r.dropped:
                continue
            kept = r.business_s
            if kept is None or r.calendar != key or r.settled_at is None \
                    or r.settled_at >= until:
                kept = measure(start, end, spells) if end > start else 0
                if keep is not None:
                    settled = settled_at(pauses, end)
                    if settled is not None and settled < until:
                        keep.append((kept, key, settled, r.conversation_id, r.kind, start,
                                     end))
            out.append(Interval(r.conversation_id, r.kind, start, end, r.staff, kept,
                                end - start))
        else:
            out.append(Interval(r.conversation_id, r.kind, start, None, None,
                                measure(start, until, spells) if until > start else 0,
                                until - start))
    return out


def intervals_of(conv: ConvFacts, messages: Sequence[MessageFact],
                 changes: Sequence[ChangeFact], sent_by: Mapping[int, str],
                 calendar: BusinessCalendar, until: int,
                 skip: Collection[int] = ()) -> list[Interval]:
    """Every response and resolution interval of one conversation that ends before `until`,
    and those still open then (end None, measured up to `until`)."""
    return intervals_until(raw_intervals(conv.id, messages, changes, sent_by, skip),
                           pause_record(changes), calendar, until)


@dataclass(frozen=True, slots=True)
class Summary:
    count: int
    business_median_s: int | None
    business_p90_s: int | None
    wall_median_s: int | None
    wall_p90_s: int | None
    business_buckets: tuple[int, ...]
    wall_buckets: tuple[int, ...]


def summarise(intervals: Sequence[Interval]) -> Summary:
    business = sorted(i.business_s for i in intervals)
    wall = sorted(i.wall_s for i in intervals)

    def counts(values: Sequence[int]) -> tuple[int, ...]:
        """How many sorted `values` fall in each bucket (as `bucket_of` sorts them): those
        below a bound, less those below the one before (a year is ~10^5 values)."""
        below = [len(values) if bound is None else bisect_left(values, bound)
                 for _label, bound in BUCKETS]
        return tuple(n - m for n, m in zip(below, [0, *below[:-1]], strict=True))

    return Summary(len(intervals), percentile(business, 50), percentile(business, 90),
                   percentile(wall, 50), percentile(wall, 90), counts(business), counts(wall))
