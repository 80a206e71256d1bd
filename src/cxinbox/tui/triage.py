"""Triage actions as values: the API call, a person-readable line, and its inverse.

Building the inverse at the moment the action is chosen (from the state on screen then)
is what makes `u` a one-step undo without any server support: undoing "assign #12 to
maria" is simply "assign #12 back to whoever had it". A note's inverse is a
retraction (allowed for two minutes; the note stays in the audit trail). Descriptions name the conversation by its number only,
never by subject or patient, because they show up in notifications.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from cxinbox.api.interface import InboxAPI
from cxinbox.api.types import ConversationSummary

STATUSES: tuple[str, ...] = ("open", "pending", "closed", "snoozed")
PRIORITIES: tuple[str, ...] = ("urgent", "high", "normal", "low")

ApiCall = Callable[[InboxAPI], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Triage:
    conv_id: int
    done: str  # "#12 assigned to you"
    call: ApiCall
    inverse: Triage | None = None
    inverse_from: Callable[[object], Triage | None] | None = None
    """Builds the inverse from what the call returned (a note's id, to retract it)."""


def assign(summary: ConversationSummary, user: str | None, me: str) -> Triage:
    previous = summary.assignee
    conv = summary.id

    def call(api: InboxAPI) -> Awaitable[None]:
        return api.assign(conv, user)

    def back(api: InboxAPI) -> Awaitable[None]:
        return api.assign(conv, previous)

    inverse = Triage(conv, f"#{conv} {_assignee_text(previous, me)} again", back)
    return Triage(conv, f"#{conv} {_assignee_text(user, me)}", call, inverse)


def _assignee_text(user: str | None, me: str) -> str:
    if user is None:
        return "unassigned"
    return "assigned to you" if user == me else f"assigned to {user}"


def status(summary: ConversationSummary, new: str, until: int | None = None) -> Triage:
    old, old_until, conv = summary.status, summary.snoozed_until, summary.id
    if old == "snoozed" and old_until is None:
        old = "pending"  # a snooze without a wake-up time cannot be restored as such

    def call(api: InboxAPI) -> Awaitable[None]:
        return api.set_status(conv, new, until)

    def back(api: InboxAPI) -> Awaitable[None]:
        return api.set_status(conv, old, old_until if old == "snoozed" else None)

    inverse = Triage(conv, f"#{conv} back to {old}", back)
    return Triage(conv, f"#{conv} is now {new}", call, inverse)


def priority(summary: ConversationSummary, new: str) -> Triage:
    old, conv = summary.priority, summary.id

    def call(api: InboxAPI) -> Awaitable[None]:
        return api.set_priority(conv, new)

    def back(api: InboxAPI) -> Awaitable[None]:
        return api.set_priority(conv, old)

    inverse = Triage(conv, f"#{conv} priority back to {old}", back)
    return Triage(conv, f"#{conv} priority {new}", call, inverse)


def parse_tag_input(text: str) -> tuple[list[str], list[str]]:
    """`lab-results -billing` -> (["lab-results"], ["billing"]); commas work as spaces."""
    add: list[str] = []
    remove: list[str] = []
    for word in text.replace(",", " ").split():
        target = remove if word.startswith("-") else add
        tag = word.lstrip("-+#").strip().lower()
        if tag and tag not in target:
            target.append(tag)
    return add, remove


def tags(summary: ConversationSummary, add: Sequence[str], remove: Sequence[str]) -> Triage:
    conv = summary.id
    present = set(summary.tags)
    add_l, remove_l = list(add), list(remove)
    # Only what this action really changes is put back: a tag that was already there stays.
    really_added = [t for t in add_l if t not in present]
    really_removed = [t for t in remove_l if t in present]

    def call(api: InboxAPI) -> Awaitable[None]:
        return api.tag(conv, add_l, remove_l)

    def back(api: InboxAPI) -> Awaitable[None]:
        return api.tag(conv, really_removed, really_added)

    words = [f"+{t}" for t in add_l] + [f"-{t}" for t in remove_l]
    inverse = Triage(conv, f"#{conv} tags restored", back)
    return Triage(conv, f"#{conv} tags {' '.join(words)}", call, inverse)


def note(summary: ConversationSummary, body: str) -> Triage:
    conv = summary.id

    def call(api: InboxAPI) -> Awaitable[int]:
        return api.add_note(conv, body)

    def retraction(note_id: object) -> Triage | None:
        if not isinstance(note_id, int):
            return None

        def back(api: InboxAPI) -> Awaitable[None]:
            return api.retract_note(note_id)

        return Triage(conv, f"note on #{conv} retracted (kept in the audit log)", back)

    return Triage(conv, f"note added to #{conv}", call, None, retraction)


def parse_duration(text: str) -> int | None:
    """Seconds in `90m`, `2h`, `3d`, `1w`, `2h30m` or a bare number of minutes; else None."""
    units = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned:
        return None
    if cleaned.isdigit():
        return int(cleaned) * 60 or None
    total, number = 0, ""
    for ch in cleaned:
        if ch.isdigit():
            number += ch
        elif ch in units and number:
            total += int(number) * units[ch]
            number = ""
        else:
            return None
    if number or total <= 0 or total > 366 * 86400:
        return None
    return total
