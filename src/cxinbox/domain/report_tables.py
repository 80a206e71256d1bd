"""The six reports as tables with stable column names, from the records of domain/reports.py.

Pure. Each builder takes a `Dataset` (one snapshot of the trail, already cut to the
conversations the report's query selects) and returns `ReportTable`s; the service decides
who may see which rows, and the CLI how to print them. Durations are whole seconds.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from cxinbox.domain.reports import (
    AGE_BUCKETS,
    BACKLOG_STATUSES,
    BUCKETS,
    EPOCH_DAY,
    KINDS,
    RED_FLAG_ACTIONS,
    WEEKDAYS,
    AgeCount,
    ChangeFact,
    ConvFacts,
    Interval,
    JudgedCount,
    KeptBusiness,
    LateFact,
    MessageFact,
    Pause,
    PolicyTargets,
    RawInterval,
    SpanCount,
    Unit,
    VolumeCount,
    Window,
    WorkCount,
    business_between,
    day_label,
    day_of_number,
    hour_of_week,
    intervals_of,
    intervals_until,
    is_staff,
    local_day,
    pause_spells,
    percentile,
    period_of,
    periods,
    spells_before,
    summarise,
    week_hour,
)
from cxinbox.domain.sla import BusinessCalendar

REPORTS: Final = ("volume", "response", "sla", "backlog", "workload", "red-flags", "csat")
"""csat is built by domain/csat_report.py from its own rows (service/reports.py)."""
PERIODS: Final = ("day", "week")
DIMENSIONS: Final = ("staff", "mailbox", "tag", "channel", "intent")
"""Breakdowns by a conversation's attribute: one more is a name here and a line in
`_values` (and the service's `_ALLOWED`). `intent` is volume's only (what patients write
about), and per message: what triage read in a patient's message, a reply's the one it
answered (store/reports.py `_VOLUME_KEYS`); `_values` gives the conversation's latest, for
a Dataset that carries messages instead of counts."""
HEATMAP: Final = "heatmap"
"""`--by heatmap` (`report volume --heatmap`): messages in by hour of the clinic's week."""
ALL: Final = "all"
NONE_VALUE: Final = "-"
RED_FLAG_TAG: Final = "red-flag"

Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One table of a report: `columns` name each cell of every row, in order."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Dataset:
    window: Window
    conversations: Mapping[int, ConvFacts]
    messages: Mapping[int, Sequence[MessageFact]]  # per conversation, in time order
    changes: Mapping[int, Sequence[ChangeFact]]  # per conversation, in seq order
    sent_by: Mapping[int, str]
    policies: Mapping[str, PolicyTargets]
    default_calendar: BusinessCalendar
    absorbed: Sequence[ChangeFact] = ()  # events of conversations merged into these
    raw: Sequence[RawInterval] | None = None
    """The kept intervals (whole history, store/report_facts.py): when given, the
    intervals are these cut at the window's end, and `pauses` are the conversations'."""
    pauses: Mapping[int, Sequence[Pause]] = field(default_factory=dict)
    work: Sequence[WorkCount] | None = None
    """Staff events of the window already counted per local day (workload)."""
    volume: Sequence[VolumeCount] | None = None
    """The window's messages already counted per local day (volume): when given, volume
    reads these instead of `messages`, and the heatmap `heat`."""
    heat: Sequence[tuple[int, int]] = ()
    spans: Sequence[SpanCount] | None = None
    """The kept status spans already counted per local day (backlog), read with `ages`."""
    ages: Sequence[AgeCount] = ()
    judged: Sequence[JudgedCount] | None = None
    """SLA intervals already judged from their kept business time (store side): `raw`
    then leaves them out, and `late` lists the late ones."""
    late: Sequence[LateFact] = ()
    _intervals: list[Interval] = field(default_factory=list, init=False, repr=False)
    kept: list[KeptBusiness] = field(default_factory=list, init=False, repr=False)
    """Business times `intervals` measured that the store may keep (domain/reports.py
    `intervals_until`)."""

    def calendar(self, conv: ConvFacts) -> BusinessCalendar:
        policy = self.policies.get(conv.policy or "")
        return policy.calendar if policy else self.default_calendar

    def intervals(self) -> list[Interval]:
        """Every interval up to the window's end, computed once per report run."""
        if not self._intervals and self.raw is not None:
            per: dict[int, list[RawInterval]] = defaultdict(list)
            for r in self.raw:
                per[r.conversation_id].append(r)
            for cid, raw in per.items():
                conv = self.conversations.get(cid)
                if conv is not None:
                    self._intervals.extend(intervals_until(
                        raw, self.pauses.get(cid, ()), self.calendar(conv), self.window.until,
                        self.kept))
        elif not self._intervals:
            until = self.window.until
            for cid, conv in self.conversations.items():
                self._intervals.extend(intervals_of(
                    conv, self.messages.get(cid, ()), self.changes.get(cid, ()),
                    self.sent_by, self.calendar(conv), until))
        return self._intervals


@dataclass(frozen=True, slots=True)
class Options:
    unit: Unit | None = None  # --by day|week
    dimension: str | None = None  # --by staff|mailbox|tag|channel
    heatmap: bool = False  # volume: also the hour-of-week table


def _values(conv: ConvFacts, dimension: str, staff: str | None = None) -> tuple[str, ...]:
    if dimension == "mailbox":
        return (conv.mailbox or NONE_VALUE,)
    if dimension == "channel":
        return (conv.channel,)
    if dimension == "tag":
        return conv.tags or (NONE_VALUE,)
    if dimension == "intent":
        return (conv.intent or NONE_VALUE,)
    return (staff or NONE_VALUE,)


def _groups(ds: Dataset, opts: Options, conv: ConvFacts, at: int,
            staff: str | None) -> tuple[str, ...]:
    """The group labels a fact counts in, besides "all"."""
    if opts.unit is not None:
        return (period_of(at, ds.window.tz, opts.unit),)
    if opts.dimension is not None:
        return _values(conv, opts.dimension, staff)
    return ()


# --------------------------------------------------------------------------- volume


def volume(ds: Dataset, opts: Options) -> list[ReportTable]:
    unit: Unit = opts.unit or "day"
    spans = periods(ds.window, unit)
    labels = [label for label, _ in spans]
    ends = [end for _, end in spans]
    counts: list[dict[str, int]] = [defaultdict(int) for _ in labels]
    extra: set[str] = set()
    since, until = ds.window.since, ds.window.until
    if ds.volume is not None:
        row_of = {label: n for n, label in enumerate(labels)}
        for v in ds.volume:
            row = counts[row_of[day_label(day_of_number(v.day), unit)]]
            if v.breakdown is None:
                row[v.direction] += v.messages
                continue
            key = f"{v.direction}:{v.key or NONE_VALUE}"
            row[key] += v.messages
            extra.add(key)
    for cid, msgs in ({} if ds.volume is not None else ds.messages).items():
        values = (_values(ds.conversations[cid], opts.dimension)
                  if opts.dimension not in (None, "staff") else ())
        for m in msgs:
            if not since <= m.at < until:
                continue
            row = counts[bisect_right(ends, m.at)]  # periods end where the next begins
            row[m.direction] += 1
            if opts.dimension == "staff":
                if m.direction == "out":
                    key = f"out:{ds.sent_by.get(m.id, NONE_VALUE)}"
                    row[key] += 1
                    extra.add(key)
                continue
            for value in values:
                key = f"{m.direction}:{value}"
                row[key] += 1
                extra.add(key)
    columns = ("period", "in", "out", *sorted(extra))
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (label, *(c.get(k, 0) for k in columns[1:]))
        for label, c in zip(labels, counts, strict=True))
    tables = [ReportTable("volume", columns, rows)]
    if opts.heatmap:
        tables.insert(0, heatmap(ds))
    return tables


def heatmap(ds: Dataset) -> ReportTable:
    """Messages in by weekday (rows, Monday first) and hour (columns 00-23) of the clinic's
    clock, over the whole window: when patients write."""
    grid = [[0] * 24 for _ in WEEKDAYS]
    for number, n in ds.heat:
        day, hour = week_hour(number)
        grid[day][hour] += n
    for msgs in ({} if ds.volume is not None else ds.messages).values():
        for m in msgs:
            if m.direction == "in" and ds.window.holds(m.at):
                day, hour = hour_of_week(m.at, ds.window.tz)
                grid[day][hour] += 1
    return ReportTable(HEATMAP, ("day", *(f"{h:02d}" for h in range(24))),
                       tuple((name, *row) for name, row in zip(WEEKDAYS, grid, strict=True)))


# --------------------------------------------------------------------------- response


_SUMMARY_COLUMNS: Final = ("group", "metric", "count", "business_median_s", "business_p90_s",
                           "wall_median_s", "wall_p90_s")


def _ended_in_window(ds: Dataset) -> list[Interval]:
    return [i for i in ds.intervals() if i.end is not None and ds.window.holds(i.end)]


def _both(opts: Options) -> bool:
    """A period and a dimension together: the tables get a `period` column before `group`
    (each "all" as well: the period's totals, and the whole window's per group)."""
    return opts.unit is not None and opts.dimension is not None


def _keys(ds: Dataset, opts: Options, conv: ConvFacts, at: int,
          staff: str | None) -> list[tuple[str, ...]]:
    """The row keys a fact counts in: (group,), or (period, group) with `_both`."""
    if not _both(opts):
        return [(ALL,), *((g,) for g in _groups(ds, opts, conv, at, staff))]
    assert opts.unit is not None and opts.dimension is not None
    values = (ALL, *_values(conv, opts.dimension, staff))
    return [(p, g) for p in (ALL, period_of(at, ds.window.tz, opts.unit)) for g in values]


def _grouped(ds: Dataset, opts: Options,
             intervals: Iterable[Interval]) -> dict[tuple[str, ...], list[Interval]]:
    out: dict[tuple[str, ...], list[Interval]] = defaultdict(list)
    for i in intervals:
        end = i.start if i.end is None else i.end
        for key in _keys(ds, opts, ds.conversations[i.conversation_id], end, i.staff):
            out[key].append(i)
    return out


def _order(groups: Iterable[str]) -> list[str]:
    return sorted(groups, key=lambda g: (g != ALL, g))


def _key_order(keys: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return sorted(keys, key=lambda k: tuple((part != ALL, part) for part in k))


def response(ds: Dataset, opts: Options) -> list[ReportTable]:
    grouped = _grouped(ds, opts, _ended_in_window(ds))
    grouped.setdefault((ALL, ALL) if _both(opts) else (ALL,), [])
    summary: list[tuple[Cell, ...]] = []
    dist: list[tuple[Cell, ...]] = []
    for key in _key_order(grouped):
        for kind in KINDS:
            s = summarise([i for i in grouped[key] if i.kind == kind])
            summary.append((*key, kind, s.count, s.business_median_s, s.business_p90_s,
                            s.wall_median_s, s.wall_p90_s))
            dist.extend((*key, kind, label, b, w) for (label, _), b, w
                        in zip(BUCKETS, s.business_buckets, s.wall_buckets, strict=True))
    lead = ("period",) if _both(opts) else ()
    return [ReportTable("response", (*lead, *_SUMMARY_COLUMNS), tuple(summary)),
            ReportTable("distribution", (*lead, "group", "metric", "bucket", "business",
                                         "wall"), tuple(dist))]


# --------------------------------------------------------------------------- sla


def _judged(ds: Dataset) -> list[tuple[Interval, PolicyTargets, int, str]]:
    """(interval, policy, target seconds, state) for every interval a policy has a target
    for: ended in the window ("met"/"late"), or still running at its end and gone over its
    target during the window ("open"). One still waiting that was already over when the
    window began is a breach of an earlier period (the backlog's age table and
    `sla:breached` show it), so a weekly report does not count it again every week."""
    out: list[tuple[Interval, PolicyTargets, int, str]] = []
    for i in ds.intervals():
        conv = ds.conversations[i.conversation_id]
        policy = ds.policies.get(conv.policy or "")
        target = policy.targets.get(i.kind) if policy else None
        if policy is None or target is None:
            continue
        if i.end is None:
            if i.business_s > target and not _late_before(ds, conv, i, target):
                out.append((i, policy, target, "open"))
        elif ds.window.holds(i.end):
            out.append((i, policy, target, "met" if i.business_s <= target else "late"))
    return out


def _late_before(ds: Dataset, conv: ConvFacts, i: Interval, target: int) -> bool:
    since = ds.window.since
    if i.start >= since:
        return False
    spells = (spells_before(ds.pauses.get(conv.id, ()), since) if ds.raw is not None
              else pause_spells(c for c in ds.changes.get(conv.id, ()) if c.at < since))
    return business_between(ds.calendar(conv), i.start, since, spells) > target


def quiet_floor(policies: Iterable[PolicyTargets], since: int,
                longest: int = 400 * 86400) -> int | None:
    """An instant before `since` such that a conversation left open and untouched (no
    message, no status change) from it on was over every target of every policy by
    `since`; None when no such instant lies within `longest` (then every open one counts)."""
    floor = since
    for policy in policies:
        most = max(policy.targets.values(), default=0)
        if not most:
            continue
        span = max(3600, most)
        while business_between(policy.calendar, since - span, since, ()) <= most:
            if span >= longest:
                return None
            span = min(longest, span * 2)
        floor = min(floor, since - span)
    return floor


def _judged_keys(opts: Options, c: JudgedCount) -> list[tuple[str, ...]]:
    """The row keys an interval judged in SQL counts in (as `_keys` for one measured
    here): its day's period, its breakdown value, or both."""
    period = day_label(day_of_number(c.day), opts.unit) if (
        opts.unit is not None and c.day is not None) else None
    value = c.key or NONE_VALUE
    if not _both(opts):
        keys: list[tuple[str, ...]] = [(ALL,)] if c.groups != "value" else []
        if period is not None and c.groups != "value":
            keys.append((period,))
        elif opts.dimension is not None and c.groups != "all":
            keys.append((value,))
        return keys
    assert period is not None
    values = ([ALL] if c.groups != "value" else []) + ([value] if c.groups != "all" else [])
    return [(p, g) for p in (ALL, period) for g in values]


def sla(ds: Dataset, opts: Options) -> list[ReportTable]:
    judged = _judged(ds)
    tally: dict[tuple[tuple[str, ...], str, str], list[int]] = defaultdict(lambda: [0, 0])
    for i, policy, _target, state in judged:
        end = ds.window.until if i.end is None else i.end
        for key in _keys(ds, opts, ds.conversations[i.conversation_id], end, i.staff):
            tally[(key, policy.name, i.kind)][0 if state == "met" else 1] += 1
    for c in ds.judged or ():
        for key in _judged_keys(opts, c):
            tally[(key, c.policy, c.kind)][0 if c.met else 1] += c.intervals
    rows = []
    order = {key: n for n, key in enumerate(_key_order({k for k, _, _ in tally}))}
    for entry in sorted(tally, key=lambda k: (order[k[0]], k[1:])):
        met, missed = tally[entry]
        total = met + missed
        rows.append((*entry[0], entry[1], entry[2], total, met, missed,
                     round(100 * met / total, 1) if total else None))
    lead = ("period",) if _both(opts) else ()
    listed: list[tuple[Cell, ...]] = [
        (i.conversation_id, p.name, i.kind, state, i.start, i.end, i.business_s, target,
         i.staff) for i, p, target, state in judged if state != "met"]
    listed.extend((f.conversation_id, f.policy, f.kind, "late", f.start, f.end, f.business_s,
                   f.target_s, f.staff) for f in ds.late)
    breaches = sorted(listed, key=lambda r: (r[4], r[0], str(r[2])))
    return [ReportTable("sla", (*lead, "group", "policy", "target", "count", "met", "breached",
                                "pct_met"), tuple(rows)),
            ReportTable("breaches", ("conversation", "policy", "target", "state", "start", "end",
                                     "business_s", "target_s", "staff"), tuple(breaches))]


# --------------------------------------------------------------------------- backlog


def _backlog_from_spans(ds: Dataset, opts: Options, spans: Sequence[SpanCount]
                        ) -> list[ReportTable]:
    """The backlog from status spans counted per local day (store/reports.py `_spans`):
    each count holds from its first day's end to its last's, so the counts at each day's
    end are a running sum of where they begin and stop."""
    unit: Unit = opts.unit or "day"
    ends = periods(ds.window, unit)
    first = local_day(ds.window.since, ds.window.tz).toordinal() - EPOCH_DAY
    days = local_day(ds.window.until - 1, ds.window.tz).toordinal() - EPOCH_DAY - first + 1
    delta: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (days + 1))
    for c in spans:
        if c.last < c.first:
            continue
        group = ALL if c.total else (c.key or NONE_VALUE)
        row = delta[(group, c.status)]
        row[max(0, c.first - first)] += c.conversations
        row[min(days, c.last - first + 1)] -= c.conversations
    running: dict[tuple[str, str], list[int]] = {}
    for key, row in delta.items():
        total, out = 0, []
        for d in row[:days]:
            total += d
            out.append(total)
        running[key] = out
    rows: list[tuple[Cell, ...]] = []
    for label, end in ends:
        day = local_day(end - 1, ds.window.tz).toordinal() - EPOCH_DAY - first
        names = {ALL} | {g for (g, _s), v in running.items() if v[day]}
        for group in _order(names):
            held = [running[(group, s)][day] if (group, s) in running else 0
                    for s in BACKLOG_STATUSES]
            rows.append((label, group, *held, sum(held)))
    labels = [label for label, _ in AGE_BUCKETS]
    ages: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(labels, 0))
    ages[ALL]
    for a in ds.ages:
        ages[ALL if a.total else (a.key or NONE_VALUE)][labels[a.bucket]] += a.conversations
    age_rows: tuple[tuple[Cell, ...], ...] = tuple((group, *ages[group].values())
                                                   for group in _order(ages))
    return [ReportTable("backlog", ("period", "group", "open", "pending", "snoozed", "total"),
                        tuple(rows)),
            ReportTable("age", ("group", *labels), age_rows)]


def backlog(ds: Dataset, opts: Options) -> list[ReportTable]:
    return _backlog_from_spans(ds, opts, ds.spans or ())


# --------------------------------------------------------------------------- workload


_WORK: Final = ("assigned", "replied", "closed", "notes")


def workload(ds: Dataset, opts: Options, roster: Sequence[str] = ()) -> list[ReportTable]:
    unit = opts.unit
    tally: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(_WORK, 0))
    times: dict[tuple[str, str], list[int]] = defaultdict(list)

    def period(at: int) -> str:
        return ALL if unit is None else period_of(at, ds.window.tz, unit)

    for person in roster:
        tally[(ALL, person)]
    for w in ds.work or ():
        p = ALL if unit is None or w.day is None else day_label(day_of_number(w.day), unit)
        if w.action == "assign" and w.after and is_staff(w.after):
            tally[(p, w.after)]["assigned"] += w.events
        if not is_staff(w.actor):
            continue
        if w.action == "send":
            tally[(p, w.actor)]["replied"] += w.events
        elif w.action == "status" and w.after == "closed":
            tally[(p, w.actor)]["closed"] += w.events
        elif w.action == "note":
            tally[(p, w.actor)]["notes"] += w.events
    for cs in (() if ds.work is not None else (*ds.changes.values(), ds.absorbed)):
        for c in cs:
            if not ds.window.holds(c.at):
                continue
            if c.action == "assign" and c.after and is_staff(c.after):
                tally[(period(c.at), c.after)]["assigned"] += 1
            if not is_staff(c.actor):
                continue
            if c.action == "send":
                tally[(period(c.at), c.actor)]["replied"] += 1
            elif c.action == "status" and c.after == "closed":
                tally[(period(c.at), c.actor)]["closed"] += 1
            elif c.action == "note":
                tally[(period(c.at), c.actor)]["notes"] += 1
    for i in _ended_in_window(ds):
        if i.kind != "resolution" and i.staff is not None and i.end is not None:
            times[(period(i.end), i.staff)].append(i.business_s)
            tally[(period(i.end), i.staff)]
    rows: list[tuple[Cell, ...]] = []
    for p in sorted({p for p, _ in tally}, key=lambda p: (p != ALL, p)):
        people = sorted(s for q, s in tally if q == p)
        total = dict.fromkeys(_WORK, 0)
        all_times: list[int] = []
        for person in people:
            t = tally[(p, person)]
            values = sorted(times.get((p, person), []))
            all_times.extend(values)
            rows.append((p, person, *t.values(), len(values), percentile(values, 50)))
            for k in _WORK:
                total[k] += t[k]
        all_times.sort()
        rows.append((p, "total", *total.values(), len(all_times), percentile(all_times, 50)))
    return [ReportTable("workload", ("period", "staff", *_WORK, "responses",
                                     "response_median_s"), tuple(rows))]


# --------------------------------------------------------------------------- red flags


RED_FLAG_COLUMNS: Final = ("conversation", "arrival", "first_action_at", "action", "actor",
                            "wall_s", "business_s", "clinician_at", "clinician",
                            "clinician_wall_s", "waiting_s")
RED_FLAG_SUMMARY: Final = ("cases", "acted", "waiting", "wall_median_s", "wall_p90_s",
                           "clinician_acted", "clinician_waiting", "clinician_median_s",
                           "clinician_p90_s")


def red_flags(ds: Dataset, opts: Options, clinicians: Collection[str] = frozenset(),
              now: int | None = None) -> list[ReportTable]:
    """Every red-flag case that arrived in the window: its first action by a person (a
    staff member: never the detector that flagged it, a rule or another of the server's
    own actors, `is_staff`), and its first action by a clinician (`clinicians`, the staff
    marked clinical). A case nobody has acted on is waiting: `waiting_s` is its age at the
    window's end (or `now`, when that is earlier)."""
    cases: list[tuple[Cell, ...]] = []
    wall: list[int] = []
    clinical: list[int] = []
    end = ds.window.until if now is None else min(ds.window.until, now)
    for cid, conv in ds.conversations.items():
        if RED_FLAG_TAG not in conv.tags:
            continue
        inbound = [m.at for m in ds.messages.get(cid, ()) if m.direction == "in"]
        arrival = min(inbound) if inbound else conv.created_at
        if not ds.window.holds(arrival):
            continue
        acts = [c for c in ds.changes.get(cid, ())
                if arrival <= c.at < ds.window.until and c.action in RED_FLAG_ACTIONS
                and is_staff(c.actor)]
        first = acts[0] if acts else None
        doctor = next((c for c in acts if c.actor in clinicians), None)
        doctor_cells: tuple[Cell, ...] = (None, None, None)
        if doctor is not None:
            clinical.append(doctor.at - arrival)
            doctor_cells = (doctor.at, doctor.actor, doctor.at - arrival)
        if first is None:
            cases.append((cid, arrival, None, None, None, None, None, *doctor_cells,
                          max(0, end - arrival)))
            continue
        spells = pause_spells(ds.changes.get(cid, ()))
        business = business_between(ds.calendar(conv), arrival, first.at, spells)
        wall.append(first.at - arrival)
        cases.append((cid, arrival, first.at, first.action, first.actor, first.at - arrival,
                      business, *doctor_cells, None))
    cases.sort(key=lambda r: (r[1] or 0, r[0] or 0))
    wall.sort()
    clinical.sort()
    summary = ((len(cases), len(wall), len(cases) - len(wall), percentile(wall, 50),
                percentile(wall, 90), len(clinical), len(cases) - len(clinical),
                percentile(clinical, 50), percentile(clinical, 90)),)
    return [ReportTable("red-flags", RED_FLAG_COLUMNS, tuple(cases)),
            ReportTable("red-flags-summary", RED_FLAG_SUMMARY, summary)]


BUILDERS: Final[dict[str, Callable[[Dataset, Options], list[ReportTable]]]] = {
    "volume": volume, "response": response, "sla": sla, "backlog": backlog,
    "red-flags": red_flags,
}
"""workload takes the roster as well, red-flags the clinicians: the service calls them
directly."""
