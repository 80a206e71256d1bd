"""Snooze in the TUI takes what `--until` takes, in the clinic's zone, shows the wake-up
time before Enter, refuses the past in one line, and the thread says until when."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.test_tui_support import Inbox, make_app, make_inbox, screen_text, wait_for, wait_rows
from textual.widgets import Static

from cxinbox.config import ClinicConfig
from cxinbox.contract.types import ConversationSummary
from cxinbox.tui.screens.snooze import SnoozeScreen
from cxinbox.tui.snoozetext import resolve_snooze, status_fact, wake_short, wake_text

CHICAGO = ZoneInfo("America/Chicago")
# Thursday 3 December 2026, 14:00 in Chicago (20:00 UTC).
THURSDAY = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(("typed", "shown"), [
    ("tomorrow 9am", "until Fri 4 Dec 09:00"),
    ("mon 8:00", "until Mon 7 Dec 08:00"),
    ("3pm", "until Thu 3 Dec 15:00"),
    ("1pm", "until Fri 4 Dec 13:00"),  # today's 1pm has gone: the next one
    ("2h", "until Thu 3 Dec 16:00"),
    ("friday", "until Fri 4 Dec 00:00"),
    ("thu", "until Thu 10 Dec 00:00"),
    ("2027-01-05T10:00", "until Tue 5 Jan 2027 10:00"),
])
def test_the_prompt_reads_like_the_cli_in_the_clinic_zone(typed: str, shown: str) -> None:
    answer = resolve_snooze(typed, now=THURSDAY, tz=CHICAGO)
    assert answer.text == shown
    assert answer.until is not None and answer.until > THURSDAY


def test_the_clinic_zone_not_utc_decides_tomorrow() -> None:
    """At 20:00 in Chicago it is already Friday in UTC: `tomorrow` is still Friday here."""
    late = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # Thu 20:00 CST
    answer = resolve_snooze("tomorrow 9am", now=late, tz=CHICAGO)
    assert answer.text == "until Fri 4 Dec 09:00"
    assert answer.until is not None
    assert answer.until.astimezone(UTC) == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def test_across_the_spring_forward_night() -> None:
    saturday = datetime(2026, 3, 7, 18, 0, tzinfo=UTC)  # noon CST; CDT from Sunday 02:00
    answer = resolve_snooze("tomorrow 9am", now=saturday, tz=CHICAGO)
    assert answer.text == "until Sun 8 Mar 09:00"
    assert answer.until is not None
    assert answer.until.astimezone(UTC) == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    gap = resolve_snooze("sun 2:30", now=saturday, tz=CHICAGO)
    assert gap.text == "until Sun 8 Mar 03:30"  # 02:30 never shows on a clock that night
    day = resolve_snooze("24h", now=saturday, tz=CHICAGO)  # a day of elapsed time
    assert day.text == "until Sun 8 Mar 13:00"


@pytest.mark.parametrize(("typed", "reason"), [
    ("today 9am", "Thu 3 Dec 09:00 has passed; a snooze needs a time to come."),
    ("yesterday", "Wed 2 Dec 00:00 has passed; a snooze needs a time to come."),
    ("2026-12-01", "Tue 1 Dec 00:00 has passed; a snooze needs a time to come."),
    ("now", "Thu 3 Dec 14:00 has passed; a snooze needs a time to come."),
    ("soon", "Not a time I know. Try 2h, 3pm, tomorrow 9am, mon 8:00, friday."),
    ("", "Type when it should reopen: 2h, 3pm, tomorrow 9am, mon 8:00, friday."),
    ("800w", "Not a time I know. Try 2h, 3pm, tomorrow 9am, mon 8:00, friday."),
    ("2030-01-01", "More than two years away; close it instead."),
])
def test_refused_in_one_line(typed: str, reason: str) -> None:
    answer = resolve_snooze(typed, now=THURSDAY, tz=CHICAGO)
    assert answer.until is None and answer.text == reason and "\n" not in reason


def test_status_fact_says_until_when() -> None:
    base = ConversationSummary(
        id=7, subject="s", from_name="Ana", from_addr="a@example.org", channel="email",
        mailbox="appointments", status="snoozed", assignee=None, priority="normal", tags=(),
        created_at=0, last_message_at=0, last_inbound_at=None, first_response_at=None,
        snoozed_until=int(datetime(2026, 12, 4, 15, 0, tzinfo=UTC).timestamp()),
        message_count=1, unread_count=0, has_attachment=False)
    assert status_fact(base, CHICAGO) == "snoozed until Fri 4 Dec 09:00"
    assert status_fact(dataclasses.replace(base, status="open", snoozed_until=None),
                       CHICAGO) == "open"
    assert wake_text(base.snoozed_until or 0, UTC) == "until Fri 4 Dec 15:00"


def test_wake_short_fits_a_list_cell() -> None:
    def at(*args: int) -> int:
        return int(datetime(*args, tzinfo=CHICAGO).timestamp())

    assert wake_short(at(2026, 12, 3, 16, 30), CHICAGO, THURSDAY) == "16:30"
    assert wake_short(at(2026, 12, 4, 9, 0), CHICAGO, THURSDAY) == "Fri 09:00"
    assert wake_short(at(2026, 12, 9, 9, 0), CHICAGO, THURSDAY) == "Wed 09:00"
    assert wake_short(at(2026, 12, 10, 9, 0), CHICAGO, THURSDAY) == "10 Dec"
    assert wake_short(at(2027, 3, 1, 9, 0), CHICAGO, THURSDAY) == "1 Mar"


# -- in the app (the demo clinic at Tue 4 Mar 2025 15:00; its zone set per test) -----------


def _inbox_in(tmp_path: Path, zone: str) -> Inbox:
    inbox = make_inbox(tmp_path, conversations=60)
    inbox.demo.config = dataclasses.replace(
        inbox.demo.config, clinic=ClinicConfig(name="Maple Street Clinic (demo)", timezone=zone))
    return inbox


async def test_snooze_until_tomorrow_morning_from_the_list(tmp_path: Path) -> None:
    inbox = _inbox_in(tmp_path, "America/Chicago")  # 15:00 UTC is 09:00 CST there
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        target = app.conversation_list.selected
        assert target is not None and target.status == "open"
        await pilot.press("s", "z")
        await wait_for(pilot, lambda: isinstance(app.screen, SnoozeScreen), what="prompt")
        await wait_for(pilot, lambda: "until Wed 5 Mar 09:00" in screen_text(app),
                       what="the default's wake-up time, before Enter")
        await pilot.press("ctrl+u", *"today 8am")
        await wait_for(pilot, lambda: "it reopens then" in screen_text(app)
                       and "until Tue" not in screen_text(app), what="no wake-up time yet")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Tue 4 Mar 08:00 has passed" in screen_text(app),
                       what="one line refusing the past")
        assert isinstance(app.screen, SnoozeScreen)
        await pilot.press("ctrl+u", *"mon 8:00")
        await wait_for(pilot, lambda: "until Mon 10 Mar 08:00" in screen_text(app),
                       what="the preview following the typing")
        await pilot.press("enter")

        def current() -> ConversationSummary:
            return inbox.service.get_conversation(target.id, record_view=False).summary

        await wait_for(pilot, lambda: current().status == "snoozed", what="snoozed")
        # clocks went forward on Sunday 9 March: 08:00 CDT is 13:00 UTC, not 14:00
        assert current().snoozed_until == int(datetime(2025, 3, 10, 13, 0,
                                                       tzinfo=UTC).timestamp())
        await wait_for(pilot, lambda: "until Mon 10 Mar 08:00" in screen_text(app),
                       what="the toast saying until when")


async def test_the_thread_header_says_until_when(tmp_path: Path) -> None:
    inbox = _inbox_in(tmp_path, "UTC")
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.detail is not None, what="thread open")
        await pilot.press("s", "z")
        await wait_for(pilot, lambda: isinstance(app.screen, SnoozeScreen), what="prompt")
        await pilot.press("ctrl+u", *"fri 3pm", "enter")
        header = app.thread.query_one("#thread-header", Static)
        await wait_for(pilot, lambda: "snoozed until Fri 7 Mar 15:00" in str(header.content),
                       what="the header's status with its wake-up time")
