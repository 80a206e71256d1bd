"""How often a page read after a change brings the header's counts with it.

The counts are seven list reads (each an audited `conversation.list` on the server). Read
with every page after every change, a storm of 30 changes read them 30 times on each
terminal. So they come with the page as a token bucket allows: a first change after a
quiet spell, and the one right after it (an assignment and its undo), bring rows and
counts in the same frame; in a storm they come with a page at most once per `every_s`,
and the rows in between come alone (the counts follow within `every_s`, or once the storm
is over; tui/app.py). Pure: the caller passes the time.
"""

from __future__ import annotations

from typing import Final

BURST: Final = 2
"""Pages after changes that bring counts at once, after a quiet spell."""
EVERY_S: Final = 3.0
"""In a storm, one page with counts per this many seconds (the header's old tick)."""


class CountPace:
    """A token bucket of count reads: `burst` at most, one more every `every_s`."""

    def __init__(self, burst: int = BURST, every_s: float = EVERY_S) -> None:
        self.burst = burst
        self.every_s = every_s
        self._tokens = float(burst)
        self._at: float | None = None

    def take(self, now: float) -> bool:
        """Whether a page read at `now` may bring the counts (and spends one if so)."""
        if self._at is not None:
            self._tokens = min(float(self.burst),
                               self._tokens + (now - self._at) / self.every_s)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False
