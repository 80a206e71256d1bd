"""The SLA engine: business-hours arithmetic (with DST and holidays), targets, countdowns.

Table tests pin the behaviour front-desk staff see; Hypothesis properties check the calendar
arithmetic on random calendars in zones with 60- and 30-minute DST shifts across several years.
"""

from __future__ import annotations

import functools
import time as perf
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxinbox.domain.sla import (
    NO_SLA,
    SLA_STATES,
    BusinessCalendar,
    SlaFacts,
    SlaPolicy,
    SlaSpecError,
    SlaStatus,
    countdown_changes_at,
    countdown_text,
    evaluate,
    state_at,
    transition,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
ZONES = (NEW_YORK, BERLIN, LORD_HOWE, ZoneInfo("UTC"))

MORNING = (time(8), time(12))
AFTERNOON = (time(13), time(17, 30))
WEEKDAYS = {day: (MORNING, AFTERNOON) for day in range(5)}  # 8.5 open hours a day
CLINIC = BusinessCalendar(NEW_YORK, WEEKDAYS)
NIGHT_LINE = {day: ((time(22), time(6)),) for day in range(5)}  # Mon-Fri nights

HOUR = 3600
MINUTE = 60


def at(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """New York wall time; January 2026 dates below are clear of DST (Fri 9th, Mon 12th)."""
    return at(NEW_YORK, year, month, day, hour, minute)


def one_day(tz: ZoneInfo, day: date, *shifts: tuple[time, time]) -> BusinessCalendar:
    """A calendar open only on `day`'s weekday, with `shifts`."""
    return BusinessCalendar(tz, {day.weekday(): shifts})


def open_seconds_on(calendar: BusinessCalendar, day: date) -> int:
    start = datetime.combine(day, time(0), calendar.tz)
    return calendar.business_seconds_between(start, start + timedelta(days=2))


# --------------------------------------------------------------------------- calendar tables


@pytest.mark.parametrize(
    ("start", "seconds", "due"),
    [
        pytest.param(ny(2026, 1, 9, 17), HOUR, ny(2026, 1, 12, 8, 30), id="friday-evening"),
        pytest.param(ny(2026, 1, 12, 11, 30), HOUR, ny(2026, 1, 12, 13, 30), id="lunch-gap"),
        pytest.param(ny(2026, 1, 12, 11, 30), 30 * MINUTE, ny(2026, 1, 12, 12), id="shift-end"),
        pytest.param(ny(2026, 1, 12, 12, 15), MINUTE, ny(2026, 1, 12, 13, 1), id="from-lunch"),
        pytest.param(ny(2026, 1, 10, 10), MINUTE, ny(2026, 1, 12, 8, 1), id="from-saturday"),
        pytest.param(ny(2026, 1, 12, 8), 8 * HOUR + 1800, ny(2026, 1, 12, 17, 30), id="full-day"),
        pytest.param(
            ny(2026, 1, 12, 8),
            8 * HOUR + 1801,
            ny(2026, 1, 13, 8) + timedelta(seconds=1),
            id="one-second-over",
        ),
        pytest.param(ny(2026, 1, 12, 7), 0, ny(2026, 1, 12, 7), id="zero-does-not-move"),
    ],
)
def test_add_business_seconds_on_clinic_hours(start: datetime, seconds: int, due: datetime) -> None:
    result = CLINIC.add_business_seconds(start, seconds)
    assert result == due
    assert result.tzinfo is UTC
    assert CLINIC.business_seconds_between(start, result) == seconds


def test_business_seconds_between_counts_only_open_time() -> None:
    assert CLINIC.business_seconds_between(ny(2026, 1, 9, 17), ny(2026, 1, 12, 8, 30)) == HOUR
    assert CLINIC.business_seconds_between(ny(2026, 1, 12), ny(2026, 1, 13)) == 8 * HOUR + 1800
    assert CLINIC.business_seconds_between(ny(2026, 1, 12), ny(2026, 1, 19)) == 5 * 30_600
    assert CLINIC.business_seconds_between(ny(2026, 1, 13), ny(2026, 1, 12)) == 0


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (ny(2026, 1, 12, 8), True),
        (ny(2026, 1, 12, 11, 59) + timedelta(seconds=59), True),
        (ny(2026, 1, 12, 12), False),
        (ny(2026, 1, 12, 17, 30), False),
        (ny(2026, 1, 12, 7, 59), False),
        (ny(2026, 1, 10, 10), False),
    ],
)
def test_is_open(instant: datetime, expected: bool) -> None:
    assert CLINIC.is_open(instant) is expected
    assert CLINIC.is_open(instant.astimezone(UTC)) is expected


def test_holiday_is_skipped() -> None:
    calendar = BusinessCalendar(NEW_YORK, WEEKDAYS, frozenset({date(2026, 1, 12)}))
    assert calendar.add_business_seconds(ny(2026, 1, 9, 17), HOUR) == ny(2026, 1, 13, 8, 30)
    assert not calendar.is_open(ny(2026, 1, 12, 10))


def test_overnight_shift_belongs_to_the_day_it_starts() -> None:
    calendar = BusinessCalendar(NEW_YORK, NIGHT_LINE)
    assert calendar.is_open(ny(2026, 1, 13, 3))  # Monday night's shift
    assert not calendar.is_open(ny(2026, 1, 12, 3))  # Sunday night has none
    assert calendar.is_open(ny(2026, 1, 10, 5))  # Friday night runs into Saturday
    assert not calendar.is_open(ny(2026, 1, 10, 22))
    # Monday 23:00 + 8 h: 7 h to Tuesday 06:00, then 1 h of Tuesday night.
    assert calendar.add_business_seconds(ny(2026, 1, 12, 23), 8 * HOUR) == ny(2026, 1, 13, 23)


def test_holiday_removes_shifts_starting_that_day_only() -> None:
    calendar = BusinessCalendar(NEW_YORK, NIGHT_LINE, frozenset({date(2026, 1, 13)}))
    assert calendar.is_open(ny(2026, 1, 13, 3))  # Monday night's shift still runs
    assert not calendar.is_open(ny(2026, 1, 13, 23))
    assert calendar.add_business_seconds(ny(2026, 1, 12, 23), 8 * HOUR) == ny(2026, 1, 14, 23)


def test_overlapping_shifts_count_once() -> None:
    calendar = BusinessCalendar(NEW_YORK, {0: ((time(8), time(12)), (time(10), time(14)))})
    assert calendar.business_seconds_between(ny(2026, 1, 12), ny(2026, 1, 13)) == 6 * HOUR
    assert calendar.add_business_seconds(ny(2026, 1, 12, 8), 5 * HOUR) == ny(2026, 1, 12, 13)


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_always_open_is_plain_addition(tz: ZoneInfo) -> None:
    calendar = BusinessCalendar.always(tz)
    for local in (at(tz, 2026, 3, 7, 12), at(tz, 2026, 3, 28, 23), at(tz, 2026, 10, 31, 22)):
        start = local.astimezone(UTC)  # so that + timedelta is real, not wall-clock, time
        for seconds in (0, 1, HOUR, 2 * 86_400 + 17, 40 * 86_400):
            end = start + timedelta(seconds=seconds)
            assert calendar.add_business_seconds(local, seconds) == end
            assert calendar.business_seconds_between(local, end) == seconds


# --------------------------------------------------------------------------- DST


@pytest.mark.parametrize(
    ("tz", "day", "shift", "open_s"),
    [
        # Clocks go forward: the skipped hour (30 minutes on Lord Howe) is not worked.
        pytest.param(NEW_YORK, date(2026, 3, 8), (time(1), time(4)), 2 * HOUR, id="ny-spring"),
        pytest.param(BERLIN, date(2026, 3, 29), (time(1), time(4)), 2 * HOUR, id="berlin-spring"),
        pytest.param(LORD_HOWE, date(2026, 10, 4), (time(1), time(4)), 9000, id="lordhowe-spring"),
        # Clocks go back: the repeated hour is worked twice.
        pytest.param(NEW_YORK, date(2026, 11, 1), (time(1), time(4)), 4 * HOUR, id="ny-fall"),
        pytest.param(NEW_YORK, date(2026, 11, 1), (time(0, 30), time(3)), 12_600, id="ny-fall-2"),
        pytest.param(BERLIN, date(2026, 10, 25), (time(1), time(4)), 4 * HOUR, id="berlin-fall"),
        pytest.param(LORD_HOWE, date(2026, 4, 5), (time(1), time(4)), 12_600, id="lordhowe-fall"),
        # Ordinary Sundays for comparison.
        pytest.param(NEW_YORK, date(2026, 3, 1), (time(1), time(4)), 3 * HOUR, id="ny-plain"),
        pytest.param(BERLIN, date(2026, 3, 22), (time(1), time(4)), 3 * HOUR, id="berlin-plain"),
    ],
)
def test_shift_length_follows_real_time(
    tz: ZoneInfo, day: date, shift: tuple[time, time], open_s: int
) -> None:
    calendar = one_day(tz, day, shift)
    assert open_seconds_on(calendar, day) == open_s
    opens = datetime.combine(day, shift[0], tz)
    closes = calendar.add_business_seconds(opens, open_s)
    assert closes == datetime.combine(day, shift[1], tz).astimezone(UTC)


def test_ny_spring_forward_adds_across_the_jump() -> None:
    calendar = one_day(NEW_YORK, date(2026, 3, 8), (time(1), time(4)))
    # 01:00 EST + 1 h of work = 03:00 EDT (07:00 UTC): 02:xx never happens.
    due = calendar.add_business_seconds(ny(2026, 3, 8, 1), HOUR)
    assert due == datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert due.astimezone(NEW_YORK).hour == 3


def test_ny_fall_back_counts_the_repeated_hour() -> None:
    calendar = one_day(NEW_YORK, date(2026, 11, 1), (time(0, 30), time(3)))
    assert calendar.add_business_seconds(ny(2026, 11, 1, 0, 30), HOUR) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )  # 01:30 EDT
    assert calendar.add_business_seconds(ny(2026, 11, 1, 0, 30), 2 * HOUR) == datetime(
        2026, 11, 1, 6, 30, tzinfo=UTC
    )  # 01:30 EST, the second time the clock reads 01:30


@pytest.mark.parametrize(
    ("tz", "day", "shift", "opens_utc", "open_s"),
    [
        # A skipped opening time opens when the clock jumps past it.
        pytest.param(
            NEW_YORK,
            date(2026, 3, 8),
            (time(2, 30), time(5)),
            datetime(2026, 3, 8, 7, tzinfo=UTC),
            2 * HOUR,
            id="ny-skipped-start",
        ),
        pytest.param(
            BERLIN,
            date(2026, 3, 29),
            (time(2, 30), time(5)),
            datetime(2026, 3, 29, 1, tzinfo=UTC),
            2 * HOUR,
            id="berlin-skipped-start",
        ),
        pytest.param(
            LORD_HOWE,
            date(2026, 10, 4),
            (time(2, 10), time(3)),
            datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
            1800,
            id="lordhowe-skipped-start",
        ),
        # A repeated opening time opens at its first occurrence.
        pytest.param(
            NEW_YORK,
            date(2026, 11, 1),
            (time(1, 30), time(5)),
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
            16_200,
            id="ny-repeated-start",
        ),
        pytest.param(
            BERLIN,
            date(2026, 10, 25),
            (time(2, 30), time(4)),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
            9000,
            id="berlin-repeated-start",
        ),
    ],
)
def test_shift_boundaries_inside_dst_transitions(
    tz: ZoneInfo, day: date, shift: tuple[time, time], opens_utc: datetime, open_s: int
) -> None:
    calendar = one_day(tz, day, shift)
    assert calendar.is_open(opens_utc)
    assert not calendar.is_open(opens_utc - timedelta(seconds=1))
    assert open_seconds_on(calendar, day) == open_s


def test_a_shift_wholly_inside_the_skipped_hour_has_no_time_that_day() -> None:
    calendar = one_day(NEW_YORK, date(2026, 3, 8), (time(2, 10), time(2, 50)))
    assert open_seconds_on(calendar, date(2026, 3, 8)) == 0
    assert open_seconds_on(calendar, date(2026, 3, 15)) == 40 * MINUTE
    assert calendar.add_business_seconds(ny(2026, 3, 8), MINUTE) == ny(2026, 3, 15, 2, 11)


@settings(max_examples=300, deadline=None)
@given(tz=st.sampled_from(ZONES), data=st.data())
def test_wall_time_maps_to_the_first_instant_the_clock_reaches_it(
    tz: ZoneInfo, data: st.DataObject
) -> None:
    day = data.draw(
        st.one_of(
            st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.sampled_from(dst_change_days(tz))
        )
    )
    wall_time = data.draw(
        st.builds(time, st.one_of(st.integers(0, 23), st.integers(0, 3)), st.integers(0, 59))
    )
    instant = BusinessCalendar.always(tz)._instant(day, wall_time)
    wall = datetime.combine(day, wall_time)

    def reading(ts: int) -> datetime:
        return datetime.fromtimestamp(ts, tz).replace(tzinfo=None)

    assert reading(instant) >= wall
    assert reading(instant - 1) < wall


# --------------------------------------------------------------------------- calendar properties

WALL_TIMES = st.one_of(
    st.sampled_from([time(0), time(1), time(1, 30), time(2), time(2, 15), time(2, 30), time(3)]),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)
SHIFTS = st.lists(st.tuples(WALL_TIMES, WALL_TIMES), max_size=3).map(tuple)
WEEKLY = st.dictionaries(st.integers(0, 6), SHIFTS, max_size=7).filter(
    lambda weekly: any(weekly.values())
)
HOLIDAY_RUNS = st.builds(
    lambda first, length: frozenset(first + timedelta(days=i) for i in range(length)),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.integers(1, 40),
)
HOLIDAYS = st.builds(
    frozenset.union,
    st.frozensets(st.dates(date(2019, 12, 1), date(2031, 3, 1)), max_size=40),
    st.one_of(st.just(frozenset[date]()), HOLIDAY_RUNS),
)
CALENDARS = st.builds(BusinessCalendar, st.sampled_from(ZONES), WEEKLY, HOLIDAYS)
STARTS = st.builds(
    lambda ts, micro: datetime.fromtimestamp(ts, UTC).replace(microsecond=micro),
    st.integers(
        int(datetime(2020, 1, 1, tzinfo=UTC).timestamp()),
        int(datetime(2030, 12, 31, tzinfo=UTC).timestamp()),
    ),
    st.one_of(st.just(0), st.integers(0, 999_999)),
)


def weekly_open_s(calendar: BusinessCalendar) -> int:
    """Nominal open seconds in a week (wall-clock lengths), to scale random targets."""
    total = 0
    for shifts in calendar.weekly.values():
        for start, end in shifts:
            length = (end.hour - start.hour) * HOUR + (end.minute - start.minute) * MINUTE
            total += length if length > 0 else length + 86_400
    return total


@functools.cache
def dst_change_days(tz: ZoneInfo) -> list[date]:
    """Dates in 2020-2030 on which `tz` changes its UTC offset (or 1 July, for UTC).

    Random instants over eleven years rarely land near a clock change, so the properties
    draw half their starts within three days of one.
    """
    days = []
    day = date(2020, 1, 1)
    while day.year <= 2030:
        evening = datetime.combine(day, time(23, 59), tz).utcoffset()
        if evening != datetime.combine(day, time(0), tz).utcoffset():
            days.append(day)
        day += timedelta(days=1)
    return days or [date(2026, 7, 1)]


@st.composite
def calendar_start_amount(
    draw: st.DrawFn,
) -> tuple[BusinessCalendar, datetime, int]:
    calendar = draw(CALENDARS)
    near_change = st.builds(
        lambda day, seconds: datetime.combine(day, time(0), UTC) + timedelta(seconds=seconds),
        st.sampled_from(dst_change_days(calendar.tz)),
        st.integers(-3 * 86_400, 3 * 86_400),
    )
    start = draw(st.one_of(STARTS, near_change))
    in_zone = draw(st.booleans())
    amount = draw(st.one_of(st.integers(0, 120), st.integers(0, 6 * weekly_open_s(calendar))))
    return calendar, start.astimezone(calendar.tz) if in_zone else start, amount


@settings(max_examples=300, deadline=None)
@given(case=calendar_start_amount())
def test_between_inverts_add(case: tuple[BusinessCalendar, datetime, int]) -> None:
    calendar, start, amount = case
    due = calendar.add_business_seconds(start, amount)
    assert calendar.business_seconds_between(start, due) == amount
    if amount > 0:
        assert calendar.is_open(due - timedelta(seconds=1))
        assert calendar.business_seconds_between(start, due - timedelta(seconds=1)) == amount - 1


@settings(max_examples=200, deadline=None)
@given(case=calendar_start_amount(), extra=st.integers(0, 50 * HOUR))
def test_add_is_monotonic_and_additive(
    case: tuple[BusinessCalendar, datetime, int], extra: int
) -> None:
    calendar, start, amount = case
    first = calendar.add_business_seconds(start, amount)
    both = calendar.add_business_seconds(start, amount + extra)
    assert first <= both
    assert calendar.add_business_seconds(first, extra) == both


@settings(max_examples=200, deadline=None)
@given(case=calendar_start_amount(), seconds=st.lists(st.integers(0, 3 * 86_400), max_size=5))
def test_is_open_agrees_with_between(
    case: tuple[BusinessCalendar, datetime, int], seconds: list[int]
) -> None:
    calendar, start, _ = case
    for offset in seconds:
        instant = start.replace(microsecond=0) + timedelta(seconds=offset)
        one_second = calendar.business_seconds_between(instant, instant + timedelta(seconds=1))
        assert calendar.is_open(instant) is (one_second == 1)


def utc_reference_is_open(calendar: BusinessCalendar, instant: datetime) -> bool:
    """Independent definition for a UTC calendar: no DST, so shifts are plain offsets."""
    for day in (instant.date() - timedelta(days=1), instant.date()):
        if day in calendar.holidays:
            continue
        for start, end in calendar.weekly[day.weekday()]:
            opens = datetime.combine(day, start, UTC)
            closes = datetime.combine(day + timedelta(days=int(end <= start)), end, UTC)
            if opens <= instant < closes:
                return True
    return False


@settings(max_examples=40, deadline=None)
@given(weekly=WEEKLY, holidays=HOLIDAYS, start=STARTS)
def test_utc_calendar_matches_a_minute_by_minute_reference(
    weekly: dict[int, tuple[tuple[time, time], ...]], holidays: frozenset[date], start: datetime
) -> None:
    calendar = BusinessCalendar(ZoneInfo("UTC"), weekly, holidays)
    first = start.replace(second=0, microsecond=0)
    minutes = [first + timedelta(minutes=i) for i in range(2 * 24 * 60)]
    expected = [utc_reference_is_open(calendar, minute) for minute in minutes]
    assert [calendar.is_open(minute) for minute in minutes] == expected
    window = calendar.business_seconds_between(first, first + timedelta(days=2))
    assert window == MINUTE * sum(expected)


def test_thirty_business_days_is_fast() -> None:
    start = ny(2026, 1, 9, 17)
    target = 30 * 30_600
    cold = []
    for _ in range(5):
        calendar = BusinessCalendar(NEW_YORK, WEEKDAYS, frozenset({date(2026, 1, 19)}))
        began = perf.perf_counter()
        due = calendar.add_business_seconds(start, target)
        cold.append(perf.perf_counter() - began)
    began = perf.perf_counter()
    for _ in range(100):
        calendar.add_business_seconds(start, target)
    warm = (perf.perf_counter() - began) / 100
    assert due == ny(2026, 2, 23, 17)
    assert min(cold) < 0.005  # about 0.4 ms on a laptop
    assert warm < 0.001  # about 0.04 ms


def test_far_future_hours_still_compute() -> None:
    calendar = BusinessCalendar(NEW_YORK, {2: ((time(9), time(9, 1)),)})  # a minute a week
    # 2026-01-01 is a Thursday, so the 52nd Wednesday is 30 December.
    assert calendar.add_business_seconds(ny(2026, 1, 1), 52 * MINUTE) == ny(2026, 12, 30, 9, 1)


# --------------------------------------------------------------------------- construction


def test_from_spec_builds_the_calendar() -> None:
    spec: dict[str, object] = {
        "timezone": "America/New_York",
        "hours": {
            day: ["08:00-12:00", "13:00 - 17:30"] for day in ("mon", "tue", "wed", "thu", "fri")
        }
        | {"sat": []},
        "holidays": ["2026-12-25", date(2026, 1, 1)],
    }
    calendar = BusinessCalendar.from_spec(spec, where="sla.calendars.main")
    expected = BusinessCalendar(
        NEW_YORK, WEEKDAYS, frozenset({date(2026, 12, 25), date(2026, 1, 1)})
    )
    assert calendar == expected
    assert hash(calendar) == hash(expected)
    assert calendar.weekly[5] == ()


def test_from_spec_midnight_forms() -> None:
    spec: dict[str, object] = {"hours": {"sun": ["00:00-24:00"], "sat": ["22:00-24:00"]}}
    calendar = BusinessCalendar.from_spec(spec, where="w", default_tz=BERLIN)
    assert calendar.tz is BERLIN
    assert calendar.weekly[6] == ((time(0), time(0)),)
    assert open_seconds_on(calendar, date(2026, 1, 11)) == 86_400
    assert (
        calendar.business_seconds_between(at(BERLIN, 2026, 1, 10), at(BERLIN, 2026, 1, 11)) == 7200
    )


def test_from_spec_times_may_give_their_seconds() -> None:
    """A shift may start or end within a minute ("08:00:30"): the calendar opens at that
    second, not at the minute's start or end."""
    spec: dict[str, object] = {"hours": {"mon": ["08:00:30-12:00", "13:00-17:59:59"],
                                         "tue": ["22:00-24:00:00"]}}
    calendar = BusinessCalendar.from_spec(spec, where="w", default_tz=BERLIN)
    assert calendar.weekly[0] == ((time(8, 0, 30), time(12)), (time(13), time(17, 59, 59)))
    assert calendar.weekly[1] == ((time(22), time(0)),)
    monday = date(2026, 1, 5)
    assert not calendar.is_open(datetime(2026, 1, 5, 8, 0, 29, tzinfo=BERLIN))
    assert calendar.is_open(datetime(2026, 1, 5, 8, 0, 30, tzinfo=BERLIN))
    assert calendar.is_open(datetime(2026, 1, 5, 17, 59, 58, tzinfo=BERLIN))
    assert not calendar.is_open(datetime(2026, 1, 5, 17, 59, 59, tzinfo=BERLIN))
    # Monday's two shifts and Tuesday's (the helper counts two days)
    assert open_seconds_on(calendar, monday) == (4 * 3600 - 30) + (5 * 3600 - 1) + 2 * 3600


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"timezone": "America/New_York", "hours": {"mon": ["08:00-12:00", "8-5"]}},
            "cal.hours.mon[1]: expected HH:MM-HH:MM or HH:MM:SS-HH:MM:SS, got '8-5'",
        ),
        (
            {"timezone": "Mars/Olympus", "hours": {"mon": ["08:00-12:00"]}},
            "cal.timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            {"hours": {"mon": ["08:00-12:00"]}},
            "cal.timezone: missing: give an IANA time zone such as 'America/New_York'",
        ),
        (
            {"timezone": "UTC", "hours": {"monday": ["08:00-12:00"]}},
            "cal.hours.monday: unknown day (expected one of mon, tue, wed, thu, fri, sat, sun)",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": "08:00-12:00"}},
            "cal.hours.mon: expected a list of \"HH:MM-HH:MM\" shifts, got '08:00-12:00'",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": ["25:00-26:00"]}},
            "cal.hours.mon[0]: times run from 00:00 to 24:00, got '25:00-26:00'",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": ["24:00-08:00"]}},
            "cal.hours.mon[0]: times run from 00:00 to 24:00, got '24:00-08:00'",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": ["08:00:60-12:00"]}},
            "cal.hours.mon[0]: times run from 00:00 to 24:00, got '08:00:60-12:00'",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": ["08:00-24:00:01"]}},
            "cal.hours.mon[0]: times run from 00:00 to 24:00, got '08:00-24:00:01'",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": ["08:00:5-12:00"]}},
            "cal.hours.mon[0]: expected HH:MM-HH:MM or HH:MM:SS-HH:MM:SS, got '08:00:5-12:00'",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": [], "sat": []}},
            'cal.hours: no open hours on any day; give at least one, e.g. mon = ["08:00-17:00"]',
        ),
        (
            {"timezone": "UTC"},
            'cal.hours: missing: give opening hours per day, e.g. mon = ["08:00-17:00"]',
        ),
        (
            {"timezone": "UTC", "hours": {"mon": ["08:00-12:00"]}, "holidays": ["2026-13-01"]},
            "cal.holidays[0]: expected a date YYYY-MM-DD, got '2026-13-01'",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": ["08:00-12:00"]}, "holidays": "2026-12-25"},
            """cal.holidays: expected a list of dates like "2026-12-25", got '2026-12-25'""",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": ["08:00-12:00"]}, "holiday": []},
            "cal.holiday: unknown key (expected one of timezone, hours, holidays)",
        ),
        (
            {"timezone": 5, "hours": {"mon": ["08:00-12:00"]}},
            "cal.timezone: expected an IANA time zone name, got int 5",
        ),
    ],
)
def test_from_spec_errors_name_the_key(spec: dict[str, object], message: str) -> None:
    with pytest.raises(SlaSpecError) as caught:
        BusinessCalendar.from_spec(spec, where="cal")
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)
    assert caught.value.key is not None and message.startswith(caught.value.key + ": ")


def test_from_spec_error_as_config_reports_it() -> None:
    spec: dict[str, object] = {"timezone": "America/New_York", "hours": {"mon": ["8-5"]}}
    with pytest.raises(SlaSpecError) as caught:
        BusinessCalendar.from_spec(spec, where="sla.calendars.main")
    assert str(caught.value) == "sla.calendars.main.hours.mon[0]: expected HH:MM-HH:MM or HH:MM:SS-HH:MM:SS, got '8-5'"
    assert caught.value.key == "sla.calendars.main.hours.mon[0]"
    assert caught.value.problem == "expected HH:MM-HH:MM or HH:MM:SS-HH:MM:SS, got '8-5'"


def test_calendar_construction_guards() -> None:
    with pytest.raises(SlaSpecError, match="no open hours"):
        BusinessCalendar(NEW_YORK, {0: ()})
    with pytest.raises(SlaSpecError, match="weekdays are 0"):
        BusinessCalendar(NEW_YORK, {7: (MORNING,)})
    with pytest.raises(SlaSpecError, match="holidays must be dates"):
        BusinessCalendar(NEW_YORK, WEEKDAYS, frozenset({datetime(2026, 12, 25)}))
    with pytest.raises(ValueError, match="timezone-aware"):
        CLINIC.is_open(datetime(2026, 1, 12, 9))
    with pytest.raises(ValueError, match="negative"):
        CLINIC.add_business_seconds(ny(2026, 1, 12, 9), -1)


# --------------------------------------------------------------------------- evaluate

POLICY = SlaPolicy(
    name="front desk",
    first_response_s=HOUR,
    next_response_s=2 * HOUR,
    resolution_s=3 * 30_600,
    calendar=CLINIC,
)
FRIDAY_EVENING = ny(2026, 1, 9, 17)


def test_first_response_runs_from_creation() -> None:
    facts = SlaFacts(created_at=FRIDAY_EVENING, last_inbound_at=FRIDAY_EVENING, status="open")
    status = evaluate(POLICY, facts, ny(2026, 1, 9, 17, 10))
    assert status.target == "first-response"
    assert status.state == "ok"
    assert status.due_at == ny(2026, 1, 12, 8, 30)
    assert status.at_risk_at == ny(2026, 1, 12, 8, 15)  # 45 of 60 business minutes
    assert status.business_s_left == 50 * MINUTE
    assert evaluate(POLICY, facts, ny(2026, 1, 12, 8, 20)).state == "at-risk"
    breached = evaluate(POLICY, facts, ny(2026, 1, 12, 8, 31))
    assert (breached.state, breached.business_s_left) == ("breached", -MINUTE)
    assert evaluate(POLICY, facts, ny(2026, 1, 12, 8, 30)).business_s_left == 0


def test_pauses_move_the_due_time_later() -> None:
    facts = SlaFacts(created_at=FRIDAY_EVENING, status="open", paused_business_s=30 * MINUTE)
    status = evaluate(POLICY, facts, FRIDAY_EVENING)
    assert status.due_at == ny(2026, 1, 12, 9)
    assert status.at_risk_at == ny(2026, 1, 12, 8, 45)


def test_pending_and_snoozed_stop_the_clock() -> None:
    for paused_status in ("pending", "snoozed"):
        facts = SlaFacts(
            created_at=FRIDAY_EVENING, status=paused_status, paused_since=ny(2026, 1, 9, 17, 20)
        )
        status = evaluate(POLICY, facts, ny(2026, 1, 14, 10))
        assert status == SlaStatus("first-response", "paused", None, None, 40 * MINUTE)
        assert state_at(status, ny(2026, 2, 1)) == "paused"


def test_next_response_after_a_patient_reply() -> None:
    facts = SlaFacts(
        created_at=ny(2026, 1, 12, 8),
        last_inbound_at=ny(2026, 1, 12, 11, 45),
        first_response_at=ny(2026, 1, 12, 9),
        last_response_at=ny(2026, 1, 12, 9),
        status="open",
        paused_business_s=5 * HOUR,  # older pauses: stretch resolution, not this reply
    )
    status = evaluate(POLICY, facts, ny(2026, 1, 12, 11, 50))
    assert status.target == "next-response"
    assert status.due_at == ny(2026, 1, 12, 14, 45)  # 15 min before lunch, 1 h 45 after
    assert status.business_s_left == 2 * HOUR - 5 * MINUTE


def test_pauses_after_the_patient_reply_stretch_next_response() -> None:
    facts = SlaFacts(
        created_at=ny(2026, 1, 12, 8),
        last_inbound_at=ny(2026, 1, 12, 11, 45),
        first_response_at=ny(2026, 1, 12, 9),
        status="open",
        paused_after_inbound_s=HOUR,
    )
    assert evaluate(POLICY, facts, ny(2026, 1, 12, 12)).due_at == ny(2026, 1, 12, 15, 45)


def test_answered_conversation_runs_resolution_only() -> None:
    facts = SlaFacts(
        created_at=ny(2026, 1, 12, 8),
        last_inbound_at=ny(2026, 1, 12, 8),
        first_response_at=ny(2026, 1, 12, 9),
        last_response_at=ny(2026, 1, 12, 10),
        status="open",
    )
    status = evaluate(POLICY, facts, ny(2026, 1, 12, 10))
    assert status.target == "resolution"
    assert status.due_at == ny(2026, 1, 14, 17, 30)


def test_the_earliest_due_target_wins() -> None:
    policy = SlaPolicy(name="p", first_response_s=4 * HOUR, resolution_s=HOUR, calendar=CLINIC)
    facts = SlaFacts(created_at=ny(2026, 1, 12, 8), status="open")
    assert evaluate(policy, facts, ny(2026, 1, 12, 8)).target == "resolution"
    tie = SlaPolicy(name="p", first_response_s=HOUR, resolution_s=HOUR, calendar=CLINIC)
    assert evaluate(tie, facts, ny(2026, 1, 12, 8)).target == "first-response"


def test_nothing_runs_when_closed_or_without_targets() -> None:
    closed = SlaFacts(created_at=FRIDAY_EVENING, status="closed")
    assert evaluate(POLICY, closed, FRIDAY_EVENING) == NO_SLA
    answered = SlaFacts(created_at=FRIDAY_EVENING, first_response_at=FRIDAY_EVENING, status="open")
    no_resolution = SlaPolicy(name="p", first_response_s=HOUR, calendar=CLINIC)
    assert evaluate(no_resolution, answered, FRIDAY_EVENING) == NO_SLA


def test_policy_and_facts_validation() -> None:
    with pytest.raises(SlaSpecError, match="first_response_s"):
        SlaPolicy(name="p", first_response_s=0, calendar=CLINIC)
    with pytest.raises(SlaSpecError, match="at_risk_fraction"):
        SlaPolicy(name="p", resolution_s=HOUR, at_risk_fraction=1.5, calendar=CLINIC)
    with pytest.raises(ValueError, match="status"):
        SlaFacts(created_at=FRIDAY_EVENING, status="waiting")
    with pytest.raises(ValueError, match="timezone-aware"):
        SlaFacts(created_at=datetime(2026, 1, 9, 17), status="open")


FACT_TIMES = st.integers(0, 10 * 86_400).map(lambda s: ny(2026, 1, 5) + timedelta(seconds=s))


@st.composite
def open_facts(draw: st.DrawFn) -> SlaFacts:
    created = draw(FACT_TIMES)
    answered = draw(st.one_of(st.none(), FACT_TIMES.filter(lambda t: t >= created)))
    inbound = draw(st.one_of(st.none(), FACT_TIMES.filter(lambda t: t >= created)))
    return SlaFacts(
        created_at=created,
        last_inbound_at=inbound,
        first_response_at=answered,
        last_response_at=answered,
        status="open",
        paused_business_s=draw(st.integers(0, 4 * HOUR)),
        paused_after_inbound_s=draw(st.integers(0, HOUR)),
    )


@settings(max_examples=200, deadline=None)
@given(
    facts=open_facts(),
    now_s=st.integers(0, 20 * 86_400),
    later_s=st.lists(st.integers(0, 10 * 86_400), max_size=4),
    fraction=st.sampled_from([0.5, 0.75, 0.9, 1.0]),
)
def test_state_at_agrees_with_evaluate_later(
    facts: SlaFacts, now_s: int, later_s: list[int], fraction: float
) -> None:
    policy = SlaPolicy(
        name="p",
        first_response_s=HOUR,
        next_response_s=2 * HOUR,
        resolution_s=20 * HOUR,
        calendar=CLINIC,
        at_risk_fraction=fraction,
    )
    now = ny(2026, 1, 5) + timedelta(seconds=now_s)
    status = evaluate(policy, facts, now)
    assert state_at(status, now) == status.state
    for offset in later_s:
        later = now + timedelta(seconds=offset)
        fresh = evaluate(policy, facts, later)
        assert state_at(status, later) == fresh.state
        assert (fresh.target, fresh.due_at, fresh.at_risk_at) == (
            status.target,
            status.due_at,
            status.at_risk_at,
        )
        assert (fresh.business_s_left is not None and fresh.business_s_left <= 0) is (
            fresh.state == "breached"
        )


# --------------------------------------------------------------------------- countdown

DUE = datetime(2026, 1, 12, 15, tzinfo=UTC)


def running(at_risk_before_due: timedelta = timedelta(hours=1)) -> SlaStatus:
    return SlaStatus("first-response", "ok", DUE, DUE - at_risk_before_due, None)


@pytest.mark.parametrize(
    ("before_due", "text"),
    [
        (timedelta(days=2, hours=3, minutes=30), "2d4h"),
        (timedelta(days=1, seconds=1), "1d1h"),
        (timedelta(days=1), "24h00m"),
        (timedelta(hours=3, minutes=12), "3h12m"),
        (timedelta(hours=3, minutes=4, seconds=30), "3h05m"),
        (timedelta(minutes=42), "42m"),
        (timedelta(minutes=10, seconds=1), "11m"),
        (timedelta(minutes=10), "10m00s"),
        (timedelta(minutes=9, seconds=5), "9m05s"),
        (timedelta(microseconds=1), "0m01s"),
        (timedelta(days=2000), ">999d"),
    ],
)
def test_countdown_time_left(before_due: timedelta, text: str) -> None:
    status = running(at_risk_before_due=timedelta(0))
    assert countdown_text(status, DUE - before_due) == text


def test_countdown_marks_at_risk_without_colour() -> None:
    status = running()
    assert countdown_text(status, DUE - timedelta(minutes=42)) == "\u25b242m"
    assert countdown_text(status, DUE - timedelta(minutes=42), ascii=True) == "!42m"
    assert countdown_text(status, DUE - timedelta(minutes=9, seconds=5), ascii=True) == "!9m05s"


@pytest.mark.parametrize(
    ("after_due", "text"),
    [
        (timedelta(0), "-0s BREACH"),
        (timedelta(seconds=45, microseconds=900_000), "-45s BREACH"),
        (timedelta(minutes=12, seconds=59), "-12m BREACH"),
        (timedelta(hours=3, minutes=59), "-3h BREACH"),
        (timedelta(days=2, hours=23), "-2d BREACH"),
        (timedelta(days=5000), "-999d BREACH"),
    ],
)
def test_countdown_after_a_breach(after_due: timedelta, text: str) -> None:
    assert countdown_text(running(), DUE + after_due) == text
    assert countdown_text(running(), DUE + after_due, ascii=True) == text


def test_countdown_paused_and_none() -> None:
    paused = SlaStatus("resolution", "paused", None, None, 600)
    assert countdown_text(paused, DUE) == "paused"
    assert countdown_changes_at(paused, DUE) is None
    assert countdown_text(NO_SLA, DUE) == ""
    assert countdown_changes_at(NO_SLA, DUE) is None


def test_countdown_changes_at_minute_granularity_far_from_due() -> None:
    status = running(at_risk_before_due=timedelta(minutes=30))
    now = DUE - timedelta(hours=3, minutes=11, seconds=30)
    assert countdown_changes_at(status, now) == DUE - timedelta(hours=3, minutes=11)
    near = DUE - timedelta(minutes=9, seconds=5, microseconds=250_000)
    assert countdown_changes_at(status, near) == DUE - timedelta(minutes=9, seconds=5)
    assert countdown_changes_at(status, DUE - timedelta(minutes=30, seconds=20)) == (
        DUE - timedelta(minutes=30)  # turns at risk before the next minute tick
    )
    assert countdown_changes_at(status, DUE + timedelta(days=5000)) is None


STATUSES = st.builds(
    lambda risk_s: SlaStatus("resolution", "ok", DUE, DUE - timedelta(seconds=risk_s), None),
    st.integers(0, 3 * 86_400),
)
OFFSETS = st.integers(-3 * 86_400 * 1_000_000, 3 * 86_400 * 1_000_000).map(
    lambda us: timedelta(microseconds=us)
)


@settings(max_examples=500, deadline=None)
@given(status=STATUSES, offset=OFFSETS, ascii=st.booleans())
def test_countdown_text_is_short_and_steady_until_it_changes(
    status: SlaStatus, offset: timedelta, ascii: bool
) -> None:
    now = DUE + offset
    text = countdown_text(status, now, ascii=ascii)
    assert 0 < len(text) <= 12
    assert ("BREACH" in text) is (now >= DUE)
    changes = countdown_changes_at(status, now)
    assert changes is not None and changes > now
    assert countdown_text(status, changes, ascii=ascii) != text
    assert countdown_text(status, changes - timedelta(microseconds=1), ascii=ascii) == text
    midway = now + (changes - now) / 2
    assert countdown_text(status, midway, ascii=ascii) == text


# --------------------------------------------------------------------------- escalation


@pytest.mark.parametrize(
    ("previous", "new", "alert"),
    [
        ("ok", "at-risk", "at-risk"),
        ("at-risk", "breached", "breached"),
        ("ok", "breached", "breached"),
        ("none", "breached", "breached"),
        ("paused", "at-risk", "at-risk"),
        ("breached", "at-risk", "at-risk"),
        ("at-risk", "at-risk", None),
        ("breached", "breached", None),
        ("at-risk", "ok", None),
        ("breached", "paused", None),
        ("ok", "none", None),
    ],
)
def test_transition_alerts_once_per_entry(previous: str, new: str, alert: str | None) -> None:
    assert transition(previous, new) == alert


def test_transition_rejects_unknown_states() -> None:
    assert set(SLA_STATES) == {"ok", "at-risk", "breached", "paused", "none"}
    with pytest.raises(ValueError, match="unknown SLA state"):
        transition("ok", "late")
