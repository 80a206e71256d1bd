"""Triage actions as values: the API call, a person-readable line, and its inverse.

Each action's inverse is built from the state on screen when it was chosen and from what
the call returned: "assign #12 to maria" is taken back by "assign #12 back to whoever had
it", and the call returns the seq of its event so the inverse can say which change it
undoes (`undo_of`, checked and recorded by the server). A note's inverse is a retraction
(allowed for two minutes; the note stays in the audit trail). The app keeps the inverses
in a history (`cxinbox.tui.undo`), so `u` walks back step by step.

Every line names the patient as well as the number ("#304 Elena Ruiz: assigned to you"):
a number alone is not enough to notice that a key acted on the wrong person. The app
clears these toasts when the screen locks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from cxinbox.api.interface import InboxAPI
from cxinbox.contract.types import ConversationSummary
from cxinbox.domain.sanitize import clean_line

STATUSES: tuple[str, ...] = ("open", "pending", "closed", "snoozed")
PRIORITIES: tuple[str, ...] = ("urgent", "high", "normal", "low")
NAME_CELLS = 24  # of the patient's name in a line; the number says the rest

ApiCall = Callable[[InboxAPI], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Triage:
    conv_id: int
    done: str  # "assigned to you" (or a whole line when `who` is empty)
    call: ApiCall
    inverse: Triage | None = None
    inverse_from: Callable[[object], Triage | None] | None = None
    """Builds the inverse from what the call returned (an event seq, a note's id)."""
    who: str = ""  # "#304 Elena Ruiz"
    done_from: Callable[[object], str] | None = None
    """Builds `done` from what the call returned (whom a team picked)."""

    @property
    def line(self) -> str:
        """What the person is told: who, then what happened."""
        return f"{self.who}: {self.done}" if self.who else self.done


def who(summary: ConversationSummary) -> str:
    """`#304 Elena Ruiz`: the number people can search for and the name they recognise."""
    name = clean_line(summary.from_name or summary.from_addr, max_len=NAME_CELLS)
    return f"#{summary.id} {name}" if name else f"#{summary.id}"


def _seq(result: object) -> int | None:
    return result if isinstance(result, int) and not isinstance(result, bool) else None


def assign(summary: ConversationSummary, user: str | None, me: str) -> Triage:
    previous = summary.assignee
    conv = summary.id
    person = who(summary)

    def call(api: InboxAPI) -> Awaitable[object]:
        return api.assign(conv, user)

    def inverse(result: object) -> Triage:
        def back(api: InboxAPI) -> Awaitable[object]:
            return api.assign(conv, previous, undo_of=_seq(result))

        return Triage(conv, f"{_assignee_text(previous, me)} again", back, who=person)

    return Triage(conv, _assignee_text(user, me), call, inverse_from=inverse, who=person)


def assign_team(summary: ConversationSummary, team: str, me: str) -> Triage:
    """Give the conversation to `team`: the server picks the member by the team's
    strategy; the line says whom (or that nobody was available, and why)."""
    previous = summary.assignee
    conv = summary.id
    person = who(summary)

    def call(api: InboxAPI) -> Awaitable[object]:
        return api.assign_team(conv, team)

    def inverse(result: object) -> Triage:
        def back(api: InboxAPI) -> Awaitable[object]:
            return api.assign(conv, previous, undo_of=_seq(getattr(result, "seq", None)))

        return Triage(conv, f"{_assignee_text(previous, me)} again", back, who=person)

    def done(result: object) -> str:
        member = getattr(result, "member", None)
        if member is None:
            why = clean_line(str(getattr(result, "explanation", "")), max_len=120)
            return f"team {team}: nobody available, left unassigned ({why})"
        return f"team {team}: {_assignee_text(member, me)}"

    return Triage(conv, f"team {team}", call, inverse_from=inverse, who=person,
                  done_from=done)


def _assignee_text(user: str | None, me: str) -> str:
    if user is None:
        return "unassigned"
    return "assigned to you" if user == me else f"assigned to {user}"


def status(summary: ConversationSummary, new: str, until: int | None = None) -> Triage:
    old, old_until, conv = summary.status, summary.snoozed_until, summary.id
    person = who(summary)
    if old == "snoozed" and old_until is None:
        old = "pending"  # a snooze without a wake-up time cannot be restored as such

    def call(api: InboxAPI) -> Awaitable[object]:
        return api.set_status(conv, new, until)

    def inverse(result: object) -> Triage:
        def back(api: InboxAPI) -> Awaitable[object]:
            return api.set_status(conv, old, old_until if old == "snoozed" else None,
                                  undo_of=_seq(result))

        return Triage(conv, f"back to {old}", back, who=person)

    return Triage(conv, f"now {new}", call, inverse_from=inverse, who=person)


def priority(summary: ConversationSummary, new: str) -> Triage:
    old, conv = summary.priority, summary.id
    person = who(summary)

    def call(api: InboxAPI) -> Awaitable[object]:
        return api.set_priority(conv, new)

    def inverse(result: object) -> Triage:
        def back(api: InboxAPI) -> Awaitable[object]:
            return api.set_priority(conv, old, undo_of=_seq(result))

        return Triage(conv, f"priority back to {old}", back, who=person)

    return Triage(conv, f"priority {new}", call, inverse_from=inverse, who=person)


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
    person = who(summary)
    present = set(summary.tags)
    add_l, remove_l = list(add), list(remove)
    # Only what this action really changes is put back: a tag that was already there stays.
    really_added = [t for t in add_l if t not in present]
    really_removed = [t for t in remove_l if t in present]

    def call(api: InboxAPI) -> Awaitable[object]:
        return api.tag(conv, add_l, remove_l)

    def inverse(result: object) -> Triage:
        def back(api: InboxAPI) -> Awaitable[object]:
            return api.tag(conv, really_removed, really_added, undo_of=_seq(result))

        return Triage(conv, "tags restored", back, who=person)

    words = [f"+{t}" for t in add_l] + [f"-{t}" for t in remove_l]
    return Triage(conv, f"tags {' '.join(words)}", call, inverse_from=inverse, who=person)


def note(summary: ConversationSummary, body: str) -> Triage:
    conv = summary.id
    person = who(summary)

    def call(api: InboxAPI) -> Awaitable[int]:
        return api.add_note(conv, body)

    def retraction(note_id: object) -> Triage | None:
        if not isinstance(note_id, int):
            return None

        def back(api: InboxAPI) -> Awaitable[None]:
            return api.retract_note(note_id)

        return Triage(conv, "note retracted (kept in the audit log)", back, who=person)

    return Triage(conv, "note added", call, None, retraction, who=person)

