"""`hours:open` / `hours:closed` (issue #13, N4): the README's "after hours" rule must act
only while the clinic is closed. The term reads the clinic's opening hours (`[acknowledge]
calendar`) at the query's instant: the instant a rule runs, or now in a list. Checked in
the parser, in the config, and on both stores through the rule engine and the list."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cxinbox.config import ConfigError, load_config, load_config_text
from cxinbox.domain.query import Field, QueryError, parse_query
from cxinbox.service.inbox import InboxService
from cxinbox.service.rules_preview import preview
from cxinbox.wiring import rules_engine
from teamhelp import T0, Clock, deliver, write_config

# T0 is a Tuesday, 15:00 UTC: inside Monday-Friday 09:00-17:00; five hours later is not.
OPEN_AT, CLOSED_AT = T0, T0 + 5 * 3600

WEEKDAYS = '''
[sla.calendars.clinic]
timezone = "UTC"

[sla.calendars.clinic.hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]

[acknowledge]
calendar = "clinic"

[[rules]]
name = "after hours"
on = "arrival"
match = "hours:closed -tag:red-flag"
actions = { tag = ["after-hours"] }

[[rules]]
name = "day desk"
on = "arrival"
match = "hours:open"
actions = { tag = ["day-desk"] }
'''


def test_hours_parses_open_and_closed_and_explains_a_wrong_value() -> None:
    assert parse_query("hours:Closed") == Field("hours", "closed")
    assert parse_query("-hours:open") == parse_query("-hours:OPEN")
    with pytest.raises(QueryError) as caught:
        parse_query("hours:night")
    assert "expected one of: open, closed" in caught.value.message
    with pytest.raises(QueryError) as caught:
        parse_query("hour:closed")
    assert "did you mean 'hours:'?" in caught.value.message


def test_a_rule_reading_hours_needs_the_clinics_calendar() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text('[[rules]]\nname = "r"\non = "arrival"\nmatch = "hours:closed"\n'
                         'actions = { tag = ["x"] }\n', Path("c.toml"))
    assert str(caught.value) == (
        'c.toml: rules[0] ("r").match: hours:closed needs the clinic\'s opening hours:'
        " set [acknowledge] calendar to a [sla.calendars] name")
    with pytest.raises(ConfigError) as caught:
        load_config_text('[[sla.policies]]\nname = "p"\nmatch = "-hours:open"\n'
                         'first_response = "1h"\n', Path("c.toml"))
    assert "sla.policies[0].match: hours: is for rules and lists" in str(caught.value)


def _config(tmp_path: Path, extra: str) -> Any:
    path = write_config(tmp_path)
    path.write_text(path.read_text() + extra)
    return load_config(path)


def test_a_rule_reads_hours_at_the_instant_it_runs_on_both_stores(
        tmp_path: Path, any_store: Any) -> None:
    config = _config(tmp_path, WEEKDAYS)
    engine = rules_engine(any_store, config)
    assert engine is not None
    day = deliver(any_store, sender="ana@patient.example", at=OPEN_AT - 60)
    night = deliver(any_store, sender="bo@patient.example", at=CLOSED_AT - 60)
    with any_store.writing() as tx:
        engine.fire(tx, "arrival", [day], now=OPEN_AT)
        engine.fire(tx, "arrival", [night], now=CLOSED_AT)
    service = InboxService(any_store, config, "maria", clock=Clock(CLOSED_AT))
    assert [i.id for i in service.list_conversations("tag:day-desk", 0, 10).items] == [day]
    assert [i.id for i in service.list_conversations("tag:after-hours", 0, 10).items] == [night]


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "\n".join(f'{d} = ["00:00-24:00"]' for d in DAYS)
NOT_TODAY = f'{DAYS[(datetime.now(UTC).weekday() + 3) % 7]} = ["09:00-17:00"]'
"""Open on one day three days from now only: closed now, and after a midnight too."""


@pytest.mark.parametrize(("hours", "now_open"), [(ALWAYS, True), (NOT_TODAY, False)])
def test_a_list_reads_hours_now_on_both_stores(tmp_path: Path, any_store: Any, hours: str,
                                               now_open: bool) -> None:
    config = _config(tmp_path, WEEKDAYS.split("[sla.calendars.clinic.hours]")[0]
                     + f"[sla.calendars.clinic.hours]\n{hours}\n\n[acknowledge]\n"
                       'calendar = "clinic"\n')
    first = deliver(any_store, sender="ana@patient.example", at=T0)
    second = deliver(any_store, sender="bo@patient.example", at=T0 + 60)
    service = InboxService(any_store, config, "maria", clock=Clock())
    everyone, nobody = {first, second}, set()

    def found(query: str) -> set[int]:
        page = service.list_conversations(query, 0, 10)
        assert page.total == len(page.items)
        return {item.id for item in page.items}

    assert found("hours:open") == (everyone if now_open else nobody)
    assert found("hours:closed") == (nobody if now_open else everyone)
    assert found("-hours:open") == found("hours:closed")
    assert found(f"hours:closed OR id:{first}") == ({first} if now_open else everyone)
    assert found(f"(hours:open from:ana) OR id:{second}") == (
        everyone if now_open else {second})


def test_a_list_without_the_clinics_calendar_says_so(tmp_path: Path, any_store: Any) -> None:
    config = _config(tmp_path, "")
    service = InboxService(any_store, config, "maria", clock=Clock())
    from cxinbox.contract.errors import BadQuery

    with pytest.raises(BadQuery) as caught:
        service.list_conversations("status:open hours:closed", 0, 10)
    assert str(caught.value).startswith("query error at column 13: hours: needs the clinic's"
                                        " opening hours, and no [acknowledge] calendar")


def test_rules_test_replays_hours_at_each_arrivals_own_instant(
        tmp_path: Path, any_store: Any) -> None:
    """Stored a year and more ago, one at 15:01 on a Tuesday, one at 20:01: whatever the
    clinic's hours are today, the replay judges each at its arrival."""
    config = _config(tmp_path, WEEKDAYS)
    day = deliver(any_store, sender="ana@patient.example", at=OPEN_AT)  # stored 60 s later
    night = deliver(any_store, sender="bo@patient.example", at=CLOSED_AT)
    desk = InboxService(any_store, config, "maria", clock=Clock(CLOSED_AT + 3600))
    for name, fired_on in (("after hours", night), ("day desk", day)):
        engine = rules_engine(any_store, config, replaying=name)
        assert engine is not None
        replay = preview(desk, engine, name, OPEN_AT - 3600)
        assert replay.triggered == 2
        assert [r.conversation_id for r in replay.rows] == [fired_on], (name, replay.rows)
