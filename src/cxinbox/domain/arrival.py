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
    """"NOT CHECKED FOR RED FLAGS: 5 d old" (since it arrived): what a receptionist must
    know first, in capitals because it is a warning (words, not colour). With
    `unscreened_why` in brackets after it, one line of an 80-column thread."""
    return f"NOT CHECKED FOR RED FLAGS: {_ago(received_at, now)} old"


def unscreened_mark(received_at: int, now: int) -> str:
    """The list's short form, for an 80-column row: "!unchecked 5d:" (the "!" asks for
    attention, the thread's line says for what: red flags; the colon sets it apart from
    the subject that follows). As short as the subject column allows."""
    return f"!unchecked {_ago(received_at, now).replace(' ', '')}:"


READ_IT_NOW = "read it now; if urgent, ask a clinician"
"""What to do, after `unscreened_line`: the same for both kinds (`show --json`'s
`unscreened_reason` says which kind; the README says why such messages exist)."""


def unscreened_why(reason: str | None) -> str:
    """What to do about a conversation marked "not screened", whatever its kind ("late":
    fetched long after it arrived, "backlog": waiting when the mailbox or number was
    first synced)."""
    del reason  # one plain sentence for both: the kind is for reports and --json
    return READ_IT_NOW


def backlog_since(now: int, mark_days: int) -> int | None:
    """The arrival time (epoch seconds) from which a first sync's backlog is still marked
    "not screened" (`[triage] backlog_mark_days`); None: 0 days, never marked."""
    return None if mark_days <= 0 else now - mark_days * 86400
