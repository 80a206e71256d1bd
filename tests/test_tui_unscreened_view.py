"""Messages no red-flag check read have a view and a count (qa28 F7: a 4-day-old "my
chest is crushing" text sat below the first screen of All open; `v` had no view for it and
the header did not count it). At 80x24: `Unscr N` in the header only while there are
any, and "Not screened" under `v` (and on `7`) lists exactly them; All open keeps its order."""

from __future__ import annotations

from typing import Any

import pytest
from tests.test_tui_support import Inbox, make_app, make_inbox, screen_text, wait_for, wait_rows

from cxinbox.service.inbox import InboxService
from cxinbox.tui.widgets.header_bar import HeaderBar


@pytest.fixture
def inbox(tmp_path: Any) -> Inbox:
    return make_inbox(tmp_path, conversations=40)


def _header(app: Any) -> str:
    bar = app.header_bar
    assert isinstance(bar, HeaderBar)
    return bar.line(80).plain


def _late(inbox: Inbox) -> int:
    """One open conversation's newest patient message stored late (as a sync after an
    outage writes it: `messages.unscreened_at`), unread: the store's rule marks it."""
    conn = inbox.db.conn
    row = conn.execute(
        "SELECT m.id, m.conversation_id FROM messages m JOIN conversations c"
        " ON c.id = m.conversation_id WHERE c.status = 'open' AND m.direction = 'in'"
        " AND c.last_response_at IS NULL AND m.id = (SELECT max(id) FROM messages x"
        " WHERE x.conversation_id = c.id) ORDER BY c.last_message_at ASC LIMIT 1").fetchone()
    with inbox.db.write() as w:
        w.execute("UPDATE messages SET unscreened_at = 1, seen = 0 WHERE id = ?", (row[0],))
        w.execute("UPDATE messages SET seen = 0 WHERE conversation_id = ?", (row[1],))
    return int(row[1])


async def test_not_screened_has_a_view_and_a_count_at_80x24(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app.header_bar._counts.get("open") is not None,
                       what="the counts")
        assert "Unscr" not in _header(app)  # none: no count
        order = [s.id for s in app.conversation_list.loaded_summaries()]
        conv = _late(inbox)
        service = InboxService(inbox.db, inbox.demo.config, "maria")
        assert conv in {s.id for s in service.list_conversations("is:unscreened", 0, 50).items}
        app.action_refresh_now()
        await wait_for(pilot, lambda: "Unscr 1" in _header(app), what="the header's count")
        assert [s.id for s in app.conversation_list.loaded_summaries()] == order  # not moved
        await pilot.press("v")
        await wait_for(pilot, lambda: "Not screened" in screen_text(app),
                       what="the view in the views menu")
        await pilot.press("escape")
        await pilot.press("7")
        await wait_for(pilot, lambda: [s.id for s in app.conversation_list.loaded_summaries()]
                       == [conv], what="the view lists exactly the unscreened one")
        assert "Not screened (1)" in screen_text(app), screen_text(app)
