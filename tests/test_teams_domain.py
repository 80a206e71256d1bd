"""The team chooser (domain/teams.py): every strategy, its explanation, and the properties
that make it trustworthy: never away, never capped, never off shift, fair over many picks."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from cxinbox.domain.sla import BusinessCalendar
from cxinbox.domain.teams import (
    STRATEGIES,
    TeamSpec,
    choose,
    member_on_shift,
    on_shift,
    team_name,
)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 UTC
UTC_Z = ZoneInfo("UTC")
MORNINGS = BusinessCalendar(UTC_Z, {d: ((time(8), time(12)),) for d in range(5)})
EVENINGS = BusinessCalendar(UTC_Z, {d: ((time(16), time(22)),) for d in range(5)})
TEAM = ("mgarcia", "tnguyen", "pnair", "jsmith")


def test_round_robin_goes_on_after_the_last_pick_and_says_who_it_passed() -> None:
    team = TeamSpec("results", TEAM, cap=25)
    choice = choose(team, away={"tnguyen"}, open_counts={"pnair": 25, "jsmith": 3},
                    cursor="mgarcia", now=NOW)
    assert choice.member == "jsmith"
    assert choice.explanation == ("round-robin: next after mgarcia; tnguyen away;"
                                  " pnair at cap 25 -> jsmith")
    assert choice.skipped == (("tnguyen", "away"), ("pnair", "at cap 25"))


def test_a_member_over_the_cap_is_said_to_be_over_it_with_the_count() -> None:
    """qa28 F14: a clinician who cleared a flag that waited at cap 1 holds 2 open;
    `teams` said "at cap 1", which read as a count that disagreed with the list."""
    team = TeamSpec("nurses", ("nora", "sam"), cap=1)
    choice = choose(team, away=set(), open_counts={"nora": 2, "sam": 1}, cursor=None, now=NOW)
    assert choice.member is None
    assert choice.skipped == (("nora", "over cap 1 (2 open)"), ("sam", "at cap 1"))


def test_round_robin_wraps_and_starts_at_the_top_without_a_cursor() -> None:
    team = TeamSpec("results", TEAM)
    assert choose(team, away=set(), open_counts={}, cursor="jsmith", now=NOW).member == \
        "mgarcia"
    first = choose(team, away=set(), open_counts={}, cursor=None, now=NOW)
    assert first.member == "mgarcia"
    assert first.explanation == "round-robin: first in order (mgarcia) -> mgarcia"
    # A cursor naming someone who has left the team starts from the top too.
    assert choose(team, away=set(), open_counts={}, cursor="gone", now=NOW).member == \
        "mgarcia"


def test_least_open_picks_the_lightest_load_and_breaks_ties_in_turn() -> None:
    team = TeamSpec("billing", TEAM, strategy="least-open")
    counts = {"mgarcia": 4, "tnguyen": 1, "pnair": 1, "jsmith": 7}
    choice = choose(team, away={"mgarcia"}, open_counts=counts, cursor="tnguyen", now=NOW)
    assert choice.member == "pnair"  # tied with tnguyen, but pnair comes after the cursor
    assert choice.explanation.startswith("least-open: pnair has 1 open (fewest); tied with"
                                         " tnguyen, ties go next after tnguyen")
    assert "mgarcia away" in choice.explanation
    # No tie, no word of one.
    alone = choose(team, away=set(), open_counts={**counts, "pnair": 2}, cursor="tnguyen",
                   now=NOW)
    assert alone.member == "tnguyen"
    assert alone.explanation == "least-open: tnguyen has 1 open (fewest) -> tnguyen"


def test_shift_aware_skips_whoever_is_off_shift() -> None:
    team = TeamSpec("nurses", ("amy", "bo"), strategy="shift-aware",
                    shifts={"amy": EVENINGS, "bo": MORNINGS})
    choice = choose(team, away=set(), open_counts={}, cursor=None, now=NOW)
    assert choice.member == "bo"
    assert choice.explanation == ("shift-aware: first in order (amy) among those on shift;"
                                  " amy off shift -> bo")
    evening = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert choose(team, away=set(), open_counts={}, cursor=None, now=evening).member == "amy"


def test_nobody_eligible_leaves_it_unassigned_and_says_why() -> None:
    team = TeamSpec("results", ("amy", "bo", "cy"), cap=2)
    choice = choose(team, away={"amy"}, open_counts={"bo": 2, "cy": 9}, cursor="amy",
                    now=NOW)
    assert choice.member is None
    assert choice.explanation == ("round-robin: nobody available; bo at cap 2; cy over cap 2"
                                  " (9 open); amy away; left unassigned")


def test_on_shift_for_the_clinician_alerts() -> None:
    assert on_shift(None, NOW)  # no rota written: everyone counts as on shift
    assert on_shift(MORNINGS, NOW)
    assert not on_shift(EVENINGS, NOW)
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    assert not on_shift(MORNINGS, saturday)
    teams = [TeamSpec("a", ("amy",), strategy="shift-aware", shifts={"amy": EVENINGS}),
             TeamSpec("b", ("amy", "bo"), strategy="shift-aware",
                      shifts={"amy": MORNINGS, "bo": EVENINGS})]
    assert member_on_shift("amy", teams, NOW)  # on shift by one of her rotas
    assert not member_on_shift("bo", teams, NOW)
    assert member_on_shift("cy", teams, NOW)  # on no rota at all


def test_team_names() -> None:
    assert team_name("team:results") == "results"
    assert team_name("results") is None


# -- properties --------------------------------------------------------------------------

_names = st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), min_size=1, max_size=6,
                  unique=True)


@st.composite
def _situations(draw: st.DrawFn) -> tuple[TeamSpec, set[str], dict[str, int], str | None,
                                          datetime]:
    members = tuple(draw(_names))
    strategy = draw(st.sampled_from(STRATEGIES))
    cap = draw(st.none() | st.integers(0, 5))
    shifts = ({m: draw(st.sampled_from([MORNINGS, EVENINGS])) for m in members}
              if strategy == "shift-aware" else {})
    away = set(draw(st.lists(st.sampled_from(members), unique=True)))
    counts = {m: draw(st.integers(0, 8)) for m in members}
    cursor = draw(st.none() | st.sampled_from([*members, "stranger"]))
    hour = draw(st.integers(0, 23))
    return (TeamSpec("t", members, strategy, cap, shifts), away, counts, cursor,
            datetime(2026, 12, 1, hour, 30, tzinfo=UTC))


@settings(max_examples=400, deadline=None)
@given(_situations())
def test_never_picks_someone_away_capped_or_off_shift(
        situation: tuple[TeamSpec, set[str], dict[str, int], str | None, datetime]) -> None:
    team, away, counts, cursor, now = situation
    choice = choose(team, away=away, open_counts=counts, cursor=cursor, now=now)
    eligible = [m for m in team.members if m not in away
                and (team.cap is None or counts[m] < team.cap)
                and (team.strategy != "shift-aware" or team.shifts[m].is_open(now))]
    if not eligible:
        assert choice.member is None
        assert "nobody available" in choice.explanation
        assert choice.explanation.endswith("left unassigned")
        return
    assert choice.member in eligible
    assert choice.explanation.endswith(f"-> {choice.member}")
    if team.strategy == "least-open":
        assert counts[choice.member] == min(counts[m] for m in eligible)
    for member, why in choice.skipped:  # every reason given is true
        assert member not in eligible
        assert why in ("away", f"at cap {team.cap}", "off shift",
                       f"over cap {team.cap} ({counts[member]} open)"), why
        if why.startswith(("at cap", "over cap")):  # and the word fits the count
            assert (counts[member] == team.cap) == why.startswith("at cap"), (why, counts)


@settings(max_examples=100, deadline=None)
@given(_names, st.integers(1, 60), st.sampled_from(["round-robin", "least-open"]))
def test_fair_over_many_picks(members: list[str], picks: int, strategy: str) -> None:
    """Everyone eligible, each pick taking a conversation: shares differ by at most one."""
    team = TeamSpec("t", tuple(members), strategy)  # type: ignore[arg-type]
    cursor: str | None = None
    counts: Counter[str] = Counter()
    for _ in range(picks):
        choice = choose(team, away=set(), open_counts=dict(counts), cursor=cursor, now=NOW)
        assert choice.member is not None
        counts[choice.member] += 1
        cursor = choice.member
    shares = [counts[m] for m in members]
    assert max(shares) - min(shares) <= 1
