"""The rules engine: `[[rules]]` run in order, in the transaction of what triggered them.

Where rules run. Four places call `RuleEngine.fire`, each inside its own write
transaction and after its own change is written: the mail sync's batch (arrival and
patient-reply, after the messages and any red-flag tagging of the ingest), the SMS poller's
batch (the same), the SLA monitor's escalation (sla-at-risk, sla-breached) and a person
closing a conversation (`InboxService.set_status` / `bulk_status`, trigger closed). A rule's
changes therefore commit with the arrival or change that caused them, or not at all.

Loops are impossible by construction, not by counting. A trigger is emitted only by those
four call sites, and none of them is reachable from a rule action:
- actions run through `RuleInbox`, an InboxService built without an engine, so a rule
  closing a conversation fires no `closed` rules (only a service given the engine does);
- no action stores a message (the acknowledgement is an outbox row; when the outbox later
  sends it, the sent copy is outbound and arrival/patient-reply fire only for inbound
  messages of a later ingest), and no action escalates an SLA (the monitor escalates, once
  per running target, whatever changed the due time);
- `fire` itself never calls `fire`.
So one trigger runs each matching rule at most once per conversation; `stop = true` ends
the list for the conversations the rule applied to.

Failure. Each (rule, conversation) runs inside a savepoint: an exception undoes that rule's
writes on that conversation only, is logged without patient text (rule name from the
config, conversation id, error class) and audited as `rule.failed`, and the next rule runs.
A rule that fails never blocks the ingest that triggered it.

An open red flag is never put away by a rule: an action that would pend, snooze or close
the conversation, lower its priority or untag `red-flag`, is skipped while its flag is open
(`hides_red_flag`), listed in `rule.applied` with FLAG_SKIP; the rule's other actions run.

Audit. Every change is the same event a person's change writes (conversation.tag,
conversation.assign ...), with actor `rule:NAME`, plus one `rule.applied` event (rule,
trigger, what was done, what was skipped and why: an acknowledgement outside its
conditions is skipped, not failed) whenever the rule did or skipped something.

Time. Every firing runs at the `now` of what triggered it (the ingest's, the SLA round's, the
close's), given to `fire`: a snooze, a team's shift and an acknowledgement's opening hours
are judged at that moment, never at the wall clock, so a replay (`rules test`) is faithful
and tests are deterministic.

One engine. The composition root (wiring.py) builds it once from the config and hands it to
the sync, the SMS poller, the SLA monitor and every InboxService that may close; there is
no module-level cache of engines.

Extending. `ACTION_HANDLERS` maps each action kind of domain/rules.py to a function
`(engine, step) -> str | None` (a short, patient-free line of what it did, or None for
"nothing to change"). `assign = "team:NAME"` is the kind `assign_team`; it calls the
engine's `team_assign` (see `TeamAssign`): the teams' own strategy (`team_strategy`) unless
the composition root gives the engine another (config validation must know the team
names: see `Vocabulary.teams` in domain/rules.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

from cxinbox.config import Config
from cxinbox.contract.errors import BadRequest, NotFound
from cxinbox.domain.query import (
    And,
    Everything,
    Field,
    Node,
    Not,
    Or,
    Phone,
    QueryContext,
    Text,
    parse_query,
)
from cxinbox.domain.rules import (
    TRIAGE_HOOK,
    Rule,
    RuleAction,
    describe,
    no_hook_problem,
    notify_hook,
)
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.when import format_amount
from cxinbox.service import redflags
from cxinbox.service.acknowledge import Acknowledger, AckRefused
from cxinbox.service.hours import clinic_open, opening_hours
from cxinbox.service.inbox import InboxService, flag_tags, lowers_priority
from cxinbox.service.logsafe import error_class, fields
from cxinbox.service.notify import run_notify
from cxinbox.store.interface import Store, StoreTx
from cxinbox.store.records import ArrivalRecord, ConversationRecord

log = logging.getLogger(__name__)

NOTIFY_TIMEOUT_S: Final = 10.0

TeamAssign = Callable[[StoreTx, int, str, str, int], str]
"""(transaction, conversation id, team name, actor "rule:NAME", now in epoch seconds) -> a
short line saying whom the team's strategy chose and why (shifts judged at `now`, the
trigger's time). It assigns and audits inside the transaction it is
given, and raises to fail the rule (e.g. everyone away)."""


FAILED_IDS: Final = 500
"""Conversation ids a `rule.failed` event of a rule that could not match names at most."""
_LOGGED_IDS: Final = 20


def named_conversations(ids: Sequence[int]) -> str:
    """`conversation #4`, `conversations #4, #9`, `conversations #1, ... #20 and 5 more`:
    which conversations a log line is about (numbers only, never what they hold)."""
    shown = ", ".join(f"#{i}" for i in ids[:_LOGGED_IDS])
    more = f" and {len(ids) - _LOGGED_IDS} more" if len(ids) > _LOGGED_IDS else ""
    return f"conversation{'s' if len(ids) > 1 else ''} {shown}{more}"


class RuleFailed(Exception):
    """An action that cannot be done; the rule is skipped on this conversation."""


class ActionSkipped(Exception):
    """An action that would change nothing, with why (a team with nobody available for a
    conversation nobody holds): listed under `skipped`, no event; the rule's other actions
    run."""


@dataclass(frozen=True, slots=True)
class Applied:
    """One rule on one conversation: what it did (or would do), or why it failed."""

    rule: str
    conversation_id: int
    trigger: str
    done: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    failed: str = ""


@dataclass(frozen=True, slots=True)
class Notice:
    """A notify action, run after the transaction commits."""

    rule: str
    conversation_id: int
    trigger: str
    message: str
    priority: str
    assignee: str
    hook: str = ""
    """Which notify_command runs it (`domain.rules.notify_hook`)."""


@dataclass(slots=True)
class Firing:
    """What one `fire` did; `after_commit` runs its notifications and wakes the outbox."""

    applied: list[Applied] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    queued: int = 0
    raised: list[int] = field(default_factory=list)
    """Conversations whose red flag a rule's tag raised (their notify hook, after commit)."""

    def extend(self, other: Firing) -> None:
        self.applied += other.applied
        self.notices += other.notices
        self.queued += other.queued
        self.raised += other.raised


@dataclass(slots=True)
class Step:
    """One action of one rule on one conversation, as its handler sees it."""

    tx: StoreTx
    rule: Rule
    action: RuleAction
    conv: ConversationRecord
    trigger: str
    now: int
    inbox: InboxService
    firing: Firing
    skipped: list[str]


class RuleInbox(InboxService):
    """Staff actions done by a rule: the same checks, state changes and events as a
    person's, with actor `rule:NAME`, at the trigger's time. It has no engine, so it fires no
    rules (see the module docstring), and no per-person change budget: a rule is the
    clinic's configuration, not someone's hands."""

    team_assign: TeamAssign | None = None
    acknowledger: Acknowledger | None = None
    raised: list[int] | None = None
    """Red flags this rule raised with a tag on the conversation it acts on now; its
    firing's `after_commit` runs their notify hook (`_apply_one` collects them)."""

    def _spend(self, tx: StoreTx, conv_ids: list[int]) -> None:
        return None

    def _flags_raised(self, conv_ids: list[int]) -> None:
        if self.raised is not None:  # not committed yet: the firing's after_commit
            self.raised.extend(conv_ids)


def _details(step: Step, extra: dict[str, object]) -> dict[str, object]:
    return {**extra, "rule": step.rule.name, "trigger": step.trigger}


def _tag(step: Step) -> str | None:
    have = set(step.tx.tags_for([step.conv.id]).get(step.conv.id, []))
    wanted = step.action.value if isinstance(step.action.value, tuple) else ()
    if step.action.kind == "tag":
        # `red-flag` kept after a clinician cleared the flag: adding it again raises it again
        change = [t for t in wanted if t not in have or (
            t == redflags.RED_FLAG_TAG and not redflags.red_flag_open(step.tx, step.conv.id))]
        if not change:
            return None
        step.inbox.tag(step.conv.id, add=change)
        return "tag +" + " +".join(change)
    change = [t for t in wanted if t in have]
    if not change:
        return None
    step.inbox.tag(step.conv.id, remove=change)
    return "tag -" + " -".join(change)


def _priority(step: Step) -> str | None:
    value = str(step.action.value)
    if step.conv.priority == value:
        return None
    step.inbox.set_priority(step.conv.id, value)
    return f"priority {value}"


def _assign(step: Step) -> str | None:
    user = str(step.action.value) or None
    if step.conv.assignee == user:
        return None
    step.inbox.assign(step.conv.id, user)
    return f"assign {user}" if user else "unassign"


def _assign_team(step: Step) -> str | None:
    assign = step.inbox.team_assign if isinstance(step.inbox, RuleInbox) else None
    if assign is None:
        raise RuleFailed("teams are not configured")
    return assign(step.tx, step.conv.id, str(step.action.value), step.rule.actor, step.now)


def _sla_policy(step: Step) -> str | None:
    policy = str(step.action.value)
    if step.conv.sla_policy == policy:
        return None
    step.tx.pin_sla_policy(step.conv.id, policy, step.rule.name, step.now)
    step.tx.append_event(step.rule.actor, "conversation.sla_policy",
                         f"conversation:{step.conv.id}",
                         _details(step, {"from": step.conv.sla_policy, "to": policy}))
    return f"sla policy {policy}"


def _status(step: Step) -> str | None:
    if step.action.kind == "snooze":
        seconds = step.action.value
        assert isinstance(seconds, int)
        step.inbox.set_status(step.conv.id, "snoozed", until=step.now + seconds)
        return f"snooze {format_amount(seconds)}"
    value = str(step.action.value)
    if step.conv.status == value:
        return None
    step.inbox.set_status(step.conv.id, value)
    return f"status {value}"


def _note(step: Step) -> str | None:
    step.inbox.add_note(step.conv.id, str(step.action.value))
    return "note"


def hook_of(rule: Rule, config: Config) -> str | None:
    """Which notify_command `rule`'s notify runs under `config` (`notify_hook`); None:
    none (it pages nobody), or the rule has no notify."""
    return notify_hook(rule, sla=bool(config.sla.notify_command),
                       triage=bool(config.triage.notify_command))


def _notify(step: Step) -> str | None:
    """Queue the page for after the commit. With no command to run, the notify is not done:
    it is listed as skipped, with why, so the audit never says a page went that did not."""
    hook = hook_of(step.rule, step.inbox.config)
    if hook is None:
        raise ActionSkipped(no_hook_problem(step.rule))
    row = step.tx.conversation(step.conv.id) or step.conv
    step.firing.notices.append(Notice(step.rule.name, step.conv.id, step.trigger,
                                      str(step.action.value), row.priority, row.assignee or "",
                                      hook))
    return f"notify by {hook}"


def _acknowledge(step: Step) -> str | None:
    acker = step.inbox.acknowledger if isinstance(step.inbox, RuleInbox) else None
    if acker is None:
        raise RuleFailed("[acknowledge] is not configured")
    at = datetime.fromtimestamp(step.now, UTC)
    try:
        plan = acker.plan(step.tx, step.conv, at)
        item = acker.send(step.tx, step.conv, plan, step.rule.actor, step.now * 1000)
    except AckRefused as why:
        step.skipped.append(f"acknowledge: {why}")
        return None
    step.tx.append_event(step.rule.actor, "rule.acknowledged", f"conversation:{step.conv.id}",
                         _details(step, {"outbox": item, "channel": plan.channel}))
    step.firing.queued += 1
    return f"acknowledge by {plan.channel} (outbox {item})"


FLAG_SKIP: Final = "open red flag"
"""Why an action that would hide an open red flag is skipped (`hides_red_flag`)."""


def hides_red_flag(step: Step) -> bool:
    """Whether the action would pend, snooze or close the conversation, lower its priority
    or take its `red-flag` tags off, while its red flag is open: such an action is skipped (the
    skip and FLAG_SKIP go in `rule.applied`), whatever the rule says. An emergency stays
    open, urgent and on its clock until a clinician clears the flag."""
    action, conv = step.action, step.conv
    if action.kind == "snooze":
        hides = True
    elif action.kind == "status":
        hides = action.value in ("pending", "closed") and conv.status != action.value
    elif action.kind == "priority":
        hides = lowers_priority(conv.priority, str(action.value))
    elif action.kind == "untag":
        wanted = action.value if isinstance(action.value, tuple) else ()
        gone = flag_tags([str(t) for t in wanted])
        hides = bool(gone) and bool(
            set(gone) & set(step.tx.tags_for([conv.id]).get(conv.id, [])))
    else:
        return False
    return hides and redflags.red_flag_open(step.tx, conv.id)


Handler = Callable[[Step], str | None]

ACTION_HANDLERS: dict[str, Handler] = {
    "tag": _tag, "untag": _tag, "priority": _priority, "assign": _assign,
    "assign_team": _assign_team, "sla_policy": _sla_policy, "status": _status,
    "snooze": _status, "note": _note, "acknowledge": _acknowledge, "notify": _notify,
}


def any_leaf(node: Node, test: Callable[[Node], bool]) -> bool:
    """Whether `test` holds for a leaf of the query tree under `node`."""
    children = getattr(node, "nodes", None) or ((node.node,) if hasattr(node, "node") else ())
    return any(any_leaf(child, test) for child in children) if children else test(node)


def _reads_text(node: Node) -> bool:
    return any_leaf(node, lambda n: isinstance(n, Text | Phone))


TRIAGE_FIELDS: Final = frozenset({"intent", "red-flag"})

ARRIVALS: Final = ("arrival", "patient-reply")
"""The triggers of arriving messages, whose `intent:` terms read what they brought."""


def kept_intents(arrivals: Sequence[ArrivalRecord]) -> frozenset[int]:
    """The conversations whose arriving messages did not bring the intent they are filed
    under (a follow-up that asked nothing new)."""
    return frozenset(a.conversation_id for a in arrivals if not a.brought_intent)


def _reads_triage(node: Node) -> bool:
    """Whether a query reads what the detectors record (intent:, red-flag:, is:red-flag)."""
    return any_leaf(node, lambda n: isinstance(n, Field) and (
        n.name in TRIAGE_FIELDS or (n.name, n.value) == ("is", "red-flag")))


def _reads_intent(node: Node) -> bool:
    return any_leaf(node, lambda n: isinstance(n, Field) and n.name == "intent")


def without_intent(node: Node) -> Node:
    """`node` with each `intent:` term matching nothing: how an arrival rule reads a
    conversation whose arriving messages asked nothing new (its intent was kept from an
    earlier request, domain/intent_kept.py), so "ok thx" does not fire it again."""
    if isinstance(node, Field) and node.name == "intent":
        return Not(Everything())
    if isinstance(node, Not):
        return Not(without_intent(node.node))
    if isinstance(node, And):
        return And(tuple(without_intent(n) for n in node.nodes))
    if isinstance(node, Or):
        return Or(tuple(without_intent(n) for n in node.nodes))
    return node


class RuleEngine:
    """The configured rules, ready to fire."""

    def __init__(self, store: Store, config: Config, *, team_assign: TeamAssign | None = None,
                 rules: Sequence[Rule] | None = None,
                 notify_timeout_s: float = NOTIFY_TIMEOUT_S) -> None:
        """`rules`: the rules to run, in order; by default the config's enabled ones (a
        replay adds the disabled rule it tests, see service/rules_preview.py)."""
        self.store = store
        self.config = config
        self.rules = tuple(rules) if rules is not None else tuple(
            r for r in config.rules if r.enabled)
        self.tz = ZoneInfo(config.clinic.timezone)
        self.notify_timeout_s = notify_timeout_s
        self.team_assign = team_assign
        self._where = {r.name: parse_query(r.match) for r in self.rules}
        self._kept_where = {r.name: without_intent(self._where[r.name]) for r in self.rules
                            if r.on in ARRIVALS and _reads_intent(self._where[r.name])}
        self._sla = bool(config.sla.policies)
        self.acknowledger = Acknowledger(config) if config.acknowledge.configured else None
        self._hours = opening_hours(config)  # hours: at the instant a rule runs

    def _inbox(self, rule: Rule, now: int) -> RuleInbox:
        """The rule's hands for one firing: its clock is the trigger's `now`."""
        inbox = RuleInbox(self.store, self.config, rule.actor, clock=lambda: now)
        inbox.team_assign = self.team_assign
        inbox.acknowledger = self.acknowledger
        return inbox

    @property
    def active(self) -> bool:
        return bool(self.rules)

    def wants(self, trigger: str) -> bool:
        return any(r.on == trigger for r in self.rules)

    @property
    def reads_text(self) -> bool:
        """Whether an arrival rule's query searches text (the ingest must index it first)."""
        return any(_reads_text(self._where[r.name]) for r in self.rules
                   if r.on in ("arrival", "patient-reply"))

    @property
    def reads_triage(self) -> bool:
        """Whether a rule's query reads the detectors' intent or red flag (a replay then
        assesses old mail the ingest never did, service/rules_preview.py)."""
        return any(_reads_triage(self._where[r.name]) for r in self.rules)

    def reads_triage_before(self, rule: Rule) -> bool:
        """Whether `rule`, or a rule of its trigger that runs before it (its tags and
        `stop` shape what `rule` sees), reads the detectors' intent or red flag: only then
        does a replay of `rule` need old mail assessed."""
        for r in self.rules:
            if r.on == rule.on and _reads_triage(self._where[r.name]):
                return True
            if r.name == rule.name:
                return False
        return False

    # -- firing ----------------------------------------------------------------------------

    def fire_arrivals(self, tx: StoreTx, after_message_pk: int, *, now: int) -> Firing:
        """arrival / patient-reply for the inbound messages stored after `after_message_pk`
        in this transaction (the caller read it with `tx.max_message_pk()` before storing),
        at the ingest's `now` (epoch seconds)."""
        firing = Firing()
        if not (self.wants("arrival") or self.wants("patient-reply")):
            return firing
        # The backlog (a new mailbox's history: every message here was stored by the
        # folder's or number's first sync, received by the server longer than the
        # detectors' window before, and marked so when stored) fires nothing: a month of
        # mail must not route, tag and page message by message as if it had just come in.
        # Live mail fires however old its Date: header, and mail after an outage too.
        arrivals = [a for a in tx.arrivals_after(after_message_pk) if not a.backlog]
        new = [a.conversation_id for a in arrivals if a.new_conversation]
        again = [a.conversation_id for a in arrivals if not a.new_conversation]
        kept = kept_intents(arrivals)
        firing.extend(self.fire(tx, "arrival", new, now=now, kept=kept))
        firing.extend(self.fire(tx, "patient-reply", again, now=now, kept=kept))
        return firing

    def fire(self, tx: StoreTx, trigger: str, conv_ids: Sequence[int], *, now: int,
             kept: Collection[int] | Callable[[], Collection[int]] = ()) -> Firing:
        """Run the rules of `trigger` on these conversations, in order, inside `tx`, at `now`
        (epoch seconds: when the trigger happened). `kept`: conversations (of an arrival or
        patient-reply) whose arriving messages did not bring their intent: their `intent:`
        terms match nothing (`without_intent`); as a function, asked for after the rules'
        first read (a read it waits for then comes with that one)."""
        firing = Firing()
        rules = [r for r in self.rules if r.on == trigger]
        remaining = sorted(set(conv_ids))
        if not rules or not remaining:
            return firing
        at = datetime.fromtimestamp(now, UTC)
        ctx = QueryContext(me="", now=at, tz=self.tz, clinic_open=clinic_open(self._hours, at),
                           backlog_mark_days=self.config.triage.backlog_mark_days)
        ahead: list[set[int]] | None = None  # what rules[since:] match, read together
        since = 0
        batch = len(rules) > 1
        for place, rule in enumerate(rules):
            if not remaining:
                break
            if ahead is None and batch and len(rules) - place > 1:
                ahead, since = self._match_ahead(tx, rules[place:], remaining, ctx), place
                batch = ahead is not None  # a query that cannot run: each reads its own
            if callable(kept):  # after the first read: its answer came with that one
                kept = kept()
            try:
                selection = self.store.select(self._where[rule.name], ctx, sla=self._sla)
                # In a savepoint: on PostgreSQL a statement that fails aborts the whole
                # transaction, and with it the ingest this rule must never block.
                held = [c for c in remaining if c in kept] \
                    if rule.name in self._kept_where else []
                fresh = [c for c in remaining if c not in held] if held else remaining
                if ahead is not None and not held:  # read already: nothing to run here
                    matched = sorted(ahead[place - since] & set(fresh))
                else:
                    with tx.savepoint():
                        if ahead is not None:
                            found = ahead[place - since] & set(fresh)
                        else:
                            found = set(tx.ids_matching(fresh, selection)) if fresh \
                                else set()
                        if held:
                            found |= set(tx.ids_matching(held, self.store.select(
                                self._kept_where[rule.name], ctx, sla=self._sla)))
                        matched = sorted(found)
            except Exception as exc:  # noqa: BLE001 - a query the store cannot run: skip the rule
                log.warning("rule %r could not match %s: %s", rule.name,
                            named_conversations(remaining), error_class(exc),
                            extra=fields(outcome="skipped", error=error_class(exc),
                                         conversation=remaining[0],
                                         conversations=len(remaining)))
                tx.append_event(rule.actor, "rule.failed",
                                f"conversation:{remaining[0]}" if len(remaining) == 1 else "",
                                {"rule": rule.name, "trigger": trigger,
                                 "error": error_class(exc), "conversations": len(remaining),
                                 "ids": remaining[:FAILED_IDS]})
                continue
            if matched:  # what it does may change what the rules after it match: they
                ahead = None  # read theirs again (together), after it
            stopped: set[int] = set()
            inbox = self._inbox(rule, now) if matched else None
            for conv_id in matched:
                assert inbox is not None
                applied = self._apply_one(tx, rule, inbox, conv_id, trigger, now, firing)
                firing.applied.append(applied)
                if rule.stop and not applied.failed:
                    stopped.add(conv_id)
            remaining = [c for c in remaining if c not in stopped]
        return firing

    def _match_ahead(self, tx: StoreTx, rules: Sequence[Rule], ids: Sequence[int],
                     ctx: QueryContext) -> list[set[int]] | None:
        """What each of `rules` matches among `ids`, read in one statement before the
        first of them runs (on PostgreSQL one round trip for all of them, not one per
        rule). It holds for each rule while no rule before it (since the read) matched
        anything: until then nothing was changed; after a rule that matched, the rules
        after it are read again. None when any rule's query cannot be run: then each rule
        reads its own, as it is skipped or not on its own."""
        try:
            selections = [self.store.select(self._where[r.name], ctx, sla=self._sla)
                          for r in rules]
            with tx.savepoint():
                return tx.ids_matching_each(ids, selections)
        except Exception:  # noqa: BLE001 - each rule's own read says it, as before
            return None

    def _apply_one(self, tx: StoreTx, rule: Rule, inbox: RuleInbox, conv_id: int,
                   trigger: str, now: int, firing: Firing) -> Applied:
        target = f"conversation:{conv_id}"
        sub = Firing()
        inbox.raised = sub.raised  # kept only if this rule's savepoint holds
        try:
            with tx.savepoint():
                done, skipped = self._run_actions(tx, rule, inbox, conv_id, trigger, now, sub)
                if done or skipped:  # a rule that changed nothing leaves no trace
                    tx.append_event(rule.actor, "rule.applied", target,
                                    {"rule": rule.name, "trigger": trigger, "done": done,
                                     "skipped": skipped})
        except Exception as exc:  # noqa: BLE001 - one rule on one conversation, never the ingest
            kind = error_class(exc)
            log.warning("rule %r failed on conversation %d: %s", rule.name, conv_id, kind,
                        extra=fields(conversation=conv_id, error=kind, outcome="skipped"))
            reason = clean_line(str(exc), max_len=120) if isinstance(exc, RuleFailed) else kind
            tx.append_event(rule.actor, "rule.failed", target,
                            {"rule": rule.name, "trigger": trigger, "error": reason})
            return Applied(rule.name, conv_id, trigger, failed=reason)
        firing.notices += sub.notices
        firing.queued += sub.queued
        firing.raised += sub.raised
        return Applied(rule.name, conv_id, trigger, tuple(done), tuple(skipped))

    def _run_actions(self, tx: StoreTx, rule: Rule, inbox: RuleInbox, conv_id: int,
                     trigger: str, now: int, firing: Firing) -> tuple[list[str], list[str]]:
        done: list[str] = []
        skipped: list[str] = []
        conv = tx.conversation(conv_id)
        last = len(rule.actions) - 1
        for place, action in enumerate(rule.actions):
            if conv is None or conv.merged_into:
                raise RuleFailed(f"conversation #{conv_id} is gone")
            step = Step(tx, rule, action, conv, trigger, now, inbox, firing, skipped)
            if hides_red_flag(step):
                skipped.append(f"{describe(action)}: {FLAG_SKIP}")
                continue
            try:
                line = ACTION_HANDLERS[action.kind](step)
            except ActionSkipped as why:
                skipped.append(f"{describe(action)}: {why}")
                continue
            if line:
                done.append(line)
                if place < last:  # the next action sees this one's change
                    conv = tx.conversation(conv_id)
        return done, skipped

    # -- after the commit --------------------------------------------------------------------

    def after_commit(self, firing: Firing) -> None:
        """Wake the outbox for queued acknowledgements and run notify commands (on a thread
        of their own: a slow pager hook never holds up the sync)."""
        if firing.queued:
            from cxinbox.service.outbox import wake_running

            wake_running()
        if firing.raised:
            redflags.notify_tagged(self.config, firing.raised)
        if firing.notices:
            threading.Thread(target=self._notify_all, args=(firing.notices,),
                             name="rule notify", daemon=True).start()

    def hook_argv(self, notice: Notice) -> list[str]:
        """The command a notice runs: the one its rule's notify was queued for."""
        triage, sla = self.config.triage.notify_command, self.config.sla.notify_command
        return list((triage if notice.hook == TRIAGE_HOOK else sla) or sla or triage or ())

    def _notify_all(self, notices: list[Notice]) -> None:
        for notice in notices:
            argv = self.hook_argv(notice)
            if argv:
                self.notify(argv, notice)

    def notify(self, argv: list[str], notice: Notice) -> bool:
        """Run notify_command for one rule's notify action: the rule, trigger, conversation
        id, priority and assignee, and the rule's own message (config text). No patient text
        goes to the command or to the log."""
        details = {"conversation": notice.conversation_id, "state": "rule",
                   "rule": notice.rule, "trigger": notice.trigger, "message": notice.message,
                   "priority": notice.priority, "assignee": notice.assignee}
        env = {"CXINBOX_CONVERSATION": str(notice.conversation_id), "CXINBOX_STATE": "rule",
               "CXINBOX_RULE": notice.rule, "CXINBOX_TRIGGER": notice.trigger,
               "CXINBOX_MESSAGE": notice.message, "CXINBOX_PRIORITY": notice.priority,
               "CXINBOX_ASSIGNEE": notice.assignee}
        return run_notify(argv, env=env, details=details, log=log, what="rule notify command",
                          conversation=notice.conversation_id, timeout_s=self.notify_timeout_s)


def team_strategy(config: Config) -> TeamAssign:
    """`assign = "team:NAME"` by the team's own strategy (service/teams.py), audited there
    with its explanation, shifts judged at the trigger's `now`; a team with nobody available
    leaves the conversation unassigned and says why (that is the team's answer, not a
    failed rule); a pick that changes nothing (nobody available for a conversation nobody
    holds, or its own holder again) writes no event and is listed as skipped, with why."""
    from cxinbox.service.teams import assign_to_team

    def assign(tx: StoreTx, conversation_id: int, team: str, actor: str, now: int) -> str:
        try:
            choice = assign_to_team(tx, config, conversation_id, team, actor, now=now,
                                    unchanged_ok=True)
        except (BadRequest, NotFound) as exc:
            raise RuleFailed(str(exc)) from None
        if choice.member == choice.previous:  # nothing written: not done, said why
            raise ActionSkipped(choice.explanation)
        return choice.explanation

    return assign
