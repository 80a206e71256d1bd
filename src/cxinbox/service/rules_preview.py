"""`cxinbox rules test NAME --since 30d`: what a rule would have done, doing nothing.

It replays the rule's trigger over the window (conversations that arrived, patients who
wrote again, closes and SLA escalations found in the event log), keeps the conversations
an earlier rule with `stop = true` would have taken, matches the rule's query against the
conversations as they are now, and says per conversation which actions would change
something. The acknowledgement is judged as at the message's arrival (opening hours then,
red flag, automatic mail, opt-out, the ledger), so "would it have answered Saturday's
mail?" has an honest answer.

Nothing is changed. The one write is the audit record of the read: the answer shows
subjects of patient conversations, so it is recorded like a list (`rules.test`, with the
rule, the window and the ids shown), by the person who asked.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cxinbox.contract.errors import BadRequest, NotFound
from cxinbox.contract.rule_types import Preview, PreviewRow
from cxinbox.domain.query import QueryContext, parse_query
from cxinbox.domain.rules import Rule, RuleAction, describe
from cxinbox.domain.rules import find_rule as find_named
from cxinbox.domain.sanitize import clean_line
from cxinbox.service.acknowledge import Acknowledger, AckRefused
from cxinbox.service.inbox import InboxService
from cxinbox.store.interface import StoreTx
from cxinbox.store.records import ConversationRecord

MAX_SHOWN = 500
"""Conversations listed at most (the count is always complete)."""


def find_rule(rules: tuple[Rule, ...], name: str) -> Rule:
    rule = find_named(rules, name)
    if rule is not None:
        return rule
    known = ", ".join(repr(r.name) for r in rules) or "none are configured"
    raise NotFound(f"no rule named {clean_line(name)!r}; rules: {known}")


def preview(inbox: InboxService, name: str, since: int) -> Preview:
    """What rule `name` would have done since `since` (epoch seconds)."""
    config = inbox.config
    rule = find_rule(config.rules, name)
    if since > inbox.store.now_ms() // 1000:
        raise BadRequest("--since must be in the past")
    ctx = QueryContext(me="", now=datetime.now(UTC), tz=inbox.tz)
    sla = bool(config.sla.policies)
    acker = Acknowledger(config) if config.acknowledge.configured else None
    rows: list[PreviewRow] = []
    with inbox.store.reading() as tx:
        ids = tx.past_triggers(rule.on, since)
        remaining = list(ids)
        for earlier in config.rules:
            if earlier.name == rule.name:
                break
            if earlier.on == rule.on and earlier.stop and remaining:
                taken = tx.ids_matching(remaining, inbox.store.select(
                    parse_query(earlier.match), ctx, sla=sla))
                remaining = [c for c in remaining if c not in taken]
        matched = sorted(tx.ids_matching(remaining, inbox.store.select(
            parse_query(rule.match), ctx, sla=sla))) if remaining else []
        for conv_id in matched[:MAX_SHOWN]:
            conv = tx.conversation(conv_id)
            if conv is None:
                continue
            would = tuple(_would(tx, conv, a, acker) for a in rule.actions)
            rows.append(PreviewRow(conv_id, conv.last_inbound_at or conv.created_at,
                                   clean_line(conv.subject, max_len=60), would))
    inbox.record_read("rules.test", "", {"rule": rule.name, "since": since,
                                         "count": len(matched),
                                         "shown": [r.conversation_id for r in rows]})
    return Preview(rule.name, rule.on, since, len(ids), len(matched), tuple(rows))


def _would(tx: StoreTx, conv: ConversationRecord, action: RuleAction,
           acker: Acknowledger | None) -> str:
    """One action on one conversation, in words, with "(no change)" when it has its effect
    already and the acknowledgement's verdict as at the conversation's last patient message."""
    text = describe(action)
    value = action.value
    same = (
        (action.kind == "priority" and conv.priority == value)
        or (action.kind == "assign" and (conv.assignee or "") == value)
        or (action.kind == "status" and conv.status == value)
        or (action.kind == "sla_policy" and conv.sla_policy == value)
    )
    if action.kind in ("tag", "untag") and isinstance(value, tuple):
        have = set(tx.tags_for([conv.id]).get(conv.id, []))
        change = [t for t in value if (t in have) != (action.kind == "tag")]
        same = not change
    if same:
        return f"{text} (no change)"
    if action.kind == "acknowledge" and acker is not None:
        at = datetime.fromtimestamp(conv.last_inbound_at or conv.created_at, UTC)
        try:
            plan = acker.plan(tx, conv, at)
        except AckRefused as why:
            return f"no acknowledgement ({why})"
        return f"acknowledge by {plan.channel} (\"we will answer by {acker.next_open_text(at)}\")"
    return text
