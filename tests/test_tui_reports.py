"""The reports screen (`D`) on the demo inbox: the headline numbers, charts and workload
the server's reports give, at 80x24, 120x40 and in ASCII mode, and the period keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.test_tui_support import make_app, make_inbox, screen_text, wait_for, wait_rows

from cxinbox.tui import actions
from cxinbox.tui.reportview import headline
from cxinbox.tui.screens.reports import ReportsScreen


@pytest.mark.parametrize(("size", "ascii_only"), [((80, 24), False), ((120, 40), False),
                                                 ((80, 24), True)])
async def test_reports_screen_shows_the_desk_at_a_glance(tmp_path: Path,
                                                         size: tuple[int, int],
                                                         ascii_only: bool) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox, ascii_only=ascii_only)
    async with app.run_test(size=size) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportsScreen)
                       and app.screen.loaded, what="the reports")
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        figures = headline(screen.reports)
        assert figures.received > 0, "the demo inbox has mail in the last 7 days"
        # `loaded` flips in the handler that updates the widgets: wait for the repaint that
        # draws real figures (not the "..." placeholders) before reading the screen
        await wait_for(pilot, lambda: "% met" in screen_text(app)
                       and "median" in screen_text(app), what="the figures drawn")
        text = screen_text(app)
        lines = text.splitlines()
        assert "Reports: last 7 days" in lines[0]
        assert f"Received {figures.received}   Sent {figures.sent}" in text
        for words in ("First response  median", "SLA  ", "Open backlog", "Red flags",
                      "Messages in, per day"):
            assert words in text, (words, text)
        assert all(len(line) <= size[0] for line in lines)
        day_rows = [line for line in lines if line.strip()[:2].isdigit() and "-" in line[:8]]
        assert day_rows and any(("#" if ascii_only else "\u2588") in r for r in day_rows), text
        assert "t Today" in lines[-1]
        await pilot.press("t")
        await wait_for(pilot, lambda: screen.loaded and screen.period.label == "today",
                       what="today's figures")
        assert "Reports: today" in screen_text(app).splitlines()[0]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReportsScreen),
                       what="the list again")


@pytest.mark.parametrize("who", ["maria", None])
async def test_agents_and_supervisors_see_the_team_total_row(tmp_path: Path,
                                                            who: str | None) -> None:
    """At 80x24, scrolled to the workload: an agent sees their own row and the team's
    total (said in words), no colleague; a supervisor everyone and the same total."""
    import dataclasses

    from tests.test_tui_support import RecordingApi

    from cxinbox.api.interface import InProcessAPI
    from cxinbox.service.inbox import InboxService

    inbox = make_inbox(tmp_path)
    staff = [m.os_user for m in inbox.demo.config.staff]
    if who is not None:
        service = InboxService(inbox.db, inbox.demo.config, who)
        inbox = dataclasses.replace(inbox, service=service, api=RecordingApi(
            InProcessAPI(service), inbox.clock))
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportsScreen)
                       and app.screen.loaded, what="the reports")
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        rows = [r for r in screen.reports["workload"].table("workload").rows
                if r[0] == "all"]
        names = {str(r[1]) for r in rows}
        assert "total" in names
        for _ in range(40):
            await pilot.press("j")
        await wait_for(pilot, lambda: "Team total" in screen_text(app),
                       what="the workload's last row")
        lines = screen_text(app).splitlines()
        assert all(len(line) <= 80 for line in lines)
        shown = {line.split()[0] for line in lines
                 if line.split() and line.split()[0] in staff}
        if who is not None:
            assert names == {who, "total"}
            assert shown == {who}, lines
        else:
            assert shown == names - {"total"} and len(shown) > 1, lines
        (total,) = [line for line in lines if line.strip().startswith("Team total")]
        (mine,) = [r for r in rows if r[1] == "total"]
        assert total.split()[2:6] == [str(v) for v in mine[2:6]]


def test_the_reports_screen_is_on_D_and_in_the_palette() -> None:
    spec = actions.action("reports")
    assert spec.keys == "D" and spec.palette and spec.scope == "app"


def test_a_headline_line_waits_for_its_own_report() -> None:
    from cxinbox.contract.report_types import Report
    from cxinbox.domain.report_tables import ReportTable
    from cxinbox.tui.reportview import dashboard, headline_text

    volume = Report("volume", 0, 86400, "UTC", ("day",), (
        ReportTable("volume", ("period", "in", "out"), (("2026-12-01", 5, 3),)),))
    text = headline_text(headline({"volume": volume}), {"volume"}).plain
    assert "Received 5   Sent 3" in text
    assert "SLA  ..." in text and "Red flags  ..." in text and "First response  ..." in text
    body = dashboard({"volume": volume}, 60, ascii_only=True)
    assert "Workload" not in str([getattr(p, "plain", "") for p in body.renderables])


def test_a_custom_range_ending_on_a_bare_date_includes_that_day() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from cxinbox.domain.when import WhenError
    from cxinbox.tui.reportview import custom_range

    tz = ZoneInfo("America/New_York")
    now = datetime(2026, 12, 4, 15, 0, tzinfo=tz).timestamp()

    def at(*parts: int) -> int:
        return int(datetime(*parts, tzinfo=tz).timestamp())  # type: ignore[misc]

    assert custom_range("2026-11-01 to 2026-11-30", now, tz) == (at(2026, 11, 1),
                                                                 at(2026, 12, 1))
    # the night the clocks go back is a 25-hour day, all of it inside
    assert custom_range("2026-10-31 to 2026-11-01", now, tz) == (at(2026, 10, 31),
                                                                 at(2026, 11, 2))
    assert custom_range("2026-11-30 to 2026-11-30", now, tz) == (at(2026, 11, 30),
                                                                 at(2026, 12, 1))
    assert custom_range("2026-11-30 to 2026-11-30T12:00", now, tz)[1] == at(2026, 11, 30, 12)
    # a day not over yet: as much of it as has passed
    assert custom_range("2026-12-01 to 2026-12-04", now, tz)[1] == int(now)
    assert custom_range("14d", now, tz) == (int(now) - 14 * 86400, int(now))
    with pytest.raises(ValueError, match="start must be before the end"):
        custom_range("2026-12-01 to 2026-11-30", now, tz)
    with pytest.raises(WhenError):
        custom_range("soonish", now, tz)
