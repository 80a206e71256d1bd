"""The SLA cell of a conversation at any instant, from the fields the API sends.

The service evaluates each conversation's SLA when it lists it (`sla_due_at`,
`sla_at_risk_at`); from those fixed instants the domain engine can tell the state and
countdown at any later second without the calendar. That is what lets the list tick
every second without asking the server anything.

"at risk" is always spelled out ("▲8m46s at risk", "!8m46s at risk" in 7-bit mode): the
list's SLA cell is wide enough for the longest such text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from cxinbox.contract.types import ConversationSummary
from cxinbox.domain.sla import SlaStatus, countdown_text, state_at
from cxinbox.tui.rows import SlaCell

_AT_RISK_WORDS = " at risk"


@lru_cache(maxsize=65536)
def _status(target: str | None, state: str, due_at: int | None,
            at_risk_at: int | None) -> SlaStatus:
    def when(epoch: int | None) -> datetime | None:
        return None if epoch is None else datetime.fromtimestamp(epoch, UTC)

    return SlaStatus(target, state, when(due_at), when(at_risk_at), None)  # type: ignore[arg-type]


def sla_cell_for(ascii_only: bool) -> SlaCell:
    def cell(summary: ConversationSummary, now: datetime) -> tuple[str, str]:
        if summary.sla_state == "none":
            return "", "none"
        status = _status(summary.sla_target, summary.sla_state, summary.sla_due_at,
                         summary.sla_at_risk_at)
        state = state_at(status, now)
        text = countdown_text(status, now, ascii=ascii_only)
        if state == "at-risk":  # always in words: colour and ▲ alone are easy to miss
            text += _AT_RISK_WORDS
        return text, state

    return cell
