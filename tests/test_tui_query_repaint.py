"""What a query costs on screen: the search bar lies over the footer and moves nothing, and
focus changes do not restyle the list.

Running a query at 100k conversations was slow mostly in drawing, not in SQL: the bar took
two lines from the list while open, so closing it resized the list and repainted the
whole screen, and every focus change sent the list's fifteen row styles through the
stylesheet. These tests pin down the layout and the premises that make the cheap path
correct, at 80x24 and 120x40.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from tests.test_tui_support import Inbox, make_app, make_inbox, screen_text, wait_for, wait_rows
from textual.widgets import Input

from cxinbox.tui.heap import FULL_GAP_S, IDLE_S, HeapKeeper

SIZES = [(80, 24), (120, 40)]
ROW_STYLES = ("cursor", "cursor-blurred", "unread", "dim", "breached", "at-risk", "paused",
              "urgent", "high", "tags", "loading", "red-flag", "marked", "header", "held")


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return make_inbox(tmp_path)


def _lines(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


@pytest.mark.parametrize("size", SIZES)
async def test_the_search_bar_lies_over_the_footer_and_moves_nothing(
        inbox: Inbox, size: tuple[int, int]) -> None:
    app = make_app(inbox)
    async with app.run_test(size=size) as pilot:
        await wait_rows(pilot, app)
        lst = app.conversation_list
        region = lst.region
        assert "? Help" in _lines(screen_text(app))[-1]

        await pilot.press("slash")
        await wait_for(pilot, lambda: "Enter search" in screen_text(app), what="the bar")
        lines = _lines(screen_text(app))
        assert len(lines) == size[1]
        assert "Enter search" in lines[-1]  # the bar's hint is the footer while it is open
        assert "online:" not in "\n".join(lines[-2:])  # the status line is under the bar
        assert lst.region == region  # the list kept every row

        await pilot.press("escape")
        await wait_for(pilot, lambda: "Enter search" not in screen_text(app), what="closed")
        lines = _lines(screen_text(app))
        assert "online:" in lines[-2]
        assert "? Help" in lines[-1]
        assert lst.region == region
        assert app.focused is lst


@pytest.mark.parametrize("size", SIZES)
async def test_a_query_error_takes_the_hint_line_and_leaves_the_list_alone(
        inbox: Inbox, size: tuple[int, int]) -> None:
    app = make_app(inbox)
    async with app.run_test(size=size) as pilot:
        await wait_rows(pilot, app)
        region = app.conversation_list.region
        await pilot.press("slash", "ctrl+u", *"tag:", "enter")
        await wait_for(pilot, lambda: "query error" in screen_text(app), what="error line")
        lines = _lines(screen_text(app))
        assert "tag:" in lines[-2]  # the query, still there to be fixed
        assert "query error" in lines[-1]
        assert "Enter search" not in screen_text(app)
        assert app.conversation_list.region == region
        assert isinstance(app.focused, Input)

        await pilot.press(*"billing", "enter")  # fixed in place
        await wait_for(pilot, lambda: app.focused is app.conversation_list
                       and app.conversation_list.loaded and all(
                           "billing" in s.tags
                           for s in app.conversation_list.loaded_summaries()),
                       what="results")
        assert "query error" not in screen_text(app)
        assert "? Help" in _lines(screen_text(app))[-1]
        assert app.conversation_list.region == region


async def test_the_list_looks_the_same_focused_or_not(inbox: Inbox) -> None:
    """The list skips Textual's restyle on focus changes (ConversationList.watch_has_focus)
    because its cursor row shows focus by itself. That is right only while no CSS rule
    styles the list or its row styles by :focus; a rule that does must come with the
    restyle back."""
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        lst = app.conversation_list

        def looks() -> tuple[str, ...]:
            app.stylesheet.update_nodes([lst])
            return (lst.styles.css, *(lst.get_component_styles(f"conversation-list--{name}").css
                                      for name in ROW_STYLES))

        assert app.focused is lst
        focused = looks()
        await pilot.press("slash")
        await wait_for(pilot, lambda: not lst.has_focus, what="focus in the query")
        assert looks() == focused


async def test_the_running_app_keeps_full_collections_out_of_the_way(inbox: Inbox) -> None:
    """Full collections walked everything the app holds (65-150 ms at 100k conversations,
    every few seconds, started by the allocations of a query's results): while the app
    runs, what exists once its first rows are up is frozen out of their sight and they
    wait for a pause in typing (tui/heap.py); when it ends, the collector is as before."""
    before = gc.get_threshold()
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[2] > before[2]
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_heap_keeper_collects_only_in_a_pause_and_not_too_often() -> None:
    now = [1000.0]
    keeper = HeapKeeper(clock=lambda: now[0])
    before = gc.get_threshold()
    try:
        assert not keeper.idle(60.0)  # not started: Python's own schedule
        keeper.start()
        now[0] += FULL_GAP_S
        assert not keeper.idle(IDLE_S / 2)  # someone is typing
        assert keeper.idle(IDLE_S)
        now[0] += FULL_GAP_S / 2
        assert not keeper.idle(60.0)  # one ran a moment ago
        now[0] += FULL_GAP_S / 2
        assert keeper.idle(60.0)
    finally:
        keeper.stop()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_heap_keeper_gives_back_pythons_schedule_after_an_app_that_never_ended() -> None:
    before = gc.get_threshold()
    forgotten, later = HeapKeeper(), HeapKeeper()
    try:
        forgotten.start()  # an app made and never run: it never stops
        later.start()
        later.stop()
        assert gc.get_threshold() == before
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
