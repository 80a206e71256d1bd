"""[[teams]] in the config: what a clinic writes, and one line naming the key for each slip."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cxinbox.config import ConfigError, load_config_text

ROSTER = """
[clinic]
timezone = "America/Chicago"

[[staff]]
os_user = "mgarcia"
name = "Maria Garcia"

[[staff]]
os_user = "tnguyen"
name = "Tom Nguyen"

[[staff]]
os_user = "pnair"
name = "Priya Nair"

[[staff]]
os_user = "nagios"
name = "Monitoring"
role = "monitor"

[sla.calendars.mornings]
hours = { mon = ["07:00-13:00"], tue = ["07:00-13:00"], wed = ["07:00-13:00"] }
"""


def test_a_full_team_section_loads() -> None:
    config = load_config_text(ROSTER + """
[[teams]]
name = "results"
members = ["mgarcia", "tnguyen", "pnair"]
strategy = "least-open"
cap = 25
return_on_away = true

[[teams]]
name = "nurses"
members = ["mgarcia", "pnair"]
strategy = "shift-aware"
shifts = { mgarcia = "mornings", pnair = { hours = { tue = ["13:00-19:00"] } } }
""")
    results, nurses = config.teams
    assert (results.name, results.members, results.strategy, results.cap,
            results.return_on_away) == ("results", ("mgarcia", "tnguyen", "pnair"),
                                        "least-open", 25, True)
    assert config.team("nurses") is nurses and config.team("nobody") is None
    assert nurses.strategy == "shift-aware" and nurses.cap is None
    tuesday_8am_chicago = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert nurses.shifts["mgarcia"].is_open(tuesday_8am_chicago)  # clinic time zone
    assert not nurses.shifts["pnair"].is_open(tuesday_8am_chicago)
    assert load_config_text(ROSTER).teams == ()


@pytest.mark.parametrize(("team", "expected"), [
    ('name = "r"\nmembers = ["mgarcia", "tnguyn"]',
     "teams[0].members[1]: \"tnguyn\" is not on the [[staff]] roster (did you mean \"tnguyen\"?)"),
    ('name = "r"\nmembers = ["nagios"]', "teams[0].members[0]: \"nagios\" is not on the"),
    ('name = "r"\nmembers = ["pnair", "pnair"]', "teams[0].members[1]: \"pnair\" is listed twice"),
    ('name = "r"', "teams[0].members: missing required value"),
    ('name = "r"\nmembers = []', "teams[0].members: expected a non-empty array"),
    ('name = "Lab Results"\nmembers = ["pnair"]', "teams[0].name: expected lower-case"),
    ('members = ["pnair"]', "teams[0].name: missing required value"),
    ('name = "r"\nmembers = ["pnair"]\nstrategy = "random"',
     'teams[0].strategy: expected one of "round-robin", "least-open", "shift-aware"'),
    ('name = "r"\nmembers = ["pnair"]\ncap = 0', "teams[0].cap: expected an integer from 1"),
    ('name = "r"\nmembers = ["pnair"]\ncap = "25"', "teams[0].cap: expected an integer"),
    ('name = "r"\nmembers = ["pnair"]\nreturn_on_away = "yes"',
     "teams[0].return_on_away: expected true or false"),
    ('name = "r"\nmembers = ["pnair"]\nstartegy = "least-open"',
     "teams[0].startegy: unknown key; did you mean 'strategy'?"),
    ('name = "r"\nmembers = ["pnair"]\nshifts = { pnair = "mornings" }',
     'teams[0].shifts: shifts only apply to strategy = "shift-aware"'),
    (('name = "r"\nmembers = ["pnair", "mgarcia"]\nstrategy = "shift-aware"\n'
     'shifts = { pnair = "mornings" }'),
     "teams[0].shifts: a shift-aware team needs a rota for every member; \"mgarcia\" has none"),
    ('name = "r"\nmembers = ["pnair"]\nstrategy = "shift-aware"\nshifts = { pnair = "nights" }',
     "teams[0].shifts.pnair: no [sla.calendars.nights] table; known: mornings"),
    (('name = "r"\nmembers = ["pnair"]\nstrategy = "shift-aware"\n'
     'shifts = { pnair = "mornings", tnguyen = "mornings" }'),
     "teams[0].shifts.tnguyen: \"tnguyen\" is not a member of this team"),
    (('name = "r"\nmembers = ["pnair"]\nstrategy = "shift-aware"\n'
     'shifts = { pnair = { hours = { mon = ["9am-5pm"] } } }'), "teams[0].shifts.pnair.hours"),
])
def test_each_mistake_is_one_line_naming_the_key(team: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(ROSTER + "\n[[teams]]\n" + team + "\n")
    message = str(caught.value)
    assert "\n" not in message
    assert expected in message, message


def test_two_teams_with_one_name_are_refused() -> None:
    team = '[[teams]]\nname = "r"\nmembers = ["pnair"]\n'
    with pytest.raises(ConfigError, match=r'teams\[1\].name: "r" is already the name'):
        load_config_text(ROSTER + team + team)


def test_the_example_config_documents_teams() -> None:
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    text = example.read_text()
    assert "[[teams]]" in text and "return_on_away" in text and "shift-aware" in text
