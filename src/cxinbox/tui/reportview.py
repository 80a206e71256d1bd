"""What the reports screen draws, from the reports the server returned: pure functions.

Kept apart from the screen so the figures can be checked without a terminal. Every chart
is a bar of one glyph (`#` in ASCII mode, a block otherwise) followed by its number, so
nothing is said by colour alone and a 16-colour thin client or `--ascii` shows the same.
Bars are plain Rich text: a plotting widget would draw axes we do not need, cost an import
at start-up and draw in Braille dots that the Linux console cannot show.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cxinbox.contract.report_types import Report
from cxinbox.domain.humanize import bar, duration
from cxinbox.domain.report_tables import Cell, ReportTable
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.when import parse_until, parse_when

SCREEN_REPORTS: Final = ("volume", "response", "sla", "backlog", "workload", "red-flags")
"""Read in this order when the screen (re)loads; each run is audited by the server."""


@dataclass(frozen=True, slots=True)
class Period:
    key: str  # the key that picks it on the screen
    label: str
    since: int
    until: int


def periods(now: float, tz: ZoneInfo) -> list[Period]:
    """Today, this week (from Monday), the last 7 and 30 days, this month: clinic time."""
    local = datetime.fromtimestamp(now, UTC).astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    monday = midnight - timedelta(days=midnight.weekday())
    first = midnight.replace(day=1)
    end = int(now)
    return [Period("t", "today", _at(midnight, tz), end),
            Period("w", "this week", _at(monday, tz), end),
            Period("7", "last 7 days", end - 7 * 86400, end),
            Period("3", "last 30 days", end - 30 * 86400, end),
            Period("m", "this month", _at(first, tz), end)]


def _at(local: datetime, tz: ZoneInfo) -> int:
    """A local wall time as an instant (rebuilt in `tz` so a DST change in between holds)."""
    return int(datetime(local.year, local.month, local.day, tzinfo=tz).timestamp())


def _rows(table: ReportTable) -> list[dict[str, Cell]]:
    return [dict(zip(table.columns, row, strict=True)) for row in table.rows]


def _table(reports: Mapping[str, Report], report: str, table: str) -> list[dict[str, Cell]]:
    found = reports.get(report)
    if found is None:
        return []
    try:
        return _rows(found.table(table))
    except KeyError:
        return []


def _int(value: Cell) -> int:
    return int(value) if isinstance(value, int | float) else 0


@dataclass(frozen=True, slots=True)
class Headline:
    received: int
    sent: int
    first_business_median: Cell
    first_business_p90: Cell
    first_wall_median: Cell
    first_wall_p90: Cell
    sla_pct: float | None
    sla_breached: int
    open_now: int
    pending_now: int
    snoozed_now: int
    older_than_week: int
    red_cases: int
    red_waiting: int
    red_median: Cell
    red_clinician_median: Cell = None


def headline(reports: Mapping[str, Report]) -> Headline:
    volume = _table(reports, "volume", "volume")
    first = next((r for r in _table(reports, "response", "response")
                  if r["group"] == "all" and r["metric"] == "first-response"), {})
    sla = [r for r in _table(reports, "sla", "sla") if r["group"] == "all"]
    met, count = sum(_int(r["met"]) for r in sla), sum(_int(r["count"]) for r in sla)
    backlog = [r for r in _table(reports, "backlog", "backlog") if r["group"] == "all"]
    last = backlog[-1] if backlog else {}
    age = next((r for r in _table(reports, "backlog", "age") if r["group"] == "all"), {})
    red = next(iter(_table(reports, "red-flags", "red-flags-summary")), {})
    return Headline(
        received=sum(_int(r["in"]) for r in volume), sent=sum(_int(r["out"]) for r in volume),
        first_business_median=first.get("business_median_s"),
        first_business_p90=first.get("business_p90_s"),
        first_wall_median=first.get("wall_median_s"), first_wall_p90=first.get("wall_p90_s"),
        sla_pct=round(100 * met / count, 1) if count else None,
        sla_breached=count - met, open_now=_int(last.get("open")),
        pending_now=_int(last.get("pending")), snoozed_now=_int(last.get("snoozed")),
        older_than_week=_int(age.get("7d-30d")) + _int(age.get(">=30d")),
        red_cases=_int(red.get("cases")), red_waiting=_int(red.get("waiting")),
        red_median=red.get("wall_median_s"),
        red_clinician_median=red.get("clinician_median_s"))


def headline_text(h: Headline, present: Collection[str] = SCREEN_REPORTS) -> Text:
    """Five short lines; each starts with what it is, so it reads without colour. A line
    whose report has not arrived yet says so."""
    sla = ("no targets due" if h.sla_pct is None
           else f"{h.sla_pct:.1f}% met, {h.sla_breached} breached")
    backlog = h.open_now + h.pending_now + h.snoozed_now
    cases = "case" if h.red_cases == 1 else "cases"
    lines = [
        f"Received {h.received}   Sent {h.sent}",
        (f"First response  median {duration(h.first_business_median)} business"
         f" ({duration(h.first_wall_median)} wall)   p90 {duration(h.first_business_p90)}"
         f" ({duration(h.first_wall_p90)} wall)"),
        f"SLA  {sla}",
        (f"Open backlog {backlog}  (open {h.open_now}, pending {h.pending_now},"
         f" snoozed {h.snoozed_now}; older than 7 days {h.older_than_week})"),
        (f"Red flags  {h.red_cases} {cases}, {h.red_waiting} waiting; median"
         f" {duration(h.red_median)} to first action,"
         f" {duration(h.red_clinician_median)} to a clinician")]
    sources = ("volume", "response", "sla", "backlog", "red-flags")
    labels = ("Received", "First response", "SLA", "Open backlog", "Red flags")
    lines = [line if source in present else f"{label}  ..."
             for line, source, label in zip(lines, sources, labels, strict=True)]
    text = Text()
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        label, _, rest = line.partition("  ") if i else (line, "", "")
        text.append(label, style="bold")
        if rest:
            text.append("  " + rest)
    return text


def bars(title: str, items: Sequence[tuple[str, int]], width: int,
         ascii_only: bool) -> Text:
    """A labelled horizontal bar chart: label, bar, number, one row each."""
    text = Text(title, style="bold")
    label_w = max((len(label) for label, _ in items), default=0)
    number_w = max((len(str(v)) for _, v in items), default=1)
    room = max(4, width - label_w - number_w - 4)
    most = max((v for _, v in items), default=0)
    for label, value in items:
        text.append(f"\n{label:<{label_w}} ")
        drawn = bar(value, most, room, ascii_only)
        text.append(f"{drawn:<{room}} {value:>{number_w}}")
    if not items:
        text.append("\n(nothing in this period)", style="dim")
    return text


def volume_chart(reports: Mapping[str, Report], width: int, ascii_only: bool) -> Text:
    rows = _table(reports, "volume", "volume")
    items = [(str(r["period"])[5:] if len(str(r["period"])) == 10 else str(r["period"]),
              _int(r["in"])) for r in rows]
    return bars("Messages in, per day" if rows and len(str(rows[0]["period"])) == 10
                else "Messages in, per week", items, width, ascii_only)


def response_chart(reports: Mapping[str, Report], width: int, ascii_only: bool) -> Text:
    rows = [r for r in _table(reports, "response", "distribution")
            if r["group"] == "all" and r["metric"] == "first-response"]
    return bars("First response, business time", [(str(r["bucket"]), _int(r["business"]))
                                                   for r in rows], width, ascii_only)


TEAM_TOTAL: Final = "Team total"


def workload_table(reports: Mapping[str, Report]) -> Table:
    table = Table(title=None, box=None, pad_edge=False, padding=(0, 1), show_edge=False,
                  header_style="bold")
    for name, justify in (("Staff", "left"), ("Assigned", "right"), ("Replied", "right"),
                          ("Closed", "right"), ("Notes", "right"), ("Median", "right")):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    rows = [r for r in _table(reports, "workload", "workload") if r["period"] == "all"]
    # the team's totals last, always (an agent is sent their own row and this one): said in
    # words, not by the bold alone
    rows.sort(key=lambda r: r["staff"] == "total")
    for r in rows:
        # staff names come from the config (and actors like rule:NAME): plain Text, never
        # read as markup, and cleaned like every other line on screen
        name = TEAM_TOTAL if r["staff"] == "total" else clean_line(str(r["staff"]), max_len=40)
        cells = (name, str(r["assigned"]),
                 str(r["replied"]), str(r["closed"]), str(r["notes"]),
                 duration(r["response_median_s"]))
        table.add_row(*(Text(c) for c in cells),
                      style="bold" if r["staff"] == "total" else "")
    return table


def dashboard(reports: Mapping[str, Report], width: int, ascii_only: bool) -> Group:
    """The whole screen body, top to bottom: the numbers a manager asks first come first."""
    parts: list[RenderableType] = [headline_text(headline(reports), reports.keys())]
    if "volume" in reports:
        parts += [Text(""), volume_chart(reports, width, ascii_only)]
    if "response" in reports:
        parts += [Text(""), response_chart(reports, width, ascii_only)]
    if "workload" in reports:
        parts += [Text(""), Text("Workload (replies' median response, business time)",
                                 style="bold"), workload_table(reports)]
    return Group(*parts)


def by_for(since: int, until: int) -> list[str]:
    """Volume per day for up to a fortnight, per week beyond (a bar per row stays legible)."""
    return ["day"] if until - since <= 15 * 86400 else ["week"]


def custom_range(text: str, now: float, tz: ZoneInfo) -> tuple[int, int]:
    """The screen's custom period, typed as `SINCE [to UNTIL]` like the CLI's --since and
    --until (a bare date as UNTIL includes that whole day, or as much of it as has passed; no
    UNTIL: now). ValueError
    (WhenError) with one line for people when it is not a range."""
    first, _, second = text.strip().partition(" to ")
    moment = datetime.fromtimestamp(now, UTC)
    since = parse_when(first.strip(), now=moment, tz=tz, direction="past")
    until = min(moment, parse_until(second.strip(), now=moment, tz=tz)) if second.strip() \
        else moment  # a day that is not over yet: up to now
    if since >= until:
        raise ValueError("the start must be before the end")
    return int(since.timestamp()), math.ceil(until.timestamp())  # now: its whole second
