"""The `csat` report: satisfaction answers by staff, mailbox, channel, day or week.

Pure, like domain/report_tables.py, and shaped like its tables (a `group` column whose
first row is "all", then one row per group in name order) so the TUI and the digest can
show it as they show the others. An answer counts in the window it was given in; a
replaced answer counts once, as its last value (the store keeps only that).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

from cxinbox.domain.report_tables import ALL, NONE_VALUE, Cell, ReportTable
from cxinbox.domain.reports import Unit, period_of

SATISFIED: Final = (4, 5)
"""Answers that count as satisfied (the usual CSAT definition: the top two of five)."""
COLUMNS: Final = ("group", "responses", "average", "pct_satisfied", "r1", "r2", "r3", "r4",
                  "r5")
SUMMARY_COLUMNS: Final = ("asked", "responses", "response_rate_pct", "average",
                          "pct_satisfied")
DIMENSIONS: Final = ("staff", "mailbox", "channel")


@dataclass(frozen=True, slots=True)
class CsatFact:
    """One answer: its rating and what it counts under."""

    conversation_id: int
    rating: int
    rated_at: int
    staff: str
    mailbox: str
    channel: str


def _average(ratings: Sequence[int]) -> float | None:
    return round(sum(ratings) / len(ratings), 2) if ratings else None


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _row(group: str, ratings: Sequence[int]) -> tuple[Cell, ...]:
    counts = [sum(1 for r in ratings if r == n) for n in range(1, 6)]
    return (group, len(ratings), _average(ratings),
            _pct(sum(1 for r in ratings if r in SATISFIED), len(ratings)), *counts)


def csat_tables(facts: Sequence[CsatFact], asked: int, tz: ZoneInfo, *,
                unit: Unit | None = None, dimension: str | None = None) -> list[ReportTable]:
    """The `csat` table (per group) and `csat-summary` (asked, answered, rate)."""
    groups: dict[str, list[int]] = defaultdict(list)
    groups[ALL] = []
    for f in facts:
        groups[ALL].append(f.rating)
        if unit is not None:
            groups[period_of(f.rated_at, tz, unit)].append(f.rating)
        elif dimension is not None:
            label = {"staff": f.staff, "mailbox": f.mailbox, "channel": f.channel}[dimension]
            groups[label or NONE_VALUE].append(f.rating)
    order = sorted(groups, key=lambda g: (g != ALL, g))
    rows = tuple(_row(g, groups[g]) for g in order)
    everything = groups[ALL]
    summary = ((asked, len(everything), _pct(len(everything), asked), _average(everything),
                _pct(sum(1 for r in everything if r in SATISFIED), len(everything))),)
    return [ReportTable("csat", COLUMNS, rows), ReportTable("csat-summary", SUMMARY_COLUMNS,
                                                            summary)]
