"""`cxinbox rules test NAME --since 30d`: what a rule would have done, doing nothing.

A replay, not a second engine. Every time the rule's trigger happened in the window (each
arrival, each patient writing again, each close by a person, each SLA escalation, found in
the event log) is rehearsed on its own: inside a rehearsal that is always rolled back
(`Store.rehearsals`: on SQLite a transaction of its own, on PostgreSQL a savepoint of a
transaction a hundred moments share, so that its end waits for no answer), the conversations are put back as they were at that moment, and the rules engine itself
fires the trigger there, at that moment's time, on all the conversations it fired on
together then (one ingest's arrivals share it: the second mail of a sender that day is
not acknowledged again). What the engine did for the tested rule is the answer; then
everything is undone.

"As it was" is rebuilt from the audit trail: the conversation's current tags, status,
snooze, assignee, priority and red flag with every change recorded after the trigger
undone, newest first (a person adding a tag the next morning, a rule's own changes, a
red flag cleared), the intent the detectors had recorded by then (and whether the moment's
own messages brought it: a follow-up that asked nothing new fires no `intent:` term, as
live), and the acknowledgement
ledger without what was queued later, and each patient number's STOP / START as it was
(a STOP texted after the acknowledgement does not make it "opted out"). The messages stored after the trigger are taken out
of the conversation (the ingest events name the message ids each ingest stored between),
so a text, `from:` or date query, the counts and the SLA facts see only what had arrived.
Each team's round-robin turn is the member its last assignment before the trigger picked,
and whoever went away or came back later is as they were then. The SLA due times are
those the rule saw live: none yet for an arrival (a new conversation is evaluated after
its ingest), those from before the reply for a patient-reply, and those of the moment for
an escalation. The rules before it run too, as they would have (their tags are what a later
rule's query sees, and `stop = true` keeps conversations from it); a rule switched off with
`enabled = false` is replayed all the same, so a clinic can try a rule before it runs.

With a team that counts open conversations (least-open, or any strategy with a `cap`),
every conversation's assignee and status go back to what they were too (the first change
of each recorded after the trigger undone), so the open counts it compares and the caps it
checks are those of that moment, as live judged them; that rewrites a row per conversation
changed since, which is why it is done only then, just before each team pick
(`_holders_as_then`). The audit trail all this undoes is read once for the whole replay
(`ReplayLog`, topped up at each rehearsal), not again at every moment. What the replay
cannot know is said with the answer (`Preview.notes`): the teams' members, caps and rotas
are today's config, not necessarily those of the moment.

Old mail: a first sync's backlog (`messages.backlog_at`, marked when stored: the server
received it longer than `[triage] backlog_hours` before) was never assessed, so it has no
intent and raised no red flag, and live ran no rules for it. Every other message without
an intent is left as live left it (an automatic reply, a bounce, a detector failure, or
mail received that long before a later sync stored it): live's rules saw it so, and the
replay leaves it so too, and counts it (`Preview.stored_unassessed`). Neither asks how
long ago a message was dated. When a replayed rule reads those (intent:,
red-flag:, is:red-flag), each such trigger's message is assessed for the replay, outside
the rehearsal's write lock and never stored, up to MAX_ASSESSED; the rest are counted
(`Preview.unassessed`) and `rules test` says intent: and red-flag: cannot match them.

Not rewound (the README lists these for people): pause time an SLA gathered after the
trigger, whether a message had been read yet (`is:unread`), and, for mail stored by an
older cxinbox (its ingest event names no message ids), which messages had arrived: those
received after the trigger (by the clock the live rules read, store/schema_received.py
`clock_sql`: a patient's message by its arrival, else its Date:) are taken out instead.

Nothing is changed. The one write is the audit record of the read: the answer shows
subjects of patient conversations, so it is recorded like a list (`rules.test`, with the
rule, the window and the ids shown), by the person who asked.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import UTC, datetime

from cxinbox.config import Config
from cxinbox.contract.errors import BadRequest, NotFound
from cxinbox.contract.rule_types import Preview, PreviewRow
from cxinbox.domain.query import Field, parse_query
from cxinbox.domain.rules import Rule, no_sla_policy, sla_term
from cxinbox.domain.rules import find_rule as find_named
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.triage import Assessment
from cxinbox.service import redflags
from cxinbox.service.inbox import InboxService
from cxinbox.service.rules import (
    ARRIVALS,
    FLAG_SKIP,
    Applied,
    RuleEngine,
    any_leaf,
    kept_intents,
    team_strategy,
)
from cxinbox.store.interface import Store, StoreTx
from cxinbox.store.records import (
    ArrivalRecord,
    ConversationRecord,
    MessageRecord,
    PastState,
    PastTrigger,
    StoredEvent,
    TriageCandidate,
)
from cxinbox.store.replaylog import ReplayLog

MAX_SHOWN = 500
"""Firings listed at most (the counts are always complete)."""

MAX_ASSESSED = 2000
"""Old messages (never assessed at ingest) a replay assesses at most: about 3 ms of CPU
each (bench/bench_rules_test.py), so some 6 s at most; beyond it they are counted, and `rules
test` says intent: and red-flag: cannot match them."""

REHEARSALS_TOGETHER = 100
"""Moments rehearsed in one `Store.rehearsals` (on PostgreSQL one transaction, each moment
a savepoint of it): the round trip of a transaction's end once per hundred moments, and
a transaction kept open for a few seconds at most, not a whole month's replay."""

REWOUND: tuple[str, ...] = ("conversation.tag", "conversation.status", "conversation.assign",
                            "conversation.priority", "redflag.raised", "redflag.cleared")
"""The recorded changes undone to see a conversation as it was."""

_OUTBOX_ID = re.compile(r" \(outbox \d+\)$")


def find_rule(rules: tuple[Rule, ...], name: str) -> Rule:
    rule = find_named(rules, name)
    if rule is not None:
        return rule
    known = ", ".join(repr(r.name) for r in rules) or "none are configured"
    raise NotFound(f"no rule named {clean_line(name)!r}; rules: {known}")


def engine_for(store: Store, config: Config, *,
               replaying: str | None = None) -> RuleEngine | None:
    """The rules engine of this store and config (wiring.py `rules_engine`, which loads
    this module only when some rule is enabled), or None when no rule runs. `replaying`:
    the rule `rules test NAME` rehearses, run even when it is switched off."""
    rules = replayed_rules(config.rules, replaying or "")
    if not rules:
        return None
    teams = team_strategy(config) if config.teams else None
    return RuleEngine(store, config, team_assign=teams, rules=rules)


def replayed_rules(rules: Sequence[Rule], name: str) -> tuple[Rule, ...]:
    """The rules a replay of `name` runs: the enabled ones, and `name` even when it is
    switched off, in config order."""
    return tuple(r for r in rules if r.enabled or r.name == name)


def preview(inbox: InboxService, engine: RuleEngine, name: str, since: int) -> Preview:
    """What rule `name` would have done since `since` (epoch seconds). `engine` runs at
    least that rule (`replayed_rules`), built by the composition root."""
    config = inbox.config
    rule = find_rule(config.rules, name)
    if all(r.name != rule.name for r in engine.rules):
        raise BadRequest(f"rule {rule.name!r} is not in the engine given to replay it")
    term = None if config.sla.policies else sla_term(rule.match)
    if term is not None:  # only a rule with enabled = false loads so (config.py)
        raise BadRequest(f"rule {rule.name!r} cannot be replayed: {no_sla_policy(term)}")
    if since > inbox.store.now_ms() // 1000:
        raise BadRequest("--since must be in the past")
    budget = _Assessing(MAX_ASSESSED if engine.reads_triage_before(rule) else 0)
    with inbox.store.reading() as tx:
        moments = tx.past_triggers(rule.on, since)
        latest = tx.latest_inbound_each([(m.conversation_id, m.seq, m.at) for m in moments
                                         if m.intent is None]) if budget.left else {}
    rows: list[PreviewRow] = []
    fired = backlog = 0
    log = ReplayLog(moments[0].seq if moments else 0)
    batches = _batches(moments)
    for start in range(0, len(batches), REHEARSALS_TOGETHER):
        with inbox.store.rehearsals() as rehearsal:
            firings = [fired_then for together in batches[start:start + REHEARSALS_TOGETHER]
                       for fired_then in _rehearse(inbox, engine, rule, together, budget,
                                                   log, latest, rehearsal)]
        for moment, applied, subject, live, created in firings:
            fired += 1
            backlog += bool(live)
            if len(rows) < MAX_SHOWN:
                # An arrival or a reply is shown when its message was received, as
                # `list` shows it and as the window picked it (store/rules.py
                # `_ingest_triggers`): it may have been stored much later (a first
                # sync's backlog).
                at = moment.arrived if moment.arrived is not None else moment.at
                rows.append(PreviewRow(moment.conversation_id, at, subject,
                                       _would(applied), live))
    inbox.record_read("rules.test", "", {"rule": rule.name, "since": since,
                                         "count": fired,
                                         "shown": sorted({r.conversation_id for r in rows})})
    return Preview(rule.name, rule.on, since, len(moments), fired, tuple(rows),
                   budget.assessed, budget.unassessed, budget.left_alone,
                   notes=_team_notes(config, engine, rule), backlog=backlog)


@dataclasses.dataclass(slots=True)
class _Assessing:
    """How many old messages a replay may still assess, did, and had to leave."""

    left: int
    assessed: int = 0
    unassessed: int = 0
    left_alone: int = 0


def counts_open(config: Config) -> bool:
    """Whether a team's pick reads who holds how many open conversations (least-open
    compares them; a cap, of any strategy, refuses whoever is at it)."""
    return any(t.strategy == "least-open" or t.cap is not None for t in config.teams)


def _team_notes(config: Config, engine: RuleEngine, rule: Rule) -> tuple[str, ...]:
    """What a replay of team assignments cannot know, said with its answer: only when a
    team's pick is in it, the tested rule's own or, when its query reads who holds the
    conversation, that of a rule of its trigger that runs before it."""
    if not config.teams:
        return ()
    if rule.action("assign_team") is not None:
        return (TEAM_NOTE,)
    if not _reads_holder(rule):
        return ()
    for r in engine.rules:
        if r.name == rule.name:
            break
        if r.on == rule.on and r.action("assign_team") is not None:
            return (TEAM_NOTE,)
    return ()


def _reads_holder(rule: Rule) -> bool:
    """Whether the rule's query reads the assignee (assignee:, is:unassigned, is:mine)."""
    if not rule.match.strip():
        return False
    return any_leaf(parse_query(rule.match), lambda n: isinstance(n, Field) and (
        n.name == "assignee" or (n.name, n.value.lower()) in (("is", "unassigned"),
                                                              ("is", "mine"))))


TEAM_NOTE = ("teams are judged with today's members, caps and rotas (a change to the config"
             " since is not known); their turns, who was away and the open counts are as at"
             " each moment, from the audit trail")


def _batches(moments: Sequence[PastTrigger]) -> list[list[PastTrigger]]:
    """Moments that were one firing (the same ingest or event), in order."""
    out: list[list[PastTrigger]] = []
    for moment in moments:
        if out and out[-1][0].seq == moment.seq and out[-1][0].at == moment.at:
            out[-1].append(moment)
        else:
            out.append([moment])
    return out


BACKLOG_LIVE = ("backlog: live ran no rules on it (received longer than [triage]"
                " backlog_hours before a first sync stored it)")
"""What a row of a first sync's backlog says live did (`messages.backlog_at`, as the
arrival rules read it: store/rules.py `arrivals_after`)."""


def _rehearse(inbox: InboxService, engine: RuleEngine, rule: Rule,
              together: list[PastTrigger], budget: _Assessing, log: ReplayLog,
              latest: Latest, rehearsal: Callable[[], AbstractContextManager[StoreTx]],
              ) -> list[tuple[PastTrigger, Applied, str, str, int]]:
    """The tested rule's firings at one moment (with each conversation's subject, where
    live did otherwise and when it came in); all the rehearsal wrote is rolled back. Old messages are assessed
    first (`_assess_old`), outside the rehearsal's write lock. The audit trail is read
    from `log`, which the rehearsal first brings up to date, in the same read as the
    moment's conversations, their tags and later messages: on PostgreSQL every read is a
    round trip, and a replay rehearses every moment of a month (the writes, sent without
    waiting there, are not). The arrivals as live read them travel with the engine's
    first read (the rules' matches, one read for all of them: `RuleEngine.fire`), and
    whether a message is a first sync's backlog is known from `latest`, read once for
    the whole replay."""
    seq, at = together[0].seq, together[0].at
    subjects: dict[int, str] = {}
    created: dict[int, int] = {}
    lives: dict[int, str] = {}
    found = _assess_moment(inbox, together, budget, latest) if budget.left else {}
    counts = counts_open(inbox.config)
    ids = list(dict.fromkeys(m.conversation_id for m in together))
    with rehearsal() as tx:
        # The ingest of the moment is at or before it, so known before the log catches
        # up (what it adds came later); the rest of what is read first is one read.
        bounds = tx.message_bounds(seq, log)
        upto = bounds[1] if bounds else None
        convs, tags_of, hidden = tx.moment_reads(log, ids, upto, at)
        for moment in together:
            conv_id = moment.conversation_id
            conv = convs.get(conv_id)
            if conv is None or conv.merged_into or conv_id in subjects:
                continue
            tags = frozenset(tags_of.get(conv_id, []))
            later = log.on_target(f"conversation:{conv_id}", seq, REWOUND)
            if conv_id in hidden:
                tx.hide_later_messages(conv_id, upto, at, hidden[conv_id])
            past = state_before(conv, tags, moment.intent, later)
            if conv_id in found:
                past = _as_assessed(past, found[conv_id])
            tx.rewind(conv_id, past)
            subjects[conv_id] = clean_line(conv.subject, max_len=60)
            created[conv_id] = conv.created_at
            if _was_backlog(tx, rule.on, moment, bounds):
                lives[conv_id] = BACKLOG_LIVE
        arrivals: Callable[[], list[ArrivalRecord]] = list
        if rule.on in ARRIVALS and bounds is not None:  # as live read them (fire_arrivals),
            # the moment's later messages taken out above; their answer is taken with the
            # engine's first read (one round trip on PostgreSQL)
            arrivals = tx.arrivals_after_later(bounds[0])

        def kept() -> frozenset[int]:
            return frozenset(kept_intents(arrivals()) - set(found))

        tx.forget_acks_after(seq, log)
        tx.rewind_opt_outs(seq, log)
        tx.rewind_teams([t.name for t in inbox.config.teams], seq, log)
        _sla_as_then(inbox, tx, rule.on, list(subjects), at, bounds)
        with _holders_as_then(engine, tx, seq, log, ids, counts):
            firing = engine.fire(tx, rule.on, list(subjects), now=at, kept=kept)
        lives.update((a.conversation_id, BACKLOG_LIVE) for a in arrivals()
                     if a.backlog and a.conversation_id in subjects)
    by_id = {m.conversation_id: m for m in together}
    return [(by_id[a.conversation_id], a, subjects[a.conversation_id],
             lives.get(a.conversation_id, ""), created[a.conversation_id])
            for a in firing.applied if a.rule == rule.name]


@contextmanager
def _holders_as_then(engine: RuleEngine, tx: StoreTx, seq: int, log: ReplayLog,
                     ids: Sequence[int], counts: bool) -> Iterator[None]:
    """With a team that counts open conversations (`counts_open`), each of the engine's
    team picks meanwhile counts every conversation's holder and status as at event `seq`
    (the moment's own conversations, `ids`, are already as they were, and what the rules
    before did to them stays): put back just before the pick, not for every moment, since
    few moments pick and it rewrites a row per conversation changed since. Again at each
    pick: a pick that failed rolled its savepoint back, with the rewind."""
    assign = engine.team_assign
    if not counts or assign is None:
        yield
        return

    def as_then(tx_: StoreTx, conv_id: int, team: str, actor: str, now: int) -> str:
        tx_.rewind_holders(seq, log, keep=ids)
        return assign(tx_, conv_id, team, actor, now)

    engine.team_assign = as_then
    try:
        yield
    finally:
        engine.team_assign = assign


def _was_backlog(tx: StoreTx, trigger: str, moment: PastTrigger,
                 bounds: tuple[int, int] | None) -> bool:
    """Whether live ran no rules at this moment because it was a first sync's backlog, as
    stored (`messages.backlog_at`): an escalation the monitor recorded as backlog, or an
    arrival or reply of an ingest that named no message ids (an older cxinbox's) whose
    newest message is so marked. An ingest that named them is judged after the loop, as
    live judged it: every message it brought the conversation marked (`_rehearse`)."""
    if trigger in ARRIVALS:
        if bounds is not None:
            return False
        latest = tx.latest_inbound(moment.conversation_id, None, moment.at)
        return latest is not None and latest[1]
    if trigger in ("sla-at-risk", "sla-breached"):
        action = "sla.at_risk" if trigger == "sla-at-risk" else "sla.breached"
        events = tx.later_on_target(f"conversation:{moment.conversation_id}",
                                    moment.seq - 1, [action])
        return bool(events) and events[0].details.get("backlog") is True
    return False


Latest = dict[tuple[int, int], "tuple[int, bool] | None"]
"""Each moment's latest patient message, by (conversation id, event seq): its id and
whether it was stored as a first sync's backlog (`StoreTx.latest_inbound_each`)."""


def _assess_moment(inbox: InboxService, together: list[PastTrigger],
                   budget: _Assessing, latest_of: Latest) -> dict[int, Assessment]:
    """What the detectors find in each conversation's message of this moment that no
    ingest assessed because a first sync stored it as backlog, while `budget` lasts; paid
    only when a replayed rule reads intent: or red-flag: terms. Any other message without
    a finding (an automatic reply, a bounce, a detector failure, mail received long before
    a later sync stored it) is left as live left it, and counted (`left_alone`): the
    replay must not match what live could not. Read-only: the store is read only for a
    message to assess (`latest_of` says which, read once for the whole replay)."""
    todo = [m for m in together if m.intent is None]
    found: dict[int, Assessment] = {}
    with ExitStack() as reading:
        tx: StoreTx | None = None
        for moment in todo:
            latest = latest_of.get((moment.conversation_id, moment.seq))
            if latest is None:
                continue
            if not latest[1]:  # not backlog: ingest saw it, and live's rules saw it so
                budget.left_alone += 1
                continue
            if budget.left <= 0:
                budget.unassessed += 1
                continue
            if tx is None:
                tx = reading.enter_context(inbox.store.reading())
            last = tx.message_record(latest[0])  # its text: only for one to assess
            if last is None:
                continue
            got = _assess_old(tx, moment.conversation_id, last)
            if got is not None:
                found[moment.conversation_id] = got
                budget.left -= 1
                budget.assessed += 1
    return found


def _assess_old(tx: StoreTx, conv_id: int, last: MessageRecord) -> Assessment | None:
    """The detectors' answer for `last`, a patient message ingest never assessed."""
    head = (tx.raw_of_message(last.id) or b"")[:16_384] if last.channel == "email" else b""
    return redflags.assess_stored(TriageCandidate(last.id, conv_id, last.channel, last.date,
                                                  last.subject, last.body_text, head, b"",
                                                  last.from_addr))


def _as_assessed(past: PastState, found: Assessment) -> PastState:
    """The moment's state with what ingest would have recorded had it assessed the
    message: its intent, and a red flag (tags and urgent priority) if none was open."""
    if found.red_flag is None or past.red_flag is not None:
        return dataclasses.replace(past, intent=found.intent)
    return dataclasses.replace(
        past, intent=found.intent, red_flag=found.red_flag, priority="urgent",
        tags=past.tags | {redflags.RED_FLAG_TAG, redflags.category_tag(found.red_flag)})


def _sla_as_then(inbox: InboxService, tx: StoreTx, trigger: str, conv_ids: list[int],
                 at: int, bounds: tuple[int, int] | None) -> None:
    """The SLA due times the rules saw when the trigger happened (see the module
    docstring): the ingest runs rules before the SLA engine looks at what it stored."""
    if not inbox.sla.enabled or not conv_ids:
        return
    when = datetime.fromtimestamp(at, UTC)
    if trigger == "arrival":
        tx.store_sla([(None, None, None, None, c) for c in conv_ids])
        return
    if trigger == "patient-reply" and bounds is not None:
        for conv_id in conv_ids:  # without the reply itself
            tx.hide_later_messages(conv_id, bounds[0], at)
        inbox.sla.refresh_dirty(tx, when)
        for conv_id in conv_ids:
            tx.restore_messages(conv_id, bounds[1])
        return
    inbox.sla.refresh_dirty(tx, when)


def state_before(conv: ConversationRecord, tags: frozenset[str], intent: str | None,
                 later: Sequence[StoredEvent]) -> PastState:
    """The conversation's state with the `later` changes (oldest first) undone."""
    status, snoozed, assignee = conv.status, conv.snoozed_until, conv.assignee
    priority, red_flag, have = conv.priority, conv.red_flag, set(tags)
    for event in reversed(later):
        d = event.details
        if event.action == "conversation.tag":
            have -= set(_strings(d.get("add")))
            have |= set(_strings(d.get("remove")))
        elif event.action == "conversation.status" and isinstance(d.get("from"), str):
            status = d["from"]
            snoozed = d["from_until"] if isinstance(d.get("from_until"), int) else None
        elif event.action == "conversation.assign":
            assignee = d.get("from") if isinstance(d.get("from"), str) else None
        elif event.action == "conversation.priority" and isinstance(d.get("from"), str):
            priority = d["from"]
        elif event.action == "redflag.raised":
            red_flag = None
        elif event.action == "redflag.cleared":
            red_flag = str(d.get("category") or "") or None
    return PastState(status=status, snoozed_until=snoozed, assignee=assignee or None,
                     priority=priority, red_flag=red_flag, intent=intent,
                     tags=frozenset(have))


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _would(applied: Applied) -> tuple[str, ...]:
    """The engine's account of one firing, in the words `rules test` prints: what it would
    change, what it would skip and why, or why it would fail. (The outbox number of a
    rehearsed acknowledgement was rolled back with it, so it is left out.)"""
    if applied.failed:
        return (f"would fail: {applied.failed}",)
    done = tuple(_OUTBOX_ID.sub("", line) for line in applied.done)
    skipped = tuple(f"no acknowledgement ({line.removeprefix('acknowledge: ')})"
                    if line.startswith("acknowledge: ") else
                    f"{line.removesuffix(FLAG_SKIP).removesuffix(': ')} would be skipped:"
                    f" {FLAG_SKIP}" if line.endswith(f": {FLAG_SKIP}") else f"skip {line}"
                    for line in applied.skipped)
    return done + skipped or ("(no change)",)
