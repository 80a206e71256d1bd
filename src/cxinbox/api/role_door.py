"""What a role may call at all, checked at the server's door before the service runs.

The service decides what each staff role may do with each conversation. The monitor role
is not staff: it is a monitoring system's login, and it may call the health report and
nothing else, so a leaked monitoring account reads no patient data whatever the service
would have allowed an agent.
"""

from __future__ import annotations

from typing import Final

from cxinbox.contract.errors import Forbidden

MONITOR_ROLE: Final = "monitor"
MONITOR_METHODS: Final = frozenset({"health_report"})


def refusal(role: str, method: str) -> Forbidden | None:
    """The one-line refusal when `role` may not call `method`; None when it may."""
    if role == MONITOR_ROLE and method not in MONITOR_METHODS:
        return Forbidden(f"{method}: the monitor role may only read the health report")
    return None
