"""A conversation I closed that a `closed` rule put back (a reopen-on-close rule).

The close and the rule's change commit together and reach the change feed together, so
the batch that says "now closed" also says who undid it. Without a word the person would
see a row stay in the open list with no reason; with it she knows which rule to look at.
"""

from __future__ import annotations

from collections.abc import Iterable

from cxinbox.contract.types import Event
from cxinbox.domain.sanitize import clean_line

STATUS = "conversation.status"
RULE_PREFIX = "rule:"


def moved_after_my_close(events: Iterable[Event], me: str) -> list[str]:
    """One toast line per conversation `me` closed in this batch that a rule then left
    otherwise than closed ("#3 is open again: rule 'reopen on close' reopened it")."""
    closed: set[str] = set()
    last: dict[str, tuple[str, str]] = {}
    for event in events:
        if event.action != STATUS or not isinstance(event.details, dict):
            continue
        to = str(event.details.get("to", ""))
        if event.actor == me and to == "closed":
            closed.add(event.target)
            last.pop(event.target, None)
        elif event.actor.startswith(RULE_PREFIX) and event.target in closed:
            last[event.target] = (event.actor.removeprefix(RULE_PREFIX), to)
    lines = []
    for target, (rule, status) in last.items():
        if status == "closed":
            continue
        conv = clean_line(target.removeprefix("conversation:"), max_len=12)
        name = clean_line(rule, max_len=60)
        lines.append(f"#{conv} is open again: rule '{name}' reopened it" if status == "open"
                     else f"#{conv} is {clean_line(status, max_len=12)} now: rule '{name}'"
                          " set it so")
    return lines
