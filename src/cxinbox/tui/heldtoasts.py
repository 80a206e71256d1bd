"""What the idle lock holds back, and what it may say over itself.

Nothing with a patient's name may appear over the lock, so a toast said while locked is
held here and shown once the same person unlocks: red flags first (a nurse who unlocks
must know at once), then the rest in the order they came, at most `MAX_OTHERS` of them
and a line counting the others. While locked, a red flag meant for this person rings the
bell and puts one line on the lock screen that names nothing: no patient, no words, not
even the conversation's number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

MAX_OTHERS: Final = 6
"""Toasts other than red flags shown at unlock; the rest are counted in one line."""


def lock_line(red_flags: int) -> str:
    """The lock screen's line while red flags wait for this person ("" for none)."""
    if red_flags <= 0:
        return ""
    if red_flags == 1:
        return "RED FLAG waiting: unlock to see it"
    return f"{red_flags} RED FLAGS waiting: unlock to see them"


@dataclass(slots=True)
class HeldToasts:
    """Toasts said while locked, in arrival order, split by urgency."""

    red: list[tuple[str, str]] = field(default_factory=list)
    others: list[tuple[str, str]] = field(default_factory=list)
    rings: int = 0  # bells rung for red flags while locked

    def hold(self, text: str, severity: str, *, red_flag: bool) -> None:
        (self.red if red_flag else self.others).append((text, severity))

    def rang(self) -> None:
        """The bell rang for a red flag (its toast may come a moment later, named)."""
        self.rings += 1

    def red_flags(self) -> int:
        """How many red flags the lock screen says wait: the toasts held, at least one
        once the bell has rung."""
        return max(len(self.red), 1 if self.rings else 0)

    def release(self) -> list[tuple[str, str]]:
        """(text, severity) to toast now, red flags first; empties the hold."""
        shown = list(self.red) + self.others[:MAX_OTHERS]
        more = len(self.others) - MAX_OTHERS
        if more > 0:
            shown.append((f"...and {more} more while the screen was locked", "information"))
        self.red.clear()
        self.others.clear()
        self.rings = 0
        return shown
