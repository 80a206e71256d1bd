"""Automation rules as data: what `[[rules]]` in the config says, checked before it runs.

Sieve (RFC 5228) is the model: an ordered list of tests (`match`, a query in the `/`
language) and actions, with an explicit `stop`. This module is pure: it turns the config's
tables into frozen `Rule`s and refuses a mistake with the key at fault, so a clinic learns
of a typo when the config loads, not when a patient writes at night.

Actions run in one fixed order whatever order the TOML table lists them in
(`ACTION_ORDER`): tags first (a later query sees them), then priority, assignment, the SLA
policy and status, then the note, the acknowledgement and the notification. A reader of a
rule knows what happens without knowing how TOML orders keys.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from cxinbox.domain.query import And, Field, Node, Not, Or, QueryError, find_field, parse_query
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.when import MAX_SNOOZE_S, amount_seconds, format_amount

TRIGGERS: Final = ("arrival", "patient-reply", "sla-at-risk", "sla-breached", "closed")
"""When a rule runs: a new patient conversation, a patient writing again, the SLA monitor's
two escalations, and a person closing a conversation."""

ACTION_ORDER: Final = ("tag", "untag", "priority", "assign", "assign_team", "sla_policy",
                       "status", "snooze", "note", "acknowledge", "notify")
"""Every action kind, in the order a rule's actions run. `assign_team` is what
`assign = "team:NAME"` becomes."""

CONFIG_ACTIONS: Final = ("tag", "untag", "priority", "assign", "sla_policy", "status",
                         "snooze", "note", "acknowledge", "notify")
"""The keys an `actions` table may hold."""

RULE_STATUSES: Final = ("open", "pending", "closed")
"""What `status =` may set (`snooze = "4h"` snoozes: a snooze needs its wake-up time)."""

PRIORITIES: Final = ("urgent", "high", "normal", "low")
TEAM_PREFIX: Final = "team:"
ACK_FIELDS: Final = ("next_open", "clinic")
"""The `{placeholders}` an acknowledgement text may use."""

_NAME: Final = re.compile(r"[^\x00-\x1f\x7f\"]{1,80}")

ActionValue = str | tuple[str, ...] | int | bool


class RuleSpecError(Exception):
    """A rule the config cannot hold; `key` is the dotted key below the rule."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True, slots=True)
class RuleAction:
    """One action: its kind (one of ACTION_ORDER) and its checked value."""

    kind: str
    value: ActionValue


@dataclass(frozen=True, slots=True)
class Rule:
    """One `[[rules]]` entry, checked."""

    name: str
    on: str
    match: str
    actions: tuple[RuleAction, ...]
    stop: bool = False
    enabled: bool = True
    """`enabled = false`: checked and testable (`cxinbox rules test`), but never run, so a
    clinic can write a rule, see what it would have done, then switch it on."""

    @property
    def actor(self) -> str:
        """Who its changes are by in the audit trail."""
        return f"rule:{self.name}"

    def action(self, kind: str) -> RuleAction | None:
        return next((a for a in self.actions if a.kind == kind), None)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What the rest of the config defines, for checking names a rule uses.

    `users` None: no roster (any plain login name goes). `teams` None: no `[[teams]]`, so
    `assign = "team:NAME"` is refused with a line saying so.
    """

    users: frozenset[str] | None
    policies: frozenset[str]
    acknowledge: bool
    teams: frozenset[str] | None = None


def parse_duration(text: str) -> int | None:
    """Seconds of "40s", "30m", "4h", "1d12h" (domain/when.py's one grammar of an amount);
    None when `text` is not such an amount or is zero."""
    return amount_seconds(text) or None


def check_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or not _NAME.fullmatch(value):
        raise RuleSpecError("name", "expected a short name on one line (no quotes)")
    return value.strip()


def check_trigger(value: object) -> str:
    if value not in TRIGGERS:
        raise RuleSpecError("on", f"expected one of {', '.join(TRIGGERS)}, got {value!r}")
    assert isinstance(value, str)
    return value


def check_match(value: object, *, sla: bool = True, hours: bool = True) -> str:
    """The rule's query, checked when the config loads. `sla`: SLA policies are configured
    (without any, an `sla:` term could never be evaluated: refused here rather than failing
    on every arrival). `hours`: the clinic's opening hours are configured (`[acknowledge]
    calendar`), which an `hours:` term reads."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RuleSpecError("match", "expected a query string")
    try:
        tree = parse_query(value)
    except QueryError as exc:
        raise RuleSpecError("match", f"bad query: {exc.render(value)}") from None
    if _names_me(tree):
        raise RuleSpecError("match", "a rule acts for nobody in particular: assignee:me and"
                                     " is:mine mean nothing here; name the user")
    term = None if sla else _sla_term(tree)
    if term is not None:
        raise RuleSpecError("match", no_sla_policy(term))
    hours_term = None if hours else find_field(tree, "hours")
    if hours_term is not None:
        raise RuleSpecError("match", f"hours:{hours_term.value} needs the clinic's opening"
                                     " hours: set [acknowledge] calendar to a"
                                     " [sla.calendars] name")
    return value


def no_sla_policy(term: Field) -> str:
    return f"sla:{term.value} needs an SLA policy, and no [[sla.policies]] is configured"


def sla_term(match: str) -> Field | None:
    """The first `sla:` term of a rule's (already checked) query, or None."""
    return _sla_term(parse_query(match)) if match else None


def _sla_term(node: Node) -> Field | None:
    if isinstance(node, Field):
        return node if node.name == "sla" else None
    if isinstance(node, Not):
        return _sla_term(node.node)
    if isinstance(node, And | Or):
        return next((f for f in map(_sla_term, node.nodes) if f is not None), None)
    return None


def _names_me(node: Node) -> bool:
    if isinstance(node, Field):
        return (node.name, node.value.lower()) in (("assignee", "me"), ("is", "mine"))
    if isinstance(node, Not):
        return _names_me(node.node)
    if isinstance(node, And | Or):
        return any(_names_me(n) for n in node.nodes)
    return False


def _tags(key: str, value: object) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise RuleSpecError(key, "expected a tag or a list of tags")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip() \
                or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in item.strip()):
            raise RuleSpecError(key, f"a tag is one word without spaces, got {item!r}")
        tag = item.strip().lower()
        if tag not in out:
            out.append(tag)
    return tuple(out)


def _choice(key: str, value: object, options: Collection[str], what: str) -> str:
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(options if isinstance(options, tuple) else sorted(options))
        raise RuleSpecError(key, f"unknown {what} {value!r}; expected one of {listed}")
    return value


def _assign(value: object, vocab: Vocabulary) -> RuleAction:
    if not isinstance(value, str) or not value.strip() or any(ch.isspace() for ch in value):
        raise RuleSpecError("assign", 'expected a user, "none" or "team:NAME"')
    if value.startswith(TEAM_PREFIX):
        team = value[len(TEAM_PREFIX):]
        if vocab.teams is None:
            raise RuleSpecError("assign", f"teams are not configured (no [[teams]]), so"
                                          f" {value!r} cannot be assigned to")
        if team not in vocab.teams:
            raise RuleSpecError("assign", f"unknown team {team!r}; known teams:"
                                          f" {', '.join(sorted(vocab.teams)) or 'none'}")
        return RuleAction("assign_team", team)
    if value == "none":
        return RuleAction("assign", "")
    if vocab.users is not None and value not in vocab.users:
        raise RuleSpecError("assign", f"unknown user {value!r}; known users:"
                                      f" {', '.join(sorted(vocab.users))}")
    return RuleAction("assign", value)


def ack_text_problem(text: str) -> str | None:
    """Why an acknowledgement text cannot be filled in, or None when it can."""
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        return f"not a valid text with {{placeholders}}: {exc}"
    for name in names:
        if name not in ACK_FIELDS:
            return (f"unknown placeholder {{{name}}}; use "
                    + ", ".join("{" + f + "}" for f in ACK_FIELDS))
    return None


def parse_actions(raw: object, vocab: Vocabulary) -> tuple[RuleAction, ...]:
    """The `actions` table checked and put in ACTION_ORDER; RuleSpecError names the key."""
    if not isinstance(raw, Mapping) or not raw:
        raise RuleSpecError("actions", "expected a table of actions such as"
                                       ' { tag = ["lab"], priority = "high" }')
    found: dict[str, RuleAction] = {}
    for key, value in raw.items():
        where = f"actions.{key}"
        try:
            action = _one_action(str(key), value, vocab)
        except RuleSpecError as exc:
            raise RuleSpecError(f"actions.{exc.key}", exc.problem) from None
        if action is None:
            raise RuleSpecError(where, "unknown action; expected one of "
                                       + ", ".join(CONFIG_ACTIONS))
        found[action.kind] = action
    if "status" in found and "snooze" in found:
        raise RuleSpecError("actions.snooze", "a rule sets status or snooze, not both")
    return tuple(found[k] for k in ACTION_ORDER if k in found)


def _one_action(key: str, value: object, vocab: Vocabulary) -> RuleAction | None:
    if key in ("tag", "untag"):
        return RuleAction(key, _tags(key, value))
    if key == "assign":
        return _assign(value, vocab)
    if key == "priority":
        return RuleAction(key, _choice(key, value, PRIORITIES, "priority"))
    if key == "status":
        return RuleAction(key, _choice(key, value, RULE_STATUSES, "status"))
    if key == "snooze":
        seconds = parse_duration(value) if isinstance(value, str) else None
        if seconds is None:
            raise RuleSpecError(key, f'expected an amount such as "4h" or "2d", got {value!r}')
        if seconds > MAX_SNOOZE_S:
            # the bound `status --until` and the API hold a snooze to
            raise RuleSpecError(key, f"{value!r} is more than two years; a snooze must wake"
                                     " within two years (close it instead)")
        return RuleAction(key, seconds)
    if key == "sla_policy":
        return RuleAction(key, _choice(key, value, vocab.policies, "SLA policy")
                          if vocab.policies else _no_policies(value))
    if key == "note":
        if not isinstance(value, str) or not value.strip():
            raise RuleSpecError(key, "expected the note's text")
        return RuleAction(key, value.strip())
    if key == "notify":
        if value is True or (isinstance(value, str) and value.strip()):
            return RuleAction(key, value if isinstance(value, str) else "")
        raise RuleSpecError(key, "expected true or a short message for the notify command")
    if key == "acknowledge":
        if value is not True:
            raise RuleSpecError(key, "expected true (the texts live in [acknowledge])")
        if not vocab.acknowledge:
            raise RuleSpecError(key, "needs an [acknowledge] table with a calendar and texts")
        return RuleAction(key, True)
    return None


def _no_policies(value: object) -> str:
    raise RuleSpecError("sla_policy", f"unknown SLA policy {value!r}; no [[sla.policies]]"
                                      " are configured")


def describe(action: RuleAction) -> str:
    """What an action does, in the words `rules show` and `rules test` use."""
    value = action.value
    if action.kind in ("tag", "untag") and isinstance(value, tuple):
        sign = "+" if action.kind == "tag" else "-"
        return "tag " + " ".join(sign + t for t in value)
    if action.kind == "assign":
        return f"assign {value}" if value else "unassign"
    if action.kind == "assign_team":
        return f"assign team:{value}"
    if action.kind == "snooze" and isinstance(value, int):
        return f"snooze {format_amount(value)}"
    if action.kind == "sla_policy":
        return f"sla policy {value}"
    if action.kind in ("note", "notify") and isinstance(value, str) and value:
        # the config's own words (what the note says, what the notify command is told)
        return f"{action.kind} {json.dumps(clean_line(value, max_len=80), ensure_ascii=False)}"
    if action.kind in ("note", "acknowledge", "notify"):
        return action.kind
    return f"{action.kind} {value}"


def find_rule(rules: Sequence[Rule], name: str) -> Rule | None:
    return next((r for r in rules if r.name == name), None)


RED_FLAG_TRIGGERS: Final = ("arrival", "patient-reply")
"""Where a new red flag meets the rules: the message that raised it."""


def red_flag_teams(rules: Sequence[Rule]) -> tuple[str, ...]:
    """The teams red flags are routed to: each enabled rule that runs when a patient
    writes, matches only red-flagged conversations (`is:red-flag`, `red-flag:CATEGORY`,
    `tag:red-flag`, with anything ANDed) and assigns to `team:NAME`; in rule order, once
    each. Empty: no rule routes red flags, and the clinical role answers for them."""
    teams: list[str] = []
    for rule in rules:
        routed = rule.action("assign_team")
        if not rule.enabled or routed is None or rule.on not in RED_FLAG_TRIGGERS:
            continue
        try:
            needs = _needs_red_flag(parse_query(rule.match)) if rule.match.strip() else False
        except QueryError:
            needs = False
        if needs and str(routed.value) not in teams:
            teams.append(str(routed.value))
    return tuple(teams)


SLA_HOOK: Final = "[sla] notify_command"
TRIAGE_HOOK: Final = "[triage] notify_command"


def notify_hook(rule: Rule, *, sla: bool, triage: bool) -> str | None:
    """Which command a rule's `notify` runs, given whether `[sla] notify_command` and
    `[triage] notify_command` are set; None when it runs none (the rule pages nobody) or
    has no notify.

    A rule that matches only red-flagged conversations (`is:red-flag`, `red-flag:...`,
    `tag:red-flag...`: the same reading as `red_flag_teams`) pages whoever the red flag
    itself pages: `[triage] notify_command`, else `[sla] notify_command`, as the red-flag
    hook chooses. Any other rule's notify is the desk's business: `[sla]
    notify_command` only (an after-hours notice must not wake the clinician's pager)."""
    if rule.action("notify") is None:
        return None
    if triage and pages_clinician(rule):
        return TRIAGE_HOOK
    return SLA_HOOK if sla else None


def pages_clinician(rule: Rule) -> bool:
    """Whether every conversation `rule` matches has a red flag."""
    try:
        return _needs_red_flag(parse_query(rule.match)) if rule.match.strip() else False
    except QueryError:
        return False


def no_hook_problem(rule: Rule) -> str:
    """What `rules list/show/test` and the audit say of a notify that runs nothing."""
    which = (f"no {TRIAGE_HOOK} or {SLA_HOOK} is set" if pages_clinician(rule)
             else f"no {SLA_HOOK} is set")
    return f"pages nobody: {which}"


def _needs_red_flag(node: Node) -> bool:
    """Whether every conversation `node` selects has a red flag."""
    if isinstance(node, Field):
        value = node.value.lower()
        return ((node.name, value) == ("is", "red-flag")
                or (node.name == "red-flag" and value != "none")
                or (node.name == "tag" and value.startswith("red-flag")))
    if isinstance(node, And):
        return any(_needs_red_flag(n) for n in node.nodes)
    if isinstance(node, Or):
        return all(_needs_red_flag(n) for n in node.nodes)
    return False
