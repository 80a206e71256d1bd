"""SLA escalations as the person at the desk meets them: a toast naming each conversation
(its number and the patient), and the terminal bell.

The server's SLA monitor (service/sla_monitor.py) writes one `sla.at_risk` or
`sla.breached` event per transition; `cxinbox serve` and `cxinbox demo` run the same
monitor, and the TUI reads its events from the change feed in-process and over the socket
alike. The feed says only which conversation and whose (service/feed.py keeps patient
text out of it), so the patient's name comes from the rows the list already holds, or
from one audited `id:` query for the rest. Escalations for colleagues' conversations
stay with them: a desk of five would otherwise hear every bell five times.

A flood (a server that was down, a monitor catching up) gives a few toasts, breaches
first, and one line saying how many more there are, instead of a screenful of toasts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cxinbox.contract.types import ConversationSummary, Event
from cxinbox.domain.sanitize import clean_line

ACTIONS: Final = frozenset({"sla.at_risk", "sla.breached"})
MAX_TOASTS: Final = 3
"""Escalations toasted one by one in a batch; the rest are counted in one more line."""
NAME_CHARS: Final = 32


@dataclass(frozen=True, slots=True)
class Escalated:
    conv_id: int
    breached: bool
    yours: bool  # else nobody's: the whole desk's


def escalations_for(events: Iterable[Event], me: str) -> list[Escalated]:
    """The escalations in `events` that concern `me` (mine or unassigned), one per
    conversation (a breach outranks an at-risk in the same batch): breaches first, and
    of those the person's own before the desk's.

    Whose it is, as it stands at the batch's end: an escalation told "unassigned" and
    then, in the same batch, given to me is mine; given to a colleague, it is theirs and
    not told here (a red flag that waited and is "yours now" is never also toasted as
    the desk's); a colleague's handed back to nobody (away, a team that found no one) is
    the desk's."""
    seen: dict[int, tuple[bool, str]] = {}  # conversation: (breached, whose at the end)
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        if event.action == "conversation.assign":
            conv = _conversation_id(None, event.target)
            if conv is not None and conv in seen:
                seen[conv] = (seen[conv][0], str(details.get("to") or ""))
            continue
        if event.action not in ACTIONS:
            continue
        conv = _conversation_id(details.get("conversation"), event.target)
        if conv is None:
            continue
        assignee = str(details.get("assignee") or "")
        breached = event.action == "sla.breached"
        earlier = seen.get(conv)
        if earlier is None or (breached and not earlier[0]):
            seen[conv] = (breached, assignee)
    found = [Escalated(conv, breached, whose == me) for conv, (breached, whose) in seen.items()
             if whose in ("", me)]  # a colleague's is theirs; nobody's is the desk's
    return sorted(found, key=lambda e: (not e.breached, not e.yours, e.conv_id))


def _conversation_id(value: object, target: str) -> int | None:
    text = str(value) if value is not None else target.removeprefix("conversation:")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else None


def patient_name(summary: ConversationSummary) -> str:
    return clean_line(summary.from_name or summary.from_addr, max_len=NAME_CHARS)


def escalation_lines(found: list[Escalated],
                     names: Mapping[int, str]) -> list[tuple[str, str]]:
    """(text, severity) per toast: `SLA BREACHED: #301 Peter Mensah (yours)`."""
    lines = []
    for esc in found[:MAX_TOASTS]:
        state = "BREACHED" if esc.breached else "at risk"
        name = names.get(esc.conv_id, "")
        whose = "yours" if esc.yours else "unassigned"
        lines.append((f"SLA {state}: #{esc.conv_id}{' ' + name if name else ''} ({whose})",
                      "error" if esc.breached else "warning"))
    more = len(found) - MAX_TOASTS
    if more > 0:
        lines.append((f"...and {more} more at risk or breached (view 3 lists them)", "warning"))
    return lines


def still_true(found: list[Escalated], fresh: Mapping[int, ConversationSummary],
               me: str) -> list[Escalated]:
    """`found` as the conversations stand now (`fresh`, read just before the toast):
    one since given to a colleague, or no longer at risk or breached, is not told; one
    given to me since is told as mine. Those not read again stay as the feed said."""
    kept: list[Escalated] = []
    for esc in found:
        now = fresh.get(esc.conv_id)
        if now is None:
            kept.append(esc)
        elif now.sla_state in ("at-risk", "breached") and now.assignee in (None, "", me):
            kept.append(Escalated(esc.conv_id, esc.breached, now.assignee == me))
    return kept


def announce(app: Any, found: list[Escalated]) -> None:
    """Toast `found` on `app` (a CxInboxApp), naming each patient; the caller rings.

    Names held by the list are used at once; the others are fetched first, in one
    worker, so a toast never shows a bare number when the name is one query away.
    """
    if not found:
        return
    shown = found[:MAX_TOASTS]
    names: dict[int, str] = {}
    for esc in shown:
        summary = app.conversation_list.summary_for(esc.conv_id)
        if summary is not None:
            names[esc.conv_id] = patient_name(summary)
    missing = [esc.conv_id for esc in shown if esc.conv_id not in names]

    def toast() -> None:
        for text, severity in escalation_lines(found, names):
            app._say(text, severity)

    if not missing:
        toast()
        return

    async def fetch() -> None:
        if app.locked:  # no patient list is read while locked: held with the numbers
            toast()
            return
        try:
            page = await app.api.list_conversations(
                "id:" + ",".join(str(conv) for conv in missing), 0, len(missing))
            names.update((s.id, patient_name(s)) for s in page.items)
            fresh = {s.id: s for s in page.items}
        except Exception:  # noqa: BLE001 - the toast still names the number
            fresh = {}
        found[:] = still_true(found, fresh, app.me)
        toast()

    app.run_worker(fetch, group="escalation-names", exit_on_error=False)
