"""`cxinbox report NAME`: the desk's figures from the event log, for people, CSV or JSON.

Presentation only: the server computes and audits the report (service/reports.py). For
people each table prints as aligned columns with a bar for its headline figure, in plain
characters (`#` with --ascii), at most 80 columns wide where the table allows, and no
colour: nothing is said by colour alone.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Final
from zoneinfo import ZoneInfo

import typer

from cxinbox.domain.humanize import bar, duration

if TYPE_CHECKING:
    from cxinbox.api.transport import SyncAPI
    from cxinbox.config import Config
    from cxinbox.contract.report_types import Report
    from cxinbox.domain.report_tables import Cell, ReportTable

NAMES: Final = ("volume", "response", "sla", "backlog", "workload", "red-flags", "csat")
DIGEST: Final = "digest"
"""Not a table report: the headline figures mailed to staff (cli_digest.py)."""
BY: Final = ("staff", "mailbox", "tag", "channel", "intent", "day", "week")
WIDTH: Final = 80
TIME_COLUMNS: Final = frozenset({"start", "end", "arrival", "first_action_at",
                                "clinician_at"})
BAR_COLUMN: Final = {"volume": "in", "heatmap": None, "response": "business_median_s", "sla": "pct_met",
                     "backlog": "total", "workload": "replied", "red-flags": "wall_s",
                     "distribution": "business", "age": None, "breaches": "business_s",
                     "red-flags-summary": None, "csat": "average", "csat-summary": None}
EXIT_USAGE: Final = 2
SHORT: Final = {"business_median_s": "bus.median", "business_p90_s": "bus.p90",
                "wall_median_s": "wall.median", "wall_p90_s": "wall.p90",
                "response_median_s": "resp.median", "first_action_at": "first action",
                "clinician_at": "clin.at", "clinician_wall_s": "clin.wall",
                "clinician_acted": "clin.acted", "clinician_waiting": "clin.waiting",
                "clinician_median_s": "clin.median", "clinician_p90_s": "clin.p90",
                "waiting_s": "waiting", "conversation": "conv"}
"""Headers for people (CSV and JSON keep the full column names)."""

ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", envvar="CXINBOX_CONFIG",
                                              help="Path to config.toml.")]



def _number(cell: object) -> float:
    """A cell's value for its bar (text and empty cells draw none)."""
    return float(cell) if isinstance(cell, int | float) else 0.0

def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"cxinbox: {message}", err=True)
    return typer.Exit(code)


def _cell_for_people(column: str, value: Cell, tz: ZoneInfo) -> str:
    if value is None:
        return "-"
    if column in TIME_COLUMNS and isinstance(value, int):
        return datetime.fromtimestamp(value, UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if column.endswith("_s") and isinstance(value, int):
        return duration(value)
    if column == "pct_met" and isinstance(value, float):
        return f"{value:.1f}%"
    return str(value)


def _cell_for_machines(column: str, value: Cell, tz: ZoneInfo) -> Cell:
    if column in TIME_COLUMNS and isinstance(value, int):
        return datetime.fromtimestamp(value, UTC).astimezone(tz).isoformat()
    return value


SHADES: Final = " .:+#"
SHADES_UNICODE: Final = " \u2591\u2592\u2593\u2588"


def render_heatmap(table: ReportTable, ascii_only: bool) -> list[str]:
    """The hour-of-week table as a grid of shades (darker, more messages) with the count
    each shade stands for: a glyph per cell says it, not a colour. Fits 80 columns."""
    shades = SHADES if ascii_only else SHADES_UNICODE
    values = [int(v) for row in table.rows for v in row[1:] if isinstance(v, int)]
    most = max(values, default=0)
    steps = len(shades) - 1

    def shade(v: object) -> str:
        n = int(v) if isinstance(v, int) else 0
        if n <= 0 or most <= 0:
            return shades[0] * 2
        return shades[max(1, -(-n * steps // most))] * 2

    hours = table.columns[1:]
    out = [f"{table.name}: messages in by hour of the week (clinic time)",
           "     " + "".join(h if i % 3 == 0 else "  " for i, h in enumerate(hours)).rstrip(),
           "     " + ("|" + " " * 5) * 8]
    out[-1] = out[-1].rstrip()
    for row in table.rows:
        cells = "".join(shade(v) for v in row[1:])
        total = sum(int(v) for v in row[1:] if isinstance(v, int))
        out.append(f"{row[0]!s:<4} {cells} {total:>6}")
    # shade k draws n with ceil(n * steps / most) == k: from floor(most * (k-1) / steps) + 1
    # to floor(most * k / steps); a shade no count can take (few messages) is left out
    ranges = [(k, most * (k - 1) // steps + 1, most * k // steps) for k in range(1, steps + 1)]
    bounds = [f"{shades[k] * 2}={low}-{high}" for k, low, high in ranges if most and low <= high]
    out.append("legend: " + "  ".join(bounds) if bounds else "(nothing in this period)")
    return out


def render_table(table: ReportTable, tz: ZoneInfo, ascii_only: bool,
                 width: int = WIDTH) -> list[str]:
    """One table for people: a header, aligned cells, and a bar for its headline figure."""
    if table.name == "heatmap":
        return render_heatmap(table, ascii_only)
    cells = [[_cell_for_people(c, v, tz) for c, v in zip(table.columns, row, strict=True)]
             for row in table.rows]
    headers = [SHORT.get(c, c) for c in table.columns]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], int | float) or row[i] is None for row in table.rows)
               for i in range(len(table.columns))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w)
                         for v, w, n in zip(values, widths, numeric, strict=True)).rstrip()

    head = line(headers)
    bar_col = BAR_COLUMN.get(table.name)
    bar_at = table.columns.index(bar_col) if bar_col in table.columns else None
    room = width - len(head) - 2
    values = [_number(r[bar_at]) if bar_at is not None else 0.0 for r in table.rows]
    most = 100.0 if bar_col == "pct_met" else max(values, default=0.0)
    out = [f"{table.name}:", head]
    for row, value in zip(cells, values, strict=True):
        text = line(row)
        if bar_at is not None and room >= 10:
            text = f"{text.ljust(len(head))}  {bar(value, most, room, ascii_only)}".rstrip()
        out.append(text)
    if not table.rows:
        out.append("(nothing in this period)")
    elif len(head) > width:
        out.append(f"(wider than {width} columns: --csv or --json give every column)")
    return out


def _ascii_default() -> bool:
    term = os.environ.get("TERM", "")
    encoding = (sys.stdout.encoding or "").lower().replace("-", "")
    return term in ("linux", "vt100", "vt220", "dumb") or encoding not in ("utf8", "utf_8")


def print_report(report: Report, *, as_json: bool, as_csv: bool, table: str | None,
                 ascii_only: bool | None) -> None:
    tz = ZoneInfo(report.timezone)
    if as_json:
        data = report.to_dict()
        data["tables"] = {t.name: [{c: _cell_for_machines(c, v, tz)
                                    for c, v in zip(t.columns, row, strict=True)}
                                   for row in t.rows] for t in report.tables}
        data["since"] = datetime.fromtimestamp(report.since, UTC).astimezone(tz).isoformat()
        data["until"] = datetime.fromtimestamp(report.until, UTC).astimezone(tz).isoformat()
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    chosen = report.tables if table is None else tuple(
        t for t in report.tables if t.name == table)
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        first = chosen[0]
        writer.writerow(first.columns)
        for row in first.rows:
            writer.writerow([_csv_cell(_cell_for_machines(c, v, tz))
                             for c, v in zip(first.columns, row, strict=True)])
        return
    ascii_only = _ascii_default() if ascii_only is None else ascii_only
    since = datetime.fromtimestamp(report.since, UTC).astimezone(tz)
    until = datetime.fromtimestamp(report.until, UTC).astimezone(tz)
    by = f", by {' and '.join(report.by)}" if report.by else ""
    typer.echo(f"report {report.name}: {since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M}"
               f" ({report.timezone}){by}")
    for t in chosen:
        typer.echo("")
        for text in render_table(t, tz, ascii_only):
            typer.echo(text)


def _csv_cell(value: Cell) -> Cell:
    """Keep a spreadsheet from running a cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") \
            and value != "-":
        return f"'{value}"
    return value


def register(app: typer.Typer, open_api: Callable[[Config], SyncAPI],
             load_config: Callable[[str | None], Config],
             ascii_default: Callable[[], bool | None]) -> None:
    """Add `report` to `app`."""

    @app.command("report")
    def report_cmd(
        name: Annotated[str, typer.Argument(
            metavar="NAME", help=f"One of: {', '.join(NAMES)}, digest.")],
        query: Annotated[str, typer.Argument(
            metavar="[QUERY]", help="Only conversations matching QUERY (as for list).")] = "",
        where: Annotated[str | None, typer.Option(
            "--where", metavar="QUERY", help="The same filter as QUERY.")] = None,
        since: Annotated[str | None, typer.Option(
            "--since", metavar="WHEN", help="From this time: 30d, 2026-11-01, mon (default"
            " 30d; digest: the last 7 whole days).")] = None,
        until: Annotated[str | None, typer.Option(
            "--until", metavar="WHEN", help="Up to this time (default now); a bare date"
            " such as 2026-11-30 includes that whole day.")] = None,
        by: Annotated[list[str] | None, typer.Option(
            "--by", metavar="staff|mailbox|tag|channel|intent|day|week",
            help="Break down: volume, response, sla and backlog take a period and one"
            " other (repeat --by); workload a period; csat one of day, week, staff, mailbox,"
            " channel; intent is for volume only."),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Every table, as JSON.")] = False,
        as_csv: Annotated[bool, typer.Option(
            "--csv", help="The main table (or --table) as CSV.")] = False,
        table: Annotated[str | None, typer.Option(
            "--table", metavar="NAME", help="Only this table (e.g. breaches, age).")] = None,
        heatmap: Annotated[bool, typer.Option(
            "--heatmap", help="volume: messages in by hour of the week, first.")] = False,
        ascii: Annotated[bool | None, typer.Option(
            "--ascii/--unicode", help="Bars in 7-bit ASCII (default: auto).")] = None,
        mail_to: Annotated[list[str] | None, typer.Option(
            "--mail-to", metavar="ADDRESS",
            help="digest: mail it to this staff address (repeatable).")] = None,
        dry_run: Annotated[bool, typer.Option(
            "--dry-run", help="digest: print the message instead of sending it.")] = False,
        again: Annotated[bool, typer.Option(
            "--again", help="digest: send it even to addresses that already had this"
            " period's.")] = False,
        config: ConfigOpt = None,
    ) -> None:
        """Reports from the event log: volume, response, sla, backlog, workload, red-flags,
        csat (patient satisfaction answers); digest mails the week's figures to staff."""
        from cxinbox.domain.when import WhenError, parse_until, parse_when

        if name == DIGEST:
            wrong = [flag for flag, given in (("--by", by), ("--csv", as_csv),
                                              ("--table", table), ("--heatmap", heatmap))
                     if given]
            if wrong:
                raise _fail(f"report digest takes no {wrong[0]}")
        elif mail_to or dry_run or again:
            raise _fail(f"--{'mail-to' if mail_to else 'dry-run' if dry_run else 'again'}"
                        " is for report digest")
        elif name not in NAMES:
            raise _fail(f"unknown report {name[:40]!r}; one of {', '.join(NAMES)}, {DIGEST}")
        if as_json and as_csv:
            raise _fail("give at most one of --json and --csv")
        for b in by or ():
            if b not in BY:
                raise _fail(f"--by must be one of {', '.join(BY)} (got {b[:40]!r})")
        if where is not None and query:
            raise _fail("give the filter once: as QUERY or as --where")
        if heatmap and name != "volume":
            raise _fail("--heatmap is for report volume")
        by = [*(by or ()), "heatmap"] if heatmap else by
        cfg = load_config(config)
        tz = ZoneInfo(cfg.clinic.timezone)
        now = datetime.now(UTC)
        try:
            start = parse_when(since or "30d", now=now, tz=tz, direction="past")
            end = min(now, parse_until(until or "now", now=now, tz=tz))  # today: so far
            # up to now takes in the whole current second: what happened a moment ago
            # (events are stamped to the millisecond, bounds are whole seconds) counts
            end_s = math.ceil(end.timestamp())
        except WhenError as exc:
            raise _fail(str(exc)) from None
        if name == DIGEST:
            from cxinbox import cli_digest

            with open_api(cfg) as api:
                cli_digest.run(api, cli_digest.addresses(mail_to),
                               where if where is not None else query,
                               int(start.timestamp()) if since is not None else None,
                               end_s if until is not None else None,
                               dry_run=dry_run, as_json=as_json, again=again)
            return
        with open_api(cfg) as api:
            result = api.report(name, where if where is not None else query,
                                int(start.timestamp()), end_s, by or None)
        if table is not None and table not in (t.name for t in result.tables):
            raise _fail(f"report {name} has no table {table[:40]!r}; its tables:"
                        f" {', '.join(t.name for t in result.tables)}")
        print_report(result, as_json=as_json, as_csv=as_csv, table=table,
                     ascii_only=ascii if ascii is not None else ascii_default())
