"""Who on a team gets the next conversation: the pure chooser behind `assign team:NAME`.

The store reads the facts (who is away, how many open conversations each member holds,
whom the team picked last); this module decides, and says why in one line a person can
check against the desk ("round-robin: next after mgarcia; tnguyen away; pnair at cap 25
-> jsmith"). The same line goes into the audit event, so "why did I get this?" has an
answer in `cxinbox audit`.

Rules every strategy keeps (property-tested in tests/test_teams_domain.py):

* nobody away is picked, nor anyone at or over the team's cap, nor (shift-aware) anyone
  off shift;
* when nobody is eligible the choice is `member=None` with the reason, never a guess:
  the conversation stays unassigned and the event says why;
* round-robin walks the members in the team's order, starting after the last one picked
  (the cursor), so over many picks with everyone eligible each member gets the same share
  (the counts differ by at most one); least-open breaks ties the same way, so it is fair
  too when the counts are level.

Shifts are `BusinessCalendar`s, the SLA calendars' type (domain/sla.py): the same
"08:00-16:00" hours, holidays and time zones, so a clinic writes a rota once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

from cxinbox.domain.sla import BusinessCalendar

Strategy = Literal["round-robin", "least-open", "shift-aware"]
STRATEGIES: Final[tuple[Strategy, ...]] = ("round-robin", "least-open", "shift-aware")

TEAM_PREFIX: Final = "team:"
"""How a team is named where a person could be: `assign 1024 --to team:results`, a rule's
`assign = "team:results"`."""


@dataclass(frozen=True, slots=True)
class TeamSpec:
    """One `[[teams]]` entry as the chooser needs it (config.py builds it from TOML)."""

    name: str
    members: tuple[str, ...]
    strategy: Strategy = "round-robin"
    cap: int | None = None
    """Most open conversations a member may hold before the team skips them."""
    shifts: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    """Member -> when they work (shift-aware teams: every member has one)."""
    return_on_away: bool = False
    """Going away hands the member's open conversations back to this team."""


@dataclass(frozen=True, slots=True)
class TeamChoice:
    """The chooser's answer: whom (or nobody) and the one-line reason."""

    team: str
    strategy: str
    member: str | None
    explanation: str
    skipped: tuple[tuple[str, str], ...] = ()
    """(member, why) for everyone passed over on the way: "away", "at cap 25", "off shift"."""


def team_name(target: str) -> str | None:
    """`team:results` -> "results"; anything else (a login) -> None."""
    if target.startswith(TEAM_PREFIX):
        return target[len(TEAM_PREFIX):]
    return None


def on_shift(calendar: BusinessCalendar | None, now: datetime) -> bool:
    """Whether someone with this rota is working at `now`. No rota at all counts as on
    shift: a clinic that has not written one expects everyone on the roster to be told.

    For the lead: red-flag alerts to clinicians can be limited to those `on_shift` by
    their calendar (see `member_on_shift` for a person who is on several teams)."""
    return True if calendar is None else calendar.is_open(now)


def member_on_shift(os_user: str, teams: Sequence[TeamSpec], now: datetime) -> bool:
    """On shift by any team's rota that names them; True when no team gives them a rota."""
    rotas = [team.shifts[os_user] for team in teams if os_user in team.shifts]
    return not rotas or any(rota.is_open(now) for rota in rotas)


def clinicians_available(clinical: Sequence[str], teams: Sequence[TeamSpec],
                         away: frozenset[str] | set[str], now: datetime) -> list[str]:
    """The clinical staff who can take a red flag now: not marked away and on shift by
    their rotas (as the red-flag toast and a shift-aware team judge it). Empty when the
    roster names clinicians but none is available: new red flags then wait unassigned,
    and everyone is told so (the TUI's status line, `away on`)."""
    return [u for u in clinical if u not in away and member_on_shift(u, teams, now)]


def _rotation(members: Sequence[str], cursor: str | None) -> list[str]:
    """The members in the order a round starting after `cursor` visits them."""
    if cursor in members:
        start = members.index(cursor) + 1
        return list(members[start:]) + list(members[:start])
    return list(members)


def choose(team: TeamSpec, *, away: frozenset[str] | set[str],
           open_counts: Mapping[str, int], cursor: str | None, now: datetime) -> TeamChoice:
    """The member the team's strategy picks now, or nobody with the reason."""
    order = _rotation(team.members, cursor)
    skipped: list[tuple[str, str]] = []
    eligible: list[str] = []
    for member in order:
        why = _unavailable(team, member, away, open_counts, now)
        if why:
            skipped.append((member, why))
        else:
            eligible.append(member)
    start = (f"next after {cursor}" if cursor in team.members
             else f"first in order ({team.members[0]})" if team.members else "no members")
    picked: str | None = None
    if team.strategy == "least-open" and eligible:
        fewest = min(open_counts.get(m, 0) for m in eligible)
        tied = [m for m in eligible if open_counts.get(m, 0) == fewest]
        picked = tied[0]
        head = f"least-open: {picked} has {fewest} open (fewest)"
        if len(tied) > 1:  # only a real tie is settled by the turn
            head += f"; tied with {', '.join(tied[1:])}, ties go {start}"
    elif eligible:
        picked = eligible[0]
        among = " among those on shift" if team.strategy == "shift-aware" else ""
        head = f"{team.strategy}: {start}{among}"
    else:
        head = f"{team.strategy}: nobody available"
    # Only who was passed over before the pick explains it; all of them explain "nobody".
    passed = skipped if picked is None else [
        (m, why) for m, why in skipped if order.index(m) < order.index(picked)
        or team.strategy == "least-open"]
    parts = [head, *(f"{m} {why}" for m, why in passed)]
    tail = f" -> {picked}" if picked else "; left unassigned"
    return TeamChoice(team.name, team.strategy, picked, "; ".join(parts) + tail,
                      tuple(skipped))


def _unavailable(team: TeamSpec, member: str, away: frozenset[str] | set[str],
                 open_counts: Mapping[str, int], now: datetime) -> str:
    if member in away:
        return "away"
    held = open_counts.get(member, 0)
    if team.cap is not None and held >= team.cap:
        # Above the cap only by a person's own hand (the clinician who clears a waiting
        # red flag keeps its follow-up, an assignment by name): the count says so.
        return f"at cap {team.cap}" if held == team.cap else \
            f"over cap {team.cap} ({held} open)"
    if team.strategy == "shift-aware" and not on_shift(team.shifts.get(member), now):
        return "off shift"
    return ""


def team_available(team: TeamSpec, away: frozenset[str] | set[str],
                   now: datetime) -> list[str]:
    """The members a new conversation for `team` could land on now, caps aside: not away
    and, on a shift-aware team, on shift (as `choose` judges them)."""
    return [m for m in team.members if not _unavailable(team, m, away, {}, now)]


def red_flag_gaps(red_teams: Sequence[TeamSpec], clinical: Sequence[str],
                  teams: Sequence[TeamSpec], away: frozenset[str] | set[str],
                  now: datetime) -> list[str | None]:
    """Where a new red flag would find nobody now. With rules that route red flags to
    teams (`red_teams`), each such team with no member available (its name); without,
    None when the roster names clinicians and none is available. Empty: covered."""
    if red_teams:
        return [t.name for t in red_teams if not team_available(t, away, now)]
    if clinical and not clinicians_available(clinical, teams, away, now):
        return [None]
    return []


def answers_red_flags(os_user: str, red_teams: Sequence[TeamSpec],
                      clinical: Sequence[str]) -> bool:
    """Whether red flags wait for `os_user`: a member of a team red flags are routed to,
    or, when no rule routes them, clinical staff."""
    if red_teams:
        return any(os_user in t.members for t in red_teams)
    return os_user in clinical
