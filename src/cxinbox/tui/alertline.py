"""A server alert on the 80-column status line: the part that matters, in the room there is.

The whole line of an alert can be long ("[sla] notify_command: /srv/hooks/page.sh is
writable by its group (chmod g-w /srv/hooks/page.sh): SLA escalations ... page nobody"):
cut at 80 columns, only "[sla] notify_command:" was left and the reason was lost. So an
alert comes in ever shorter forms, the status line showing the first that fits: the whole
line; the verdict first with the reason (files by their name, no fix in brackets); the
verdict and where to read the rest; the verdict alone. The whole line stays in the toast
that told it, `cxinbox status` and `cxinbox doctor`.

With several alerts, the line shows the most urgent (`alert_rank`) and counts the rest
(`+2`): red flags nobody may hear of before a pager that fails, before a mailbox.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from cxinbox.contract.health_types import BACKLOG_ALERT, PAGE_ALERT, ROSTER_ALERT
from cxinbox.contract.hook_alert import BROKEN, SETUP_ALERT, UNSAFE, parse_setup_key
from cxinbox.contract.types import Alert

READ_MORE: Final = "cxinbox status"
UNSAFE_COST: Final = ": others can change it to silence "
"""How the server's line ends for a hook that runs but others can change."""

_BRACKETS = re.compile(r"\s*\([^()]*\)")
_PATH = re.compile(r"(?<![\w.])/(?:[^\s/:()]+/)*([^\s/:()]+)")


VERDICTS: Final = {UNSAFE: "HOOK UNSAFE", BROKEN: "HOOK BROKEN"}

SHORT_FORMS: Final = {
    ROSTER_ALERT: "RED FLAGS NOT ROUTED: roster unreadable",
    PAGE_ALERT: "RED FLAG PAGE GIVEN UP",
    BACKLOG_ALERT: "BACKLOG PAGE GIVEN UP",
}
"""The server's alerts about red flags nobody may hear of, by key: what the status line
keeps when the whole line does not fit."""


PAGER_FAILING: Final = "PAGER FAILING"
"""A hook whose runs fail (`notify:PROGRAM`, service/notify_record.py): nobody is paged."""
PAGER_REASON: Final = "pages are not going out"

_RUN_ALERT: Final = "notify"
"""The prefix of a failing hook run's alert key (`notify:PROGRAM`)."""
_SYNC_PREFIXES: Final = ("account:", "folder:", "secret:")
_CLAUSE_END = re.compile(r" since |\s\(|; ")


def alert_rank(alert: Alert) -> tuple[int, int]:
    """How urgent an alert is for the status line, lowest first: red flags that reach
    nobody (the roster unreadable, a cap page given up), then a pager that fails or cannot
    be trusted (and the backlog page given up), then a mailbox, then the rest; a stopped
    ("error") before a still-working one within each."""
    key = alert.key
    if key.startswith("redflag:"):
        group = 0
    elif key == BACKLOG_ALERT or key == _RUN_ALERT or key.startswith(
            (f"{_RUN_ALERT}:", f"{SETUP_ALERT}:")):
        group = 1
    elif key.startswith(_SYNC_PREFIXES):
        group = 2
    else:
        group = 3
    return group, 0 if alert.severity == "error" else 1


def most_urgent(alerts: Sequence[Alert]) -> Alert:
    """The alert the status line shows first (the server's order among equals)."""
    return min(alerts, key=alert_rank)


def _is_run_failure(key: str) -> bool:
    return key == _RUN_ALERT or key.startswith(f"{_RUN_ALERT}:")


def first_clause(message: str) -> str:
    """What an alert says before its when, how and why (`billing/Old: mail server
    unreachable since 19:09 - retrying (...)` -> `billing/Old: mail server unreachable`)."""
    match = _CLAUSE_END.search(message)
    return (message[:match.start()] if match else message).rstrip(" :,.")


def hook_verdict(key: str, problem: str = "") -> str | None:
    """"HOOK UNSAFE" for a hook others could rewrite, "HOOK BROKEN" for one that cannot
    run, as the alert's key says (contract/hook_alert.py); None for an alert not about a
    hook. An older server's key has no verdict: it is read from the line's words."""
    parsed = parse_setup_key(key)
    if parsed is None:
        return None
    if parsed.verdict:
        return VERDICTS.get(parsed.verdict, "HOOK BROKEN")
    return "HOOK UNSAFE" if "writable" in problem or "owned by" in problem else "HOOK BROKEN"


def hook_reason(message: str) -> str:
    """The reason of a hook alert's line (`KEY: PROBLEM: WHAT page nobody`, or `KEY:
    PROBLEM: others can change it to silence WHAT`, service/notify_check.py), short: files
    by their name, without the bracketed fix (`notify.sh is writable by its group`)."""
    body = message
    if "] " in body and ": " in body:  # "[sla] notify_command: ..." -> "..."
        body = body.split(": ", 1)[1]
    if UNSAFE_COST in body:  # what it costs is dropped: the verdict says it
        body = body.split(UNSAFE_COST, 1)[0]
    elif body.endswith("page nobody") and ": " in body:
        body = body.rsplit(": ", 1)[0]
    body = _BRACKETS.sub("", body)
    return _PATH.sub(lambda m: m.group(1), body).strip()


def alert_forms(alert: Alert, more: int = 0) -> list[str]:
    """The alert's forms for the status line, longest first (`more`: other alerts)."""
    tail = f" (+{more} more: cxinbox doctor)" if more else ""
    short_tail = f" +{more}" if more else ""
    forms = [f"{alert.message}{tail}"]
    verdict = hook_verdict(alert.key, alert.message)
    if verdict is not None:
        reason = hook_reason(alert.message)
        if reason:
            forms.append(f"{verdict}: {reason}{short_tail}")
        forms += [f"{verdict} ({READ_MORE}){short_tail}", f"{verdict}{short_tail}"]
    elif (short := SHORT_FORMS.get(alert.key)) is not None:
        forms += [f"{short} ({READ_MORE}){short_tail}", f"{short}{short_tail}"]
    elif _is_run_failure(alert.key):
        forms += [f"{PAGER_FAILING}: {PAGER_REASON} ({READ_MORE}){short_tail}",
                  f"{PAGER_FAILING}: {PAGER_REASON}{short_tail}",
                  f"{PAGER_FAILING} ({READ_MORE}){short_tail}", f"{PAGER_FAILING}{short_tail}"]
    else:
        unbracketed = _BRACKETS.sub("", alert.message).strip()
        clause = first_clause(alert.message)
        pointer = f"{clause} ({READ_MORE})" if clause != unbracketed else ""
        for form in (unbracketed, pointer, clause):
            if form and f"{form}{short_tail}" not in forms:
                forms.append(f"{form}{short_tail}")
    return forms
