"""How staff are told that a patient message was never screened: a later sync stored it
long after the server received it (an outage, mail moved in from elsewhere), so the
red-flag and intent detectors passed it over (`messages.unscreened_at`, migration 28), or
a first sync stored it as backlog (`messages.backlog_at`, migration 27) and it arrived
recently enough to matter (store/unscreened.py holds the one rule for both). Words, not
colour, and the same words in `cxinbox show`, the list and the thread."""

from __future__ import annotations

ARRIVAL_SHOWN_S = 3600
"""A message's arrival is given beside its Date: (as "received ...", in `show` and the
thread) when the two differ by more than this."""


def _ago(received_at: int, now: int) -> str:
    seconds = max(0, now - received_at)
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def unscreened_line(received_at: int, now: int) -> str:
    """"not screened: received 5 d ago"."""
    return f"not screened: received {_ago(received_at, now)} ago"


def unscreened_mark(received_at: int, now: int) -> str:
    """The list's short form, for an 80-column row: "unscreened 5d:" (the colon sets it
    apart from the subject that follows)."""
    return f"unscreened {_ago(received_at, now).replace(' ', '')}:"


UNSCREENED_WHY = ("no red-flag check read it: it was fetched long after it arrived;"
                  " read it now for anything urgent")

BACKLOG_WHY = ("no red-flag check read it: it was already waiting when this mailbox or number"
               " was first synced; read it now for anything urgent")
"""The same, for a first sync's backlog (`messages.backlog_at`) still marked: it arrived
within `[triage] backlog_mark_days` (store/unscreened.py)."""


def unscreened_why(reason: str | None) -> str:
    """Why a conversation says "not screened", by its kind ("late" | "backlog")."""
    return BACKLOG_WHY if reason == "backlog" else UNSCREENED_WHY


def backlog_since(now: int, mark_days: int) -> int | None:
    """The arrival time (epoch seconds) from which a first sync's backlog is still marked
    "not screened" (`[triage] backlog_mark_days`); None: 0 days, never marked."""
    return None if mark_days <= 0 else now - mark_days * 86400
