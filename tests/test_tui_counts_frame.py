"""The header's counts change in the same frame as the rows after a change arrives
(qa26 F10: "Mine 0" over a row that said "me" for about a second): the page read after
the news brings the counts with it, and counts read ahead of the rows wait for them."""

from __future__ import annotations

from pathlib import Path

from tests.test_tui_support import ME, make_app, make_inbox, screen_text, wait_for, wait_rows

from cxinbox.service.inbox import InboxService


async def test_mine_counts_the_row_that_became_mine_in_the_same_frame(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=40)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        await wait_for(pilot, lambda: app.header_bar._counts.get("mine") is not None,
                       what="the counts")
        rows = app.conversation_list.loaded_summaries()
        target = next(s for s in rows if s.status == "open" and not s.assignee)
        base = app.header_bar._counts["mine"]
        assert isinstance(base, int)

        def row_mine() -> bool:
            row = next((s for s in app.conversation_list.loaded_summaries()
                        if s.id == target.id), None)
            return row is not None and row.assignee == ME

        colleague = InboxService(inbox.db, inbox.demo.config, "maria")
        colleague.assign(target.id, ME)
        frames = 0
        while not (row_mine() and app.header_bar._counts.get("mine") == base + 1):
            mine = app.header_bar._counts.get("mine")
            assert mine == base + (1 if row_mine() else 0), (mine, base, row_mine(), frames)
            frames += 1
            assert frames < 3000, "the row and the count never both showed it"
            await pilot.pause(0.01)
        line = next(x for x in screen_text(app).splitlines() if f"#{target.id}" in x)
        assert " me " in f" {line} ", line
        # and back: handed to a colleague, the count drops with the row
        colleague.assign(target.id, "maria")
        while row_mine() or app.header_bar._counts.get("mine") != base:
            assert app.header_bar._counts.get("mine") == base + (1 if row_mine() else 0)
            frames += 1
            assert frames < 6000, "the row and the count never both dropped it"
            await pilot.pause(0.01)
