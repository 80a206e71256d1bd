"""Red flags that wait unassigned: taken up when someone can take them, and told when caps
are what holds them.

A rule that routes red flags to a team (`assign = "team:nurses"` on `is:red-flag`) leaves a
flag unassigned when nobody there is available (everyone away or off shift) or when every
member who is there is at the team's cap, and remembers the team it waits for
(service/teams.py). Only such a flag waits: one a person unassigned on purpose (or gave
to someone, then took back) since its raise is no longer the team's to take up. A member coming back (`away off`) takes up what waited at once. What no
person does by a command is the clock and the caps: a shift starting at 08:00, a nurse
closing a conversation and so dropping under her cap. `RedFlagRouter` is the server's
worker for those: every few seconds it looks at the red flags waiting for a team, oldest
raise first, and gives each to the team by its strategy (within caps, as the routing rule:
`rule:NAME` in the audit, with "red flag waited" in the reason). One that still cannot be
given because every member on shift is at the cap is told once per raise: a
`redflag.waiting` event (every TUI toasts it and rings), and the notify hook with
`CXINBOX_EVENT=red_flag_waiting`, never the patient's words.

Without a routing rule red flags wait for the clinical role and nobody assigns them: a
clinician whose shift starts while some wait is offered them (`redflag.offered`, her TUI
toasts the count and puts the list at its top), as coming back from away does; with one,
a flag no rule sent to a team (raised by a tag) is offered so to the routing teams'
members whose shift starts. A rota opening or closing is one `staff.shift` event, the TUIs'
cue to read the roster (who is on shift) again.

Runs once for the desk: on a shared store under the leader lease (service/leader.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from cxinbox.config import Config
from cxinbox.contract.routing_types import TeamAssignment
from cxinbox.domain.teams import (
    TeamSpec,
    choose,
    clinicians_available,
    member_on_shift,
    team_available,
)
from cxinbox.service.inbox import SYSTEM_ACTOR
from cxinbox.service.logsafe import fields, log_failure
from cxinbox.service.notify import run_notify
from cxinbox.service.redflags import RAISED
from cxinbox.store.interface import Store, StoreTx

log = logging.getLogger("cxinbox.redflags")

WAITING: Final = "redflag.waiting"
"""A red flag left unassigned although its team has members on shift: all at the cap."""
OFFERED: Final = "redflag.offered"
"""Someone red flags wait for came on shift while some wait that no rule gave a team."""
SHIFT: Final = "staff.shift"
"""Someone's rota opened or closed since the last round: TUIs read the roster again."""
INTERVAL_S: Final = 5.0
"""How often the server looks: a shift start or a freed place is taken up within this."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """An open red flag nobody holds, and the team it waits for (None: the clinical role)."""

    conversation_id: int
    team: str | None
    raised_at: int


@dataclass(frozen=True, slots=True)
class AtCap:
    """A red flag told as waiting because its team's members on shift are all at the cap."""

    conversation_id: int
    team: str
    cap: int | None
    why: str


@dataclass(slots=True)
class RoutingRound:
    """What one round did: flags given to a team, flags told as held by caps, clinicians
    offered what waits."""

    taken: list[TeamAssignment] = field(default_factory=list)
    at_cap: list[AtCap] = field(default_factory=list)
    offered: dict[str, int] = field(default_factory=dict)


def waiting_flags(tx: StoreTx, ids: Sequence[int]) -> list[Waiting]:
    """Of `ids`, the open red flags nobody holds and not closed, with the team each waits
    for, oldest raise first (then by id)."""
    if not ids:
        return []
    teams = tx.teams_of(list(ids))
    out = []
    for conv_id in ids:
        state = tx.red_flag_state(conv_id)
        if state is None or not state.is_open:
            continue
        conv = tx.conversation(conv_id)
        if conv is None or conv.status == "closed" or conv.assignee is not None:
            continue
        team = teams.get(conv_id)
        if team is not None and not _waits_for_team(tx, conv_id):
            team = None
        out.append(Waiting(conv_id, team, int(state.raised_at or 0)))
    out.sort(key=lambda w: (w.raised_at, w.conversation_id))
    return out


def _waits_for_team(tx: StoreTx, conv_id: int) -> bool:
    """Whether an unassigned red flag waits for the team it was last given to: only when
    that team's pick found nobody for it. The wait is read from the audit trail since the
    flag's raise: the rule's pick that placed nobody writes no assign event, and a team's
    pick that found nobody says so (`to` none, with the team); any other assign or
    unassign by a person (a nurse handing it to the doctor, the picker) ends the wait, so
    the next round does not take it back."""
    target = f"conversation:{conv_id}"
    raised = tx.newest_on_targets([target], RAISED).get(target)
    after = raised[0].seq if raised is not None else 0
    assigns = tx.later_on_target(target, after, ["conversation.assign"])
    if not assigns:
        return True
    last = assigns[-1]
    if last.actor == SYSTEM_ACTOR or last.actor.startswith("rule:"):
        return True
    return last.details.get("to") is None and last.details.get("team") is not None


def _facts(tx: StoreTx, spec: TeamSpec) -> tuple[frozenset[str], dict[str, int], str | None]:
    away = frozenset(a.os_user for a in tx.away_staff())
    return away, dict(tx.open_counts(list(spec.members))), tx.team_cursor(spec.name)


def take_up_waiting(tx: StoreTx, config: Config, flags: Sequence[Waiting], *, now: int,
                    who_back: str | None = None) -> RoutingRound:
    """Give each waiting red flag routed to a team (`flags`, oldest first) to that team by
    its strategy, within its cap, as the routing rule; tell once per raise those still held
    by caps alone. `who_back`: the person whose return asked (`away off`), named in the
    reason; else the reason names who the pick found available now."""
    from cxinbox.service.teams import assign_to_team, rule_routing_actor

    done = RoutingRound()
    red = {t.name: t for t in config.red_flag_teams()}
    at = datetime.fromtimestamp(now, UTC)
    for flag in flags:
        spec = red.get(flag.team) if flag.team is not None else None
        if spec is None:
            continue
        away, counts, cursor = _facts(tx, spec)
        preview = choose(spec, away=away, open_counts=counts, cursor=cursor, now=at)
        if preview.member is None:
            if who_back is None and team_available(spec, away, at):
                told = _tell_at_cap(tx, spec, flag, preview.explanation)
                if told is not None:
                    done.at_cap.append(told)
            continue
        why = (f"red flag waited: {who_back} back" if who_back is not None
               else _why_now(tx, spec, flag, preview.member))
        taken = assign_to_team(tx, config, flag.conversation_id, spec.name,
                               rule_routing_actor(config, spec.name), now=now, why=why,
                               unchanged_ok=True, waited=True)
        if taken.seq:
            done.taken.append(taken)
    return done


def _why_now(tx: StoreTx, spec: TeamSpec, flag: Waiting, member: str) -> str:
    """Why a waiting flag can be given now: its pick came on shift since the raise, or had
    no place under the cap then (told), or is simply there now."""
    raised = datetime.fromtimestamp(flag.raised_at, UTC) if flag.raised_at else None
    if spec.strategy == "shift-aware" and raised is not None \
            and not member_on_shift(member, [spec], raised):
        return f"red flag waited: {member} on shift"
    if _told_since_raise(tx, flag.conversation_id):
        return f"red flag waited: {member} under the cap again"
    return f"red flag waited: {member} available"


def _told_since_raise(tx: StoreTx, conv_id: int) -> bool:
    target = f"conversation:{conv_id}"
    raised = tx.newest_on_targets([target], RAISED).get(target)
    after = raised[0].seq if raised is not None else 0
    return bool(tx.later_on_target(target, after, [WAITING]))


def _tell_at_cap(tx: StoreTx, spec: TeamSpec, flag: Waiting, why: str) -> AtCap | None:
    """The `redflag.waiting` event, once for this raise of the flag (None: told before)."""
    if _told_since_raise(tx, flag.conversation_id):
        return None
    cap = spec.cap
    tx.append_event(SYSTEM_ACTOR, WAITING, f"conversation:{flag.conversation_id}", {
        "conversation": flag.conversation_id, "team": spec.name, "reason": "at cap",
        "cap": cap, "why": why})
    return AtCap(flag.conversation_id, spec.name, cap, why)


def would_act(tx: StoreTx, config: Config, flags: Sequence[Waiting], *, now: int) -> bool:
    """Whether `take_up_waiting` would write anything for `flags`: a pick, or a cap not
    told yet for this raise (read-only, so an idle round takes no write lock)."""
    red = {t.name: t for t in config.red_flag_teams()}
    at = datetime.fromtimestamp(now, UTC)
    for flag in flags:
        spec = red.get(flag.team) if flag.team is not None else None
        if spec is None:
            continue
        away, counts, cursor = _facts(tx, spec)
        if choose(spec, away=away, open_counts=counts, cursor=cursor, now=at).member:
            return True
        if team_available(spec, away, at) and not _told_since_raise(tx, flag.conversation_id):
            return True
    return False


def offer_on_shift(tx: StoreTx, config: Config, flags: Sequence[Waiting],
                   newly: Sequence[str]) -> dict[str, int]:
    """People who came on shift (`newly`) while red flags wait that no rule routed to a
    team (every flag, without routing rules; with them, those raised by a tag or a rule
    of another kind): a `redflag.offered` event each with the count, which their TUI
    toasts; returns login -> count."""
    routed = {t.name for t in config.red_flag_teams()}
    count = sum(1 for f in flags if f.team not in routed)
    if not count:
        return {}
    offered = {}
    for user in newly:
        tx.append_event(SYSTEM_ACTOR, OFFERED, f"staff:{user}",
                        {"user": user, "count": count})
        offered[user] = count
    return offered


def notify_at_cap(config: Config, told: Sequence[AtCap]) -> threading.Thread | None:
    """The notify hook once per flag told as held by caps, after the commit, on a thread of
    its own: the team, the cap and the conversation's number, never the patient's words."""
    argv = config.triage.notify_command or config.sla.notify_command
    if not argv or not told:
        return None
    items = list(told)

    def run() -> None:
        for item in items:
            message = (f"red flag #{item.conversation_id} waits unassigned: everyone on"
                       f" shift in team {item.team} is at the cap"
                       + (f" ({item.cap})" if item.cap is not None else ""))
            run_notify(list(argv), env={
                "CXINBOX_EVENT": "red_flag_waiting", "CXINBOX_STATE": "red-flag-waiting",
                "CXINBOX_CONVERSATION": str(item.conversation_id), "CXINBOX_TEAM": item.team,
                "CXINBOX_REASON": "at cap", "CXINBOX_CAP": "" if item.cap is None
                else str(item.cap), "CXINBOX_MESSAGE": message},
                details={"event": "red_flag_waiting", "conversation": item.conversation_id,
                         "team": item.team, "reason": "at cap", "cap": item.cap,
                         "message": message},
                log=log, what="red-flag waiting notify_command",
                conversation=item.conversation_id)

    thread = threading.Thread(target=run, name="cxinbox-redflag-waiting-notify")
    thread.start()
    return thread


class RedFlagRouter:
    """The server's worker (service/runtime.py): `round` every `interval_s`."""

    name = "red flag routing"

    def __init__(self, store: Store, config: Config, *,
                 clock: Callable[[], float] = time.time,
                 interval_s: float = INTERVAL_S) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.interval_s = interval_s
        self._last: tuple[set[str], set[str]] | None = None
        """The clinicians available and the staff away at the last round (None before the
        first: a restart offers nothing)."""
        self._rota_on: set[str] | None = None
        """Who was on shift by the rotas at the last round."""

    def round(self, now: int) -> RoutingRound:
        """One look: nothing written when no red flag waits and nobody came on shift."""
        config = self.config
        at = datetime.fromtimestamp(now, UTC)
        with self.store.reading() as tx:
            away = {a.os_user for a in tx.away_staff()}
            ids = tx.red_flags_unheld()
        red_teams = config.red_flag_teams()
        # Who red flags wait for: with routing rules, those teams' members; else clinicians.
        available = {m for t in red_teams for m in team_available(t, away, at)} \
            if red_teams else set(clinicians_available(config.clinical_staff(),
                                                       config.teams, away, at))
        # Back from away is `away off`'s to tell; coming on shift by the clock is ours.
        newly = [] if self._last is None else sorted(
            available - self._last[0] - self._last[1])
        # What this round saw is remembered only once the events that tell it are
        # committed: a round whose write fails leaves them to the next, not lost.
        seen = (available, away)
        rota_on, shift = self._shift_change(at)
        if shift is not None:
            with self.store.writing() as tx:
                tx.append_event(SYSTEM_ACTOR, SHIFT, "staff:shift", shift)
        self._rota_on = rota_on
        if not ids:
            self._last = seen
            return RoutingRound()
        routed = bool(red_teams)
        if not newly:
            self._last = seen
            with self.store.reading() as tx:  # most rounds change nothing: no write lock
                if not routed or not would_act(tx, config, waiting_flags(tx, ids), now=now):
                    return RoutingRound()
        done = RoutingRound()
        with self.store.writing() as tx:
            flags = waiting_flags(tx, tx.red_flags_unheld())
            if routed:
                done = take_up_waiting(tx, config, flags, now=now)
            if newly:
                done.offered = offer_on_shift(tx, config, flags, newly)
        self._last = seen
        # After the commit: a crash between the two loses this page (at most once); a
        # write that fails pages nobody, and the next round tells the flag again.
        notify_at_cap(config, done.at_cap)
        if done.taken or done.at_cap or done.offered:
            log.info("red flags waiting: taken up %d, told at cap %d, offered to %d",
                     len(done.taken), len(done.at_cap), len(done.offered),
                     extra=fields(count=len(done.taken), escalated=len(done.at_cap)))
        return done

    def _shift_change(self, at: datetime) -> tuple[set[str], dict[str, list[str]] | None]:
        """Who is on shift now by the rotas alone (away is `staff.away`'s), and who came on
        shift and who went off since the last round: None when nobody did, and at the
        first round. The caller remembers the first once the second is written."""
        config = self.config
        with_rota = {m for t in config.teams for m in t.shifts}
        now_on = {u for u in with_rota if member_on_shift(u, config.teams, at)}
        before = self._rota_on
        if before is None or before == now_on:
            return now_on, None
        return now_on, {"on": sorted(now_on - before), "off": sorted(before - now_on)}

    def run(self, stop: threading.Event) -> None:
        """Until `stop`: a round every `interval_s`; an error in one is logged and the
        next round tries again. Each run starts fresh, as a server that starts up does:
        the leader (service/leader.py) runs this router again after a lease gap, and what
        it saw before the gap would offer flags to those whose shift began hours ago."""
        self._last = None
        self._rota_on = None
        while not stop.is_set():
            try:
                self.round(int(self.clock()))
            except Exception as exc:  # noqa: BLE001 - the next round tries again
                log_failure(log, "red-flag routing round failed", exc)
            stop.wait(self.interval_s)
