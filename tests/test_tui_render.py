"""What reaches the terminal: hostile text stays literal, --ascii stays 7-bit, and the
per-second tick redraws only the countdown cells that changed."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from tests.support.mailgen import hostile_messages
from tests.test_tui_support import (
    Inbox,
    ingest_raw,
    make_app,
    make_inbox,
    screen_ansi,
    screen_text,
    wait_for,
    wait_rows,
)

from cxinbox.tui.screens.choice import ChoiceScreen
from cxinbox.tui.screens.help import HelpScreen
from cxinbox.tui.screens.lock import LockScreen

HOSTILE_SUBJECTS = [
    "Re: [/bold] closing tag first",
    "[@click=app.quit]Click to confirm[/]",
    "[b]bold?[/b] [link=https://evil.example]portal[/link]",
    "Invoice \x1b[31mOVERDUE\x1b[0m \x1b]52;c;Y3VybA==\x07 \x9b2J done",
    "Refund \u202eGNP.exe\u202c please",
]


def _ingest_hostile(inbox: Inbox) -> None:
    for name, raw in hostile_messages():
        if name != "huge-attachment-20mb":
            ingest_raw(inbox.db, raw)
    for index, subject in enumerate(HOSTILE_SUBJECTS):
        raw = (f"From: \"[red]Mallory[/red] \x1b[8m\" <mallory{index}@attacker.example>\r\n"
               f"To: appointments@maplestreet-clinic.example\r\nSubject: {subject}\r\n"
               f"Date: Tue, 04 Mar 2025 14:59:{index:02d} +0000\r\n"
               f"Message-ID: <hostile-{index}@attacker.example>\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n"
               "Body [bold]not bold[/bold] and [@click=app.quit]quit[/] \x1b]8;;x\x1b\\\r\n"
               ).encode()
        ingest_raw(inbox.db, raw)


@pytest.fixture
def hostile(tmp_path: Path) -> Inbox:
    inbox = make_inbox(tmp_path, conversations=4)
    _ingest_hostile(inbox)
    return inbox


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_hostile_subjects_render_as_literal_harmless_text(
        hostile: Inbox, size: tuple[int, int]) -> None:
    app = make_app(hostile)
    async with app.run_test(size=size) as pilot:
        await pilot.press("5")
        await wait_rows(pilot, app)
        text = screen_text(app)
        ansi = screen_ansi(app)
        assert "[/bold]" in text
        assert "[@click=app.quit]" in text
        assert "[b]bold?[/b]" in text
        assert "OVERDUE" in text
        for bad in ("\x1b", "\x9b", "\x07", "\u202e", "\u202c"):
            assert bad not in text
        assert "\x1b]" not in ansi and "\x9b" not in ansi  # no OSC 52 / OSC 8 / C1 CSI
        assert app.is_running


async def test_clicking_click_markup_does_not_quit(hostile: Inbox) -> None:
    app = make_app(hostile)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await wait_rows(pilot, app)
        lines = screen_text(app).splitlines()
        row = next(i for i, line in enumerate(lines) if "[@click=app.quit]" in line)
        column = lines[row].index("[@click=app.quit]") + 3
        await pilot.click(offset=(column, row))
        await pilot.click(offset=(column, row), times=2)
        await wait_for(pilot, lambda: sum("[@click=app.quit]" in line for line in
                                          screen_text(app).splitlines()) >= 2,
                       what="opened by click and drawn")
        text = screen_text(app)
        header_row = next(i for i, line in enumerate(text.splitlines())
                          if "[@click=app.quit]" in line and i != row)
        header_col = text.splitlines()[header_row].index("[@click=app.quit]") + 3
        await pilot.click(offset=(header_col, header_row))
        # The click must do nothing: a key pressed after it is taken in (its screen
        # opens and closes) by an app still running, the markup still shown as text.
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen)
                       and "[bold]not bold[/bold]" in screen_text(app), what="help closed")
        assert app.is_running


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_ascii_mode_emits_no_byte_outside_7bit(hostile: Inbox,
                                                     size: tuple[int, int]) -> None:
    app = make_app(hostile, ascii_only=True)
    async with app.run_test(size=size) as pilot:
        await pilot.press("5")
        await wait_rows(pilot, app)
        screens = [screen_ansi(app)]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.detail is not None
                       and f"#{app.thread.detail.summary.id} " in screen_text(app)
                       and "Esc Back" in screen_text(app), what="the thread drawn")
        screens.append(screen_ansi(app))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen)
                       and "Esc Close" in screen_text(app), what="the help drawn")
        screens.append(screen_ansi(app))
        await pilot.press("escape", "escape", "s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen)
                       and "Status of #" in screen_text(app), what="the status choice drawn")
        screens.append(screen_ansi(app))
        await pilot.press("escape", "f12")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen)
                       and "cxinbox is locked" in screen_text(app), what="the lock drawn")
        screens.append(screen_ansi(app))
        for shot in screens:
            bad = sorted({ch for ch in shot if ord(ch) > 127})
            assert not bad, bad
        assert "+-" in screens[1] or "|" in screens[1]


async def test_unicode_mode_is_unaffected(hostile: Inbox) -> None:
    app = make_app(hostile)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        assert any(ord(ch) > 127 for ch in screen_text(app))


async def test_countdowns_tick_only_where_text_changed(tmp_path: Path) -> None:
    from cxinbox.tui.timefmt import age_text

    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        lst = app.conversation_list
        assert "at risk" in screen_text(app)
        assert lst.tick() == 0  # the clock did not move: nothing is redrawn

        def changed_cells(before: datetime, after: datetime) -> int:
            count = 0
            for s in lst.loaded_summaries()[: lst.rows_high]:
                count += app._sla_cell(s, before) != app._sla_cell(s, after)
                count += age_text(s.last_message_at, before) != age_text(s.last_message_at,
                                                                          after)
            return count

        for step in (1, 1, 59, 1, 600):
            before = inbox.clock.now
            inbox.clock.advance(step)
            expected = changed_cells(before, inbox.clock.now)
            assert lst.tick() == expected
            # Once those cells are drawn, nothing more until the text changes again.
            await wait_for(pilot, lambda: lst.tick() == 0, what="the changed cells drawn")
        seconds_rows = [s for s in lst.loaded_summaries()[: lst.rows_high]
                        if re.search(r"\d+s\b", app._sla_cell(s, inbox.clock.now)[0])]
        minute_rows = lst.rows_high - len(seconds_rows)
        assert minute_rows > len(seconds_rows)  # minutes while more than 10 remain


async def test_sla_states_are_spelled_out(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await wait_rows(pilot, app)
        await pilot.press("slash", "ctrl+u", *"status:open", "enter")
        await wait_rows(pilot, app)
        text = screen_text(app)
        assert "at risk" in text
        inbox.clock.advance(3600 * 3)
        app.conversation_list.tick()
        await wait_for(pilot, lambda: "BREACH" in screen_text(app), what="breach drawn")
        await pilot.press("slash", "ctrl+u", *"status:pending", "enter")
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: "pending" in screen_text(app), what="pending rows drawn")
