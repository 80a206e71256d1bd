"""The daily retention schedule, the same on SQLite and PostgreSQL, on a clock of the test's.

The schedule's only sleep is `stop.wait`; here that wait moves the test's clock on instead
of sleeping, so two days pass in a moment and every run is stamped (its `retention.run`
event) with the clock time it happened at.

- With no scheduled run on record, a server started after today's `daily_at` runs nothing
  then: the first run is at tomorrow's `daily_at` (a first run works through the backlog
  and must not land in the clinic's day).
- A leader change right at `daily_at` does not slip the day's run: leader A held the job
  from before the hour (with no run on record yet) and loses it as the hour strikes;
  leader B takes it a minute later and runs the day's then, not the next day. What is
  owed is read from the store, never from when a process started or took the job.
- With a run on record and today's missed (the server was down at the hour), the server
  runs the missed period as it starts, then at each `daily_at`.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cxinbox.config import load_config_text
from cxinbox.service.retention import ACTOR, RetentionRunner, RetentionSchedule

TZ = ZoneInfo("America/Chicago")
CONFIG = ('[clinic]\ntimezone = "America/Chicago"\n[audit]\ncheckpoints = false\n'
          '[retention]\nclosed_after = "7y"\ndaily_at = "02:15"\n')


def _at(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ).timestamp()


class TestClock(threading.Event):
    """The schedule's stop event on the test's clock: `wait(t)` moves the clock `t` on at
    once, and the event is set once the clock reaches `until`."""

    __test__ = False

    def __init__(self, start: float, until: float) -> None:
        super().__init__()
        self.now = start
        self.until = until

    def time(self) -> float:
        return self.now

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None and timeout > 0, "the schedule never waits unbounded"
        self.now += timeout
        if self.now >= self.until:
            self.set()
        return self.is_set()


def _runs(store: Any) -> list[float]:
    """When each scheduled run happened (its event's clock time, seconds)."""
    with store.read() as conn:
        rows = conn.execute("SELECT at FROM events WHERE actor = ? AND action = ?"
                            " ORDER BY seq", (ACTOR, "retention.run")).fetchall()
    return [int(row[0]) / 1000 for row in rows]


def _close(got: list[float], want: list[float]) -> bool:
    return len(got) == len(want) and all(abs(g - w) < 1 for g, w in zip(got, want))


def test_with_no_run_on_record_the_first_waits_for_daily_at(any_store: Any) -> None:
    config = load_config_text(CONFIG)
    clock = TestClock(_at(10, 10), until=_at(12, 3))  # started at 10:00, after 02:15
    RetentionSchedule(any_store, config, clock=clock.time).run(clock)
    got = _runs(any_store)
    assert _close(got, [_at(11, 2, 15), _at(12, 2, 15)]), \
        [datetime.fromtimestamp(t, TZ).isoformat() for t in got]


def test_a_leader_taking_the_job_after_daily_at_runs_the_day(any_store: Any) -> None:
    config = load_config_text(CONFIG)
    a = TestClock(_at(10, 1), until=_at(10, 2, 15))  # leader from 01:00 until 02:15
    RetentionSchedule(any_store, config, clock=a.time).run(a)
    assert _runs(any_store) == []  # no run on record: the first is today's 02:15
    b = TestClock(_at(10, 2, 16), until=_at(11, 3))  # takes the job over at 02:16
    RetentionSchedule(any_store, config, clock=b.time).run(b)
    got = _runs(any_store)
    assert _close(got, [_at(10, 2, 16), _at(11, 2, 15)]), \
        [datetime.fromtimestamp(t, TZ).isoformat() for t in got]


def test_a_missed_period_runs_at_start_once_a_run_is_on_record(any_store: Any) -> None:
    config = load_config_text(CONFIG)
    RetentionRunner(any_store, config, clock=lambda: _at(9, 2, 15)).run()  # the day before
    clock = TestClock(_at(10, 10), until=_at(11, 3))  # today's 02:15 was missed
    RetentionSchedule(any_store, config, clock=clock.time).run(clock)
    got = _runs(any_store)
    assert _close(got, [_at(9, 2, 15), _at(10, 10), _at(11, 2, 15)]), \
        [datetime.fromtimestamp(t, TZ).isoformat() for t in got]


def test_a_daily_at_in_the_repeated_autumn_hour_is_due_once() -> None:
    """2026-11-01 in Chicago repeats 01:00-01:59. A `daily_at` of 01:30 is that day's first
    01:30 only: the period's due time never goes back, and the day has one due time."""
    config = load_config_text(CONFIG.replace('"02:15"', '"01:30"'))
    schedule = RetentionSchedule(None, config)  # type: ignore[arg-type]  # no store needed
    start = datetime(2026, 10, 31, 12, 0, tzinfo=TZ).timestamp()
    dues = [schedule.last_due(start + step * 300) for step in range(12 * 48)]
    assert dues == sorted(dues), "a due time went back"
    nov_1 = {due for due in dues
             if datetime.fromtimestamp(due, TZ).date() == datetime(2026, 11, 1).date()}
    assert nov_1 == {datetime(2026, 11, 1, 1, 30, tzinfo=TZ, fold=0).timestamp()}
    assert datetime(2026, 11, 1, 1, 30, tzinfo=TZ, fold=0).timestamp() == \
        datetime(2026, 11, 1, 6, 30, tzinfo=ZoneInfo("UTC")).timestamp()
    nexts = {schedule.next_run(start + step * 300) for step in range(12 * 48)}
    assert len([t for t in nexts
                if datetime.fromtimestamp(t, TZ).date() == datetime(2026, 11, 1).date()]) == 1
