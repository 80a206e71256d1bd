"""The answer of a report run: named tables with stable column names.

Cells are numbers, plain strings the server chose (period labels, mailbox and tag names,
staff logins, all sanitised) or None for "no value" (a median of nothing). No patient text:
conversations appear by id only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
