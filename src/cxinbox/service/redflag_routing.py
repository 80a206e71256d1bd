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
`CXINBOX_EVENT=red_flag_waiting`, never the patient's words: at least once, the page
recorded with the event and told gone after its hook, paged again by a restarted server
(or, on PostgreSQL, the next leader) when its server died in between, at most
MAX_PAGINGS times.

Without a routing rule red flags wait for the clinical role and nobody assigns them: a
clinician whose shift starts while some wait is offered them (`redflag.offered`, her TUI
toasts the count and puts the list at its top), as coming back from away does; with one,
a flag no rule sent to a team (raised by a tag) is offered so to the routing teams'
members whose shift starts. A rota opening or closing is one `staff.shift` event, the TUIs'
cue to read the roster (who is on shift) again. A server that starts (or takes the lead)
while shifts run catches up at its first round: routed flags are given as at any round,
and the others offered, once a shift, to the people on shift now. A roster the round
cannot read is a health alert (`redflag:roster`) until it reads again.

Runs once for the desk: on a shared store under the leader lease (service/leader.py).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from cxinbox.config import Config
from cxinbox.contract.errors import DatabaseDown
from cxinbox.contract.health_types import PAGE_ALERT as PAGE_ALERT  # noqa: PLC0414
from cxinbox.contract.health_types import ROSTER_ALERT as ROSTER_ALERT  # noqa: PLC0414
from cxinbox.contract.routing_types import TeamAssignment
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.teams import (
    TeamSpec,
    choose,
    clinicians_available,
    member_on_shift,
    team_available,
)
from cxinbox.service.health import Health
from cxinbox.service.inbox import SYSTEM_ACTOR
from cxinbox.service.logsafe import fields, log_failure
from cxinbox.service.notify import run_notify
from cxinbox.service.redflags import RAISED
from cxinbox.service.sla_monitor import hook_timeout_s, pager_gone, paging_marks
from cxinbox.store.fence import unfenced
from cxinbox.store.interface import Store, StoreTx
from cxinbox.store.records import StoredEvent

log = logging.getLogger("cxinbox.redflags")

WAITING: Final = "redflag.waiting"
"""A red flag left unassigned although its team has members on shift: all at the cap.
With a notify hook, also the record of its page (who pages, until when)."""
PAGING: Final = "redflag.waiting_paging"
"""A cap page paged again: its first server died (or lost the store) before telling it
gone. No TUI toasts it (the `redflag.waiting` was toasted)."""
TOLD: Final = "redflag.waiting_told"
"""A cap page gone (`sent`: whether its hook said so; null: given up or not owed)."""
MAX_PAGINGS: Final = 3
"""Pagings of one cap page that never ended before it is given up (a hook that takes
its server down with it does not page forever); the desk is then told by a health
alert instead."""
# PAGE_ALERT (contract/health_types.py): the health alert of the cap pages given up after
# MAX_PAGINGS: one alert whose line names every red flag whose page was given up
# (`given_up_line`), so a second one given up adds to it rather than hides the first.
# ROSTER_ALERT: while the round cannot read the roster (away staff, team rotas).
OFFERED: Final = "redflag.offered"
"""Someone red flags wait for came on shift while some wait that no rule gave a team."""
SHIFT: Final = "staff.shift"
"""Someone's rota opened or closed since the last round: TUIs read the roster again."""
INTERVAL_S: Final = 5.0
"""How often the server looks by default (`[triage] check_interval`): a shift start or a
freed place is taken up within this."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """An open red flag nobody holds, and the team it waits for (None: the clinical role)."""

    conversation_id: int
    team: str | None
    raised_at: int
    raised_ms: int = 0
    """When its `redflag.raised` event was written (epoch ms; 0: no such event kept)."""
    raised_seq: int = 0
    """That event's seq (0: none kept): the order of two raises in the same millisecond."""


@dataclass(frozen=True, slots=True)
class AtCap:
    """A red flag told as waiting because its team's members on shift are all at the cap."""

    conversation_id: int
    team: str
    cap: int | None
    why: str
    paging: int = 0
    """The seq of the event recording this page (`redflag.waiting`, or a resume's
    `redflag.waiting_paging`); 0 when no hook is configured (nothing to page)."""


@dataclass(slots=True)
class RoutingRound:
    """What one round did: flags given to a team, flags told as held by caps, clinicians
    offered what waits."""

    taken: list[TeamAssignment] = field(default_factory=list)
    at_cap: list[AtCap] = field(default_factory=list)
    offered: dict[str, int] = field(default_factory=dict)


def waiting_flags(tx: StoreTx, ids: Sequence[int]) -> list[Waiting]:
    """Of `ids`, the open red flags nobody holds and not closed, with the team each waits
    for, oldest raise first (then by id).

    The raise's time is its `redflag.raised` event's, to the millisecond, and two raises
    in the same millisecond go by the events' order: the flag's own `raised_at` is in
    whole seconds, and is taken by its writer before its transaction waits for the write
    lock, so a flag raised 31 ms after another could carry the earlier second. A flag
    whose raise event is no longer kept (released by retention) is older than any whose
    is, and goes first, by its `raised_at`."""
    if not ids:
        return []
    teams = tx.teams_of(list(ids))
    raises = tx.newest_on_targets([f"conversation:{i}" for i in ids], RAISED)
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
        raised = raises.get(f"conversation:{conv_id}")
        out.append(Waiting(conv_id, team, int(state.raised_at or 0),
                           int(raised[1]) if raised is not None else 0,
                           raised[0].seq if raised is not None else 0))
    out.sort(key=lambda w: (w.raised_seq > 0, w.raised_ms, w.raised_seq, w.raised_at,
                            w.conversation_id))
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
                    who_back: str | None = None,
                    paging: Callable[[int], dict[str, object]] | None = None
                    ) -> RoutingRound:
    """Give each waiting red flag routed to a team (`flags`, oldest first) to that team by
    its strategy, within its cap, as the routing rule; tell once per raise those still held
    by caps alone. `who_back`: the person whose return asked (`away off`), named in the
    reason; else the reason names who the pick found available now. `paging(n)`: the marks
    of the n-th page (from 0) the round's cap tells record (`paging_marks`; the round's
    pages run one after another, so the n-th one's `until` is n hooks later; None: no hook
    to run)."""
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
                told = _tell_at_cap(tx, spec, flag, preview.explanation,
                                    paging(len(done.at_cap)) if paging else None)
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


def _tell_at_cap(tx: StoreTx, spec: TeamSpec, flag: Waiting, why: str,
                 paging: dict[str, object] | None) -> AtCap | None:
    """The `redflag.waiting` event, once for this raise of the flag (None: told before).
    With a hook to run, the event is also the record of the page about to go (`paging`:
    who pages and until when, `paging_marks`), in the same transaction: a page whose
    server dies before it is told gone is paged again (`resume_pages`)."""
    if _told_since_raise(tx, flag.conversation_id):
        return None
    cap = spec.cap
    seq = tx.append_event(SYSTEM_ACTOR, WAITING, f"conversation:{flag.conversation_id}", {
        "conversation": flag.conversation_id, "team": spec.name, "reason": "at cap",
        "cap": cap, "why": why, **(paging or {})})
    return AtCap(flag.conversation_id, spec.name, cap, why, seq if paging else 0)


@dataclass(frozen=True, slots=True)
class _Page:
    """A cap page recorded and not told gone: its first record (the `redflag.waiting`
    event), the newest (itself or a resume's `redflag.waiting_paging`), how many."""

    first: StoredEvent
    last: StoredEvent
    pagings: int


def _page_owed(tx: StoreTx, conv_id: int, raised_seq: int | None = None) -> _Page | None:
    """The cap page of this raise of the flag that began and no `redflag.waiting_told`
    ended, if any (`raised_seq`: the raise's event, when the caller read it already). A
    `redflag.waiting` without paging marks paged nothing (no hook then, or written before
    pages were recorded): nothing is owed."""
    target = f"conversation:{conv_id}"
    if raised_seq is None:
        raised = tx.newest_on_targets([target], RAISED).get(target)
        raised_seq = raised[0].seq if raised is not None else 0
    after = raised_seq
    seen = tx.later_on_target(target, after, [WAITING, PAGING, TOLD])
    first = next((e for e in seen if e.action == WAITING), None)
    if first is None or "until" not in first.details:
        return None
    later = [e for e in seen if e.seq >= first.seq]
    if any(e.action == TOLD for e in later):
        return None
    pagings = [e for e in later if e.action in (WAITING, PAGING)]
    return _Page(first, pagings[-1], len(pagings))


def page_message(conv_id: int, team: str, cap: int | None) -> str:
    return (f"red flag #{conv_id} waits unassigned: everyone on shift in team {team} is"
            " at the cap" + (f" ({cap})" if cap is not None else ""))


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
                   newly: Sequence[str], *, now: int | None = None) -> dict[str, int]:
    """People who came on shift (`newly`) while red flags wait that no rule routed to a
    team (every flag, without routing rules; with them, those raised by a tag or a rule
    of another kind): a `redflag.offered` event each with the count, which their TUI
    toasts (`at`: the round's time, epoch s, what a later first round compares with the
    shift's start); returns login -> count."""
    routed = {t.name for t in config.red_flag_teams()}
    count = sum(1 for f in flags if f.team not in routed)
    if not count:
        return {}
    offered = {}
    for user in newly:
        tx.append_event(SYSTEM_ACTOR, OFFERED, f"staff:{user}",
                        {"user": user, "count": count,
                         **({"at": now} if now is not None else {})})
        offered[user] = count
    return offered


def _hook(config: Config) -> list[str]:
    return list(config.triage.notify_command or config.sla.notify_command or [])


def notify_at_cap(config: Config, told: Sequence[AtCap], *,
                  timeout_s: float | None = None,
                  done: Callable[[AtCap, bool], None] | None = None
                  ) -> threading.Thread | None:
    """The notify hook once per flag told as held by caps, after the commit, on a thread of
    its own: the team, the cap and the conversation's number, never the patient's words.
    `done(item, sent)` after each hook returned (the router records the page gone)."""
    argv = _hook(config)
    if not argv or not told:
        return None
    items = list(told)
    limit = hook_timeout_s() if timeout_s is None else timeout_s

    def run() -> None:
        for item in items:
            message = page_message(item.conversation_id, item.team, item.cap)
            sent = run_notify(list(argv), env={
                "CXINBOX_EVENT": "red_flag_waiting", "CXINBOX_STATE": "red-flag-waiting",
                "CXINBOX_CONVERSATION": str(item.conversation_id), "CXINBOX_TEAM": item.team,
                "CXINBOX_REASON": "at cap", "CXINBOX_CAP": "" if item.cap is None
                else str(item.cap), "CXINBOX_MESSAGE": message},
                details={"event": "red_flag_waiting", "conversation": item.conversation_id,
                         "team": item.team, "reason": "at cap", "cap": item.cap,
                         "message": message},
                log=log, what="red-flag waiting notify_command",
                conversation=item.conversation_id, timeout_s=limit)
            if done is not None:
                done(item, sent)

    thread = threading.Thread(target=run, name="cxinbox-redflag-waiting-notify")
    thread.start()
    return thread


def read_roster(tx: StoreTx, config: Config, at: datetime) -> tuple[set[str], set[str]]:
    """Who is away, and who red flags wait for at `at`: with routing rules, those teams'
    members available by their strategy; else the clinicians not away and on shift. Every
    team's rota is read too (what `staff.shift` tells), so one that cannot be evaluated
    fails here, as the round would."""
    away = {a.os_user for a in tx.away_staff()}
    for team in config.teams:
        for rota in team.shifts.values():
            rota.is_open(at)
    red_teams = config.red_flag_teams()
    available = {m for t in red_teams for m in team_available(t, away, at)} \
        if red_teams else set(clinicians_available(config.clinical_staff(),
                                                   config.teams, away, at))
    return away, available


def shift_start_ms(user: str, teams: Sequence[TeamSpec], at: datetime) -> int | None:
    """When `user`'s current shift began (epoch ms) by the rotas that have them on shift
    at `at`, looking back two days at most; None when no team gives them a rota (always
    on shift) or none has them on shift now."""
    starts = []
    for rota in (t.shifts[user] for t in teams if user in t.shifts):
        if not rota.is_open(at):
            continue
        spans = rota.open_spans(at - timedelta(days=2), at + timedelta(seconds=1))
        if spans:
            starts.append(spans[-1][0])
    return min(starts) * 1000 if starts else None


def offer_to_those_on_shift(tx: StoreTx, config: Config, flags: Sequence[Waiting],
                            available: Sequence[str], at: datetime) -> dict[str, int]:
    """A server starting up (or a leader taking over) while shifts run: the people
    available now who were not offered what waits since their shift began (with no rota:
    since the newest of those flags was raised) are offered it now, as at a shift start:
    once a shift, so a restart that finds them offered already offers nothing."""
    routed = {t.name for t in config.red_flag_teams()}
    mine = [f for f in flags if f.team not in routed]
    if not mine:
        return {}
    newest_raise = max(f.raised_ms or f.raised_at * 1000 for f in mine)
    last = tx.newest_on_targets([f"staff:{u}" for u in available], OFFERED)
    due = []
    for user in available:
        since = shift_start_ms(user, config.teams, at) or newest_raise
        if _offered_ms(last.get(f"staff:{user}")) < since:
            due.append(user)
    return offer_on_shift(tx, config, flags, due, now=int(at.timestamp())) if due else {}


class RedFlagRouter:
    """The server's worker (service/runtime.py): `round` every `interval_s`."""

    name = "red flag routing"

    def __init__(self, store: Store, config: Config, *,
                 clock: Callable[[], float] = time.time,
                 interval_s: float = INTERVAL_S, health: Health | None = None,
                 notify_timeout_s: float | None = None) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.interval_s = interval_s
        self.health = health
        self.notify_timeout_s = (hook_timeout_s() if notify_timeout_s is None
                                 else notify_timeout_s)
        self._last: tuple[set[str], set[str]] | None = None
        """The clinicians available and the staff away at the last round (None before the
        first: the people on shift now are offered what they were not offered yet)."""
        self._rota_on: set[str] | None = None
        """Who was on shift by the rotas at the last round."""
        self._lock = threading.Lock()
        self._in_flight: set[int] = set()
        """Pages (their record's seq) this process's hook thread has not finished."""
        self._untold: dict[int, tuple[int, bool]] = {}
        """Pages paged whose told write failed: seq -> (conversation, sent), written again
        by the next round without paging again."""
        self._threads: list[threading.Thread] = []

    def _roster(self, at: datetime) -> tuple[set[str], list[int], set[str]]:
        """Who is away, the open flags nobody holds, who red flags wait for now. A roster
        that cannot be read is a health alert on everyone's status line (cleared by the
        first round that reads it again); the round then does nothing."""
        step = "roster"
        try:
            with self.store.reading() as tx:
                away, available = read_roster(tx, self.config, at)
                step = "flags"
                ids = tx.red_flags_unheld()
        except DatabaseDown:
            raise  # the store's outage is its own alert
        except Exception as exc:
            # Said once the read has ended (a failed statement ends a PostgreSQL read
            # too), only when the roster's part failed; then the round fails.
            if step == "roster" and self.health is not None:
                self.health.problem(ROSTER_ALERT, roster_problem(exc))
            raise
        if self.health is not None:
            self.health.ok(ROSTER_ALERT)
        return away, ids, available

    def round(self, now: int) -> RoutingRound:
        """One look: nothing written when no red flag waits and nobody came on shift."""
        config = self.config
        at = datetime.fromtimestamp(now, UTC)
        self._write_untold()
        away, ids, available = self._roster(at)
        self._end_given_up(ids)
        red_teams = config.red_flag_teams()
        # Back from away is `away off`'s to tell; coming on shift by the clock is ours.
        # The first round (a server starting, a leader taking over) offers to those on
        # shift now what they were not offered yet (`offer_to_those_on_shift`).
        first = self._last is None
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
            with self.store.reading() as tx:  # most rounds change nothing: no write lock
                flags = waiting_flags(tx, ids)
                idle = (not routed or not would_act(tx, config, flags, now=now)) and (
                    not first or not offer_due(tx, config, flags, sorted(available), at))
            if idle:
                self._last = seen
                self._resume_pages(ids, now, flags)
                return RoutingRound()
        done = RoutingRound()
        argv = _hook(config)
        with self.store.writing() as tx:
            flags = waiting_flags(tx, tx.red_flags_unheld())
            if routed:
                done = take_up_waiting(
                    tx, config, flags, now=now,
                    paging=(lambda n: paging_marks(self.notify_timeout_s * (n + 1),
                                                   self.clock())) if argv else None)
            if newly:
                done.offered = offer_on_shift(tx, config, flags, newly, now=now)
            elif first:
                done.offered = offer_to_those_on_shift(tx, config, flags,
                                                       sorted(available), at)
        self._last = seen
        # After the commit, which recorded each page: a crash before its told is written
        # leaves it owed, and the next round (here or on a restarted server) pages it.
        self._page(done.at_cap)
        if done.taken or done.at_cap or done.offered:
            log.info("red flags waiting: taken up %d, told at cap %d, offered to %d",
                     len(done.taken), len(done.at_cap), len(done.offered),
                     extra=fields(count=len(done.taken), escalated=len(done.at_cap)))
        self._resume_pages(ids, now)
        return done

    # -- the cap pages: at least once, and again only when their server died -----------------

    def _end_given_up(self, ids: Sequence[int]) -> None:
        """The alert of cap pages given up ends once none of the red flags it names still
        waits (taken up, cleared or closed): it must not stay on everyone's status line
        after the desk dealt with them. A line that names none is left as it is."""
        with self.store.reading() as tx:
            alert = tx.alert(PAGE_ALERT)
            if alert is None:
                return
            named = set(_given_up_named(tx, alert.message))
            waiting = {f.conversation_id for f in waiting_flags(
                tx, [i for i in ids if i in named])} if named else set()
        if not named or waiting:
            return
        with self.store.writing() as tx:
            if tx.clear_alert(PAGE_ALERT):
                tx.append_event(SYSTEM_ACTOR, "health.ok", PAGE_ALERT, {})
        log.info("red-flag cap pages given up: none still waits; alert ended")

    def _page(self, items: Sequence[AtCap]) -> None:
        pages = [i for i in items if i.paging]
        if not pages:
            return
        with self._lock:
            self._in_flight.update(i.paging for i in pages)
        thread = notify_at_cap(self.config, pages, timeout_s=self.notify_timeout_s,
                               done=self._paged)
        if thread is not None:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _paged(self, item: AtCap, sent: bool) -> None:
        """On the hook's thread, once it returned: the page is told gone. The write is the
        record of what this server did, outside any lease's fence (a leader that lost its
        lease meanwhile still records its page); one that fails is retried by the next
        round, without paging again."""
        try:
            self._write_told(item.conversation_id, item.paging, sent)
        except Exception as exc:  # noqa: BLE001 - the next round writes it
            with self._lock:
                self._untold[item.paging] = (item.conversation_id, sent)
            log_failure(log, "red-flag page told write failed (retried)", exc)
        finally:
            with self._lock:
                self._in_flight.discard(item.paging)

    def _write_told(self, conv_id: int, paging: int, sent: bool | None,
                    **extra: object) -> None:
        target = f"conversation:{conv_id}"
        with unfenced(), self.store.writing() as tx:
            if not tx.later_on_target(target, paging - 1, [TOLD]):
                tx.append_event(SYSTEM_ACTOR, TOLD, target, {
                    "conversation": conv_id, "paging": paging, "sent": sent, **extra})

    def _write_untold(self) -> None:
        with self._lock:
            todo = dict(self._untold)
        for paging, (conv_id, sent) in todo.items():
            try:
                self._write_told(conv_id, paging, sent)
            except Exception as exc:  # noqa: BLE001 - kept for the next round; routing goes on
                log_failure(log, "red-flag page told write failed again (retried)", exc)
                continue
            with self._lock:
                self._untold.pop(paging, None)

    def _resume_pages(self, ids: Sequence[int], now: int,
                      flags: Sequence[Waiting] | None = None) -> None:
        """Page again each cap page of a flag still waiting that began and was never told
        gone, once its pager cannot be paging it any more (its server died or its hook's
        time is over), under the write lock with a `redflag.waiting_paging` of its own
        committed first: two servers never both resume it, and one resumed `MAX_PAGINGS`
        times is given up, with a health alert. A page whose flag no longer waits (taken
        up, cleared, closed) is not owed: nothing waits to be paged about."""
        if not ids or not _hook(self.config):
            return
        with self._lock:
            mine = set(self._in_flight) | set(self._untold)
        routed = {t.name for t in self.config.red_flag_teams()}
        with self.store.reading() as tx:
            waiting = waiting_flags(tx, ids) if flags is None else flags
            owed = [(f, p) for f in waiting if f.team in routed
                    if (p := _page_owed(tx, f.conversation_id, f.raised_seq)) is not None
                    and p.last.seq not in mine and pager_gone(p.last.details, self.clock())]
        for flag, _page in owed:
            self._resume(flag.conversation_id, mine)

    def _resume(self, conv_id: int, mine: set[int]) -> None:
        resumed: AtCap | None = None
        with self.store.writing() as tx:
            if not waiting_flags(tx, [conv_id]):
                return  # taken up meanwhile: nothing to page
            page = _page_owed(tx, conv_id)
            if page is None or page.last.seq in mine \
                    or not pager_gone(page.last.details, self.clock()):
                return  # told, or resumed by another server, meanwhile
            info = page.first.details
            team, cap = str(info.get("team", "")), info.get("cap")
            cap = cap if isinstance(cap, int) else None
            target = f"conversation:{conv_id}"
            if page.pagings >= MAX_PAGINGS:
                tx.append_event(SYSTEM_ACTOR, TOLD, target, {
                    "conversation": conv_id, "paging": page.last.seq, "sent": None,
                    "gave_up": True})
                before = tx.alert(PAGE_ALERT)
                given_up = sorted({conv_id, *(_given_up_named(tx, before.message)
                                              if before else [])})
                line = given_up_line(given_up, team, page.pagings)
                tx.put_alert(PAGE_ALERT, "error", line, self.store.now_ms())
                tx.append_event(SYSTEM_ACTOR, "health.alert", PAGE_ALERT,
                                {"severity": "error", "message": line, "ids": given_up})
                log.warning("red-flag cap page given up after %d attempt(s) that did not"
                            " end", page.pagings, extra=fields(conversation=conv_id))
                return
            seq = tx.append_event(SYSTEM_ACTOR, PAGING, target, {
                "conversation": conv_id, "team": team, "cap": cap,
                "resumed": page.first.seq,
                **paging_marks(self.notify_timeout_s, self.clock())})
            resumed = AtCap(conv_id, team, cap, str(info.get("why", "")), seq)
        log.info("red-flag cap page paged again: its server did not tell it gone",
                 extra=fields(conversation=conv_id))
        self._page([resumed])

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
        the leader (service/leader.py) runs this router again after a lease gap; its
        first round offers those on shift what they were not offered yet, never what
        it saw before the gap."""
        self._last = None
        self._rota_on = None
        while not stop.is_set():
            try:
                self.round(int(self.clock()))
            except Exception as exc:  # noqa: BLE001 - the next round tries again
                log_failure(log, "red-flag routing round failed", exc)
            stop.wait(self.interval_s)
        # A server stopping lets a page in flight end and be told gone (its hook is bounded
        # by its timeout), rather than leave it owed for the next start to page again.
        for thread in self._threads:
            thread.join(self.notify_timeout_s + 5.0)


_GIVEN_UP = re.compile(r"the page for red flag #(\d+) |the pages for \d+ red flags \(([#\d, ]+)")
GIVEN_UP_SHOWN = 3
"""How many red flags a PAGE_ALERT line names by number before "and N more": the line
is read on a status line and in `cxinbox status`, and `cxinbox list is:red-flag` lists
them all."""


def given_up_line(ids: Sequence[int], team: str, tries: int) -> str:
    """The PAGE_ALERT line naming the red flags (`ids`, ascending) whose cap pages were
    given up: one with its team; several by count, the first few by number and how many
    more ("#12, #14, #19 and 7 more"): none hidden from the count, the line bounded."""
    if len(ids) == 1:
        return (f"the page for red flag #{ids[0]} (team {team} at the cap) did not go after"
                f" {tries} tries: see cxinbox list is:red-flag")
    shown = ", ".join(f"#{i}" for i in ids[:GIVEN_UP_SHOWN])
    if len(ids) > GIVEN_UP_SHOWN:
        shown += f" and {len(ids) - GIVEN_UP_SHOWN} more"
    return (f"the pages for {len(ids)} red flags ({shown}) did not"
            f" go after {tries} tries each: see cxinbox list is:red-flag")


def _given_up_named(tx: StoreTx, line: str) -> list[int]:
    """Every red flag the PAGE_ALERT `line` stands for: the ids its `health.alert` event
    recorded (the line names only the first few), else those the line names (an alert
    written before the events carried them)."""
    newest = tx.newest_on_targets([PAGE_ALERT], "health.alert").get(PAGE_ALERT)
    if newest is not None and newest[0].details.get("message") == line:
        ids = newest[0].details.get("ids")
        if isinstance(ids, list) and ids and all(isinstance(i, int) for i in ids):
            return [int(i) for i in ids]
    return given_up_ids(line)


def given_up_ids(line: str) -> list[int]:
    """The red flags a PAGE_ALERT line (`given_up_line`) names by number, [] for any
    other line (the first few only, once there are more: `_given_up_named` has all)."""
    found = _GIVEN_UP.match(line)
    if found is None:
        return []
    if found.group(1):
        return [int(found.group(1))]
    return [int(n) for n in re.findall(r"\d+", found.group(2))]


def offer_due(tx: StoreTx, config: Config, flags: Sequence[Waiting],
              available: Sequence[str], at: datetime) -> bool:
    """Whether `offer_to_those_on_shift` would offer anything (read-only)."""
    routed = {t.name for t in config.red_flag_teams()}
    mine = [f for f in flags if f.team not in routed]
    if not mine or not available:
        return False
    newest_raise = max(f.raised_ms or f.raised_at * 1000 for f in mine)
    last = tx.newest_on_targets([f"staff:{u}" for u in available], OFFERED)
    return any(_offered_ms(last.get(f"staff:{u}"))
               < (shift_start_ms(u, config.teams, at) or newest_raise)
               for u in available)


def _offered_ms(offer: tuple[StoredEvent, int] | None) -> int:
    """When an offer was made (epoch ms): its round's time, else its event's; -1: never."""
    if offer is None:
        return -1
    at = offer[0].details.get("at")
    return at * 1000 if isinstance(at, int) else offer[1]


def roster_problem(exc: BaseException) -> str:
    """The health alert's line: what cannot be read and why, in one line (the error's
    class and first line: the roster's reads hold logins and rotas, no patient text)."""
    first = clean_line(str(exc).splitlines()[0] if str(exc) else "", max_len=160)
    return (f"red flags not routed: roster unreadable (away list, team rotas):"
            f" {type(exc).__name__}" + (f": {first}" if first else ""))
