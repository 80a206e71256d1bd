"""The answer of a report run: named tables with stable column names.

Cells are numbers, plain strings the server chose (period labels, mailbox and tag names,
staff logins, all sanitised) or None for "no value" (a median of nothing). No patient text:
conversations appear by id only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxinbox.domain.digest import Figure, StaffRow
from cxinbox.domain.report_tables import ReportTable


@dataclass(frozen=True, slots=True)
class Report:
    """One report over [since, until) (epoch seconds), days cut in `timezone`."""

    name: str
    since: int
    until: int
    timezone: str
    by: tuple[str, ...]
    tables: tuple[ReportTable, ...]

    def table(self, name: str) -> ReportTable:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {"report": self.name, "since": self.since, "until": self.until,
                "timezone": self.timezone, "by": list(self.by),
                "tables": {t.name: [dict(zip(t.columns, row, strict=True)) for row in t.rows]
                           for t in self.tables}}


@dataclass(frozen=True, slots=True)
class DigestResult:
    """A digest run: the figures, the mail as sent (or as it would be, on a dry run) and
    the outbox item that carries it (None on a dry run)."""

    since: int
    until: int
    previous_since: int
    timezone: str
    subject: str
    sender: str
    recipients: tuple[str, ...]
    text: str
    html: str
    figures: tuple[Figure, ...]
    staff: tuple[StaffRow, ...]
    outbox_id: int | None
    dry_run: bool
    already_sent: tuple[tuple[str, int], ...] = ()
    """(address, outbox item) of the recipients this period's digest was already queued
    for, left out of this run (`--again` sends it to them anyway)."""

    def to_dict(self) -> dict[str, Any]:
        return {"since": self.since, "until": self.until,
                "previous_since": self.previous_since, "timezone": self.timezone,
                "subject": self.subject, "from": self.sender,
                "to": list(self.recipients), "outbox": self.outbox_id,
                "dry_run": self.dry_run,
                "already_sent": [{"to": a, "outbox": i} for a, i in self.already_sent],
                "figures": {f.key: {"value": f.value, "previous": f.previous}
                            for f in self.figures},
                "staff": [{"login": s.login, "name": s.name, "assigned": s.assigned,
                           "replied": s.replied, "closed": s.closed, "notes": s.notes,
                           "response_median_s": s.response_median_s} for s in self.staff]}
