"""Value types of teams and away: what `assign team:NAME` did, who went away, the teams.

Logins and team names come from the config roster (vetted at load); the explanation is
built by domain/teams.py from those names alone, so nothing here carries patient text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TeamAssignment:
    """One conversation given to a team: the member chosen (None: nobody was available,
    so it is left unassigned), the reason in one line, and the seq of the audit event
    (what the TUI's undo names)."""

    conversation_id: int
    team: str
    member: str | None
    explanation: str
    seq: int
    previous: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AwayResult:
    """`away on|off` for one person, and what going away handed back to their teams."""

    os_user: str
    away: bool
    changed: bool
    handed_back: tuple[TeamAssignment, ...] = ()
    warning: str = ""
    """Going away left red flags nobody available (no clinician, or nobody on the team
    the rules send them to; still done): one line."""
    red_flags_waiting: int = 0
    """Coming back, for whom red flags wait (a member of a team the rules route them to,
    else a clinician): open red flags nobody holds, or held by her."""
    red_flags_taken_up: tuple[TeamAssignment, ...] = ()
    """Coming back to a team the rules route red flags to: the red flags left unassigned
    there for want of anyone, given to the team again by its strategy."""

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.os_user, "away": self.away, "changed": self.changed,
                "handed_back": [h.to_dict() for h in self.handed_back],
                "warning": self.warning, "red_flags_waiting": self.red_flags_waiting,
                "red_flags_taken_up": [t.to_dict() for t in self.red_flags_taken_up]}


def red_flags_waiting_line(count: int) -> str:
    """What a clinician coming back is told first ("2 red flags waiting")."""
    return f"{count} red flag{'' if count == 1 else 's'} waiting"


@dataclass(frozen=True, slots=True)
class TeamView:
    """A team for the assignee picker and `cxinbox teams`: who is in it and who of them
    the next pick could land on now."""

    name: str
    strategy: str
    members: tuple[str, ...]
    available: tuple[str, ...]
    cap: int | None
    return_on_away: bool
    unavailable: tuple[tuple[str, str], ...] = ()
    """(member, why) for each member the next pick would pass over now: "away", "at cap 25",
    "off shift"."""
    next_pick: str | None = None
    """Whom the team's strategy would give a new conversation now (None: nobody available)."""
    next_why: str = ""
    """The strategy's reason for `next_pick`, as an assignment's audit event would give it
    ("round-robin: next after mgarcia; tnguyen away -> cy")."""
    red_flags_waiting: int = 0
    """Open red flags a rule sent to this team that nobody holds yet (no one on shift, or
    everyone there at the cap): the server gives them out as places open."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
