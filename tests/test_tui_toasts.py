"""Toasts sit bottom right, above the footer (and above the notes while they show): never
over the header, the list's column labels, the status line or the key hints."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.test_tui_support import make_app, make_inbox, screen_text, wait_for, wait_rows

SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES)
async def test_a_toast_over_the_list_leaves_header_labels_and_footer_readable(
        tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(make_inbox(tmp_path))
    async with app.run_test(size=size, notifications=True) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("u")  # nothing to undo yet: a toast says so
        await wait_for(pilot, lambda: "undo" in screen_text(app).lower()
                       and bool(list(app.screen.query("Toast"))), what="toast")
        await pilot.pause()
        toasts = list(app.screen.query("Toast"))
        labels = app.conversation_list.region.y  # the list's first line: column labels
        for toast in toasts:
            region = toast.region
            assert region.height
            assert region.y > labels  # below the header row and the column labels
            assert region.bottom <= size[1] - 2  # above the status line and key hints
            assert not region.overlaps(app.status_line.region)
            assert region.right >= size[0] - 2  # at the right (the rack keeps a gutter)
        lines = screen_text(app).rstrip("\n").split("\n")
        assert "Patient" in lines[1]  # the labels are all there
        assert "? Help" in lines[-1]
