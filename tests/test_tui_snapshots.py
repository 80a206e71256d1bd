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

pytest.importorskip("pytest_textual_snapshot")


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
        # On wide screens the thread follows the cursor once it rests: wait for that too.
        await wait_for(pilot, app._preview.settled, what="preview")
        await pilot.pause(0.2)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_list(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(make_inbox(tmp_path))
    assert snap_compare(app, terminal_size=size, run_before=_settled(("j", "j")))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_red_flag_thread(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(make_inbox(tmp_path))

    async def run_before(pilot: Pilot[Any]) -> None:
        await _settled(("slash", "ctrl+u", *"tag:red-flag", "enter"), after="search")(pilot)
        await pilot.press("enter")
        # Opened, not just previewed beside the list: the thread has the keys.
        await wait_for(pilot, lambda: app.thread.detail is not None
                       and app.focused is app.thread, what="thread")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


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
