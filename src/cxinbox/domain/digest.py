"""The weekly digest: the desk's headline figures for a period and the one before it, as
a mail for staff (`cxinbox report digest`).

Pure. The figures are read off the report tables (domain/report_tables.py and
domain/csat_report.py) the service computed for each period, so every number in the mail
is the one `cxinbox report NAME --json` gives for the same window. Nothing here sees a
conversation: the tables hold counts, durations and staff logins, never patient text, and
the digest keeps only totals and staff rows (no conversation ids either).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Final, Literal
from zoneinfo import ZoneInfo

from cxinbox.domain.compose import check_address, header_text
from cxinbox.domain.report_tables import ALL, Cell, ReportTable
from cxinbox.domain.reports import percentile
from cxinbox.domain.sanitize import clean_line

REPORTS: Final = ("volume", "response", "sla", "backlog", "red-flags", "csat", "workload")
"""The reports a digest is made of, each run over both periods."""
TOP_STAFF: Final = 5
DEFAULT_DAYS: Final = 7

Kind = Literal["count", "duration", "pct", "average"]
Tables = Mapping[str, Sequence[ReportTable]]


@dataclass(frozen=True, slots=True)
class Figure:
    """One headline number, this period and the one before (None: nothing to measure)."""

    key: str
    section: str
    label: str
    kind: Kind
    value: float | int | None
    previous: float | int | None


@dataclass(frozen=True, slots=True)
class StaffRow:
    login: str
    name: str
    assigned: int
    replied: int
    closed: int
    notes: int
    response_median_s: int | None


@dataclass(frozen=True, slots=True)
class Digest:
    since: int
    until: int
    previous_since: int
    timezone: str
    filtered: bool
    figures: tuple[Figure, ...]
    staff: tuple[StaffRow, ...]

    def figure(self, key: str) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)


# -------------------------------------------------------------------------- the period


def default_period(now: int, tz: ZoneInfo, days: int = DEFAULT_DAYS) -> tuple[int, int]:
    """The `days` whole clinic days before today: run on a Monday, last Monday to Sunday."""
    today = datetime.fromtimestamp(now, UTC).astimezone(tz).date()
    end = datetime(today.year, today.month, today.day, tzinfo=tz)
    start = end - timedelta(days=days)
    start = datetime(start.year, start.month, start.day, tzinfo=tz)  # across a DST change
    return int(start.timestamp()), int(end.timestamp())


def previous_period(since: int, until: int) -> tuple[int, int]:
    """The window of the same length just before [since, until)."""
    return since - (until - since), since


def day_label(since: int, until: int, tz: ZoneInfo) -> tuple[str, str]:
    """The first and the last clinic day the window touches ("2026-11-23", "2026-11-29")."""
    first = datetime.fromtimestamp(since, UTC).astimezone(tz)
    last = datetime.fromtimestamp(max(since, until - 1), UTC).astimezone(tz)
    return f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"


def is_weekly(since: int, until: int, tz: ZoneInfo) -> bool:
    """Whether [since, until) is a clinic week: both ends the clinic's midnights, seven
    calendar days apart (what `default_period` gives, 167 or 169 hours across a DST change).
    A window that merely lasts about a week (a bare date seven days back to now) is not."""
    return (since, until) == default_period(until, tz)


def subject(since: int, until: int, tz: ZoneInfo) -> str:
    """The mail's subject: a clinic week is a weekly digest; any other window is a digest
    named by the first and the last clinic day it touches."""
    first, last = day_label(since, until, tz)
    kind = "weekly digest" if is_weekly(since, until, tz) else "digest"
    return f"cxinbox {kind}: {first} to {last}"


CLINICIAN_ACTIONS: Final = frozenset({
    "conversation.status", "conversation.assign", "conversation.priority",
    "conversation.tag", "conversation.note", "send", "redflag.cleared"})
"""Events that count as a clinician acting on a red-flag case (reading it does not)."""


def clinician_wait(arrival: int, until: int, events: Sequence[tuple[int, str, str]],
                   clinicians: frozenset[str]) -> int | None:
    """Seconds from `arrival` to the first action before `until` by one of `clinicians`;
    `events` are (epoch seconds, actor, action) in order. None: no such action."""
    for at, actor, action in events:
        if arrival <= at < until and actor in clinicians and action in CLINICIAN_ACTIONS:
            return at - arrival
    return None


# -------------------------------------------------------------------------- the figures


def _rows(tables: Tables, report: str, table: str) -> list[dict[str, Cell]]:
    for t in tables.get(report, ()):
        if t.name == table:
            return [dict(zip(t.columns, row, strict=True)) for row in t.rows]
    return []


def _int(value: Cell) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _num(value: Cell) -> float | int | None:
    return value if isinstance(value, int | float) else None


def headline(tables: Tables, clinician_waits: Sequence[int | None] = ()
             ) -> dict[str, tuple[str, str, Kind, float | int | None]]:
    """key -> (section, label, kind, value) for one period's tables. `clinician_waits`:
    for each red-flag case of the period, the wall seconds from its arrival to the first
    action of a clinical staff member (None: none yet): the red-flags table's
    `clinician_wall_s`."""
    out: dict[str, tuple[str, str, Kind, float | int | None]] = {}
    volume = _rows(tables, "volume", "volume")
    out["messages_in"] = ("Volume", "messages in", "count",
                          sum(_int(r["in"]) or 0 for r in volume))
    out["messages_out"] = ("Volume", "messages out", "count",
                           sum(_int(r["out"]) or 0 for r in volume))
    first = next((r for r in _rows(tables, "response", "response")
                  if r["group"] == ALL and r["metric"] == "first-response"), {})
    out["first_response_count"] = ("First response", "first responses", "count",
                                   _int(first.get("count")) or 0)
    for column, label in (("business_median_s", "median, business time"),
                          ("business_p90_s", "p90, business time"),
                          ("wall_median_s", "median, wall time"),
                          ("wall_p90_s", "p90, wall time")):
        out[f"first_response_{column}"] = ("First response", label, "duration",
                                           _int(first.get(column)))
    judged = [r for r in _rows(tables, "sla", "sla") if r["group"] == ALL]
    total = sum(_int(r["count"]) or 0 for r in judged)
    met = sum(_int(r["met"]) or 0 for r in judged)
    out["sla_judged"] = ("SLA", "targets judged", "count", total)
    out["sla_breached"] = ("SLA", "breached", "count", total - met)
    out["sla_pct_met"] = ("SLA", "met", "pct", round(100 * met / total, 1) if total else None)
    backlog = [r for r in _rows(tables, "backlog", "backlog") if r["group"] == ALL]
    last = backlog[-1] if backlog else {}
    for status in ("open", "pending", "snoozed", "total"):
        out[f"backlog_{status}"] = ("Backlog at period end", status, "count",
                                    _int(last.get(status)) or 0)
    age = next((r for r in _rows(tables, "backlog", "age") if r["group"] == ALL), {})
    for bucket, value in age.items():
        if bucket != "group":
            out[f"backlog_age:{bucket}"] = ("Backlog at period end", f"aged {bucket}",
                                            "count", _int(value) or 0)
    flags = next(iter(_rows(tables, "red-flags", "red-flags-summary")), {})
    out["red_flag_cases"] = ("Red flags", "cases", "count", _int(flags.get("cases")) or 0)
    out["red_flag_waiting"] = ("Red flags", "no staff action yet", "count",
                               _int(flags.get("waiting")) or 0)
    out["red_flag_first_action_median_s"] = ("Red flags", "first staff action, median wall",
                                             "duration", _int(flags.get("wall_median_s")))
    out["red_flag_first_action_p90_s"] = ("Red flags", "first staff action, p90 wall",
                                          "duration", _int(flags.get("wall_p90_s")))
    csat = next(iter(_rows(tables, "csat", "csat-summary")), {})
    waits = sorted(w for w in clinician_waits if w is not None)
    out["red_flag_no_clinician"] = ("Red flags", "no clinician action yet", "count",
                                    sum(1 for w in clinician_waits if w is None))
    out["red_flag_clinician_median_s"] = ("Red flags", "first clinician action, median wall",
                                          "duration", percentile(waits, 50))
    out["red_flag_clinician_p90_s"] = ("Red flags", "first clinician action, p90 wall",
                                       "duration", percentile(waits, 90))
    out["csat_responses"] = ("Patient satisfaction", "answers", "count",
                             _int(csat.get("responses")) or 0)
    out["csat_average"] = ("Patient satisfaction", "average (1-5)", "average",
                           _num(csat.get("average")))
    return out


def top_staff(tables: Tables, names: Mapping[str, str], most: int = TOP_STAFF
              ) -> tuple[StaffRow, ...]:
    """The busiest people of the period (replies, then closes), from the workload table."""
    rows = [r for r in _rows(tables, "workload", "workload")
            if r["period"] == ALL and r["staff"] != "total"]
    people = [StaffRow(str(r["staff"]), clean_line(names.get(str(r["staff"]), "")
                                                   or str(r["staff"]), max_len=40),
                       _int(r["assigned"]) or 0, _int(r["replied"]) or 0,
                       _int(r["closed"]) or 0, _int(r["notes"]) or 0,
                       _int(r["response_median_s"])) for r in rows]
    people = [p for p in people if p.assigned or p.replied or p.closed or p.notes]
    people.sort(key=lambda p: (-p.replied, -p.closed, -p.assigned, p.login))
    return tuple(people[:most])


def build(current: Tables, previous: Tables, *, since: int, until: int, previous_since: int,
          timezone: str, filtered: bool, names: Mapping[str, str],
          clinician_waits: tuple[Sequence[int | None], Sequence[int | None]] = ((), ())
          ) -> Digest:
    now = headline(current, clinician_waits[0])
    before = headline(previous, clinician_waits[1])
    figures = tuple(Figure(key, section, label, kind, value,
                           before[key][3] if key in before else None)
                    for key, (section, label, kind, value) in now.items())
    return Digest(since, until, previous_since, timezone, filtered, figures,
                  top_staff(current, names))


# -------------------------------------------------------------------------- for people


def duration(seconds: int) -> str:
    """45s, 12m, 3h05m, 2d4h (as `cxinbox report` prints durations)."""
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


def shown(kind: Kind, value: float | None) -> str:
    if value is None:
        return "-"
    if kind == "duration":
        return duration(int(value))
    if kind == "pct":
        return f"{value:.1f}%"
    if kind == "average":
        return f"{value:.2f}"
    return str(int(value))


def change(kind: Kind, value: float | None, previous: float | None) -> str:
    if value is None or previous is None:
        return ""
    delta = value - previous
    if kind == "duration":
        sign = "-" if delta < 0 else "+"
        return "0" if delta == 0 else f"{sign}{duration(abs(int(delta)))}"
    if kind == "pct":
        return f"{delta:+.1f} pts"
    if kind == "average":
        return f"{delta:+.2f}"
    return f"{int(delta):+d}" if delta else "0"


def _header_lines(d: Digest, clinic: str) -> list[tuple[str, str]]:
    tz = ZoneInfo(d.timezone)
    first, last = day_label(d.since, d.until, tz)
    pfirst, plast = day_label(d.previous_since, d.since, tz)
    return [("Clinic", clean_line(clinic, max_len=80) or "-"),
            ("Period", f"{first} to {last} ({d.timezone})"),
            ("Compared with", f"{pfirst} to {plast}"),
            ("Conversations", "those matching the filter given (not shown)" if d.filtered
             else "all")]


_STAFF_HEAD: Final = ("staff", "assigned", "replied", "closed", "notes", "resp.median")


def _staff_cells(p: StaffRow) -> tuple[str, ...]:
    return (p.name, str(p.assigned), str(p.replied), str(p.closed), str(p.notes),
            "-" if p.response_median_s is None else duration(p.response_median_s))


def render_text(d: Digest, clinic: str) -> str:
    """The mail's text/plain part: aligned columns, readable in any client (and 78 wide)."""
    out = [subject(d.since, d.until, ZoneInfo(d.timezone)), ""]
    out += [f"{k + ':':<15}{v}" for k, v in _header_lines(d, clinic)]
    rows = [(f"  {f.label}", shown(f.kind, f.value), shown(f.kind, f.previous),
             change(f.kind, f.value, f.previous)) for f in d.figures]
    label_w = max(len(r[0]) for r in rows)
    out += ["", f"{'':<{label_w}}  {'this period':>11}  {'previous':>10}  {'change':>10}"]
    section = ""
    for f, (label, now, before, delta) in zip(d.figures, rows, strict=True):
        if f.section != section:
            section = f.section
            out += ["", section]
        out.append(f"{label:<{label_w}}  {now:>11}  {before:>10}  {delta:>10}".rstrip())
    out += ["", "Top staff this period (replies, then closed conversations)"]
    if d.staff:
        cells = [_STAFF_HEAD, *(_staff_cells(p) for p in d.staff)]
        widths = [max(len(c[i]) for c in cells) for i in range(len(_STAFF_HEAD))]
        for c in cells:
            out.append("  " + "  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                                        for i, (v, w) in enumerate(zip(c, widths, strict=True))))
    else:
        out.append("  (no staff activity in this period)")
    out += ["", "Figures as `cxinbox report NAME --json` gives them for the same period;",
            "business time counts the SLA calendar's open hours; wall time every hour.", ""]
    return "\n".join(out)


def render_html(d: Digest, clinic: str) -> str:
    """The text/html alternative: the same figures as two plain tables."""
    e = html.escape
    parts = ["<!DOCTYPE html><html><body style=\"font-family:sans-serif\">",
             f"<h2>{e(subject(d.since, d.until, ZoneInfo(d.timezone)))}</h2>", "<p>"]
    parts += [f"<b>{e(k)}:</b> {e(v)}<br>" for k, v in _header_lines(d, clinic)]
    parts += ["</p>", "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">",
              "<tr><th></th><th>this period</th><th>previous</th><th>change</th></tr>"]
    section = ""
    for f in d.figures:
        if f.section != section:
            section = f.section
            parts.append(f"<tr><th colspan=\"4\" align=\"left\">{e(section)}</th></tr>")
        parts.append(f"<tr><td>{e(f.label)}</td><td align=\"right\">{e(shown(f.kind, f.value))}"
                     f"</td><td align=\"right\">{e(shown(f.kind, f.previous))}</td>"
                     f"<td align=\"right\">{e(change(f.kind, f.value, f.previous))}</td></tr>")
    parts += ["</table>", "<h3>Top staff this period</h3>"]
    if d.staff:
        parts.append("<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr>"
                     + "".join(f"<th>{e(h)}</th>" for h in _STAFF_HEAD) + "</tr>")
        for p in d.staff:
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in _staff_cells(p))
                         + "</tr>")
        parts.append("</table>")
    else:
        parts.append("<p>(no staff activity in this period)</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def build_email(d: Digest, *, clinic: str, from_addr: str, to: Sequence[str],
                message_id: str, now: datetime) -> bytes:
    """The digest as a multipart/alternative message, CRLF line ends, ready for DATA."""
    msg = EmailMessage(policy=email_policy.SMTP)
    name = f"{clean_line(clinic, max_len=60)} cxinbox".strip()
    msg["From"] = Address(display_name=header_text(name), addr_spec=check_address(from_addr))
    msg["To"] = ", ".join(check_address(a) for a in to)
    msg["Subject"] = header_text(subject(d.since, d.until, ZoneInfo(d.timezone)))
    msg["Date"] = format_datetime(now.astimezone(UTC))
    msg["Message-ID"] = f"<{message_id}>"
    msg["MIME-Version"] = "1.0"
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a report
    msg.set_content(render_text(d, clinic), charset="utf-8", cte="quoted-printable")
    msg.add_alternative(render_html(d, clinic), subtype="html", charset="utf-8",
                        cte="quoted-printable")
    return msg.as_bytes(policy=email_policy.SMTP)
