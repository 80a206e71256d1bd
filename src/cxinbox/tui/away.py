"""`Z`: mark myself away or back, and show it where I and my colleagues look.

A mixin for `CxInboxApp` (like pickers.py); it uses the app's `api`, `me`, `_say`,
`_roster`, `_board` and `status_line`. The server keeps the state (service/teams.py), so
a second terminal or a restart shows the same; every client hears of a change through the
change feed (`staff.away`) and the presence version, and redraws its status line
("Maria (away)") and its assignee picker ("AWAY").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cxinbox.contract.errors import ApiError
from cxinbox.contract.routing_types import AwayResult, red_flags_waiting_line
from cxinbox.contract.team_types import StaffView
from cxinbox.contract.types import Event
from cxinbox.domain.sanitize import clean_line
from cxinbox.tui.heldtoasts import COUNT, FlagToast
from cxinbox.tui.messages import error_line

SHIFT = "staff.shift"
"""The server saw a rota open or close (service/redflag_routing.py): read the roster again."""
NO_CLINICIAN = "no clinician on shift"
"""The status line's words, for everyone, while no clinician can take a red flag."""
NO_ONE_IN = "nobody on shift in team "
"""... and while nobody of a team the rules send red flags to can (the team's name follows)."""
AT_CAP = "team {team} all at cap"
"""... and while everyone of such a team who is on shift holds the team's cap."""


def red_flag_alert(roster: list[StaffView]) -> str:
    """The status line's alert while new red flags would wait unassigned ("" while they
    would not, and until the roster has been read), from the server's roster (this TUI's
    copy of the config may predate a rota or rule change and a restart of the server):
    with rules that route red flags to a team, nobody of that team available (away, or
    off its shifts), or everyone available at the team's cap; without, clinicians on the
    roster and none on shift and here."""
    teams = red_flag_teams(roster)
    if not teams:
        return NO_CLINICIAN if no_clinician(roster) else ""
    gaps = [t for t in teams if not team_members_available(roster, t)]
    if gaps:
        more = f" +{len(gaps) - 1}" if len(gaps) > 1 else ""
        return f"{NO_ONE_IN}{gaps[0]}{more}"
    full = [t for t in teams if team_full(roster, t)]
    if full:
        more = f" +{len(full) - 1}" if len(full) > 1 else ""
        return AT_CAP.format(team=full[0]) + more
    return ""


def team_full(roster: list[StaffView], team: str) -> bool:
    """Whether every member of `team` a red flag could land on now holds the team's cap
    (the server's answer): a new red flag there waits unassigned."""
    there = [s for s in roster if team in (clean_line(t) for t in s.red_flag_available)]
    return bool(there) and all(team in (clean_line(t) for t in s.red_flag_full)
                               for s in there)


def red_flag_teams(roster: list[StaffView]) -> list[str]:
    """The teams the server's rules route red flags to (those with someone on the
    roster), in the server's order as the members list them. Names from the server's
    frame are shown on the status line and the banner: each through `clean_line`."""
    seen: dict[str, None] = {}
    for s in roster:
        seen.update(dict.fromkeys(clean_line(t) for t in s.red_flag_teams))
    return list(seen)


def team_members_available(roster: list[StaffView], team: str) -> list[str]:
    """The members of `team` a new red flag could land on now, by name (the server's
    answer: not away and, on a shift-aware team, on its shift)."""
    return [clean_line(s.name or s.os_user) for s in roster
            if team in (clean_line(t) for t in s.red_flag_available)]


def no_clinician(roster: list[StaffView]) -> bool:
    """Whether the roster names clinicians and none is available now (all away or off
    shift): new red flags then wait unassigned. False until the roster has been read.

    The server's roster says who is clinical and on shift, by the server's config: this
    TUI's own copy may predate a rota change and a restart of the server."""
    clinical = [s for s in roster if s.clinical]
    return bool(clinical) and not on_shift_names(roster)


def on_shift_names(roster: list[StaffView]) -> list[str]:
    """The clinicians who can take a red flag now (on shift, not away), by name."""
    return [clean_line(s.name or s.os_user) for s in roster
            if s.clinical and s.on_shift and not s.away]


def banner_clinicians(roster: list[StaffView]) -> str:
    """Who the red-flag banner says to get, three at most ("Cy Park, Dr Lee +2"): when
    rules route red flags to teams, those teams' members available now ("nobody in team
    nurses on shift now" when none is; "Nurse Nora, all at cap" when every one of them
    holds the team's cap, so a flag waits for a place); otherwise the clinicians on shift
    ("none on shift now" when the roster has clinicians but none can come); "" when it has
    none (or has not been read)."""
    teams = red_flag_teams(roster)
    if teams:
        names = list(dict.fromkeys(n for t in teams for n in team_members_available(roster, t)))
        if names and all(team_full(roster, t) for t in teams
                         if team_members_available(roster, t)):
            return ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "") \
                + ", all at cap"
        if not names:
            word = "team" if len(teams) == 1 else "teams"
            return f"nobody in {word} {', '.join(teams)} on shift now"
    else:
        names = on_shift_names(roster)
        if not names:
            return "none on shift now" if any(s.clinical for s in roster) else ""
    return ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")


def away_line(result: AwayResult) -> str:
    """The toast: what changed and what it did with my conversations."""
    if not result.away:
        if not result.changed:
            return "You were not away"
        taken = result.red_flags_taken_up
        if not taken:
            return "You are back: teams include you again"
        mine = sum(1 for t in taken if t.member == result.os_user)
        given = sum(1 for t in taken if t.member is not None)
        return (f"You are back: {given} waiting red flag(s) assigned by team"
                f" ({mine} to you)")
    if not result.changed:
        return "You were already away"
    handed = result.handed_back
    if not handed:
        return "You are away: teams pass you over (Z again when you are back)"
    kept = sum(1 for h in handed if h.member is None)
    text = f"You are away: {len(handed)} open conversation(s) handed back to your team"
    if kept:
        text += f" ({kept} left unassigned: nobody available)"
    return text


class AwayMixin:
    """Methods mixed into CxInboxApp (see module docstring)."""

    def _away_init(self: Any) -> None:
        self._am_away = False
        self._roster_unreadable = False

    def _roster_readable(self: Any, readable: bool) -> None:
        """The server says whether its red-flag round reads the roster (`redflag:roster`).
        While it cannot, who is at the cap or on shift is not known: the status line's
        team alert ends (the server's alert says why red flags are not routed) rather
        than keep saying what an old roster said; once it reads again, so do we."""
        if readable == (not self._roster_unreadable):
            return
        self._roster_unreadable = not readable
        self._check_clinicians()
        if readable:
            self._fetch_roster()

    def _roster_changed(self: Any) -> None:
        """A fresh roster says whether I am away (set by me elsewhere, or a supervisor)."""
        mine = next((s for s in self._roster if s.os_user == self.me), None)
        if mine is not None:
            self._am_away = mine.away
            self.status_line.set_away(mine.away)
        self._check_clinicians()

    def _check_clinicians(self: Any) -> None:
        """The status line says "no clinician on shift" while that holds (a clinician
        away, or a shift ending: the roster is read again on the SLA clock's timer and
        when the server is back after a restart), and the red-flag banner names who is
        on shift."""
        self.status_line.set_alert("" if self._roster_unreadable
                                   else red_flag_alert(self._roster))
        self.thread.set_staff(banner_clinicians(self._roster),
                              {s.os_user: s.name for s in self._roster if s.name})

    def _away_events(self: Any, events: Iterable[Event]) -> None:
        """Someone went away or came back: refresh the roster (the picker's AWAY marks,
        and my own state when a supervisor changed it), and tell me if it was done to me."""
        events = list(events)
        changes = [e for e in events if e.action == "staff.away"]
        if not changes:
            if any(e.action == SHIFT for e in events):
                self._fetch_roster()  # a rota opened or closed: who is on shift now
            return
        self._fetch_roster()
        for event in changes:
            if event.details.get("user") == self.me and event.actor != self.me:
                word = "away" if event.details.get("away") else "back"
                self._say(f"{event.actor} marked you {word}", "warning")

    def action_toggle_away(self: Any) -> None:
        want = not self._am_away

        async def go() -> None:
            try:
                result = await self.api.set_away(want)
            except ApiError as exc:
                self._say(f"Away: {error_line(exc)}", "error")
                return
            except Exception as exc:  # noqa: BLE001 - said, and the state is unchanged
                self._say(f"Away: {error_line(exc)}", "error")
                return
            self._am_away = result.away
            self.status_line.set_away(result.away)
            self._say(away_line(result))
            if result.warning:  # still away: she may have to go; everyone sees the line
                self._say(f"Warning: {clean_line(result.warning)}", "warning")
            if result.red_flags_waiting:
                self._red_flags_waiting(result.red_flags_waiting)
            self._fetch_roster()
            self._start_poll()

        self.run_worker(go, group="away", exclusive=True, exit_on_error=False)

    def _red_flags_waiting(self: Any, count: int) -> None:
        """Back, with red flags nobody (or I) hold: say so, and put the list at its top,
        where they are (red flags sort first), not wherever it was scrolled."""
        self._say_flag(FlagToast(f"{red_flags_waiting_line(count)}: the list is back at"
                                 " the top (3 shows only red flags)", None, COUNT,
                                 count=count, severity="warning"))
        self.conversation_list.action_cursor_top()
