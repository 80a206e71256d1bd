"""Teams and away as use cases: `assign team:NAME`, `away on|off`, handing work back.

`assign_to_team` is the one entry point for every caller that routes a conversation to a
team: a person (`cxinbox assign 1024 --to team:results`, the TUI's picker), a bulk
command, and the rules engine (`assign = "team:results"`, actor `rule:NAME`). It runs
inside the caller's write transaction, so a rule's choice commits or rolls back with the
arrival that triggered it, and writes the assignment, the team's new round-robin position
and one `conversation.assign` event whose details carry the team, the strategy and the
chooser's explanation ("round-robin: next after mgarcia; tnguyen away -> jsmith").

When nobody on the team is available the conversation is left unassigned (a holder it
had is taken off: it was given to the team, and nobody there can take it) and the event
says why, so the desk sees it in the Unassigned view rather than with someone away.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cxinbox.config import Config
from cxinbox.contract.errors import ApiError, BadRequest, DatabaseDown, NotFound
from cxinbox.contract.routing_types import AwayResult, TeamAssignment, TeamView
from cxinbox.domain.rules import red_flag_teams
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.teams import (
    TeamChoice,
    TeamSpec,
    answers_red_flags,
    choose,
    clinicians_available,
    red_flag_gaps,
    team_available,
)
from cxinbox.service.inbox import BulkChange, BulkResult, InboxService, _Plan
from cxinbox.store.interface import Selection, StoreTx
from cxinbox.store.records import StaffState


def team_named(config: Config, team: str) -> TeamSpec:
    """The configured team, or BadRequest in one line naming the ones there are."""
    found = config.team(team)
    if found is None:
        known = ", ".join(t.name for t in config.teams) or "none configured ([[teams]])"
        raise BadRequest(f"unknown team {team!r}; known teams: {known}")
    return found


def assign_to_team(tx: StoreTx, config: Config, conversation_id: int, team: str,
                   actor: str, *, now: int, why: str = "",
                   unchanged_ok: bool = False, waited: bool = False) -> TeamAssignment:
    """Give one live conversation to `team`'s next member by its strategy, inside `tx`.

    `now` is epoch seconds (shifts are judged at it); `why` is prepended to the audited
    explanation ("handed back: mgarcia went away"). BadRequest for an unknown team,
    NotFound for a conversation that does not exist or was merged away (raised before
    anything is written, so the caller may catch it and go on). Returns what was chosen,
    with the event's seq. `unchanged_ok` (a rule): a pick that leaves the conversation with
    whom it has (nobody available for an unassigned one, or its own holder again) writes
    no event and returns seq 0, since an action that changes nothing is not done (an
    unassigned one still records the team it waits for: `take_up_red_flags`). `waited`: a
    red flag that waited unassigned is being taken up (the event says so, and the feed
    tells the one it lands on, who did not ask for it).
    """
    spec = team_named(config, team)
    row = tx.conversation(conversation_id)
    if row is None or row.merged_into:
        raise NotFound(f"no conversation #{conversation_id} to give to team {spec.name}")
    if waited and row.assignee is not None:
        # The flag waited unassigned when the round read it; someone took it since.
        return TeamAssignment(conversation_id, spec.name, row.assignee,
                              "assigned meanwhile by someone else", 0, row.assignee)
    rota = _Rota.read(tx, spec, now)
    return rota.give(tx, config, conversation_id, row.assignee, row.status == "open",
                     actor, why=why, unchanged_ok=unchanged_ok, waited=waited)


class _Rota:
    """One team's facts for a run of picks, read once and kept current as picks are made,
    so a bulk assignment of thousands reads the open counts once (a count per pick made a
    20,000-conversation bulk take minutes)."""

    def __init__(self, spec: TeamSpec, away: frozenset[str], counts: dict[str, int],
                 cursor: str | None, now: int) -> None:
        self.spec, self.away, self.counts, self.cursor, self.now = spec, away, counts, \
            cursor, now

    @classmethod
    def read(cls, tx: StoreTx, spec: TeamSpec, now: int) -> _Rota:
        return cls(spec, frozenset(a.os_user for a in tx.away_staff()),
                   dict(tx.open_counts(list(spec.members))), tx.team_cursor(spec.name), now)

    def pick(self, previous: str | None, is_open: bool) -> TeamChoice:
        """The next pick for a conversation now held by `previous`, counted as made (with
        nobody picked it is left unassigned, so its holder has it no more either way)."""
        if is_open and previous in self.counts:
            # Its own holder is not loaded by the conversation being moved.
            self.counts[previous] -= 1
        choice = choose(self.spec, away=self.away, open_counts=self.counts,
                        cursor=self.cursor, now=datetime.fromtimestamp(self.now, UTC))
        if choice.member is not None:
            self.cursor = choice.member
            if is_open:
                self.counts[choice.member] = self.counts.get(choice.member, 0) + 1
        return choice

    def give(self, tx: StoreTx, config: Config, conv_id: int, previous: str | None,
             is_open: bool, actor: str, *, why: str = "",
             unchanged_ok: bool = False, waited: bool = False) -> TeamAssignment:
        """Pick, then write the assignment, the cursor, the team and the event (with
        `unchanged_ok`, no event when the pick changes nothing: `assign_to_team`; only
        the team a conversation nobody could take waits for)."""
        choice = self.pick(previous, is_open)
        explanation = f"{why}; {choice.explanation}" if why else choice.explanation
        if unchanged_ok and choice.member == previous:
            if choice.member is None:
                # Nobody to take it: no event (the caller says why), but the team it
                # waits for is remembered, so a member coming back takes it up.
                tx.set_conversation_team(conv_id, self.spec.name, self.now)
            return TeamAssignment(conv_id, self.spec.name, choice.member, explanation, 0,
                                  previous)
        changes: dict[str, object] = {"assignee": choice.member}
        if config.sla.policies:  # policies may select by assignee
            changes["sla_dirty"] = 1
        if unchanged_ok and previous is None:
            # A rule's pick for a conversation nobody held: a person's assign committed
            # meanwhile (on PostgreSQL, by another server) is theirs, not overwritten.
            if not tx.update_state_unheld(conv_id, **changes):
                return TeamAssignment(conv_id, self.spec.name, None,
                                      "assigned meanwhile by someone else", 0, None)
        else:
            tx.update_state(conv_id, **changes)
        if choice.member is not None:
            tx.set_team_cursor(self.spec.name, choice.member, self.now)
        tx.set_conversation_team(conv_id, self.spec.name, self.now)
        seq = tx.append_event(actor, "conversation.assign", f"conversation:{conv_id}", {
            "from": previous, "to": choice.member, "team": self.spec.name,
            "strategy": self.spec.strategy, "why": explanation,
            **({"waited": True} if waited else {})})
        return TeamAssignment(conv_id, self.spec.name, choice.member, explanation, seq,
                              previous)


def hand_back(tx: StoreTx, config: Config, os_user: str, actor: str, *,
              now: int) -> list[TeamAssignment]:
    """Going away with `return_on_away`: each open conversation the person holds goes to
    the team it came through (when that team takes work back) or else to their first
    team that does; the person is already marked away in `tx`, so nobody picks them."""
    returning = [t for t in config.teams if t.return_on_away and os_user in t.members]
    if not returning:
        return []
    names = {t.name for t in returning}
    out = []
    for conv_id, came_through in tx.open_held_by(os_user):
        team = came_through if came_through in names else returning[0].name
        out.append(assign_to_team(tx, config, conv_id, team, actor, now=now,
                                  why=f"handed back: {os_user} went away"))
    return out


def _uncovered_line(config: Config, target: str, myself: bool, last: bool,
                    team: str | None) -> str:
    """The warning when someone going away leaves red flags nobody to go to: the clinical
    role (`team` None), or a team the rules route red flags to."""
    member = config.staff_member(target)
    name = (member.name if member is not None and member.name else target)
    who = "you were" if myself else f"{name} was"
    why = f" ({who} the last on shift)" if last else " (none is on shift)"
    if team is None:
        return (f"no clinician is available for red flags now{why}: new red flags stay"
                " unassigned until one is back; the notify hook still runs")
    return (f"nobody on team {team}, where the rules send red flags, is available now{why}:"
            " new red flags stay unassigned until one is back; the notify hook still runs")


def rule_routing_actor(config: Config, team: str) -> str:
    """The actor of a red flag's late routing: the first rule that routes red flags to
    `team` (its routing is what is carried out)."""
    for rule in config.rules:
        if red_flag_teams([rule]) == (team,):
            return rule.actor
    return f"rule:{team}"


def take_up_red_flags(tx: StoreTx, config: Config, os_user: str, ids: list[int], *,
                      now: int) -> list[TeamAssignment]:
    """`os_user` is back: each open red flag in `ids` (unassigned, not closed) that was
    routed to a team of theirs and left unassigned for want of anyone is given to that
    team again, oldest raise first, by its strategy (within its cap), as the routing rule
    (its actor), with the reason. Only real picks are written and returned: when there is
    still nobody to take it (the one back is off shift on a shift-aware team) a waiting
    flag gets no new event. The server's own round (service/redflag_routing.py) does the
    same when a shift starts or a place under the cap frees up."""
    from cxinbox.service.redflag_routing import take_up_waiting, waiting_flags

    mine = {t.name for t in config.red_flag_teams() if os_user in t.members}
    if not mine or not ids:
        return []
    flags = [f for f in waiting_flags(tx, ids) if f.team in mine]
    return take_up_waiting(tx, config, flags, now=now, who_back=os_user).taken


def team_views(tx: StoreTx, config: Config, now: int) -> list[TeamView]:
    """Every team with who of its members the next pick could land on now, and whom it
    would pick for a new conversation (from the team's turn, as `assign_to_team` does)."""
    from cxinbox.service.redflag_routing import waiting_flags

    away = frozenset(a.os_user for a in tx.away_staff())
    at = datetime.fromtimestamp(now, UTC)
    waiting: dict[str, int] = {}
    for flag in waiting_flags(tx, tx.red_flags_unheld()):
        if flag.team is not None:
            waiting[flag.team] = waiting.get(flag.team, 0) + 1
    views = []
    for spec in config.teams:
        counts = tx.open_counts(list(spec.members))
        choice = choose(spec, away=away, open_counts=counts, cursor=tx.team_cursor(spec.name),
                        now=at)
        skipped = {m for m, _why in choice.skipped}
        views.append(TeamView(spec.name, spec.strategy, spec.members,
                              tuple(m for m in spec.members if m not in skipped), spec.cap,
                              spec.return_on_away,
                              tuple(sorted(choice.skipped,  # in the members' order
                                           key=lambda s: spec.members.index(s[0]))),
                              choice.member, choice.explanation,
                              waiting.get(spec.name, 0)))
    return views


class TeamService:
    """Teams and away for one acting staff member, on top of their InboxService (its
    store, config, clock, role checks and per-person change limit)."""

    def __init__(self, inbox: InboxService) -> None:
        self.inbox = inbox

    def assign(self, conv_id: int, team: str) -> TeamAssignment:
        """`assign ID --to team:NAME`: one conversation, by the team's strategy."""
        inbox = self.inbox
        team_named(inbox.config, team)
        with inbox._budgeted("a change of assignee"), inbox.store.writing() as tx:
            inbox._live_row(tx, conv_id)
            inbox._spend(tx, [conv_id])
            return assign_to_team(tx, inbox.config, conv_id, team, inbox.actor,
                                  now=inbox._now())

    def bulk_assign(self, query: str, team: str, *, dry_run: bool = False) -> BulkResult:
        """Every match, one after another by the team's strategy (round-robin spreads
        them). A dry run works the picks out on a copy of the counts and writes nothing."""
        inbox = self.inbox
        spec = team_named(inbox.config, team)
        now = inbox._now()

        def plan(rows: list[StaffState], tx: StoreTx, _selection: Selection) -> _Plan:
            changes: list[BulkChange] = []
            unchanged: list[int] = []
            for row, member in zip(rows, self._picks(tx, spec, rows, now, dry_run),
                                   strict=True):
                if member == row.assignee:
                    unchanged.append(row.id)
                else:
                    changes.append(BulkChange(row.id, clean_line(row.subject), row.assignee,
                                              member))
            return _Plan(changes, unchanged, [], lambda _w: None)

        return inbox._bulk(f"assign to team:{spec.name}", query, dry_run, plan)

    def _picks(self, tx: StoreTx, spec: TeamSpec, rows: list[StaffState], now: int,
               dry_run: bool) -> list[str | None]:
        rota = _Rota.read(tx, spec, now)
        if dry_run:
            return [rota.pick(row.assignee, row.status == "open").member for row in rows]
        return [rota.give(tx, self.inbox.config, row.id, row.assignee, row.status == "open",
                          self.inbox.actor).member for row in rows]

    def set_away(self, away: bool, user: str | None = None) -> AwayResult:
        """Mark the caller (or, for supervisors and admins, a colleague) away or back.
        Going away hands open conversations back to teams with `return_on_away`."""
        inbox = self.inbox
        target = user or inbox.actor
        if inbox.config.staff and inbox.config.staff_member(target) is None:
            raise BadRequest(f"unknown user {target!r}; known users:"
                             f" {', '.join(inbox.known_users())}")
        if target != inbox.actor:
            inbox.require_role(f"marking {target} {'away' if away else 'back'}")
        now = inbox._now()
        config = inbox.config
        clinical = config.clinical_staff()
        red_teams = config.red_flag_teams()
        at = datetime.fromtimestamp(now, UTC)
        warning = ""
        taken: list[TeamAssignment] = []
        with inbox.store.writing() as tx:
            before_away = {a.os_user for a in tx.away_staff()}
            changed = tx.set_away(target, away, now, inbox.actor)
            handed: list[TeamAssignment] = []
            if changed:
                tx.append_event(inbox.actor, "staff.away", f"staff:{target}",
                                {"user": target, "away": away})
                if away:
                    handed = hand_back(tx, inbox.config, target, inbox.actor, now=now)
            after_away = {a.os_user for a in tx.away_staff()}
            if away and answers_red_flags(target, red_teams, clinical):
                warning = self._gap_warning(target, before_away, after_away, at)
            if not away and changed and red_teams:
                waiting = tx.matching_ids(inbox.selection(
                    "is:red-flag assignee:none -status:closed"))
                taken = take_up_red_flags(tx, config, target, waiting, now=now)
        count = 0
        if not away and answers_red_flags(target, red_teams, clinical):
            count = self._red_flags_waiting(target)
        return AwayResult(target, away, changed, tuple(handed), warning, count, tuple(taken))

    def _gap_warning(self, target: str, before: set[str], after: set[str],
                     at: datetime) -> str:
        """The line for `target` going away when that leaves red flags with nobody: the
        first team of theirs the rules route red flags to (or the clinical role) that had
        someone available before and has nobody now, or has nobody at all."""
        config = self.inbox.config
        clinical, red_teams = config.clinical_staff(), config.red_flag_teams()
        gaps = red_flag_gaps(red_teams, clinical, config.teams, after, at)
        for gap in gaps:
            team = config.team(gap) if gap is not None else None
            if team is not None and target not in team.members:
                continue
            was = (team_available(team, before, at) if team is not None
                   else clinicians_available(clinical, config.teams, before, at))
            return _uncovered_line(config, target, target == self.inbox.actor,
                                   target in was, gap)
        return ""

    def _red_flags_waiting(self, os_user: str) -> int:
        """Open red flags nobody holds or `os_user` holds: what a clinician coming back
        must see first (no audited read: counts, no patient text)."""
        inbox = self.inbox
        with inbox.store.reading() as tx:
            return sum(len(tx.matching_ids(inbox.selection(query))) for query in (
                "is:red-flag assignee:none", f"is:red-flag assignee:{os_user}"))

    def red_flag_full(self, available: dict[str, set[str]]) -> dict[str, set[str]]:
        """Of each red-flag team's `available` members, those at its cap now (counts of
        open conversations: no patient text, no audited read)."""
        config = self.inbox.config
        out: dict[str, set[str]] = {}
        with self.inbox.store.reading() as tx:
            for name, members in available.items():
                spec = config.team(name)
                if spec is None or spec.cap is None or not members:
                    continue
                counts = tx.open_counts(sorted(members))
                out[name] = {m for m in members if counts.get(m, 0) >= spec.cap}
        return out

    def away_users(self) -> list[str]:
        with self.inbox.store.reading() as tx:
            return [a.os_user for a in tx.away_staff()]

    def teams(self) -> list[TeamView]:
        try:
            with self.inbox.store.reading() as tx:
                return team_views(tx, self.inbox.config, self.inbox._now())
        except (ApiError, DatabaseDown):
            raise
        except Exception as exc:  # the roster's tables: said as status says it
            # The same words as the health alert (`cxinbox status`): logins and rotas
            # only, no patient text.
            from cxinbox.service.redflag_routing import roster_problem

            why = roster_problem(exc).removeprefix("red flags not routed: ")
            raise ApiError(f"teams cannot be shown: {why}; red flags are not routed meanwhile"
                           " (cxinbox status and cxinbox doctor say the same)") from exc


def teams_without_anyone(tx: StoreTx, config: Config,
                         now: int) -> list[tuple[str, tuple[str, ...]]]:
    """Each team none of whose members could take a new conversation now, with why each
    is out ("mgarcia away", "tnguyen at cap 25/25", "pnair off shift"), in the config's
    order: an assignment to the team (a rule's, a bulk one, a person's `team:NAME`) then
    leaves the conversation unassigned (`assign_to_team`), so the desk finds it in the
    Unassigned view. Counts and names only: no patient text."""
    away = frozenset(a.os_user for a in tx.away_staff())
    at = datetime.fromtimestamp(now, UTC)
    out: list[tuple[str, tuple[str, ...]]] = []
    for spec in config.teams:
        counts = tx.open_counts(list(spec.members))
        choice = choose(spec, away=away, open_counts=counts, cursor=None, now=at)
        if choice.member is not None:
            continue
        why = dict(choice.skipped)
        out.append((spec.name, tuple(
            f"{m} at cap {counts.get(m, 0)}/{spec.cap}" if "cap" in why.get(m, "")
            else f"{m} {why.get(m, 'unavailable')}" for m in spec.members)))
    return out
