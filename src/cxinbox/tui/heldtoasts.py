"""What the idle lock holds back, and what it may say over itself.

Nothing with a patient's name may appear over the lock, so a toast said while locked is
held here and shown once the same person unlocks: red flags first (a nurse who unlocks
must know at once), then the rest in the order they came, at most `MAX_OTHERS` of them
and a line counting the others. A red-flag toast still on screen when the lock comes up
is held too: the bell rang for it, and the person who unlocks may not be the one who saw
it. While locked, a red flag meant for this person rings the bell and puts one line on
the lock screen that names nothing: no patient, no words, not even the conversation's
number; it counts distinct flags (a flag raised, then told waiting, then given to me is
one).

At unlock each held red flag is checked against the conversation as it is now
(`FlagState`): one cleared meanwhile is told as cleared, once; one that waited for a
clinician and was taken by someone else is told as taken, not as still waiting; one given
to me and since handed to someone else says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from cxinbox.domain.sanitize import clean_line

MAX_OTHERS: Final = 6
"""Toasts other than red flags shown at unlock; the rest are counted in one line."""

RAISED: Final = "raised"
"""A red flag raised on a conversation (a clinician's toast)."""
WAITING: Final = "waiting"
"""A red flag waiting unassigned: everyone on shift in its team at the cap."""
YOURS: Final = "yours"
"""A red flag that waited, now given to me."""
COUNT: Final = "count"
"""A number of red flags waiting, no conversation named (back from away, shift start)."""


@dataclass(frozen=True, slots=True)
class FlagToast:
    """A red flag's toast: its text and what it is about, so the lock can count flags,
    not toasts, and unlock can check it again."""

    text: str
    conv: int | None  # None for COUNT
    kind: str = RAISED
    count: int = 1  # for COUNT: how many flags the line speaks of
    severity: str = "error"


@dataclass(frozen=True, slots=True)
class FlagState:
    """A conversation's red flag as the server says it is now."""

    open: bool
    assignee: str | None
    name: str = ""  # the patient's, for a toast held before its name was read


def lock_line(red_flags: int) -> str:
    """The lock screen's line while red flags wait for this person ("" for none)."""
    if red_flags <= 0:
        return ""
    if red_flags == 1:
        return "RED FLAG waiting: unlock to see it"
    return f"{red_flags} RED FLAGS waiting: unlock to see them"


def replayed(toast: FlagToast, state: FlagState | None, me: str) -> tuple[str, str] | None:
    """(text, severity) of a held red flag's toast at unlock, as things are now; None
    to drop it. `state` None: not known (the server did not answer), shown as held."""
    if state is None or toast.conv is None:
        return toast.text, toast.severity
    conv = toast.conv
    if not state.open:
        return f"RED FLAG #{conv} was cleared while the screen was locked", "information"
    who = clean_line(state.assignee or "", max_len=24)
    if toast.kind == WAITING and who:
        if state.assignee == me:
            return f"RED FLAG #{conv} no longer waits: it is yours now", toast.severity
        return f"RED FLAG #{conv} no longer waits: {who} has it", "warning"
    if toast.kind == YOURS and state.assignee != me:
        now = f"{who} has it" if who else "unassigned again"
        return f"RED FLAG #{conv} was given to you, now {now}", "warning"
    text = toast.text
    if toast.kind == RAISED and text.endswith(f"#{conv}") and state.name:
        text = f"{text} {clean_line(state.name, max_len=24)}"  # named now, not while locked
    if toast.kind == RAISED and who and state.assignee != me:
        return f"{text} ({who} has it)", toast.severity
    return text, toast.severity


@dataclass(slots=True)
class HeldToasts:
    """Toasts said while locked, in arrival order, split by urgency."""

    red: list[FlagToast] = field(default_factory=list)
    others: list[tuple[str, str]] = field(default_factory=list)
    rung: set[int] = field(default_factory=set)  # flags the bell rang for while locked
    gone: set[int] = field(default_factory=set)  # held flags cleared while locked
    rings: int = 0  # bells rung for red flags while locked

    def hold(self, text: str, severity: str) -> None:
        self.others.append((text, severity))

    def hold_flag(self, toast: FlagToast) -> None:
        self.red.append(toast)
        if toast.conv is not None:
            self.gone.discard(toast.conv)  # raised again

    def cleared(self, convs: Iterable[int]) -> None:
        """Flags cleared while locked: no longer counted on the lock line (their toasts
        stay held: unlock says they were cleared)."""
        self.gone.update(convs)

    def expect(self, convs: Iterable[int | None]) -> None:
        """Red flags told while locked whose toasts may come a moment later (named once
        the patient's name is fetched): counted on the lock line at once."""
        known = {c for c in convs if c is not None}
        self.rung.update(known)
        self.gone -= known

    def rang(self) -> None:
        """The bell rang for a red flag over the lock."""
        self.rings += 1

    def red_flags(self) -> int:
        """How many distinct red flags the lock screen says wait: those held or rung for,
        a count told without names (at least), and at least one once the bell has rung."""
        convs = {t.conv for t in self.red if t.conv is not None} | self.rung
        told = max((t.count for t in self.red if t.conv is None), default=0)
        rang = 1 if self.rings and not convs else 0  # the bell, its flag not yet named
        return max(len(convs - self.gone), told, rang)

    def flag_convs(self) -> list[int]:
        """The conversations of the held red flags, to check again at unlock."""
        return sorted({t.conv for t in self.red if t.conv is not None})

    def release(self, states: Mapping[int, FlagState] | None = None,
                me: str = "") -> list[tuple[str, str]]:
        """(text, severity) to toast now, red flags first, each checked against `states`
        (conversation -> its flag now; one missing from it is shown as held); empties the
        hold."""
        shown: list[tuple[str, str]] = []
        for toast in self.red:
            state = None if states is None or toast.conv is None else \
                states.get(toast.conv)
            line = replayed(toast, state, me)
            if line is not None and line not in shown:
                shown.append(line)
        shown += self.others[:MAX_OTHERS]
        more = len(self.others) - MAX_OTHERS
        if more > 0:
            shown.append((f"...and {more} more while the screen was locked", "information"))
        self.red.clear()
        self.others.clear()
        self.rung.clear()
        self.gone.clear()
        self.rings = 0
        return shown
