"""Screenshots of the main screens at 80x24 and 120x40, compared with stored SVGs.

Stable because the clock is frozen (countdowns, ages, note times), cursors do not blink,
animations are off and Textual is pinned exactly. After a deliberate UI change, review
the diff and update with `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.test_tui_support import ManualTimer, make_app, make_inbox, wait_for
from textual.pilot import Pilot
from textual.worker import WorkerState

pytest.importorskip("pytest_textual_snapshot")


def _quiet(app: Any) -> bool:
    """No request out but the long poll (which waits for news by design): no page, count,
    thread, presence or side-information call still to come back, no preview timer left."""
    return app._preview.settled() and not any(
        worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
        for worker in app.workers if worker.group != "poll")


async def _quiet_screen(pilot: Pilot[Any]) -> None:
    """Wait until nothing is in flight, with what came back applied and repainted.

    A worker's answer is a message it posted before it finished, and handling it may ask
    for more (a page of rows asks for the next window): so quiet must still hold once
    every pending message has been handled (`pause()` without a delay waits for that and
    refreshes the screen, it does not sleep a fixed time)."""
    app: Any = pilot.app
    while True:
        await wait_for(pilot, lambda: _quiet(app), what="nothing in flight")
        await pilot.pause()
        if _quiet(app):
            return


def _settled(press: tuple[str, ...] = (), after: str | None = None) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        app: Any = pilot.app
        await wait_for(pilot, lambda: app.conversation_list.loaded
                       and app.conversation_list.selected is not None, what="rows")
        await wait_for(pilot, lambda: "Mine" in app.header_bar.render().plain, what="counts")
        await wait_for(pilot, lambda: app._last_seq is not None, what="live")
        if press:
            await pilot.press(*press)
        if after == "thread":
            await wait_for(pilot, lambda: app.thread.detail is not None, what="thread")
        if after == "search":
            await wait_for(pilot, lambda: "Search:" in app.header_bar.render().plain,
                           what="search")
            # The keys move from the search field to the results after their first paint.
            await wait_for(pilot, lambda: app.focused is app.conversation_list,
                           what="results have the keys")
        # On wide screens the thread follows the cursor once it rests: wait for that too.
        await wait_for(pilot, app._preview.settled, what="preview")
        await _quiet_screen(pilot)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_list(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(make_inbox(tmp_path))
    assert snap_compare(app, terminal_size=size, run_before=_settled(("j", "j")))


async def _open_red_flag(pilot: Pilot[Any]) -> None:
    """Search the red flags and open the first with Enter, then wait for all it sets off."""
    app: Any = pilot.app
    await _settled(("slash", "ctrl+u", *"tag:red-flag", "enter"), after="search")(pilot)
    await pilot.press("enter")
    # Opened, not just previewed beside the list: the thread has the keys.
    await wait_for(pilot, lambda: app.thread.detail is not None
                   and app.focused is app.thread, what="thread")
    # Opening marks it read; the list beside the thread (120 columns) loses the row's
    # unread mark only once that change has come back through the live feed and the rows
    # were fetched again, which a loaded machine can take a while to do.
    opened = app.thread.detail.summary.id

    def shown_read() -> bool:
        row = app.conversation_list.summary_for(opened)
        return row is not None and row.unread_count == 0

    await wait_for(pilot, shown_read, what="opened row shown read")
    await _quiet_screen(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_red_flag_thread(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(make_inbox(tmp_path))
    assert snap_compare(app, terminal_size=size, run_before=_open_red_flag)


def test_ascii_list(snap_compare: Any, tmp_path: Path) -> None:
    app = make_app(make_inbox(tmp_path), ascii_only=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settled())


def test_search_error(snap_compare: Any, tmp_path: Path) -> None:
    app = make_app(make_inbox(tmp_path))

    async def run_before(pilot: Pilot[Any]) -> None:
        await _settled(("slash", "ctrl+u", *"status:open tag:", "enter"))(pilot)
        await wait_for(pilot, lambda: app.search_bar.query_one("#search-error").display,
                       what="error")

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_help(snap_compare: Any, tmp_path: Path) -> None:
    app = make_app(make_inbox(tmp_path))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settled(("question_mark",)))


def test_lock_screen(snap_compare: Any, tmp_path: Path) -> None:
    app = make_app(make_inbox(tmp_path), idle_clock=ManualTimer(), idle_lock_s=600)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settled(("f12",)))
