"""A conversation I closed that a `closed` rule put back (a reopen-on-close rule).

The close and the rule's change commit together, but a change-feed page holds at most
500 events: a busy desk's page can end between the two (or a bulk close of hundreds can
put the rules' changes pages later). `RuleMoves` keeps what it has read until the feed
says it has everything committed (`Changes.more` false), then judges the whole run.
Without a word the person would see a row stay in the open list with no reason; with it
she knows which rule to look at.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cxinbox.contract.types import Event
from cxinbox.domain.sanitize import clean_line

STATUS = "conversation.status"
RULE_PREFIX = "rule:"
MOST_LINES: Final = 3
"""Toasts for one run of the feed; more moves are said in one line."""


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


class RuleMoves:
    """`moved_after_my_close` over the change feed's pages until it is caught up."""

    def __init__(self, me: str) -> None:
        self.me = me
        self._held: list[Event] = []

    def read(self, events: Iterable[Event], *, more: bool) -> list[str]:
        """The toast lines once the feed is caught up (`more` false) for the status
        changes read since the last time it was; none while pages are still coming."""
        self._held.extend(e for e in events if e.action == STATUS)
        if more:
            return []
        held, self._held = self._held, []
        lines = moved_after_my_close(held, self.me)
        if len(lines) <= MOST_LINES:
            return lines
        ids = ", ".join(line.split(" ", 1)[0] for line in lines[:MOST_LINES])
        return [f"{len(lines)} conversations you closed were moved back by rules ({ids} ...)"]
