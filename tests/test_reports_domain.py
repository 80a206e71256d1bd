"""The pure parts of the reports: business clock, periods across DST, intervals, views."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from cxinbox.domain.report_tables import Options, ReportTable
from cxinbox.domain.reports import (
    BusinessClock,
    ChangeFact,
    ConvFacts,
    MessageFact,
    Window,
    intervals_of,
    pause_spells,
    percentile,
    periods,
)
from cxinbox.domain.sla import BusinessCalendar
from cxinbox.service.reports import OTHER_STAFF, _for_agent

NY = ZoneInfo("America/New_York")


def _ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=NY).timestamp())  # type: ignore[misc]


def test_the_clock_agrees_with_the_calendar_across_dst_overnight_and_overlaps() -> None:
    calendar = BusinessCalendar(NY, {0: ((time(8), time(12)), (time(11), time(17))),
                                     5: ((time(22), time(3)),), 6: ((time(0), time(4)),)},
                                frozenset({datetime(2026, 3, 16).date()}))
    clock = BusinessClock(calendar)
    rng = random.Random(3)
    base = _ts(2026, 2, 20, 0, 0)
    for _ in range(400):
        a = base + rng.randrange(0, 80 * 86400)
        b = a + rng.choice((0, 59, 3600, 86400 * 3, 86400 * 40))
        expected = calendar.business_seconds_between(datetime.fromtimestamp(a, UTC),
                                                     datetime.fromtimestamp(b, UTC))
        assert clock.between(a, b) == expected, (a, b)


def test_days_and_weeks_follow_the_clinic_clock_across_dst() -> None:
    days = periods(Window(_ts(2026, 3, 7, 0, 0), _ts(2026, 3, 10, 0, 0), NY), "day")
    assert [label for label, _ in days] == ["2026-03-07", "2026-03-08", "2026-03-09"]
    ends = [end for _, end in days]
    assert [b - a for a, b in itertools.pairwise(ends)] == [23 * 3600, 24 * 3600]
    weeks = periods(Window(_ts(2026, 3, 4, 13, 0), _ts(2026, 3, 10, 0, 0), NY), "week")
    assert [label for label, _ in weeks] == ["2026-W10", "2026-W11"]
    assert weeks[0][1] == _ts(2026, 3, 9, 0, 0) and weeks[1][1] == _ts(2026, 3, 10, 0, 0)


def test_percentiles_are_nearest_rank() -> None:
    values = list(range(1, 11))
    assert (percentile(values, 50), percentile(values, 90), percentile(values, 100)) == (5, 9, 10)
    assert percentile([7], 90) == 7 and percentile([], 50) is None


def test_a_snooze_pauses_until_it_was_due_even_when_woken_late() -> None:
    changes = [ChangeFact(1, 100, 1, "maria", "status", "open", "snoozed"),
               ChangeFact(2, 900, 1, "system", "status", "snoozed", "open", 500),
               ChangeFact(3, 1000, 1, "maria", "status", "open", "pending")]
    assert pause_spells(changes) == [(100, 500), (1000, None)]


def test_intervals_name_who_answered_and_restart_on_reopening() -> None:
    conv = ConvFacts(1, 0, "email", "desk", "closed", None, None, ())
    msgs = [MessageFact(1, 1, "in", 0), MessageFact(1, 2, "out", 600),
            MessageFact(1, 3, "in", 1000), MessageFact(1, 4, "out", 4000),
            MessageFact(1, 5, "in", 9000), MessageFact(1, 6, "out", 9600)]
    changes = [ChangeFact(1, 5000, 1, "jo", "status", "open", "closed"),
               ChangeFact(2, 9000, 1, "system", "status", "closed", "open"),
               ChangeFact(3, 9700, 1, "maria", "status", "open", "closed")]
    always = BusinessCalendar.always(NY)
    got = intervals_of(conv, msgs, changes, {2: "maria", 4: "jo"}, always, 20_000)
    assert [(i.kind, i.start, i.end, i.staff, i.business_s) for i in got] == [
        ("first-response", 0, 600, "maria", 600), ("next-response", 1000, 4000, "jo", 3000),
        ("resolution", 0, 5000, "jo", 5000), ("next-response", 9000, 9600, None, 600),
        ("resolution", 9000, 9700, "maria", 700)]


def test_an_agent_sees_their_own_column_and_no_colleague_by_name() -> None:
    volume = ReportTable("volume", ("period", "in", "out", "out:jo", "out:maria"),
                         (("2026-03-02", 3, 2, 1, 1),))
    mine = _for_agent(volume, "maria", Options(dimension="staff"))
    assert mine.columns == ("period", "in", "out", "out:maria") and mine.rows == (
        ("2026-03-02", 3, 2, 1),)
    breaches = ReportTable("breaches", ("conversation", "staff"), ((4, "jo"), (5, "maria"),
                                                                    (6, None)))
    assert _for_agent(breaches, "maria", Options()).rows == ((4, OTHER_STAFF), (5, "maria"),
                                                             (6, None))


def test_the_quiet_floor_leaves_every_target_behind() -> None:
    """A conversation left open and untouched from the floor on was over every target of
    every policy by the window's start, so the SLA report need not read it; a floor any
    later would miss one that crosses its target inside the window."""
    from cxinbox.domain.report_tables import quiet_floor
    from cxinbox.domain.reports import PolicyTargets, business_between

    weekdays = {d: ((time(8), time(18)),) for d in range(5)}
    clinic = BusinessCalendar(NY, weekdays)
    policies = [PolicyTargets("front", clinic, {"first-response": 4 * 3600,
                                                "resolution": 3 * 86400}),
                PolicyTargets("red", BusinessCalendar.always(NY), {"first-response": 900})]
    since = int(datetime(2026, 3, 9, 9, 0, tzinfo=NY).timestamp())  # Monday, after DST
    floor = quiet_floor(policies, since)
    assert floor is not None and floor < since
    for p in policies:
        assert business_between(p.calendar, floor, since, ()) > max(p.targets.values())
    rare = PolicyTargets("rare", BusinessCalendar(NY, {0: ((time(8), time(9)),)}),
                         {"resolution": 100 * 3600})  # more than 400 days of Monday hours
    assert quiet_floor([rare], since) is None  # no such instant: read every open one


def test_offset_spans_give_every_instant_its_local_day_across_both_dst_changes() -> None:
    from cxinbox.domain.reports import day_of_number, local_day, offset_spans

    tz = ZoneInfo("America/New_York")
    since = int(datetime(2026, 1, 1, tzinfo=tz).timestamp())
    until = int(datetime(2027, 1, 1, tzinfo=tz).timestamp())
    spans = offset_spans(since, until, tz)
    assert [o for _, _, o in spans] == [-18000, -14400, -18000]
    assert spans[0][0] == since and spans[-1][1] == until
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    for lo, hi, offset in spans:
        for at in (lo, lo + 1, hi - 1, (lo + hi) // 2):
            assert day_of_number((at + offset) // 86400) == local_day(at, tz), at
    assert offset_spans(since, since + 60, tz) == [(since, since + 60, -18000)]
