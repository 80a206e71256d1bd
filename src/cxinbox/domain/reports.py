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

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal
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

SYSTEM_ACTORS: Final = frozenset({"system", "sync", "server", "bench"})
STAFF_ACTIONS: Final = frozenset({"status", "assign", "priority", "tag", "note", "send",
                                  "merge", "split"})
"""What counts as a person acting on a conversation (reading it does not)."""


def is_staff(actor: str) -> bool:
    """People, not the server's own jobs or automation rules (`rule:NAME`)."""
    return bool(actor) and actor not in SYSTEM_ACTORS and not actor.startswith("rule:")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ConvFacts:
    """A conversation in a report's scope, with its current attributes."""

    id: int
    created_at: int
    channel: str
    mailbox: str
    status: str
    assignee: str | None
    policy: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MessageFact:
    conversation_id: int
    id: int
    direction: str  # in | out
    at: int


@dataclass(frozen=True, slots=True)
class ChangeFact:
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


@dataclass(frozen=True, slots=True)
class PolicyTargets:
    name: str
    calendar: BusinessCalendar
    targets: Mapping[str, int]  # kind -> business seconds


@dataclass(frozen=True, slots=True)
class Interval:
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


def local_day(at: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(at, UTC).astimezone(tz).date()


def period_of(at: int, tz: ZoneInfo, unit: Unit) -> str:
    day = local_day(at, tz)
    if unit == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


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


def pause_spells(changes: Iterable[ChangeFact]) -> list[tuple[int, int | None]]:
    """[start, end) of every pending/snoozed spell (end None: still paused), from status
    changes in time order."""
    spells: list[tuple[int, int | None]] = []
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
            spells.append((since, end))
            since = None
    if since is not None:
        spells.append((since, None))
    return spells


def business_between(calendar: BusinessCalendar, start: int, end: int,
                     spells: Sequence[tuple[int, int | None]]) -> int:
    """Open time in [start, end) of `calendar`, less the open time paused inside it."""
    if end <= start:
        return 0
    total = _open(calendar, start, end)
    for s, e in spells:
        lo, hi = max(s, start), min(end if e is None else e, end)
        if hi > lo:
            total -= _open(calendar, lo, hi)
    return total


def _open(calendar: BusinessCalendar, a: int, b: int) -> int:
    return calendar.business_seconds_between(datetime.fromtimestamp(a, UTC),
                                             datetime.fromtimestamp(b, UTC))


# --------------------------------------------------------------------------- intervals


def intervals_of(conv: ConvFacts, messages: Sequence[MessageFact],
                 changes: Sequence[ChangeFact], sent_by: Mapping[int, str],
                 calendar: BusinessCalendar, until: int) -> list[Interval]:
    """Every response and resolution interval of one conversation that ends before `until`,
    and those still open then (end None, measured up to `until`).

    `messages` and `changes` are this conversation's, in time order; a message sorts before
    an event at the same second (the reply exists before it is acted on).
    """
    spells = pause_spells(c for c in changes if c.at < until)
    stream: list[tuple[int, int, int, MessageFact | ChangeFact]] = []
    stream.extend((m.at, 0, m.id, m) for m in messages if m.at < until)
    stream.extend((c.at, 1, c.seq, c) for c in changes
                  if c.at < until and c.action == "status" and c.after == "closed")
    stream.sort(key=lambda item: item[:3])
    out: list[Interval] = []
    awaiting: int | None = None
    unresolved: int | None = None
    answered = False

    def add(kind: Kind, start: int, end: int | None, staff: str | None) -> None:
        stop = until if end is None else end
        out.append(Interval(conv.id, kind, start, end, staff,
                            business_between(calendar, start, stop, spells), stop - start))

    for _at, _order, _key, item in stream:
        if isinstance(item, MessageFact):
            if item.direction == "in":
                if awaiting is None:
                    awaiting = item.at
                if unresolved is None:
                    unresolved = item.at
            else:
                if awaiting is not None:
                    add("next-response" if answered else "first-response", awaiting, item.at,
                        sent_by.get(item.id))
                    awaiting = None
                answered = True
        else:
            if unresolved is not None:
                add("resolution", unresolved, item.at, item.actor)
            unresolved = None
            awaiting = None
    if awaiting is not None:
        add("next-response" if answered else "first-response", awaiting, None, None)
    if unresolved is not None:
        add("resolution", unresolved, None, None)
    return out


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
    labels = [label for label, _ in BUCKETS]

    def counts(values: Sequence[int]) -> tuple[int, ...]:
        found = dict.fromkeys(labels, 0)
        for v in values:
            found[bucket_of(v)] += 1
        return tuple(found.values())

    return Summary(len(intervals), percentile(business, 50), percentile(business, 90),
                   percentile(wall, 50), percentile(wall, 90), counts(business), counts(wall))


# --------------------------------------------------------------------------- backlog


def backlog_states(convs: Sequence[ConvFacts], changes_desc: Sequence[ChangeFact],
                   boundaries: Sequence[int]) -> dict[int, dict[int, str]]:
    """The status of every live conversation at each boundary instant (events before it
    applied), walking back from the current state through the events at or after the earliest
    boundary, newest first. Returns boundary -> {conversation id: status}; conversations not
    yet created or merged away then are left out."""
    status = {c.id: c.status for c in convs}
    live = dict.fromkeys(status, True)
    created = {c.id: c.created_at for c in convs}
    out: dict[int, dict[int, str]] = {}
    position = 0
    for boundary in sorted(boundaries, reverse=True):
        while position < len(changes_desc) and changes_desc[position].at >= boundary:
            change = changes_desc[position]
            position += 1
            cid = change.conversation_id
            if cid not in status:
                continue
            if change.action == "status" and change.before is not None:
                status[cid] = change.before
            elif change.action == "merged":
                live[cid] = True
            elif change.action == "unmerged":
                live[cid] = False
        out[boundary] = {cid: s for cid, s in status.items()
                         if live[cid] and created[cid] < boundary}
    return out
