"""The clinic's opening hours as the query language reads them (`hours:open|closed`).

One calendar, the one the out-of-hours acknowledgement answers by (`[acknowledge]
calendar`), so that in one rule `hours:closed` and `acknowledge = true` can never disagree
about whether the clinic is closed.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from cxinbox.config import Config
from cxinbox.domain.query import Node, find_field
from cxinbox.domain.sla import BusinessCalendar

__all__ = ["clinic_open", "opening_hours", "reads_hours"]


def opening_hours(config: Config) -> BusinessCalendar | None:
    """The `[acknowledge] calendar` (the config checked that it names a calendar), or None
    when none is set."""
    name = config.acknowledge.calendar
    if not name:
        return None
    return BusinessCalendar.from_spec(config.sla.calendars[name],
                                      where=f"sla.calendars.{name}",
                                      default_tz=ZoneInfo(config.clinic.timezone))


def reads_hours(node: Node) -> bool:
    """Whether a query has an `hours:` term (only then is the calendar read)."""
    return find_field(node, "hours") is not None


def clinic_open(calendar: BusinessCalendar | None, at: datetime) -> bool | None:
    """`QueryContext.clinic_open` at `at`: None without a calendar."""
    return None if calendar is None else calendar.is_open(at)
