"""The reports screen (`D`): how the desk is doing over a chosen period, at a glance.

The screen paints at once with the period and "Loading"; the figures come from the server
in a worker (each report run is audited there) and are drawn as each report arrives
(volume first: it is the quickest), so opening it never waits for the database. Supervisors and admins see everyone; an agent
sees their own row and the team's totals, because the server only sends them those.
Keys pick the period: t today, w this week, 7 and 3 the last 7 and 30 days, m this month,
c a custom range typed as for `cxinbox report --since/--until`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from cxinbox.contract.report_types import Report
from cxinbox.tui.messages import error_line
from cxinbox.tui.reportview import (
    SCREEN_REPORTS,
    Period,
    by_for,
    custom_range,
    dashboard,
    periods,
)
from cxinbox.tui.screens.prompt import PromptScreen

KEYS = "t Today  w Week  7 7 days  3 30 days  m Month  c Custom  r Reload  Esc Close"


class ReportsLoaded(Message):
    """The reports so far (each is drawn as it arrives); `done` after the last."""

    def __init__(self, token: int, reports: dict[str, Report] | None, error: str,
                 done: bool = True) -> None:
        super().__init__()
        self.token = token
        self.reports = reports
        self.error = error
        self.done = done


class ReportsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="reports-close"),
        Binding("t", "period('t')", "Today", show=False, id="reports-today"),
        Binding("w", "period('w')", "This week", show=False, id="reports-week"),
        Binding("7", "period('7')", "Last 7 days", show=False, id="reports-7d"),
        Binding("3", "period('3')", "Last 30 days", show=False, id="reports-30d"),
        Binding("m", "period('m')", "This month", show=False, id="reports-month"),
        Binding("c", "custom", "Custom", show=False, id="reports-custom"),
        Binding("r", "reload", "Reload", show=False, id="reports-reload"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="reports-down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="reports-up"),
    ]

    DEFAULT_CSS = """
    ReportsScreen { layout: vertical; background: $background 100%; }
    ReportsScreen #reports-title { height: 1; background: $primary; color: $text;
                                   text-style: bold; padding: 0 1; }
    ReportsScreen VerticalScroll { height: 1fr; padding: 0 1; }
    ReportsScreen #reports-status { height: auto; max-height: 2; padding: 0 1; }
    ReportsScreen #reports-status.-error { color: $error; text-style: bold; }
    ReportsScreen #reports-keys { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, api: Any, *, tz: ZoneInfo, ascii_only: bool = False,
                 now: Callable[[], float] = time.time, period: str = "7") -> None:
        super().__init__()
        self._api = api
        self._tz = tz
        self._ascii = ascii_only
        self._now = now
        self._period = self._pick(period)
        self._token = 0
        self.reports: dict[str, Report] = {}
        self.loaded = False

    def _pick(self, key: str) -> Period:
        choices = {p.key: p for p in periods(self._now(), self._tz)}
        return choices.get(key, choices["7"])

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="reports-title", markup=False)
        with VerticalScroll(id="reports-body"):
            yield Static(Text("Loading the reports..."), id="reports-figures", markup=False)
        yield Static(Text(""), id="reports-status", markup=False)
        yield Static(Text(KEYS), id="reports-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self.reload()

    @property
    def period(self) -> Period:
        return self._period

    def _title(self) -> Text:
        def day(at: int) -> str:
            return datetime.fromtimestamp(at, UTC).astimezone(self._tz).strftime(
                "%Y-%m-%d %H:%M")
        p = self._period
        return Text(f"Reports: {p.label}, {day(p.since)} to {day(p.until)}", no_wrap=True,
                    overflow="ellipsis")

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        self._token += 1
        self.loaded = False
        self.query_one("#reports-title", Static).update(self._title())
        self._status("Loading...")
        self.run_worker(self._load(self._token, self._period), group="reports-load",
                        exclusive=True, exit_on_error=False)

    async def _load(self, token: int, period: Period) -> None:
        try:
            found: dict[str, Report] = {}
            for name in SCREEN_REPORTS:
                by = by_for(period.since, period.until) if name == "volume" else None
                found[name] = await self._api.report(name, "", period.since, period.until,
                                                     by)
                if name != SCREEN_REPORTS[-1]:
                    self.post_message(ReportsLoaded(token, dict(found), "", done=False))
        except Exception as exc:  # noqa: BLE001 - one line on the screen, never a crash
            self.post_message(ReportsLoaded(token, None, error_line(exc)))
        else:
            self.post_message(ReportsLoaded(token, found, ""))

    def on_reports_loaded(self, message: ReportsLoaded) -> None:
        message.stop()
        if message.token != self._token:
            return  # an older period's answer
        if message.reports is None:
            self._status(f"Reports not available: {message.error}", error=True)
            return
        self.reports = message.reports
        width = max(40, self.size.width - 2)
        self.query_one("#reports-figures", Static).update(
            dashboard(self.reports, width, self._ascii))
        self.loaded = message.done
        missing = [n for n in SCREEN_REPORTS if n not in self.reports]
        self._status(f"Loading {', '.join(missing)}..." if missing else "")

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#reports-status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")

    # -- keys ------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self._period = self._pick(self._period.key) if self._period.key != "c" \
            else self._period
        self.reload()

    def action_period(self, key: str) -> None:
        self._period = self._pick(key)
        self.reload()

    def action_scroll(self, lines: int) -> None:
        body = self.query_one(VerticalScroll)
        body.scroll_relative(y=lines, animate=False)

    def action_custom(self) -> None:
        def chosen(text: str | None) -> None:
            if not text:
                return
            try:
                since, until = custom_range(text, self._now(), self._tz)
            except ValueError as exc:  # WhenError is one
                self._status(error_line(exc), error=True)
                return
            self._period = Period("c", "custom", since, until)
            self.reload()

        self.app.push_screen(PromptScreen("Report period",
                                          hint="e.g. 14d, 2026-11-01 to 2026-11-30, mon"),
                             chosen)
