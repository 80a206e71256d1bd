"""Retention periods ("7y", "90d") and the cutoff time they give. Pure, no I/O.

Years are calendar years counted back from a date (29 February falls back to the 28th),
not 365-day blocks: "kept for 6 years" must never end a day early because of leap years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_SPAN = re.compile(r"([1-9][0-9]{0,3})(y|d)")


@dataclass(frozen=True, slots=True)
class Span:
    """A period counted back from now: `count` years or days."""

    count: int
    unit: str  # "y" | "d"

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"

    @property
    def days(self) -> int:
        """Length in days, leap days left out (for comparing two spans)."""
        return self.count * 365 if self.unit == "y" else self.count


def parse_span(text: str) -> Span | None:
    """ "7y" or "400d" as a Span; None when it is neither."""
    match = _SPAN.fullmatch(text.strip().lower())
    if match is None:
        return None
    return Span(int(match.group(1)), match.group(2))


def cutoff(now_s: float, span: Span) -> int:
    """The epoch second `span` before `now_s`: what is older than this is past the period."""
    now = datetime.fromtimestamp(now_s, UTC)
    if span.unit == "d":
        return int((now - timedelta(days=span.count)).timestamp())
    year = now.year - span.count
    try:
        then = now.replace(year=year)
    except ValueError:  # 29 February in a year without one
        then = now.replace(year=year, day=28)
    return int(then.timestamp())
