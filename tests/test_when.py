"""Times people type for --until and --since, read in the clinic's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cxinbox.domain.when import WhenError, parse_when

CHICAGO = ZoneInfo("America/Chicago")
# 2026-11-25 22:30 in Chicago is already the 26th in UTC: "tomorrow" must follow the clinic.
NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("2h", NOW + timedelta(hours=2)),
    ("1h30m", NOW + timedelta(hours=1, minutes=30)),
    ("3d", NOW + timedelta(days=3)),
    ("1w", NOW + timedelta(weeks=1)),
    ("now", NOW),
    ("tomorrow 9:00", datetime(2026, 11, 26, 9, 0, tzinfo=CHICAGO)),
    ("Tomorrow  5pm", datetime(2026, 11, 26, 17, 0, tzinfo=CHICAGO)),
    ("tomorrow 12am", datetime(2026, 11, 26, 0, 0, tzinfo=CHICAGO)),
    ("today", datetime(2026, 11, 25, 0, 0, tzinfo=CHICAGO)),
    ("yesterday 17:45", datetime(2026, 11, 24, 17, 45, tzinfo=CHICAGO)),
    ("2026-12-01", datetime(2026, 12, 1, 0, 0, tzinfo=CHICAGO)),
    ("2026-12-01T08:30", datetime(2026, 12, 1, 8, 30, tzinfo=CHICAGO)),
    ("2026-12-01 08:30", datetime(2026, 12, 1, 8, 30, tzinfo=CHICAGO)),
    ("2026-12-01T08:30:00+00:00", datetime(2026, 12, 1, 8, 30, tzinfo=UTC)),
])
def test_future(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW, tz=CHICAGO) == expected


def test_amounts_point_back_for_since() -> None:
    assert parse_when("2h", now=NOW, tz=CHICAGO, direction="past") == NOW - timedelta(hours=2)
    assert parse_when("today", now=NOW, tz=CHICAGO, direction="past") == datetime(
        2026, 11, 25, tzinfo=CHICAGO)


def test_dst_change_uses_the_clinic_offset() -> None:
    before_change = datetime(2026, 10, 31, 15, 0, tzinfo=UTC)  # Saturday; clocks go back Sunday
    wake = parse_when("tomorrow 9:00", now=before_change, tz=CHICAGO)
    assert wake.astimezone(UTC) == datetime(2026, 11, 1, 15, 0, tzinfo=UTC)  # CST, UTC-6


@pytest.mark.parametrize("text", ["", "soon", "tomorrow 25:00", "tomorrow 13pm", "2h ago",
                                  "2026-13-01", "99999w", "next tuesday"])
def test_refused(text: str) -> None:
    with pytest.raises(WhenError):
        parse_when(text, now=NOW, tz=CHICAGO)


def test_naive_now_is_a_bug() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("2h", now=datetime(2026, 1, 1), tz=CHICAGO)


# NOW is Wednesday 25 November, 22:30 in Chicago.
@pytest.mark.parametrize(("text", "expected"), [
    ("3pm", datetime(2026, 11, 26, 15, 0, tzinfo=CHICAGO)),  # today's 3pm has gone
    ("11pm", datetime(2026, 11, 25, 23, 0, tzinfo=CHICAGO)),  # today's has not
    ("15:30", datetime(2026, 11, 26, 15, 30, tzinfo=CHICAGO)),
    ("9:15 am", datetime(2026, 11, 26, 9, 15, tzinfo=CHICAGO)),
    ("fri", datetime(2026, 11, 27, 0, 0, tzinfo=CHICAGO)),
    ("Friday", datetime(2026, 11, 27, 0, 0, tzinfo=CHICAGO)),
    ("mon 8:00", datetime(2026, 11, 30, 8, 0, tzinfo=CHICAGO)),
    ("thurs 9am", datetime(2026, 11, 26, 9, 0, tzinfo=CHICAGO)),
    ("wed 9am", datetime(2026, 12, 2, 9, 0, tzinfo=CHICAGO)),  # this Wednesday's 9am is past
    ("wednesday 11pm", datetime(2026, 11, 25, 23, 0, tzinfo=CHICAGO)),
    ("wed", datetime(2026, 12, 2, 0, 0, tzinfo=CHICAGO)),
    ("tomorrow 9am", datetime(2026, 11, 26, 9, 0, tzinfo=CHICAGO)),
])
def test_weekdays_and_times_alone_mean_the_next_one(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW, tz=CHICAGO) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("3pm", datetime(2026, 11, 25, 15, 0, tzinfo=CHICAGO)),
    ("fri", datetime(2026, 11, 20, 0, 0, tzinfo=CHICAGO)),
    ("wed 9am", datetime(2026, 11, 25, 9, 0, tzinfo=CHICAGO)),
])
def test_weekdays_and_times_alone_mean_the_last_one_for_since(text: str,
                                                               expected: datetime) -> None:
    assert parse_when(text, now=NOW, tz=CHICAGO, direction="past") == expected


def test_spring_forward() -> None:
    """Clocks jump from 02:00 CST to 03:00 CDT on Sunday 8 March 2026."""
    saturday_noon = datetime(2026, 3, 7, 18, 0, tzinfo=UTC)
    assert parse_when("tomorrow 9am", now=saturday_noon, tz=CHICAGO).astimezone(UTC) == \
        datetime(2026, 3, 8, 14, 0, tzinfo=UTC)  # CDT, UTC-5
    assert parse_when("sun 9:00", now=saturday_noon, tz=CHICAGO).astimezone(UTC) == \
        datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    skipped = parse_when("sun 2:30", now=saturday_noon, tz=CHICAGO)  # never on the wall
    assert skipped.astimezone(UTC) == datetime(2026, 3, 8, 8, 30, tzinfo=UTC)
    assert (skipped.hour, skipped.minute) == (3, 30)
    assert parse_when("9am", now=datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # 01:00 CST
                      tz=CHICAGO).astimezone(UTC) == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)


def test_fall_back_weekday() -> None:
    saturday = datetime(2026, 10, 31, 15, 0, tzinfo=UTC)  # clocks go back on Sunday 1 Nov
    assert parse_when("sun 9:00", now=saturday, tz=CHICAGO).astimezone(UTC) == datetime(
        2026, 11, 1, 15, 0, tzinfo=UTC)  # CST, UTC-6


@pytest.mark.parametrize("text", ["9", "25:00", "13pm", "fri 25:00", "friday soon",
                                  "mon tue", "3 pm tomorrow"])
def test_refused_recurring(text: str) -> None:
    with pytest.raises(WhenError):
        parse_when(text, now=NOW, tz=CHICAGO)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-20", datetime(2026, 11, 21, tzinfo=ZoneInfo("America/New_York"))),
    ("2026-11-01", datetime(2026, 11, 2, tzinfo=ZoneInfo("America/New_York"))),  # 25 hours
    ("yesterday", datetime(2026, 11, 25, tzinfo=ZoneInfo("America/New_York"))),
    ("mon", datetime(2026, 11, 24, tzinfo=ZoneInfo("America/New_York"))),
    ("2026-11-20T09:00", datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("America/New_York"))),
    ("3d", NOW - timedelta(days=3)),
    ("now", NOW),
])
def test_an_upper_bound_on_a_bare_day_is_the_end_of_that_day(text: str,
                                                              expected: datetime) -> None:
    from cxinbox.domain.when import parse_until

    assert parse_until(text, now=NOW, tz=ZoneInfo("America/New_York")) == expected


@pytest.mark.parametrize(("text", "seconds"), [
    ("40s", 40), ("1m30s", 90), ("2h", 7200), ("1d12h", 129_600), ("1w", 604_800),
    ("1h 30m", 5400)])
def test_every_duration_reader_takes_the_same_amounts(text: str, seconds: int) -> None:
    """One grammar of an amount: `--since`/`--until`, a rule's snooze, a config duration
    and a query's `after:` age read the same text as the same number of seconds."""
    from cxinbox.domain.query import Field, QueryContext, parse_query, resolve_date
    from cxinbox.domain.rules import parse_duration
    from cxinbox.domain.when import amount_seconds

    assert amount_seconds(text) == seconds
    assert parse_when(text, now=NOW, tz=CHICAGO, direction="past") == NOW - timedelta(
        seconds=seconds)
    assert parse_duration(text) == seconds
    if " " not in text:  # a query term is one word
        term = parse_query(f"after:{text}")
        assert isinstance(term, Field)
        ctx = QueryContext(me="jo", now=NOW, tz=CHICAGO)
        assert resolve_date(term, ctx) == NOW - timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["40", "s", "30x", "1s1m", ""])
def test_not_an_amount(text: str) -> None:
    from cxinbox.domain.when import amount_seconds

    assert amount_seconds(text) is None
